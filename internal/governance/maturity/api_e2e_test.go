package maturity_test

import (
	"net/http"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/db"
)

// Through the real server on both engines, every answer checked against
// openapi.json: the demo's BankCERT history (two self-assessments and
// TelcoCERT's review) read by its lead and the National CERT, refused to
// a bank; PowerCERT starts its first self-assessment, links an exercise
// as evidence, and cannot submit before all 44 are rated.
func TestMaturityAPI(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Demo: true, Engine: engine})
			lead, ncert, bank, power := s.Token("lead@bank-cert.example"), s.Token("analyst@ncert.example"), s.Token("ciso@firstbank.example"),
				s.Token("lead@power-cert.example")
			if m := s.API("GET", "/api/v1/maturity/model", bank, nil).JSON(t); len(m["parameters"].([]any)) != 44 || len(m["levels"].([]any)) != 5 {
				t.Errorf("the model: %v", m)
			}
			bankcert := s.OrgID("Banking Sector CERT")
			h := s.API("GET", "/api/v1/maturity/history?org_id="+bankcert, ncert, nil).JSON(t)
			points := h["points"].([]any)
			if len(points) != 3 || points[2].(map[string]any)["kind"] != "peer" {
				t.Fatalf("BankCERT's history: %v", points)
			}
			first, second := points[0].(map[string]any), points[1].(map[string]any)
			if second["average"].(float64) <= first["average"].(float64) {
				t.Errorf("the second assessment is no better: %v %v", first["average"], second["average"])
			}
			v := s.API("GET", "/api/v1/maturity/"+second["id"].(string), lead, nil).JSON(t)
			var linked int
			for _, l := range v["levels"].([]any) {
				linked += len(l.(map[string]any)["evidence"].([]any))
			}
			if linked < 3 {
				t.Errorf("evidence linked: %d", linked)
			}
			if r := s.API("GET", "/api/v1/maturity/"+second["id"].(string), bank, nil); r.Status != http.StatusNotFound {
				t.Errorf("a bank reads BankCERT's maturity: %d", r.Status)
			}
			if h := s.API("GET", "/api/v1/maturity/history?org_id="+bankcert, bank, nil).JSON(t); len(h["points"].([]any)) != 0 {
				t.Errorf("a bank reads BankCERT's history: %v", h)
			}

			r := s.API("POST", "/api/v1/maturity", power, map[string]any{})
			if r.Status != http.StatusCreated {
				t.Fatalf("start: %d %s", r.Status, r.Body)
			}
			m := r.Header.Get("Location")
			if r := s.API("PUT", m+"/levels/O-1", bank, map[string]any{"level": 2}); r.Status != http.StatusNotFound {
				t.Errorf("a bank rated PowerCERT: %d", r.Status)
			}
			if got := apptest.InvalidFields(t, s.API("PUT", m+"/levels/O-1", power, map[string]any{"level": 3})); len(got) != 1 || got[0] != "note" {
				t.Errorf("level 3 resting on nothing: %v", got)
			}
			xs := s.API("GET", "/api/v1/exercises", s.Token("coordinator@cc.example"), nil).JSON(t)["items"].([]any)
			if r := s.API("POST", m+"/evidence", power, map[string]any{"parameter": "P-8", "kind": "exercise", "ref": xs[0].(map[string]any)["id"]}); r.Status != http.StatusCreated {
				t.Fatalf("evidence: %d %s", r.Status, r.Body)
			}
			if r := s.API("PUT", m+"/levels/P-8", power, map[string]any{"level": 3}); r.Status != http.StatusOK {
				t.Errorf("level 3 resting on the exercise: %d %s", r.Status, r.Body)
			}
			if got := apptest.InvalidFields(t, s.API("POST", m+"/submit", power, map[string]any{"summary": ""})); len(got) != 1 || got[0] != "levels" {
				t.Errorf("submitted with 43 unrated: %v", got)
			}
		})
	}
}
