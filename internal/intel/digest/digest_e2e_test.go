package digest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
)

// TestIntelDigests: each demo constituent whose networks the demo's feeds
// hit gets one digest of exactly its own indicators; TLP:AMBER+STRICT is
// not listed in unencrypted mail.
func TestIntelDigests(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	bank := s.SMTP.WaitFor(t, "soc@firstbank.example", "indicators concern First Example Bank")
	if !strings.Contains(bank.Body, "198[.]51[.]100[.]10") || strings.Contains(bank.Body, "198[.]51[.]100[.]40") ||
		!strings.Contains(bank.Body, "GREEN") || !strings.Contains(bank.Body, "/taxii2/api/") {
		t.Fatalf("First Bank's digest:\n%s", bank.Body)
	}
	crescent := s.SMTP.WaitFor(t, "it-security@crescent-mf.example", "2 indicators concern Crescent Microfinance")
	if !strings.Contains(crescent.Body, "mail[.]crescent-mf[.]example") || !strings.Contains(crescent.Body, "198[.]51[.]100[.]40") ||
		strings.Contains(crescent.Body, "198[.]51[.]100[.]10") {
		t.Fatalf("Crescent's digest:\n%s", crescent.Body)
	}
	ravi := s.SMTP.WaitFor(t, "security@ravi-mobile.example", "indicators concern Ravi Mobile")
	if strings.Contains(ravi.Body, "203[.]0[.]113[.]70") || !strings.Contains(ravi.Body, "1 TLP:AMBER+STRICT indicators are not listed") {
		t.Fatalf("Ravi Mobile's digest (no key):\n%s", ravi.Body)
	}
	// One digest each, to exactly the constituents the feeds hit.
	s.SMTP.WaitFor(t, "scada-sec@cpdc.example", "2 indicators concern Central Power Distribution Company")
	// The telecom's second indicator lies in no registered network: the
	// demo's AS table has the telecom's AS64500 announce it.
	telco := s.SMTP.WaitFor(t, "noc@karakoram-telecom.example", "2 indicators concern Karakoram Telecom")
	if !strings.Contains(telco.Body, "203[.]0[.]113[.]230  AS64500") || !strings.Contains(telco.Body, "203[.]0[.]113[.]20   AS64499") {
		t.Fatalf("Karakoram's digest:\n%s", telco.Body)
	}
	s.SMTP.WaitFor(t, "soc@revenue.example", "1 indicators concern Federal Revenue Board")
	got := map[string]int{}
	for _, m := range s.SMTP.Messages() {
		if subj := m.Header.Get("Subject"); strings.Contains(subj, "indicators concern") {
			got[subj]++
		}
	}
	want := map[string]int{"1 indicators concern First Example Bank": 1, "2 indicators concern Crescent Microfinance": 1,
		"2 indicators concern Central Power Distribution Company": 1, "2 indicators concern Karakoram Telecom": 1,
		"1 indicators concern Federal Revenue Board": 1, "1 indicators concern Ravi Mobile": 1}
	if len(got) != len(want) {
		t.Fatalf("digests %v, want %v", got, want)
	}
	for subj, n := range want {
		if got[subj] != n {
			t.Fatalf("digests %v, want %v", got, want)
		}
	}

	// Schedules: the bank's admin wants a daily digest, Crescent none; its
	// sectoral CERT may change the bank's too; another constituent may not.
	bankAdmin, crescentAdmin := s.Token("ciso@firstbank.example"), s.Token("security@crescent-mf.example")
	bankID, crescentID := s.OrgID("First Example Bank"), s.OrgID("Crescent Microfinance")
	if r := s.Malformed().API("PUT", "/api/v1/intel/digests/"+bankID, bankAdmin, map[string]any{"schedule": "monthly"}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad schedule: %d %s", r.Status, r.Body)
	}
	if r := s.API("PUT", "/api/v1/intel/digests/"+bankID, crescentAdmin, map[string]any{"schedule": "never"}); r.Status != http.StatusNotFound {
		t.Fatalf("another constituent changes the bank's digest: %d %s", r.Status, r.Body)
	}
	if r := s.API("PUT", "/api/v1/intel/digests/"+bankID, s.Token("lead@bank-cert.example"), map[string]any{"schedule": "weekly"}); r.Status != http.StatusOK {
		t.Fatalf("the bank's CERT: %d %s", r.Status, r.Body)
	}
	if r := s.API("PUT", "/api/v1/intel/digests/"+bankID, bankAdmin, map[string]any{"schedule": "daily"}); r.Status != http.StatusOK ||
		r.JSON(t)["schedule"] != "daily" || r.JSON(t)["last_sent_at"] == nil {
		t.Fatalf("the bank's admin: %d %s", r.Status, r.Body)
	}
	if r := s.API("PUT", "/api/v1/intel/digests/"+crescentID, crescentAdmin, map[string]any{"schedule": "never"}); r.Status != http.StatusOK {
		t.Fatalf("Crescent's admin: %d %s", r.Status, r.Body)
	}
	coord := s.Token("coordinator@cc.example")
	if r := s.API("POST", "/api/v1/intel/ingest?source=Center%20sensors", coord, apptest.TextBody("198.51.100.11\n198.51.100.41\n203.0.113.21\n")); r.Status != http.StatusOK {
		t.Fatalf("new indicators: %d %s", r.Status, r.Body)
	}
	n, err := s.IntelDigests.SendDigests(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("digests sent %d (want Karakoram's only: the bank's is daily and was sent just now, Crescent wants none): %v", n, err)
	}
	s.SMTP.WaitFor(t, "noc@karakoram-telecom.example", "1 indicators concern Karakoram Telecom")
}
