package telemetry_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/db"
)

// ndjson sends JSON lines to the ingest with a gateway's token.
func ndjson(t *testing.T, s *apptest.Server, token, body string) apptest.Response {
	t.Helper()
	req, err := http.NewRequest("POST", s.URL+"/api/v1/telemetry", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return s.Do(http.DefaultClient, req)
}

// Through the real server on both engines, every answer checked against
// openapi.json: Crescent's administrator registers a gateway and gets its
// token once; the gateway's lines are kept or refused by reason; an
// unknown token, a wrong media type and an API token are refused; the
// demo's anomaly at the bank is read by the bank and dismissed with a
// note, and not by another bank; the gateway is revoked.
func TestTelemetryAPI(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Demo: true, Engine: engine})
			mf, cert, bank, soc := s.Token("security@crescent-mf.example"), s.Token("analyst@bank-cert.example"), s.Token("ciso@firstbank.example"),
				s.Token("soc@firstbank.example")
			crescent := s.OrgID("Crescent Microfinance")
			if r := s.API("POST", "/api/v1/telemetry/gateways", bank, map[string]any{"org_id": crescent, "name": "Edge"}); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("another bank registered Crescent's gateway: %d", r.Status)
			}
			r := s.API("POST", "/api/v1/telemetry/gateways", mf, map[string]any{"org_id": crescent, "name": "Branch aggregation router"})
			if r.Status != http.StatusCreated {
				t.Fatalf("register: %d %s", r.Status, r.Body)
			}
			g := r.JSON(t)
			token := g["token"].(string)
			if got := s.API("GET", r.Header.Get("Location"), cert, nil).JSON(t); got["token"] != nil || got["name"] != "Branch aggregation router" {
				t.Errorf("the gateway read back: %v", got)
			}

			now := time.Now().UTC().Truncate(time.Hour)
			good := `{"interval_start":"` + now.Add(-time.Hour).Format(time.RFC3339) + `","interval_seconds":3600,"bytes_in":900000000,"bytes_out":120000000,"packets_in":800000,"packets_out":200000,"top_ports":[{"port":443,"bytes":800000000}]}`
			body := good + "\n" + `{"interval_start":"` + now.Add(3*time.Hour).Format(time.RFC3339) + `","interval_seconds":3600}` + "\n{broken\n"
			res := ndjson(t, s, token, body)
			if res.Status != http.StatusOK {
				t.Fatalf("ingest: %d %s", res.Status, res.Body)
			}
			got := res.JSON(t)
			reasons := got["reasons"].(map[string]any)
			if got["accepted"].(float64) != 1 || got["rejected"].(float64) != 2 || reasons["future"].(float64) != 1 || reasons["malformed"].(float64) != 1 {
				t.Errorf("ingest: %v", got)
			}
			if r := ndjson(t, s.Malformed(), "chgw_not-a-gateway", good); r.Status != http.StatusUnauthorized {
				t.Errorf("an unknown gateway token: %d", r.Status)
			}
			if r := ndjson(t, s.Malformed(), "", good); r.Status != http.StatusUnauthorized {
				t.Errorf("no token: %d", r.Status)
			}
			if r := ndjson(t, s.Malformed(), mf, good); r.Status != http.StatusForbidden && r.Status != http.StatusUnauthorized {
				t.Errorf("an API token at the ingest: %d", r.Status)
			}
			req, _ := http.NewRequest("POST", s.URL+"/api/v1/telemetry", strings.NewReader(good))
			req.Header.Set("Content-Type", "application/xml")
			req.Header.Set("Authorization", "Bearer "+token)
			if r := s.Malformed().Do(http.DefaultClient, req); r.Status != http.StatusUnsupportedMediaType {
				t.Errorf("XML: %d", r.Status)
			}

			list := s.API("GET", "/api/v1/telemetry/anomalies?kind=known_indicator", soc, nil).JSON(t)["items"].([]any)
			if len(list) != 1 {
				t.Fatalf("the bank's known-indicator anomalies: %v", list)
			}
			a := list[0].(map[string]any)
			if a["subject"] != "192.0.2.200" || a["observable_id"] == nil {
				t.Errorf("anomaly: %v", a)
			}
			id := a["id"].(string)
			detail := s.API("GET", "/api/v1/telemetry/anomalies/"+id, cert, nil).JSON(t)
			if len(detail["series"].([]any)) != 73 {
				t.Errorf("the traffic around it: %d hours", len(detail["series"].([]any)))
			}
			if r := s.API("GET", "/api/v1/telemetry/anomalies/"+id, mf, nil); r.Status != http.StatusNotFound {
				t.Errorf("another bank read the anomaly: %d", r.Status)
			}
			if got := s.API("GET", "/api/v1/telemetry/anomalies", mf, nil).JSON(t)["items"].([]any); len(got) != 0 {
				t.Errorf("Crescent lists %d anomalies", len(got))
			}
			if r := s.Malformed().API("POST", "/api/v1/telemetry/anomalies/"+id, soc, map[string]any{"state": "dismissed"}); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("a dismissal without a note: %d", r.Status)
			}
			if r := s.API("POST", "/api/v1/telemetry/anomalies/"+id, soc, map[string]any{"state": "acknowledged", "note": "Host isolated, forensics under way"}); r.Status != http.StatusOK || r.JSON(t)["state"] != "acknowledged" {
				t.Errorf("acknowledge: %d %s", r.Status, r.Body)
			}
			series := s.API("GET", "/api/v1/telemetry/gateways/"+g["id"].(string)+"/series?days=2", cert, nil).JSON(t)["items"].([]any)
			if len(series) != 48 {
				t.Errorf("series: %d hours", len(series))
			}
			if r := s.API("POST", "/api/v1/telemetry/gateways/"+g["id"].(string)+"/revoke", cert, nil); r.Status != http.StatusNoContent {
				t.Errorf("revoke: %d %s", r.Status, r.Body)
			}
			if r := ndjson(t, s.Malformed(), token, good); r.Status != http.StatusUnauthorized {
				t.Errorf("a revoked gateway: %d", r.Status)
			}
		})
	}
}
