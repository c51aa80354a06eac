package incident_test

import (
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/demo"
)

// In Chromium, with the server's clock in the test's hand: a bank reports
// an incident under NIS2 from a phone; its CERT answers (the first
// response met); a day later the early warning is overdue and the bank
// sends it late; the CERT hands the incident over to the national CERT,
// which closes it; the bank sees each step. A citizen reports through the
// public form and answers through the follow link.
func TestBrowserIncident(t *testing.T) {
	clk := apptest.NewClock()
	s := apptest.Start(t, apptest.Options{Demo: true, Now: clk.Now})
	local := func(d time.Duration) string { return clk.Now().Add(d).UTC().Format("2006-01-02T15:04") }

	bank := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(bank, "ciso@firstbank.example", demo.Password)
	bank.Go("/console/incidents/new")
	bank.Fill("#f-title", "Ransomware on the branch file servers")
	bank.Select("#f-rsit_class", "malicious-code/infected-system")
	bank.Select("#f-severity", "high")
	bank.SetValue("#f-detected_at", local(3*time.Hour))
	bank.Click("main form button[type=submit]")
	bank.Expect("main form", "cannot be in the future")
	bank.SetValue("#f-detected_at", local(-3*time.Hour))
	bank.SetValue("#f-aware_at", local(-2*time.Hour))
	bank.Click("input[name=regimes][value=nis2]")
	bank.Fill("#f-indicators", "198.51.100.99\nransom-pay.example.org")
	bank.Click("main form button[type=submit]")
	bank.Expect(".flash", "Reported as INC-")
	bank.Expect("#clocks", "Early warning", "Running", "First response to the reporter")
	bank.Expect("#owner", "Banking Sector CERT")
	if bank.Overflows() {
		t.Error("the incident page is wider than a phone")
	}
	bank.Shot("95-incident-phone")
	page := bank.Path()

	cert := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(cert, "analyst@bank-cert.example", demo.Password)
	cert.Go("/console/incidents")
	cert.Expect("#incidents", "Ransomware on the branch file servers")
	cert.Go(page)
	cert.Fill("#f-body", "Isolate the servers; do not pay. We are sending a handler.")
	cert.Select("#f-visibility", "reporter")
	cert.Click("#notes form button[type=submit]")
	cert.Expect(".flash", "Note added")
	cert.Expect("#clocks", "Met")
	cert.Shot("96-incident")

	// A day later the early warning has not come.
	// The clock job also runs every real minute, so it may tell of the
	// deadline before this Tick does: what counts is that it is told.
	clk.Add(23 * time.Hour)
	if _, err := s.Incidents.Tick(t.Context()); err != nil {
		t.Fatalf("the clocks' job: %v", err)
	}
	bank.Go(page)
	bank.Expect("#clocks", "Overdue")
	bank.Expect("#timeline", "overdue since")
	bank.Expect("#notes", "Isolate the servers")
	bank.Select("#f-step", "nis2/early-warning")
	bank.Click("#clocks form button[type=submit]")
	bank.Expect(".flash", "Deadline marked done")
	bank.Expect("#clocks", "Late")

	// Handed over to the national CERT, which closes it.
	cert.Go(page)
	cert.Click("#parties details summary")
	cert.Select("#f-transfer-org", s.OrgID("National CERT"))
	cert.Fill("#f-reason", "The same group hit two other banks: a national campaign.")
	cert.Click("#transfer button[type=submit]")
	cert.Expect(".flash", "Handed over")
	cert.Expect("#owner", "National CERT")
	if cert.Count("#handling") != 0 {
		t.Error("the previous owner still handles the incident")
	}
	national := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(national, "analyst@ncert.example", demo.Password)
	national.Go(page)
	national.Select("#f-status", "closed")
	national.Click("#handling button[type=submit]")
	national.Expect("#handling .field-error", "say how the incident was resolved")
	national.Select("#f-status", "closed")
	national.Fill("#f-resolution", "Servers restored from backup; the group's infrastructure taken down.")
	national.Click("#handling button[type=submit]")
	national.Expect("#status", "Closed")
	bank.Go(page)
	bank.Expect("#status", "Closed")
	bank.Expect("#timeline", "handed over from Banking Sector CERT to National CERT", "closed: Servers restored")

	// A citizen.
	citizen := browsertest.New(t, s.URL, 390, 844)
	citizen.Go("/report-incident")
	citizen.Fill("#f-reporter_name", "Amina")
	citizen.Fill("#f-reporter_email", "amina@mail.example")
	citizen.Fill("#f-title", "A fake bank page asked for my card number")
	citizen.Select("#f-rsit_class", "fraud/phishing")
	citizen.Click("main form button[type=submit]")
	citizen.Expect("#receipt", "Your report was received as INC-")
	citizen.Fill("#f-message", "The page was firstbank-secure.example.net.")
	citizen.Click("#reply button[type=submit]")
	citizen.Expect("#messages", "firstbank-secure.example.net")
	if citizen.Overflows() {
		t.Error("the follow page is wider than a phone")
	}
	citizen.Shot("97-incident-follow")
}
