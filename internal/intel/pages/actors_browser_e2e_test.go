package pages_test

import (
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
)

// TestBrowserActors: the threat actors in a real browser. The coordinator
// filters the list to banking, opens Indus Viper (merged with the MISP
// cluster Monsoon Serpent) and reads its names with their sources, the
// techniques, the C2 indicator, the timeline chart, the attributed
// incident and the alert naming it; BankCERT's analyst, on a phone, reads
// the GREEN claim only, is told beside the field when the incident number
// is wrong, and withdraws the demo's attribution.
func TestBrowserActors(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	b := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(b, "coordinator@cc.example", "certhub-demo-2026")
	b.Go("/console/intel")
	b.Click("#actors-link")
	b.Expect("#actors", "Indus Viper", "ViperLoader", "Operation Monsoon Ledger")
	b.Select("#sector", "banking")
	b.Click("form.filters button[type=submit]")
	b.Expect("#actors", "Indus Viper")
	if n := b.Count("#actors tbody tr"); n != 1 {
		t.Errorf("banking targeted: %d profiles, want Indus Viper alone", n)
	}
	b.Shot("actors")
	b.Click("#actors tbody a")
	b.Expect("h1", "Indus Viper")
	b.Expect("#names", "Monsoon Serpent", "APT-C-99", "Examplia CSIRT MISP", "Examplia CSIRT STIX")
	b.Expect("#techniques", "T1566.001", "T1071.001", "T1583.001")
	b.Expect("#indicators", "192.0.2.200")
	b.Expect("#attributed", "Phishing campaign imitating the bank's login page")
	b.Expect("#advisories", "Phishing campaign impersonating the State Bank")
	b.Expect("#related", "ViperLoader", "Operation Monsoon Ledger")
	if b.Count("#timeline svg polyline") < 1 {
		t.Error("the timeline has no line")
	}
	b.Shot("actor")

	a := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(a, "analyst@bank-cert.example", "certhub-demo-2026")
	a.Go("/console/intel/actors?q=serpent")
	a.Click("#actors tbody a")
	a.Expect("h1", "Monsoon Serpent")
	if txt := a.Text("main"); strings.Contains(txt, "APT-C-99") || strings.Contains(txt, "192.0.2.200") {
		t.Error("BankCERT reads the AMBER claim's alias or indicator")
	}
	a.Fill("#ref", "INC-1999-9999")
	a.Click("#attribute-form button[type=submit]")
	a.Expect("#attribute-form .field-error", "no incident INC-1999-9999 that you can read")
	if a.Value("#ref") != "INC-1999-9999" {
		t.Error("the typed number was lost")
	}
	a.Shot("actor-phone")
	if a.Overflows() {
		t.Errorf("the profile overflows a phone: %s", a.Overflowing())
	}
	if a.Count("#attributed table form button") != 1 {
		t.Fatalf("BankCERT's analyst sees %d withdraw buttons, want one (the demo's)", a.Count("#attributed table form button"))
	}
	a.Click("#attributed table form button")
	a.Expect(".flash", "withdrawn")
	a.Expect("#attributed", "Nothing you may read is attributed")
}
