package hygiene_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/hygiene/probetest"
	"github.com/certhub/certhub/internal/platform/db"
)

// Through the real server on both engines, every answer checked against
// openapi.json: Crescent Microfinance's permission is recorded (bad input
// named); a check asked for runs through the job queue against the
// loopback internet and is followed to its results; a second request is
// answered with the same run and one after it is refused (429); the
// findings page through cursors; outsiders learn nothing.
func TestHygieneAPI(t *testing.T) {
	n := probetest.Start(t)
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Demo: true, Engine: engine, Configure: func(c *app.Config) {
				o := n.Options()
				o.Now = time.Now
				c.Hygiene.Probe = &o
			}})
			staff, cert, mf, bank, telco := s.Token("coordinator@cc.example"), s.Token("analyst@bank-cert.example"), s.Token("security@crescent-mf.example"),
				s.Token("ciso@firstbank.example"), s.Token("lead@telco-cert.example")
			crescent := s.OrgID("Crescent Microfinance")
			if r := s.API("PATCH", "/api/v1/orgs/"+crescent, staff, map[string]any{"constituency": map[string]any{"domains": []string{"bad.test"},
				"cidrs": []string{}, "asns": []int{}}}); r.Status != http.StatusOK {
				t.Fatalf("move Crescent to bad.test: %d %s", r.Status, r.Body)
			}

			if got := s.API("GET", "/api/v1/hygiene/catalogue", bank, nil).JSON(t)["items"].([]any); len(got) < 35 {
				t.Errorf("catalogue: %d checks", len(got))
			}
			perm := "/api/v1/hygiene/organisations/" + crescent + "/permission"
			bad := apptest.InvalidFields(t, s.Malformed().API("PUT", perm, cert, map[string]any{"categories": []string{"web", "ports"}, "granted_on": "soon",
				"dkim_selectors": []string{"bad selector"}}))
			if !slices.Equal(bad, []string{"categories", "granted_by", "granted_on", "dkim_selectors"}) {
				t.Errorf("bad permission named %v", bad)
			}
			if r := s.API("PUT", perm, bank, map[string]any{"categories": []string{"web"}, "granted_by": "me"}); r.Status != http.StatusNotFound {
				t.Errorf("another bank recorded Crescent's permission: %d", r.Status)
			}
			r := s.API("PUT", perm, cert, map[string]any{"categories": []string{"mail", "web", "dns"}, "granted_by": "Ayesha, IT security manager",
				"reference": "consent form 2026-12", "dkim_selectors": []string{"sel1"}})
			if r.Status != http.StatusOK || r.JSON(t)["granted_by"] != "Ayesha, IT security manager" {
				t.Fatalf("permission: %d %s", r.Status, r.Body)
			}

			if r := s.API("POST", "/api/v1/hygiene/checks", telco, map[string]any{"org_id": crescent}); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("another CERT asked for Crescent's check: %d %s", r.Status, r.Body)
			}
			r = s.API("POST", "/api/v1/hygiene/checks", mf, map[string]any{"org_id": crescent})
			if r.Status != http.StatusAccepted {
				t.Fatalf("check: %d %s", r.Status, r.Body)
			}
			loc := r.Header.Get("Location")
			if again := s.API("POST", "/api/v1/hygiene/checks", cert, map[string]any{"org_id": crescent}); again.Header.Get("Location") != loc {
				t.Errorf("a second request queued another run: %d %s", again.Status, again.Body)
			}
			var run map[string]any
			for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
				run = s.API("GET", loc, mf, nil).JSON(t)
				if run["state"] == "done" || run["state"] == "failed" {
					break
				}
			}
			if run["state"] != "done" || run["trigger"] != "request" {
				t.Fatalf("run: %v", run)
			}
			statuses := map[string]string{}
			for _, x := range run["results"].([]any) {
				m := x.(map[string]any)
				statuses[m["check"].(string)+" "+m["target"].(string)] = m["status"].(string)
			}
			for k, want := range map[string]string{"mail.spf.all bad.test": "fail", "dns.axfr bad.test": "fail", "web.certificate.valid bad.test": "fail",
				"mail.starttls mail.bad.test": "fail", "web.https bad.test": "pass"} {
				if statuses[k] != want {
					t.Errorf("%s: %q, want %s", k, statuses[k], want)
				}
			}
			if r := s.API("POST", "/api/v1/hygiene/checks", mf, map[string]any{"org_id": crescent}); r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
				t.Errorf("a check asked for again at once: %d", r.Status)
			}
			if r := s.API("GET", loc, bank, nil); r.Status != http.StatusNotFound {
				t.Errorf("another bank read the run: %d", r.Status)
			}

			rep := s.API("GET", "/api/v1/hygiene/organisations/"+crescent, cert, nil).JSON(t)
			if rep["latest"].(map[string]any)["id"] != run["id"] || !rep["can"].(map[string]any)["permit"].(bool) {
				t.Errorf("report: latest %v", rep["latest"])
			}
			if r := s.API("GET", "/api/v1/hygiene/organisations/"+crescent, bank, nil); r.Status != http.StatusNotFound {
				t.Errorf("another bank read Crescent's hygiene: %d", r.Status)
			}

			// Findings page by cursor, each once.
			seen := map[string]bool{}
			next := "/api/v1/hygiene/findings?org_id=" + crescent + "&limit=3"
			for pages := 0; next != ""; pages++ {
				page := s.API("GET", next, cert, nil).JSON(t)
				for _, x := range page["items"].([]any) {
					id := x.(map[string]any)["id"].(string)
					if seen[id] {
						t.Errorf("finding %s twice", id)
					}
					seen[id] = true
				}
				next = ""
				if c, ok := page["next_cursor"].(string); ok {
					next = "/api/v1/hygiene/findings?org_id=" + crescent + "&limit=3&cursor=" + c
				}
				if pages > 20 {
					t.Fatal("the pages do not end")
				}
			}
			if len(seen) < 10 {
				t.Errorf("%d findings of Crescent", len(seen))
			}
			if got := s.API("GET", "/api/v1/hygiene/findings?org_id="+crescent, bank, nil).JSON(t)["items"].([]any); len(got) != 0 {
				t.Errorf("another bank lists %d of Crescent's findings", len(got))
			}
			if r := s.Malformed().API("GET", "/api/v1/hygiene/findings?severity=dire", cert, nil); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("an unknown severity: %d", r.Status)
			}
			if r := s.Malformed().API("GET", "/api/v1/hygiene/findings?cursor=nonsense", cert, nil); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("a forged cursor: %d", r.Status)
			}
			roll := s.API("GET", "/api/v1/hygiene/rollup", telco, nil).JSON(t)
			for _, x := range roll["organisations"].([]any) {
				if name := x.(map[string]any)["org"].(string); strings.Contains(name, "Bank") || strings.Contains(name, "Crescent") {
					t.Errorf("TelcoCERT's roll-up lists %s", name)
				}
			}
			if r := s.API("PUT", perm, cert, map[string]any{"categories": []string{}}); r.Status != http.StatusNoContent {
				t.Errorf("withdraw: %d %s", r.Status, r.Body)
			}
		})
	}
}
