package assessment_test

import (
	"net/http"
	"os"
	"slices"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/db"
)

// Through the real server on both engines, every answer checked against
// openapi.json: staff publish a baseline from a file; BankCERT opens an
// assessment of Crescent Microfinance and assesses it itself; the
// microfinance's administrator keeps its remediation plan; BankCERT
// closes it; the maturity roll-up moves; bad input and outsiders are
// refused with problem details.
func TestAssessmentsAPI(t *testing.T) {
	baseline, err := os.ReadFile("testdata/baseline.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Demo: true, Engine: engine})
			staff, cert, mf, bank, telco := s.Token("coordinator@cc.example"), s.Token("analyst@bank-cert.example"), s.Token("security@crescent-mf.example"),
				s.Token("ciso@firstbank.example"), s.Token("lead@telco-cert.example")

			if r := s.API("POST", "/api/v1/baselines/pci-lite", cert, raw(baseline)); r.Status != http.StatusForbidden {
				t.Errorf("a CERT published a baseline: %d", r.Status)
			}
			if r := s.Malformed().API("POST", "/api/v1/baselines/pci-lite", staff, map[string]any{"title": "x", "requirements": []any{map[string]any{"id": "A"}}}); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("a bad baseline: %d %s", r.Status, r.Body)
			}
			r := s.API("POST", "/api/v1/baselines/pci-lite", staff, raw(baseline))
			if r.Status != http.StatusCreated || r.JSON(t)["version"].(float64) != 1 {
				t.Fatalf("publish: %d %s", r.Status, r.Body)
			}
			if got := s.API("GET", "/api/v1/baselines", bank, nil).JSON(t)["items"].([]any); len(got) != 2 {
				t.Errorf("baselines: %v", got)
			}

			in := map[string]any{"org_id": s.OrgID("Crescent Microfinance"), "assessor_org_id": s.OrgID("Banking Sector CERT"), "baseline": "pci-lite",
				"scope": "Branch network and the mobile wallet", "reassess_months": 6}
			if r := s.API("POST", "/api/v1/assessments", telco, in); r.Status != http.StatusForbidden {
				t.Errorf("another CERT opened it: %d", r.Status)
			}
			bad := apptest.InvalidFields(t, s.Malformed().API("POST", "/api/v1/assessments", cert, map[string]any{"org_id": in["org_id"], "assessor_org_id": in["assessor_org_id"],
				"baseline": "nothing", "starts_on": "soon"}))
			if !slices.Equal(bad, []string{"scope", "starts_on", "baseline"}) {
				t.Errorf("bad input named %v", bad)
			}
			r = s.API("POST", "/api/v1/assessments", cert, in)
			if r.Status != http.StatusCreated {
				t.Fatalf("open: %d %s", r.Status, r.Body)
			}
			a := r.Header.Get("Location")
			if r := s.API("GET", a, bank, nil); r.Status != http.StatusNotFound {
				t.Errorf("another bank reads it: %d", r.Status)
			}
			for _, c := range []string{"AC-1", "AC-2", "NW-1"} {
				verdict := map[string]any{"verdict": "met"}
				if c == "NW-1" {
					verdict = map[string]any{"verdict": "not_met", "notes": "Branch routers reachable from the internet on telnet"}
				}
				if r := s.API("PUT", a+"/results/"+c, cert, verdict); r.Status != http.StatusOK {
					t.Fatalf("%s: %d %s", c, r.Status, r.Body)
				}
			}
			if r := s.API("PUT", a+"/results/NW-1", mf, map[string]any{"verdict": "met"}); r.Status != http.StatusForbidden {
				t.Errorf("the constituent assessed itself: %d", r.Status)
			}
			if r := s.API("POST", a+"/report", cert, map[string]any{"summary": ""}); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("a report without summary: %d", r.Status)
			}
			if r := s.API("POST", a+"/report", cert, map[string]any{"summary": "Close telnet on the branch routers."}); r.Status != http.StatusOK ||
				r.JSON(t)["state"] != "reported" {
				t.Fatalf("report: %d %s", r.Status, r.Body)
			}
			r = s.API("POST", a+"/plan", mf, map[string]any{"title": "Disable telnet, SSH from the management VLAN only", "requirement": "NW-1", "due_on": "2099-01-31"})
			if r.Status != http.StatusCreated {
				t.Fatalf("plan: %d %s", r.Status, r.Body)
			}
			act := r.JSON(t)["id"].(string)
			if r := s.API("POST", a+"/close", cert, nil); r.Status != http.StatusConflict {
				t.Errorf("closing with the plan open: %d", r.Status)
			}
			if r := s.API("POST", "/api/v1/assessment-actions/"+act, mf, map[string]any{"status": "done", "note": "Done on all 41 routers"}); r.Status != http.StatusOK {
				t.Fatalf("done: %d %s", r.Status, r.Body)
			}
			if r := s.API("POST", a+"/close", cert, nil); r.Status != http.StatusOK || r.JSON(t)["state"] != "closed" {
				t.Fatalf("close: %d %s", r.Status, r.Body)
			}
			v := s.API("GET", a, mf, nil).JSON(t)
			if v["score"].(float64) != 66.7 || len(v["families"].([]any)) != 2 || len(v["plan"].([]any)) != 1 {
				t.Errorf("the assessment: %v", v)
			}
			m := s.API("GET", "/api/v1/assessments/maturity?baseline=pci-lite", cert, nil).JSON(t)
			if rows := m["rows"].([]any); len(rows) != 2 {
				t.Errorf("maturity: %v", m)
			}
			if r := s.Malformed().API("GET", "/api/v1/assessments/maturity", cert, nil); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("maturity of no baseline: %d", r.Status)
			}
			// BankCERT's periodic reports (the last three months) count
			// the demo's First Bank assessment, reported 40 days ago, once.
			reports := s.API("GET", "/api/v1/periodic-reports?org_id="+s.OrgID("Banking Sector CERT"), staff, nil).JSON(t)["items"].([]any)
			counted := 0
			for _, x := range reports {
				counted += int(x.(map[string]any)["figures"].(map[string]any)["assessments_reported"].(float64))
			}
			if len(reports) != 3 || counted != 1 {
				t.Errorf("BankCERT's reports count %d assessments over %d reports", counted, len(reports))
			}
			if list := s.API("GET", "/api/v1/assessments?state=in_progress", s.Token("lead@power-cert.example"), nil).JSON(t)["items"].([]any); len(list) != 1 {
				t.Errorf("PowerCERT's assessments under way: %v", list)
			}
		})
	}
}

// raw is a JSON body sent as it is.
type raw []byte

func (r raw) MarshalJSON() ([]byte, error) { return r, nil }
