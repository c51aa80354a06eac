package coordination_test

import (
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/demo"
)

// In Chromium: the coordinator sends the TLP:AMBER alert to BankCERT and
// its banks (a wider audience is refused beside the field); a bank's CISO
// finds it among the alerts, reads and acknowledges it with an outcome;
// the coordinator sees the answer, the silent recipients first, and the
// timeline.
func TestBrowserAlerts(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	var amber string
	if err := s.DB.QueryRow(t.Context(), `SELECT tracking_id FROM advisories WHERE pub_tlp = 'AMBER' AND kind = 'alert'`).Scan(&amber); err != nil {
		t.Fatal(err)
	}
	coord := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(coord, "coordinator@cc.example", demo.Password)
	coord.Go("/console/alerts")
	coord.Expect("main table", "Phishing campaign", "1 of 4 acknowledged", "1 read", "3 no answer")
	coord.Shot("90-alerts")
	coord.Go("/console/alerts/new")
	coord.Fill("#f-advisory_id", amber)
	coord.Click("input[name=cii]")
	coord.Fill("#f-actions", "Block the listed addresses at the perimeter.")
	coord.Click("main form button[type=submit]")
	coord.Expect(".problem", "Audience")
	coord.Expect("#f-audience", "may not read the TLP:AMBER publication")
	coord.Click("input[name=cii]")
	coord.Select("#f-constituents_of", s.OrgID("Banking Sector CERT"))
	coord.Click("main form button[type=submit]")
	coord.Expect(".flash", "Sent "+amber+" for acknowledgement")
	coord.Expect("#recipients", "Banking Sector CERT", "First Example Bank", "No answer")
	alertPage := coord.Path()

	bank := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(bank, "ciso@firstbank.example", demo.Password)
	bank.Go("/console/alerts")
	bank.Expect("main table", amber)
	bank.Go(alertPage)
	bank.Expect("#recipients", "First Example Bank", "Read, no answer")
	if n := bank.Count("#recipients tbody tr"); n != 1 {
		t.Errorf("the bank sees %d recipients, want its own only", n)
	}
	bank.Select("select[name=outcome]", "not_affected")
	bank.Fill("textarea[name=note]", "No such addresses in our logs.")
	bank.Click("main form button[type=submit]")
	bank.Expect(".flash", "Recorded First Example Bank's answer")
	bank.Expect("#recipients", "Acknowledged", "Not affected", "No such addresses in our logs.")
	if bank.Overflows() {
		t.Error("the alert page is wider than a phone")
	}
	bank.Shot("91-alert-phone")

	coord.Go(alertPage)
	coord.Expect("#alert", "1 of 4 acknowledged", "3 no answer", "1 not affected")
	coord.Expect("#recipients tbody tr:first-child", "No answer")
	coord.Expect("#timeline", "First Example Bank read", "First Example Bank acknowledged", "not affected")
	coord.Shot("92-alert")
}
