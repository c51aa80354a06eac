package assessment_test

import (
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/demo"
)

// In Chromium: BankCERT's analyst opens an assessment of one of its
// constituents (a missing scope is named beside its field), records
// verdicts with evidence (a shortfall without evidence is refused) and
// adds a remediation action; First Example Bank's CISO, on a phone, marks
// the overdue action of the demo's assessment done; the maturity roll-up
// shows both sectors assessed.
func TestBrowserAssessment(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	cert := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(cert, "analyst@bank-cert.example", demo.Password)
	cert.Go("/console/assessments")
	cert.Expect("#assessments", "First Example Bank", "Banking Sector CERT")
	cert.Click("#new-assessment")
	cert.Select("#f-org_id", s.OrgID("Crescent Microfinance"))
	cert.Select("#f-assessor_org_id", s.OrgID("Banking Sector CERT"))
	cert.Click("main form button[type=submit]")
	cert.Expect("main form .field-error", "1 to 4000 characters")
	cert.Fill("#f-scope", "Branch network and the mobile wallet")
	cert.Click("main form button[type=submit]")
	cert.Expect(".flash", "opened")
	cert.Expect("#facts", "Crescent Microfinance", "national-policy version 1")
	cert.Select("#c-PR-1 select[name=verdict]", "not_met")
	cert.Click("#c-PR-1 button")
	cert.Expect(".problem", "PR-1", "the evidence")
	cert.Select("#c-PR-1 select[name=verdict]", "not_met")
	cert.Fill("#c-PR-1 textarea", "The VPN accepts passwords alone")
	cert.Click("#c-PR-1 button")
	cert.Expect(".flash", "Verdict on PR-1 recorded") // the new page, before its rows are read
	cert.Expect("#c-PR-1", "not met", "critical", "The VPN accepts passwords alone")
	cert.Select("#c-GV-1 select[name=verdict]", "met")
	cert.Click("#c-GV-1 button")
	cert.Expect(".flash", "Verdict on GV-1 recorded")
	cert.Expect("#progress", "2 of 16 controls assessed", "50.0%")
	cert.Click("#plan-add summary")
	cert.Fill("#f-title", "Enforce MFA on the VPN")
	cert.Select("#f-requirement", "PR-1")
	cert.SetValue("#f-due_on", "2099-01-31")
	cert.Click("#plan-add button[type=submit]")
	cert.Expect(".flash", "Action added")
	cert.Expect("#plan-table", "Enforce MFA on the VPN", "Crescent Microfinance", "2099-01-31")
	cert.Shot("assessment-fieldwork")

	bank := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(bank, "ciso@firstbank.example", demo.Password)
	bank.Go("/console/assessments")
	bank.Expect("#assessments", "First Example Bank")
	if bank.Count("#assessments tbody tr") != 1 {
		t.Errorf("the bank sees %d assessments, want its own", bank.Count("#assessments tbody tr"))
	}
	bank.Click("#assessments tbody a")
	bank.Expect("#plan-table", "Continuity plan for the loss of the card switch", "overdue")
	bank.Fill("#plan-table tbody tr:nth-child(2) input[name=note]", "Plan approved and tested on 2026-12-05")
	bank.Click("#plan-table tbody tr:nth-child(2) button")
	bank.Expect(".flash", "Action updated")
	bank.Expect("#plan-table tbody tr:nth-child(2)", "Done", "Plan approved and tested")
	bank.Shot("assessment-plan-phone")
	if bank.Overflows() {
		t.Error("the assessment overflows a phone's width")
	}

	staff := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(staff, "coordinator@cc.example", demo.Password)
	staff.Go("/console/assessments/maturity")
	staff.Expect("#maturity", "BANKING", "TELECOM", "PROTECT")
	staff.Shot("assessment-maturity")
}
