package app_test

import (
	"strings"
	"testing"
)

// TestIntelDigests: each demo constituent whose networks the demo's feeds
// hit gets one digest of exactly its own indicators; TLP:AMBER+STRICT is
// not listed in unencrypted mail.
func TestIntelDigests(t *testing.T) {
	s := start(t, options{demo: true})
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
	s.SMTP.WaitFor(t, "noc@karakoram-telecom.example", "1 indicators concern Karakoram Telecom")
	s.SMTP.WaitFor(t, "soc@revenue.example", "1 indicators concern Federal Revenue Board")
	got := map[string]int{}
	for _, m := range s.SMTP.Messages() {
		if subj := m.Header.Get("Subject"); strings.Contains(subj, "indicators concern") {
			got[subj]++
		}
	}
	want := map[string]int{"1 indicators concern First Example Bank": 1, "2 indicators concern Crescent Microfinance": 1,
		"2 indicators concern Central Power Distribution Company": 1, "1 indicators concern Karakoram Telecom": 1,
		"1 indicators concern Federal Revenue Board": 1, "1 indicators concern Ravi Mobile": 1}
	if len(got) != len(want) {
		t.Fatalf("digests %v, want %v", got, want)
	}
	for subj, n := range want {
		if got[subj] != n {
			t.Fatalf("digests %v, want %v", got, want)
		}
	}
}
