package pages_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// The whole disclosure journey in a real browser: a researcher reports on
// the public page, the center triages, routes and opens a case, notifies the
// vendor, the vendor signs in to its portal and states a fix, and the center
// discloses and closes the case — every e-mail received by the test SMTP
// server, every step in the audit log.
func TestBrowserDisclosureJourney(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	ctx := context.Background()
	// The vendor's published key is one whose private half the test holds,
	// so that the encrypted notification can be read.
	vendorPub, vendorPriv, err := pgp.GenerateKey("NetForge PSIRT", "security@netforge.example", 24*time.Hour, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Directory.Update(ctx, auth.System("test"), s.OrgID("NetForge Systems"), directory.OrgInput{PGPKey: &vendorPub}); err != nil {
		t.Fatal(err)
	}

	// The researcher, no account.
	b := browsertest.New(t, s.URL, 1280, 900)
	b.Go("/report")
	b.Shot("20-report-form")
	b.Fill("#f-title", "Authentication bypass in NetForge Gate 7 admin portal")
	b.Click("#report-form button[type=submit]")
	b.Expect(".problem", "Please correct", "Description")
	b.Expect("#f-description + .hint + .field-error", "is required")
	if b.Value("#f-title") != "Authentication bypass in NetForge Gate 7 admin portal" {
		t.Fatal("the typed title was lost")
	}
	b.Fill("#f-vendor", "NetForge Systems")
	b.Fill("#f-product", "Gate 7")
	b.Fill("#f-versions", "7.0–7.3")
	b.Fill("#f-cwe", "CWE-287")
	b.Fill("#f-description", "The admin portal accepts any password when the X-Forwarded-User header is set.")
	b.Fill("#f-references", "https://researcher.example/gate7")
	b.Fill("#f-credit", "Ada Researcher")
	b.Fill("#f-reporter\\.email", "ada@researcher.example")
	b.Click("#report-form button[type=submit]")
	b.Expect("#receipt", "Your report was received as VR-")
	b.Shot("21-follow")
	tracking := regexp.MustCompile(`VR-\d{4}-\d{6}`).FindString(b.Text("#receipt"))
	followPath := b.Path()
	receipt := s.SMTP.WaitFor(t, "ada@researcher.example", tracking)
	if !strings.Contains(receipt.Body, "/report/follow?key=") {
		t.Fatal("the reporter got no receipt with the follow link")
	}

	// The coordinator triages it.
	apptest.SignIn(b, "coordinator@cc.example", "certhub-demo-2026")
	b.Go("/console/reports")
	b.Expect("#reports", tracking)
	b.Shot("22-queue")
	b.Fill(".filters input[name=q]", tracking) // the demo's reports are older, so first in the queue
	b.Click(".filters button[type=submit]")
	if n := b.Count("#reports tbody tr"); n != 1 {
		t.Fatalf("searching the queue for %s shows %d reports", tracking, n)
	}
	b.Click("#reports a[href^='/console/reports/']")
	reportPath := b.Path()
	b.Select("#f-validity", "valid")
	b.Select("#f-vendor_org_id", s.OrgID("NetForge Systems"))
	b.Fill("#f-cvss3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	b.Fill("#f-cvss4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
	for point, value := range map[string]string{"RP": "N", "SCON": "Y", "RC": "C", "SC": "O", "SE": "U", "U": "S", "PSI": "S"} {
		b.Select("#f-t-"+point, value)
	}
	b.Click("#triage-form button[type=submit]")
	b.Expect("#clock-h + dl", "9.8 Critical", "Coordinate")
	b.Shot("23-report-triaged")
	b.Fill("#f-case-title", "NetForge Gate 7 authentication bypass")
	b.Click("#accept-form button[type=submit]")
	if !strings.HasPrefix(b.Path(), "/console/cases/") {
		t.Fatalf("after accepting at %s", b.Path())
	}
	casePath := b.Path()
	b.Expect("h1", "NetForge Gate 7 authentication bypass")
	b.Click("#participant-list button[type=submit]") // Notify, the first button of the vendor's row
	b.Expect("#publication", "UTC")
	b.Shot("24-case")

	caseNumber := regexp.MustCompile(`CC-\d{4}-\d{4}`).FindString(b.Text(".head"))
	vendorMail := s.SMTP.WaitFor(t, "security@netforge.example", "["+caseNumber+"] Vulnerability report")
	if !strings.Contains(vendorMail.Body, "-----BEGIN PGP MESSAGE-----") {
		t.Fatalf("the vendor has a key but the mail went in clear:\n%s", vendorMail.Body)
	}
	plain, err := pgp.Decrypt(vendorMail.Body, vendorPriv)
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`http://127\.0\.0\.1:\d+(/console/cases/\S+)`).FindStringSubmatch(string(plain))
	if link == nil || link[1] != casePath || !strings.Contains(string(plain), "NetForge Gate 7") {
		t.Fatalf("the vendor's mail does not link the case %s:\n%s", casePath, plain)
	}

	// Another vendor cannot even find the case.
	apptest.SignIn(b, "psirt@examplesoft.example", "certhub-demo-2026")
	b.Go(casePath)
	b.Expect("h1", "Not Found")

	// The vendor signs in to its portal and states a fix.
	apptest.SignIn(b, "security@netforge.example", "certhub-demo-2026")
	b.Go("/console/cases")
	b.Expect("#cases", "NetForge Gate 7 authentication bypass")
	b.Go(casePath)
	b.Expect("#statements", "Unknown — no answer")
	b.Fill("#f-s-product", "Gate 7")
	b.Select("#f-s-status", "fixed")
	b.Fill("#f-s-fixed", "7.3.1")
	b.Fill("#f-s-statement", "Fixed in 7.3.1; the header is no longer trusted.")
	b.Click("#status-form button[type=submit]")
	b.Expect("#statements", "Fixed", "7.3.1")
	b.Shot("25-vendor-portal")
	if b.Count("#edit") != 0 {
		t.Fatal("the vendor is offered to edit the case")
	}

	// The coordinator discloses and closes the case.
	apptest.SignIn(b, "coordinator@cc.example", "certhub-demo-2026")
	b.Go(casePath)
	b.Select("#f-c-status", "disclosed")
	b.Click("#case-form button[type=submit]")
	b.Expect(".head", "TLP:CLEAR", "Disclosed")
	b.Select("#f-c-status", "closed")
	b.Click("#case-form button[type=submit]")
	b.Expect(".head", "Closed")
	b.Go(reportPath)
	b.Expect(".head", "Accepted")

	// The reporter sees the outcome through the follow link.
	b.Go(followPath)
	b.Expect("#status", "Accepted", "CC-")

	// Every step is in the audit log, and the chain holds.
	for _, action := range []string{"report.submit", "report.triage", "report.accept", "case.open", "case.notify", "case.status", "case.update"} {
		es, _, err := audit.List(ctx, s.DB, audit.Filter{Action: action})
		if err != nil || len(es) == 0 {
			t.Errorf("no %s in the audit log (%v)", action, err)
		}
	}
	if rep, err := audit.Verify(ctx, s.DB); err != nil || rep.Problem != nil {
		t.Fatalf("audit chain: %+v %v", rep.Problem, err)
	}
}
