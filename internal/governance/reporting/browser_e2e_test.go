package reporting_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/demo"
	"github.com/certhub/certhub/internal/platform/db"
)

// In Chromium, issue 18's done-when for periodic reporting: a month
// after the demo's incidents, BankCERT's lead assembles the month's
// report from the records (the bank's phishing incident counted),
// cannot submit it without a summary, writes one and submits it; the
// National CERT accepts it; the roll-up shows it beside the other CERTs,
// with PowerCERT's missing month.
// On both engines.
func TestBrowserPeriodicReport(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) { browserPeriodicReport(t, engine) })
	}
}

func browserPeriodicReport(t *testing.T, engine db.Engine) {
	clk := apptest.NewClock()
	s := apptest.Start(t, apptest.Options{Demo: true, Engine: engine, Now: clk.Now})
	now := clk.Now().UTC()
	month := now.Format("2006-01") // the month of the demo's incidents
	next := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 1)
	clk.Add(next.Sub(now)) // the month is over

	cert := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(cert, "lead@bank-cert.example", demo.Password)
	cert.Go("/console/periodic-reports")
	cert.Fill("#f-period", "2026-13")
	cert.Click("#assemble button")
	cert.Expect("#assemble .field-error", "a month such as")
	cert.Fill("#f-period", month)
	cert.Click("#assemble button")
	cert.Expect(".flash", "Assembled from the records")
	if n := cert.Text("#figures .kpi:first-child .n"); n == "" || n == "0" {
		t.Errorf("the month's incidents handled by BankCERT: %q", n)
	}
	cert.Click("#submit-form button")
	cert.Expect("#narrative .field-error", "write the summary before submitting")
	cert.Fill("#f-summary", "Phishing against the banks' customers; the VPN campaign is over.")
	cert.Click("#narrative-form button")
	cert.Expect(".flash", "Saved")
	cert.Click("#submit-form button")
	cert.Expect(".flash", "Submitted to the National CERT")
	cert.Expect("#status", "Submitted")
	report := cert.Path()
	if r := s.Client().Get(report); r.Status == http.StatusOK && strings.Contains(string(r.Body), "Phishing against") {
		t.Error("an anonymous visitor reads the report")
	}

	national := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(national, "analyst@ncert.example", demo.Password)
	national.Go(report)
	national.Click("#review button[value=return]")
	national.Expect("#review .field-error", "say what the CERT is to change")
	national.Click("#review button[value=accept]")
	national.Expect(".flash", "Reviewed")
	national.Expect("#status", "Accepted")
	if text := national.Text("main"); strings.Contains(text, "%!") || strings.Contains(text, "0x") {
		t.Errorf("a figure printed as a Go value: %s", text)
	}
	national.Shot("a6-periodic-report")
	national.Go("/console/periodic-reports/rollup")
	national.Expect("#rollup thead", month)
	national.Expect("#rollup", "Banking Sector CERT", "Telecom Sector CERT", "Power Sector CERT")
	national.Expect("#missing", "Power Sector CERT")
	national.Expect("#over-time", month)
	national.Shot("a7-rollup")
	if r := s.API("GET", "/api/v1/periodic-reports/rollup?format=csv", s.Token("analyst@ncert.example"), nil); r.Status != http.StatusOK ||
		!strings.Contains(string(r.Body), month+",accepted,") {
		t.Errorf("roll-up CSV: %d\n%s", r.Status, r.Body)
	}

	bank := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(bank, "ciso@firstbank.example", demo.Password)
	bank.Go(report)
	bank.Expect("main", "no such report")
}
