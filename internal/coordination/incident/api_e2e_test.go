package incident_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/demo"
)

// Through the real server: a bank reports by the API (201 with its
// Location), its CERT handles it, another bank and a vendor are told it
// does not exist, bad input is a problem naming the field; a citizen
// reports and follows the report by its link only.
func TestIncidentsAPI(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	bank, cert, other, vendor, coord := s.Token("soc@firstbank.example"), s.Token("analyst@bank-cert.example"),
		s.Token("security@crescent-mf.example"), s.Token("psirt@examplesoft.example"), s.Token("coordinator@cc.example")
	r := s.API("POST", "/api/v1/incidents", bank, map[string]any{"title": "Credential stuffing on online banking", "rsit_class": "intrusion-attempts",
		"rsit_type": "brute-force", "severity": "medium", "regimes": []string{"nis2"}, "indicators": []string{"192.0.2.66"},
		"detected_at": "2026-01-02T10:00:00Z"})
	if r.Status != http.StatusCreated || !strings.HasPrefix(r.Header.Get("Location"), "/api/v1/incidents/") {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	inc := r.JSON(t)
	if inc["owner_org_id"] != s.OrgID("Banking Sector CERT") || !strings.HasPrefix(inc["number"].(string), "INC-") {
		t.Errorf("routed: %v", inc)
	}
	loc := r.Header.Get("Location")
	for _, tok := range []string{other, vendor} {
		if r := s.API("GET", loc, tok, nil); r.Status != http.StatusNotFound {
			t.Errorf("an outsider read the incident: %d %s", r.Status, r.Body)
		}
	}
	r = s.API("GET", loc, cert, nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"can_handle":true`) || !strings.Contains(string(r.Body), `"state":"overdue"`) {
		t.Fatalf("the CERT's view: %d %s", r.Status, r.Body)
	}
	if r := s.API("PATCH", loc, bank, map[string]any{"status": "closed"}); r.Status != http.StatusForbidden {
		t.Errorf("the reporter changed the status: %d %s", r.Status, r.Body)
	}
	if r := s.Malformed().API("PATCH", loc, cert, map[string]any{"status": "closed"}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(r.Body), `"field":"resolution"`) {
		t.Errorf("closed without a resolution: %d %s", r.Status, r.Body)
	}
	if r := s.API("POST", loc+"/notes", cert, map[string]any{"body": "Block the source; reset the affected passwords.", "visibility": "reporter"}); r.Status != http.StatusCreated {
		t.Fatalf("note: %d %s", r.Status, r.Body)
	}
	if r := s.API("POST", loc+"/deadlines/nis2/early-warning/done", bank, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"state":"late"`) {
		t.Errorf("the early warning: %d %s", r.Status, r.Body)
	}
	// Files: the bank attaches one from the console; its CERT downloads it;
	// an executable is refused beside the field; an outsider gets nothing.
	web := s.Client()
	web.Login("soc@firstbank.example", demo.Password)
	incID := inc["id"].(string)
	if r := web.Upload("/console/incidents/"+incID+"/attachments", nil, "file", "auth.log", "Jan 2 10:00 sshd: Failed password for root\n"); r.Status != http.StatusSeeOther {
		t.Fatalf("attach: %d %s", r.Status, r.Body)
	}
	if r := web.Upload("/console/incidents/"+incID+"/attachments", nil, "file", "tool.bin", "\x7fELF\x02\x01\x01binary"); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(r.Body), "are not accepted") {
		t.Errorf("an executable: %d", r.Status)
	}
	r = s.API("GET", loc, cert, nil)
	filesOf := r.JSON(t)["files"].([]any)
	if len(filesOf) != 1 {
		t.Fatalf("files: %s", r.Body)
	}
	fileURL := loc + "/attachments/" + filesOf[0].(map[string]any)["id"].(string)
	if r := s.API("GET", fileURL, cert, nil); r.Status != http.StatusOK || string(r.Body) != "Jan 2 10:00 sshd: Failed password for root\n" ||
		r.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("download: %d %q %v", r.Status, r.Body, r.Header)
	}
	if r := s.API("GET", fileURL, other, nil); r.Status != http.StatusNotFound {
		t.Errorf("an outsider downloaded the file: %d", r.Status)
	}
	if r := s.API("POST", loc+"/transfer", cert, map[string]any{"org_id": s.OrgID("National CERT"), "reason": "A national campaign."}); r.Status != http.StatusOK {
		t.Fatalf("transfer: %d %s", r.Status, r.Body)
	}
	if r := s.API("PATCH", loc, cert, map[string]any{"severity": "high"}); r.Status != http.StatusForbidden {
		t.Errorf("the previous owner still handles it: %d %s", r.Status, r.Body)
	}
	national := s.Token("analyst@ncert.example")
	r = s.API("PATCH", loc, national, map[string]any{"status": "closed", "resolution": "Source blocked; passwords reset."})
	if r.Status != http.StatusOK || r.JSON(t)["status"] != "closed" {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	r = s.API("GET", "/api/v1/incidents?status=closed", bank, nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), inc["number"].(string)) {
		t.Errorf("the reporter's closed incidents: %d %s", r.Status, r.Body)
	}
	if r := s.Malformed().API("GET", "/api/v1/incidents?overdue=maybe", bank, nil); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a bad filter: %d %s", r.Status, r.Body)
	}
	if r := s.Malformed().API("POST", "/api/v1/incidents", bank, map[string]any{"title": "x", "rsit_class": "weather"}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(r.Body), `"field":"rsit_class"`) {
		t.Errorf("a bad class: %d %s", r.Status, r.Body)
	}
	r = s.API("GET", "/api/v1/incidents/figures?from=2026-01-01", coord, nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"by_class"`) {
		t.Errorf("figures: %d %s", r.Status, r.Body)
	}
	r = s.API("PUT", "/api/v1/incident-regimes/sbp", coord, map[string]any{"id": "sbp", "title": "Central bank circular",
		"steps": []map[string]any{{"id": "notice", "title": "Notice", "by": "reporter", "after": "6h", "from": "report"}}})
	if r.Status != http.StatusOK {
		t.Errorf("define a regime: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", "/api/v1/incident-regimes", bank, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"sbp"`) {
		t.Errorf("regimes: %d %s", r.Status, r.Body)
	}

	// A citizen.
	r = s.API("POST", "/api/v1/public/incidents", "", map[string]any{"title": "Fake parcel SMS", "reporter_email": "citizen@mail.example",
		"rsit_class": "fraud", "rsit_type": "phishing"})
	if r.Status != http.StatusCreated {
		t.Fatalf("public report: %d %s", r.Status, r.Body)
	}
	follow, err := url.Parse(r.JSON(t)["follow_url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	key := follow.Query().Get("key")
	if r := s.API("POST", "/api/v1/public/incidents/follow?key="+url.QueryEscape(key), "", map[string]any{"message": "The number was +92 300 0000000."}); r.Status != http.StatusCreated {
		t.Errorf("reply: %d %s", r.Status, r.Body)
	}
	r = s.API("GET", "/api/v1/public/incidents/follow?key="+url.QueryEscape(key), "", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "+92 300") || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("follow: %d %s %v", r.Status, r.Body, r.Header)
	}
	if r := s.Malformed().API("POST", "/api/v1/public/incidents", "", map[string]any{"title": "no address"}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(r.Body), `"field":"reporter_email"`) {
		t.Errorf("a public report without an address: %d %s", r.Status, r.Body)
	}
}
