package reporting_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/db"
)

// Through the real server on both engines, every answer checked against
// openapi.json: the demo's schedules and reports, a report assembled
// from the records, submitted, returned, submitted again and accepted;
// the roll-up as JSON, with who has not reported.
func TestPeriodicReportsAPI(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			clock := apptest.NewClock()
			s := apptest.Start(t, apptest.Options{Demo: true, Engine: engine, Now: clock.Now})
			lead, national, bank, telco := s.Token("lead@bank-cert.example"), s.Token("analyst@ncert.example"), s.Token("ciso@firstbank.example"),
				s.Token("lead@telco-cert.example")
			if l := s.API("GET", "/api/v1/periodic-report-schedules", national, nil).JSON(t)["items"].([]any); len(l) != 3 {
				t.Fatalf("schedules: %v", l)
			}
			if l := s.API("GET", "/api/v1/periodic-reports", lead, nil).JSON(t)["items"].([]any); len(l) != 3 {
				t.Fatalf("BankCERT's reports: %d", len(l))
			}
			if l := s.API("GET", "/api/v1/periodic-reports", bank, nil).JSON(t)["items"].([]any); len(l) != 0 {
				t.Fatalf("a bank reads %d reports", len(l))
			}
			if r := s.API("PUT", "/api/v1/periodic-report-schedules/"+s.OrgID("Banking Sector CERT"), lead, map[string]any{"frequency": "quarterly", "since": "2026-Q1"}); r.Status != http.StatusForbidden {
				t.Errorf("a CERT sets its schedule: %d", r.Status)
			}
			now := clock.Now().UTC()
			month := now.Format("2006-01")
			r := s.API("POST", "/api/v1/periodic-reports", lead, map[string]any{"org_id": s.OrgID("Banking Sector CERT"), "period": month})
			if r.Status != http.StatusCreated || r.JSON(t)["status"] != "draft" {
				t.Fatalf("assemble: %d %s", r.Status, r.Body)
			}
			loc := r.Header.Get("Location")
			if r := s.API("POST", "/api/v1/periodic-reports", lead, map[string]any{"org_id": s.OrgID("Banking Sector CERT"), "period": month}); r.Status != http.StatusOK {
				t.Errorf("assemble again: %d %s", r.Status, r.Body)
			}
			if r := s.API("GET", loc, telco, nil); r.Status != http.StatusNotFound {
				t.Errorf("another CERT reads the report: %d", r.Status)
			}
			if r := s.API("PUT", loc+"/narrative", lead, map[string]any{"summary": "Phishing.", "plans": "Drills."}); r.Status != http.StatusOK {
				t.Fatalf("narrative: %d %s", r.Status, r.Body)
			}
			if r := s.API("POST", loc+"/submit", lead, nil); r.Status != http.StatusConflict {
				t.Errorf("submitting before the month ends: %d %s", r.Status, r.Body)
			}
			clock.Add(time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 1).Sub(now))
			if r := s.API("POST", loc+"/submit", lead, nil); r.Status != http.StatusOK || r.JSON(t)["status"] != "submitted" {
				t.Fatalf("submit: %d %s", r.Status, r.Body)
			}
			if r := s.Malformed().API("POST", loc+"/review", national, map[string]any{"accept": false}); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("returned without a note: %d", r.Status)
			}
			if r := s.API("POST", loc+"/review", national, map[string]any{"accept": false, "note": "Name the banks."}); r.Status != http.StatusOK || r.JSON(t)["status"] != "returned" {
				t.Fatalf("return: %d %s", r.Status, r.Body)
			}
			if r := s.API("POST", loc+"/submit", lead, nil); r.Status != http.StatusOK {
				t.Fatalf("submit again: %d %s", r.Status, r.Body)
			}
			if r := s.API("POST", loc+"/review", national, map[string]any{"accept": true}); r.Status != http.StatusOK || r.JSON(t)["status"] != "accepted" {
				t.Fatalf("accept: %d %s", r.Status, r.Body)
			}
			if r := s.API("GET", "/api/v1/periodic-reports/rollup", lead, nil); r.Status != http.StatusForbidden {
				t.Errorf("a sectoral CERT reads the roll-up: %d", r.Status)
			}
			if r := s.Malformed().API("GET", "/api/v1/periodic-reports/rollup?from=last+year", national, nil); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("a bad month: %d", r.Status)
			}
			ru := s.API("GET", "/api/v1/periodic-reports/rollup", national, nil).JSON(t)
			if !strings.Contains(strings.Join(anyStrings(ru["periods"]), " "), month) || len(ru["rows"].([]any)) != 3 || len(ru["missing"].([]any)) == 0 {
				t.Errorf("roll-up: %v", ru)
			}
		})
	}
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
