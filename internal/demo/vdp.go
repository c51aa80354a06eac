package demo

import (
	"context"
	"fmt"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/vdp"
	"github.com/certhub/certhub/internal/vdp/config"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/reports"
	"github.com/certhub/certhub/internal/vdp/routing"
)

// loadVDP fills the disclosure program: routing rules, a small CVE pool, and
// reports and cases in the states an analyst meets every week — new, waiting
// for the reporter, declined, routed to a sectoral CERT, coordinating with a
// vendor under embargo, and disclosed with a fix. Every step goes through the
// service, as a user would take it, so the timeline and audit log are real.
func loadVDP(ctx context.Context, c *app.Core, ids map[string]string) error {
	sys := auth.System("demo dataset")
	who := func(email string) (*auth.Identity, error) {
		u, err := c.Auth.UserByEmail(ctx, email)
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", email, err)
		}
		return c.Auth.Identity(ctx, u.ID)
	}
	coord, err := who("coordinator@cc.example")
	if err != nil {
		return err
	}
	netforge, err := who("security@netforge.example")
	if err != nil {
		return err
	}
	examplesoft, err := who("psirt@examplesoft.example")
	if err != nil {
		return err
	}
	bank, err := who("ciso@firstbank.example")
	if err != nil {
		return err
	}
	yes := true
	if _, err := c.VDP.Reports().SetRules(ctx, sys, []routing.Rule{
		{Sector: "banking", OrgID: ids["bankcert"]},
		{Sector: "telecom", OrgID: ids["telcocert"]},
		{Sector: "energy", OrgID: ids["powercert"]},
		{Sector: "health", OrgID: ids["healthcert"]},
		{CII: &yes, OrgID: ids["ncert"]},
	}); err != nil {
		return fmt.Errorf("demo routing rules: %w", err)
	}
	st := config.DefaultSettings
	st.CNAOrgID, st.CNAShortName = "6f0c5e3a-0b7d-4c1e-9a55-2f1d8c0e7b42", "CC-Demo" // not a real CNA
	if err := c.VDP.SaveSettings(ctx, sys, st); err != nil {
		return fmt.Errorf("demo disclosure settings: %w", err)
	}
	pool := make([]string, 10)
	for i := range pool {
		pool[i] = fmt.Sprintf("CVE-2026-%d", 99001+i)
	}
	if _, err := c.VDP.AddCVEs(ctx, sys, pool); err != nil {
		return fmt.Errorf("demo CVE pool: %w", err)
	}
	submit := func(in reports.ReportInput, ip string) (model.Report, error) {
		r, _, err := c.VDP.Reports().SubmitPublic(ctx, in, "web", ip)
		if err != nil {
			return r, fmt.Errorf("demo report %q: %w", in.Title, err)
		}
		return r, nil
	}

	// New, waiting for triage.
	if _, err := submit(reports.ReportInput{Title: "Stored XSS in Examplesoft HelpDesk ticket subjects",
		Description: "A ticket subject containing <img src=x onerror=alert(1)> runs script in the agent's console when the ticket list loads.",
		Vendor:      "Examplesoft", Product: "HelpDesk", Versions: "7.2", CWE: "79", Impact: "Session theft of helpdesk agents.",
		Reproduction: "1. Open a ticket with the subject above.\n2. Sign in as an agent and open the ticket list.",
		Reporter:     &model.Reporter{Name: "Hamza Researcher", Email: "hamza@research.example"}, Credit: "Hamza Researcher"}, "198.51.100.21"); err != nil {
		return err
	}
	// Waiting for the reporter: the clock is paused.
	r, err := submit(reports.ReportInput{Title: "Possible RCE in a router web interface",
		Description: "The diagnostics page seems to pass the host field to a shell.", Vendor: "NetForge Systems", Product: "unknown model",
		Reporter: &model.Reporter{Email: "anon-finder@research.example"}}, "198.51.100.22")
	if err != nil {
		return err
	}
	if _, err := c.VDP.Reports().Acknowledge(ctx, coord, r.ID, "Thank you, we are looking at your report."); err != nil {
		return err
	}
	if _, err := c.VDP.Reports().RequestInfo(ctx, coord, r.ID, "Which model and firmware version did you test? A request and response would help us reproduce it."); err != nil {
		return err
	}
	// Declined, with the reason told to the reporter.
	r, err = submit(reports.ReportInput{Title: "Missing security headers on www.examplesoft.example",
		Description: "The site does not send X-Frame-Options.", Vendor: "examplesoft.example",
		Reporter: &model.Reporter{Email: "scanner@research.example"}}, "198.51.100.23")
	if err != nil {
		return err
	}
	if _, err := c.VDP.Reports().Decline(ctx, coord, r.ID, "A missing header on a static marketing site is not a vulnerability with security impact; we have passed it to the vendor as a hardening note."); err != nil {
		return err
	}
	// A constituent's report, routed by the banking rule to the Banking Sector CERT.
	if _, _, err := c.VDP.Reports().SubmitAs(ctx, bank, ids["firstbank"], "console", reports.ReportInput{
		Title: "Authentication bypass in the card management portal of a payment switch", Vendor: "Examplesoft", Product: "PaySwitch CMS",
		Description: "Our penetration test found that /cms/api/cards answers without a session when X-Internal: 1 is sent.",
		CWE:         "287", Impact: "Card data of all member banks readable.", Versions: "3.4.0"}); err != nil {
		return fmt.Errorf("demo constituent report: %w", err)
	}

	// Coordinating: NetForge, notified and acknowledged, statement pending on one product.
	r, err = submit(reports.ReportInput{Title: "Authentication bypass in NetForge Gate 7 management API",
		Description: "The management API trusts the X-Forwarded-User header from any client, so anyone reaching port 8443 is treated as that user.",
		Product:     "pkg:golang/netforge.example/gate7", Versions: "7.0 to 7.3", CWE: "290",
		Impact: "Full control of the gateway's configuration.", Reproduction: "curl -k -H 'X-Forwarded-User: admin' https://gate7:8443/api/config",
		Reporter: &model.Reporter{Name: "Lina Finder", Email: "lina@research.example"}, Credit: "Lina Finder", DisclosurePlans: "A talk in 120 days."}, "198.51.100.24")
	if err != nil {
		return err
	}
	if _, err := c.VDP.Reports().Triage(ctx, coord, r.ID, reports.TriageInput{Validity: ptr("valid"),
		CVSS3:      ptr("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
		CVSS4:      ptr("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
		SSVCTriage: map[string]string{"report_public": "no", "supplier_contacted": "no", "report_credibility": "credible", "supplier_cardinality": "one", "supplier_engagement": "unresponsive", "utility": "super effective", "public_safety_impact": "significant"}}); err != nil {
		return fmt.Errorf("demo triage: %w", err)
	}
	_, cs, err := c.VDP.Reports().Accept(ctx, coord, r.ID, reports.AcceptInput{Title: "NetForge Gate 7 management API authentication bypass"})
	if err != nil {
		return fmt.Errorf("demo accept: %w", err)
	}
	if _, err := c.VDP.NotifyVendor(ctx, coord, cs.ID, ids["netforge"]); err != nil {
		return err
	}
	if err := c.VDP.AcknowledgeCase(ctx, netforge, cs.ID, ids["netforge"]); err != nil {
		return err
	}
	if err := c.VDP.SetTrackingID(ctx, netforge, cs.ID, ids["netforge"], "NF-PSIRT-2026-117"); err != nil {
		return err
	}
	det, err := c.VDP.GetCase(ctx, coord, cs.ID)
	if err != nil {
		return err
	}
	if _, err := c.VDP.AssignCVE(ctx, coord, cs.ID, det.Vulns[0].ID); err != nil {
		return err
	}
	// The vendor's advisory address, ready for the day of publication: the
	// CVE record can be drafted from it.
	if _, err := c.VDP.UpdateCase(ctx, coord, cs.ID, vdp.CaseChanges{References: &[]string{"https://netforge.example/psirt/NF-PSIRT-2026-117"}}); err != nil {
		return err
	}
	if _, err := c.VDP.SetStatus(ctx, netforge, cs.ID, vdp.StatusInput{VulnID: det.Vulns[0].ID, VendorOrgID: ids["netforge"], Product: "Gate 7",
		Status: "known_affected", Statement: "Confirmed on 7.0–7.3. A fix is in testing.", Workaround: "Allow port 8443 only from the management network."}); err != nil {
		return err
	}
	for _, th := range det.Threads {
		if th.Visibility == model.VisibleVendor {
			if _, err := c.VDP.AddPost(ctx, netforge, cs.ID, th.ID, "We reproduced the issue and expect 7.3.1 with the fix within four weeks."); err != nil {
				return err
			}
			if _, err := c.VDP.AddPost(ctx, coord, cs.ID, th.ID, "Thank you. Please confirm the fixed version when the build is ready, so we can agree the publication date."); err != nil {
				return err
			}
		}
	}

	// Disclosed: Examplesoft fixed NetBank Portal and the case was published.
	r, err = submit(reports.ReportInput{Title: "SQL injection in Examplesoft NetBank Portal login",
		Description: "The username field of /login is concatenated into an SQL query.", Vendor: "Examplesoft", Product: "NetBank Portal",
		Versions: "4.0 to 4.2", CWE: "89", Reproduction: "POST /login with username=' OR 1=1--",
		Reporter: &model.Reporter{Name: "Ada Researcher", Email: "ada@research.example"}, Credit: "Ada Researcher"}, "198.51.100.25")
	if err != nil {
		return err
	}
	if _, err := c.VDP.Reports().Triage(ctx, coord, r.ID, reports.TriageInput{Validity: ptr("valid"), VendorOrgID: ptr(ids["examplesoft"]),
		CVSS3: ptr("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N")}); err != nil {
		return err
	}
	_, cs, err = c.VDP.Reports().Accept(ctx, coord, r.ID, reports.AcceptInput{Title: "Examplesoft NetBank Portal SQL injection"})
	if err != nil {
		return err
	}
	if _, err := c.VDP.NotifyVendor(ctx, coord, cs.ID, ids["examplesoft"]); err != nil {
		return err
	}
	if err := c.VDP.AcknowledgeCase(ctx, examplesoft, cs.ID, ids["examplesoft"]); err != nil {
		return err
	}
	det, err = c.VDP.GetCase(ctx, coord, cs.ID)
	if err != nil {
		return err
	}
	if _, err := c.VDP.SetStatus(ctx, examplesoft, cs.ID, vdp.StatusInput{VulnID: det.Vulns[0].ID, VendorOrgID: ids["examplesoft"], Product: "NetBank Portal",
		Status: "fixed", FixedVersions: "4.2.1", Statement: "Fixed in 4.2.1 by parameterised queries.", Mitigation: "Update to 4.2.1."}); err != nil {
		return err
	}
	if _, err := c.VDP.SetFact(ctx, coord, cs.ID, "fix_ready", true); err != nil {
		return err
	}
	if _, err := c.VDP.UpdateCase(ctx, coord, cs.ID, vdp.CaseChanges{Status: ptr("disclosed"),
		Summary: ptr("An SQL injection in the login form of NetBank Portal 4.0 to 4.2 let an unauthenticated attacker read the database. Fixed in 4.2.1.")}); err != nil {
		return fmt.Errorf("demo disclosure: %w", err)
	}
	return nil
}
