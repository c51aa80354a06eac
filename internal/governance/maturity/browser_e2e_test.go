package maturity_test

import (
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/demo"
)

// In Chromium: PowerCERT's lead starts its first SIM3 self-assessment,
// is told a written-down level needs a note, rates O-1 with one, links an
// exercise as evidence; the National CERT reads BankCERT's history, its
// chart and its table; a bank's console does not offer the section.
func TestBrowserMaturity(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	lead := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(lead, "lead@power-cert.example", demo.Password)
	lead.Go("/console/maturity")
	lead.Click("#start-self")
	lead.Expect(".flash", "Self-assessment started")
	lead.Expect("#facts", "Power Sector CERT", "0 of 44")
	lead.Select("#p-O-1 select[name=level]", "3")
	lead.Click("#p-O-1 form button")
	lead.Expect(".problem", "O-1", "written down")
	lead.Select("#p-O-1 select[name=level]", "3")
	lead.Fill("#p-O-1 textarea", "Mandate in the Power Division's order 12/2025, approved by the board")
	lead.Click("#p-O-1 form button")
	lead.Expect(".flash", "O-1 saved") // the new page, before its rows are read
	lead.Expect("#p-O-1", "3", "Explicit, formalised", "order 12/2025")
	xs := s.API("GET", "/api/v1/exercises", s.Token("coordinator@cc.example"), nil).JSON(t)["items"].([]any)
	lead.Select("#p-P-8 select[name=kind]", "exercise")
	lead.Fill("#p-P-8 input[name=ref]", xs[0].(map[string]any)["id"].(string))
	lead.Click("#p-P-8 .inline-form button")
	lead.Expect(".flash", "Evidence linked to P-8")
	lead.Expect("#p-P-8 .evidence", "Exercise")
	lead.Expect("#rated", "1 of 44")
	lead.Shot("maturity-draft")

	nat := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(nat, "analyst@ncert.example", demo.Password)
	nat.Go("/console/maturity")
	nat.Expect("#latest", "Banking Sector CERT", "Peer review")
	nat.Go("/console/maturity/history?org_id=" + s.OrgID("Banking Sector CERT"))
	nat.Expect("#points", "Self-assessment", "Peer review by Telecom Sector CERT")
	nat.Expect("#param-levels", "INCIDENT RESOLUTION PROCESS")
	if nat.Count("#chart polyline") != 4 {
		t.Errorf("the chart has %d lines, want one per group", nat.Count("#chart polyline"))
	}
	nat.Shot("maturity-history")

	bank := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(bank, "ciso@firstbank.example", demo.Password)
	bank.Go("/console")
	if bank.Count(`nav a[href="/console/maturity"]`) != 0 || bank.Count(`nav a[href="/console/assessments"]`) != 1 {
		t.Error("a bank's navigation offers maturity, or not its assessments")
	}
}
