package council_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/db"
)

// Through the real server on both engines, every answer checked against
// openapi.json: the demo's council as its chair, a member and outsiders;
// a meeting scheduled, held, minuted and approved through the API; an
// action closed by its organisation; the public summaries.
func TestCouncilAPI(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			clock := apptest.NewClock()
			s := apptest.Start(t, apptest.Options{Demo: true, Engine: engine, Now: clock.Now})
			chair, member, sec, bank, telco := s.Token("analyst@ncert.example"), s.Token("lead@bank-cert.example"), s.Token("coordinator@cc.example"),
				s.Token("ciso@firstbank.example"), s.Token("lead@telco-cert.example")
			meetings := s.API("GET", "/api/v1/council/meetings", member, nil).JSON(t)["items"].([]any)
			if len(meetings) != 2 {
				t.Fatalf("meetings: %v", meetings)
			}
			if r := s.API("GET", "/api/v1/council/meetings", bank, nil); r.Status != http.StatusNotFound {
				t.Errorf("a bank lists the council's meetings: %d", r.Status)
			}
			held := meetings[1].(map[string]any)["id"].(string)
			v := s.API("GET", "/api/v1/council/meetings/"+held, member, nil).JSON(t)
			if v["minutes_status"] != "approved" || len(v["decisions"].([]any)) != 2 || len(v["actions"].([]any)) != 2 {
				t.Fatalf("the held meeting: %v", v)
			}
			if r := s.API("GET", "/api/v1/council/meetings/"+held+"/invite.ics", member, nil); r.Status != http.StatusOK ||
				!strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar") || !strings.Contains(string(r.Body), "BEGIN:VEVENT") {
				t.Errorf("the invitation: %d %s", r.Status, r.Header.Get("Content-Type"))
			}
			reg := s.API("GET", "/api/v1/council/decisions", member, nil).JSON(t)["items"].([]any)
			if len(reg) != 2 || len(reg[1].(map[string]any)["links"].([]any)) != 1 {
				t.Errorf("the register: %v", reg)
			}

			start := clock.Now().Add(time.Hour).UTC()
			r := s.API("POST", "/api/v1/council/meetings", sec, map[string]any{"title": "Extraordinary meeting", "starts_at": start.Format(time.RFC3339),
				"ends_at": start.Add(2 * time.Hour).Format(time.RFC3339)})
			if r.Status != http.StatusCreated {
				t.Fatalf("schedule: %d %s", r.Status, r.Body)
			}
			m := r.Header.Get("Location")
			if r := s.API("POST", "/api/v1/council/meetings", member, map[string]any{"title": "Mine", "starts_at": start.Format(time.RFC3339),
				"ends_at": start.Add(time.Hour).Format(time.RFC3339)}); r.Status != http.StatusForbidden {
				t.Errorf("a member schedules: %d", r.Status)
			}
			if r := s.API("POST", m+"/agenda", sec, map[string]any{"title": "The DDoS wave", "presenter": "TelcoCERT"}); r.Status != http.StatusCreated {
				t.Fatalf("agenda: %d %s", r.Status, r.Body)
			}
			if r := s.API("PUT", m+"/minutes", sec, map[string]any{"minutes": "Too early."}); r.Status != http.StatusConflict {
				t.Errorf("minutes before the meeting: %d %s", r.Status, r.Body)
			}
			clock.Add(4 * time.Hour)
			if r := s.API("PUT", m, sec, map[string]any{"title": "Extraordinary meeting", "starts_at": start.Format(time.RFC3339),
				"ends_at": start.Add(2 * time.Hour).Format(time.RFC3339), "status": "held"}); r.Status != http.StatusOK {
				t.Fatalf("held: %d %s", r.Status, r.Body)
			}
			members := s.API("GET", "/api/v1/council/members", sec, nil).JSON(t)["items"].([]any)
			att := map[string]any{}
			for _, mm := range members {
				att[mm.(map[string]any)["id"].(string)] = "present"
			}
			if r := s.API("PUT", m+"/attendance", sec, map[string]any{"attendance": att}); r.Status != http.StatusOK {
				t.Fatalf("attendance: %d %s", r.Status, r.Body)
			}
			if r := s.API("PUT", m+"/minutes", sec, map[string]any{"minutes": "1. The DDoS wave: TelcoCERT coordinates."}); r.Status != http.StatusOK {
				t.Fatalf("minutes: %d %s", r.Status, r.Body)
			}
			if r := s.API("POST", m+"/minutes/approve", member, nil); r.Status != http.StatusForbidden {
				t.Errorf("a member approves: %d", r.Status)
			}
			if r := s.API("POST", m+"/minutes/approve", chair, nil); r.Status != http.StatusOK || r.JSON(t)["minutes_status"] != "approved" {
				t.Fatalf("approve: %d %s", r.Status, r.Body)
			}
			if r := s.Malformed().API("POST", m+"/decisions", sec, map[string]any{"kind": "decision", "title": "x", "text": "y",
				"links": []map[string]any{{"kind": "product", "ref": "nope"}}}); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("a decision resting on nothing: %d %s", r.Status, r.Body)
			}
			r = s.API("POST", m+"/decisions", sec, map[string]any{"kind": "decision", "title": "Filter at the exchanges", "text": "Operators filter.", "votes_for": 5})
			if r.Status != http.StatusCreated || !strings.HasPrefix(r.JSON(t)["number"].(string), "CD-") {
				t.Fatalf("decision: %d %s", r.Status, r.Body)
			}
			r = s.API("POST", m+"/actions", sec, map[string]any{"title": "Circulate the guidance", "owner_org_id": s.OrgID("Telecom Sector CERT"),
				"due_on": clock.Now().AddDate(0, 0, 3).Format("2006-01-02")})
			if r.Status != http.StatusCreated {
				t.Fatalf("action: %d %s", r.Status, r.Body)
			}
			action := r.JSON(t)["id"].(string)
			if r := s.API("POST", "/api/v1/council/actions/"+action, bank, map[string]any{"status": "done"}); r.Status != http.StatusNotFound {
				t.Errorf("a bank closes TelcoCERT's action: %d", r.Status)
			}
			if r := s.API("POST", "/api/v1/council/actions/"+action, telco, map[string]any{"status": "done"}); r.Status != http.StatusOK || r.JSON(t)["status"] != "done" {
				t.Fatalf("done: %d %s", r.Status, r.Body)
			}
			if r := s.API("GET", "/api/v1/council/actions?overdue=true", bank, nil); r.Status != http.StatusOK || len(r.JSON(t)["items"].([]any)) != 0 {
				t.Errorf("the bank's overdue actions: %s", r.Body)
			}
			if r := s.API("PUT", m+"/summary", sec, map[string]any{"public_summary": "Operators filter at the exchanges."}); r.Status != http.StatusOK {
				t.Fatalf("summary: %d %s", r.Status, r.Body)
			}
			if l := s.API("GET", "/api/v1/public/council/summaries", "", nil).JSON(t)["items"].([]any); len(l) != 2 ||
				l[0].(map[string]any)["summary"] != "Operators filter at the exchanges." {
				t.Errorf("public summaries: %v", l)
			}
		})
	}
}
