package coordination_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
)

// Through the real server: the demo's alert, as its sender, a bank and
// its CERT see it; a bank answers; staff send another alert (201 with
// its Location, 409 the second time); outsiders are told nothing.
func TestAlertsAPI(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord, bank, cert, vendor := s.Token("coordinator@cc.example"), s.Token("soc@firstbank.example"),
		s.Token("analyst@bank-cert.example"), s.Token("psirt@examplesoft.example")
	r := s.API("GET", "/api/v1/alerts", coord, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	items := r.JSON(t)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("the demo has one alert: %s", r.Body)
	}
	demo := items[0].(map[string]any)
	adv, counts := demo["advisory_id"].(string), demo["counts"].(map[string]any)
	if counts["recipients"].(float64) != 4 || counts["acknowledged"].(float64) != 1 || counts["read"].(float64) != 1 || counts["affected"].(float64) != 1 {
		t.Errorf("the demo's progress: %v", counts)
	}
	if r := s.API("GET", "/api/v1/advisories/"+adv+"/acknowledgements", vendor, nil); r.Status != http.StatusNotFound {
		t.Errorf("the vendor read the acknowledgements: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", "/api/v1/advisories/"+adv+"/acknowledgements", "", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", r.Status)
	}
	r = s.API("GET", "/api/v1/advisories/"+adv+"/acknowledgements", cert, nil)
	if r.Status != http.StatusOK || strings.Count(string(r.Body), `"org_id"`) != 4 || strings.Contains(string(r.Body), `"events"`) {
		t.Errorf("the CERT's view: %d %s", r.Status, r.Body)
	}
	// The bank's SOC (a member) changes its CISO's answer; the same
	// request again changes nothing.
	for range 2 {
		r = s.API("POST", "/api/v1/advisories/"+adv+"/acknowledgements", bank, map[string]any{"outcome": "mitigated", "note": "Patched overnight."})
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"outcome":"mitigated"`) {
			t.Fatalf("acknowledge: %d %s", r.Status, r.Body)
		}
	}
	r = s.API("GET", "/api/v1/advisories/"+adv+"/acknowledgements", bank, nil)
	if r.Status != http.StatusOK || strings.Count(string(r.Body), `"org_id"`) != 1 || !strings.Contains(string(r.Body), `"mitigated":1`) {
		t.Errorf("the bank's own view: %d %s", r.Status, r.Body)
	}
	if r := s.Malformed().API("POST", "/api/v1/advisories/"+adv+"/acknowledgements", bank, map[string]any{"outcome": "eaten"}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(r.Body), `"field":"outcome"`) {
		t.Errorf("a bad outcome: %d %s", r.Status, r.Body)
	}

	// Staff send the TLP:AMBER alert to its own audience.
	var amber string
	if err := s.DB.QueryRow(t.Context(), `SELECT tracking_id FROM advisories WHERE pub_tlp = 'AMBER' AND kind = 'alert'`).Scan(&amber); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"advisory_id": amber, "actions": "Block the listed addresses.", "audience": map[string]any{"constituents_of": []string{s.OrgID("Banking Sector CERT")}}}
	if r := s.API("POST", "/api/v1/alerts", cert, body); r.Status != http.StatusForbidden {
		t.Errorf("a sectoral CERT sent an alert: %d %s", r.Status, r.Body)
	}
	r = s.API("POST", "/api/v1/alerts", coord, body)
	if r.Status != http.StatusCreated || !strings.HasPrefix(r.Header.Get("Location"), "/api/v1/alerts/") {
		t.Fatalf("send: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", r.Header.Get("Location"), bank, nil); r.Status != http.StatusOK {
		t.Errorf("a recipient reads the new alert: %d %s", r.Status, r.Body)
	}
	if r := s.API("POST", "/api/v1/alerts", coord, body); r.Status != http.StatusConflict {
		t.Errorf("sent twice: %d %s", r.Status, r.Body)
	}

	// First Example Bank has no key: its 24×7 desk is told only that a
	// TLP:AMBER alert awaits it, with its own link; the link's page
	// answers after its form posts, without an account.
	m := s.SMTP.WaitFor(t, "soc@firstbank.example", "An alert awaits your acknowledgement")
	if strings.Contains(m.Body, "Credential-stuffing") {
		t.Errorf("the unencrypted mail holds the TLP:AMBER title:\n%s", m.Body)
	}
	key := regexp.MustCompile(`/alerts/ack\?key=([A-Za-z0-9_-]+)`).FindStringSubmatch(m.Body)
	if key == nil {
		t.Fatalf("no link in:\n%s", m.Body)
	}
	visitor := s.Client()
	page := visitor.Get("/alerts/ack?key=" + key[1])
	if page.Status != http.StatusOK || page.Header.Get("Cache-Control") != "no-store" || !strings.Contains(string(page.Body), "First Example Bank") ||
		!strings.Contains(string(page.Body), "None yet") {
		t.Fatalf("the link's page: %d %v\n%.600s", page.Status, page.Header, page.Body)
	}
	if r := visitor.Post("/alerts/ack", url.Values{"key": {key[1]}, "outcome": {"not_affected"}, "note": {"Not in our logs."}}); r.Status != http.StatusSeeOther {
		t.Fatalf("answer by link: %d %.500s", r.Status, r.Body)
	}
	if page := visitor.Get("/alerts/ack?key=" + key[1]); !strings.Contains(string(page.Body), "Not affected") {
		t.Errorf("after answering:\n%.800s", page.Body)
	}
	if r := visitor.Get("/alerts/ack?key=forged"); r.Status != http.StatusNotFound {
		t.Errorf("a forged link: %d", r.Status)
	}
	wide := map[string]any{"advisory_id": amber, "audience": map[string]any{"cii": true}}
	if r := s.Malformed().API("POST", "/api/v1/alerts", coord, wide); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"field":"audience"`) {
		t.Errorf("an AMBER alert beyond its recipients: %d %s", r.Status, r.Body)
	}
}
