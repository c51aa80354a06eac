package hygiene_test

import (
	"context"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/demo"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/hygiene/probetest"
)

// In Chromium, on the demo with the loopback internet of probetest: First
// Example Bank (its domain now good.test, its range the exposed host) asks
// for a check now and sees it run through the job queue to its results,
// score and findings, on a phone; BankCERT's analyst records Crescent's
// scanning permission (a missing grantor named beside the field); the
// coordinator reads the national roll-up with its trend and the critical
// findings.
func TestBrowserHygiene(t *testing.T) {
	n := probetest.Start(t)
	s := apptest.Start(t, apptest.Options{Demo: true, Configure: func(c *app.Config) {
		o := n.Options()
		o.Now = time.Now
		c.Hygiene.Probe = &o
	}})
	ctx := context.Background()
	bankID := s.OrgID("First Example Bank")
	if _, err := s.Directory.Update(ctx, s.Identity("coordinator@cc.example"), bankID, directory.OrgInput{
		Constituency: &directory.Constituency{Domains: []string{"good.test"}, CIDRs: []string{probetest.Exposed + "/32"}}}); err != nil {
		t.Fatal(err)
	}

	bank := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(bank, "ciso@firstbank.example", demo.Password)
	bank.Go("/console/hygiene")
	bank.Expect("#org-table", "First Example Bank")
	if n := bank.Count("#org-table tbody tr"); n != 1 {
		t.Errorf("the bank sees %d organisations in the roll-up, want its own", n)
	}
	bank.Click("#org-table tbody a")
	bank.Expect("#permission", "Usman, CISO of First Example Bank")
	bank.Click("#check-now")
	bank.Expect(".flash", "is queued")
	deadline := time.Now().Add(90 * time.Second)
	for bank.Count("#pending") > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Second)
		bank.Go("/console/hygiene/organisations/" + bankID)
	}
	bank.Expect("#results", "good.test", "The chain of trust from the root validates", "mail.good.test")
	bank.Expect("#findings", "No risky service is open", probetest.Exposed+":23")
	bank.Expect("#runs", "On request")
	bank.Shot("hygiene-org-phone")
	if bank.Overflows() {
		t.Errorf("the hygiene page overflows a phone's width: %s", bank.Overflowing())
	}

	cert := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(cert, "analyst@bank-cert.example", demo.Password)
	cert.Go("/console/hygiene/organisations/" + s.OrgID("Crescent Microfinance"))
	cert.Expect("#findings", "SPF does not let every host send")
	cert.Fill("#granted_by", "")
	cert.Click("#permission-form button[type=submit]")
	cert.Expect("#permission-form .field-error", "who at the organisation granted")
	cert.Fill("#granted_by", "Ayesha, IT security manager")
	cert.Click("#permission-form button[type=submit]")
	cert.Expect(".flash", "Scanning permission recorded")
	cert.Expect("#permission", "Ayesha, IT security manager")
	cert.Shot("hygiene-org")
	if cert.Count("#org-table") != 0 {
		t.Error("an organisation page shows the roll-up's table")
	}
	cert.Go("/console/hygiene")
	if n := cert.Count("#org-table tbody tr"); n != 4 {
		t.Errorf("BankCERT reads %d organisations, want its three constituents and itself", n)
	}

	staff := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(staff, "coordinator@cc.example", demo.Password)
	staff.Go("/console/hygiene")
	staff.Expect("#sector-table", "BANKING", "ENERGY", "HEALTH")
	if staff.Count("#trend svg polyline") < 2 {
		t.Error("the trend chart has no lines")
	}
	staff.Expect("#trend-table", "ALL")
	staff.Shot("hygiene-rollup")
	staff.Go("/console/hygiene/findings?severity=critical")
	staff.Expect("#findings", "Central Power Distribution Company", "Document Vault")
	staff.Shot("hygiene-findings")
}
