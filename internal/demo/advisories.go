package demo

import (
	"context"
	"fmt"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/vdp/model"
)

// loadAdvisories publishes what the public website shows: an advisory
// drafted from the disclosed demo case, a standalone advisory, an alert, a
// hardening guideline and a news item (all TLP:CLEAR), a TLP:AMBER alert and
// a TLP:AMBER advisory for the banking sector, and one advisory still in review. Each goes
// through the real workflow: draft → review → approval → publication.
func loadAdvisories(ctx context.Context, c *app.Core, ids map[string]string) error {
	sys := auth.System("demo dataset")
	publish := func(advID string) error {
		if _, err := c.Advisory.Submit(ctx, sys, advID); err != nil {
			return fmt.Errorf("demo advisory submit: %w", err)
		}
		if _, err := c.Advisory.Approve(ctx, sys, advID, nil); err != nil {
			return fmt.Errorf("demo advisory approve: %w", err)
		}
		return nil
	}
	create := func(in advisory.Input) (string, error) {
		a, err := c.Advisory.Create(ctx, sys, in)
		if err != nil {
			return "", fmt.Errorf("demo advisory %q: %w", in.Content.Title, err)
		}
		return a.ID, nil
	}

	// From the disclosed case: the hand-off gives the facts; the editor adds what to do.
	disclosed, _, err := c.VDP.ListCases(ctx, sys, model.CaseFilter{Status: "disclosed", Limit: 1})
	if err != nil || len(disclosed) == 0 {
		return fmt.Errorf("demo advisory: the disclosed case: %v", err)
	}
	advID, err := c.Advisory.DraftFromCaseID(ctx, sys, disclosed[0].ID)
	if err != nil {
		return fmt.Errorf("demo advisory from case: %w", err)
	}
	d, err := c.Advisory.Get(ctx, sys, advID)
	if err != nil {
		return err
	}
	in := advisory.Input{Kind: d.Advisory.Kind, TLP: "CLEAR", CaseID: d.Advisory.CaseID, Recipients: d.Advisory.Recipients, Content: d.Advisory.Content}
	in.Content.Action = "Update **NetBank Portal** to version 4.2.1 or later. Until then, restrict access to `/login` to known networks."
	in.Content.Sectors = []string{"banking"}
	if _, err := c.Advisory.Update(ctx, sys, advID, in); err != nil {
		return fmt.Errorf("demo advisory from case: %w", err)
	}
	if err := publish(advID); err != nil {
		return err
	}

	acme := []advisory.Product{
		{ID: "CSAFPID-0001", Vendor: "Acme Networks", Name: "SecureGate VPN", Versions: "<9.4.2", CPE: "cpe:2.3:o:acme:securegate:*:*:*:*:*:*:*:*"},
		{ID: "CSAFPID-0002", Vendor: "Acme Networks", Name: "SecureGate VPN", Versions: "9.4.2"},
	}
	steps := []advisory.Input{
		{Kind: advisory.KindAdvisory, TLP: "CLEAR", Content: advisory.Content{
			Title:   "Authentication bypass and command injection in Acme SecureGate VPN",
			Summary: "Two vulnerabilities in the web interface of Acme SecureGate VPN before 9.4.2 let an unauthenticated attacker run commands on the appliance. Both are exploited in the wild.",
			Action:  "1. Update to SecureGate 9.4.2 now.\n2. If you cannot, disable the web interface on the internet-facing port.\n3. Look for the indicators in the vendor's bulletin and reset credentials stored on the appliance.",
			Lang:    "en", Sectors: []string{"banking", "telecom", "energy"}, Products: acme,
			Vulns: []advisory.Vuln{
				{CVE: "CVE-2026-41001", Title: "Authentication bypass in the web interface", CWE: "CWE-287", Exploited: true,
					Description: "A crafted request to /api/session skips the password check.",
					CVSS3:       "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", CVSS4: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
					Status: map[string]string{"CSAFPID-0001": advisory.StatusKnownAffected, "CSAFPID-0002": advisory.StatusFixed},
					Remediations: []advisory.Remediation{{Category: "vendor_fix", Details: "Update to 9.4.2.", URL: "https://acme.example/security/sg-2026-07",
						ProductIDs: []string{"CSAFPID-0001"}}}},
				{CVE: "CVE-2026-41002", Title: "Command injection in the diagnostics page", CWE: "CWE-78", Exploited: true,
					Description: "The host field of the ping tool is passed to a shell.",
					CVSS3:       "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
					Status:      map[string]string{"CSAFPID-0001": advisory.StatusKnownAffected, "CSAFPID-0002": advisory.StatusFixed},
					Remediations: []advisory.Remediation{{Category: "vendor_fix", Details: "Update to 9.4.2.", ProductIDs: []string{"CSAFPID-0001"}},
						{Category: "workaround", Details: "Disable the web interface on untrusted networks.", ProductIDs: []string{"CSAFPID-0001"}}}},
			},
			References: []advisory.Reference{{URL: "https://acme.example/security/sg-2026-07", Summary: "Vendor bulletin SG-2026-07"}},
		}},
		{Kind: advisory.KindAlert, TLP: "CLEAR", Content: advisory.Content{
			Title:   "Phishing campaign impersonating the State Bank targets bank customers",
			Summary: "Since 18 November, text messages and e-mails that look like State Bank notices ask customers to \"verify\" their accounts on look-alike sites and steal their credentials and one-time codes.",
			Action:  "Banks: warn customers through your channels and report look-alike domains to BankCERT. Customers: never enter codes on a site you reached from a message; call your bank.",
			Details: "The sites are registered a few hours before each wave and hosted behind a CDN. The messages use the bank's logo and a shortened link. Partner CSIRTs attribute the waves to the group they track as Indus Viper.",
			Lang:    "en", Sectors: []string{"banking"},
			References: []advisory.Reference{{URL: "https://www.sbp.example/notices/phishing", Summary: "State Bank notice"}},
		}},
		{Kind: advisory.KindGuideline, TLP: "CLEAR", Content: advisory.Content{
			Title:      "Hardening internet-facing VPN appliances",
			Summary:    "VPN appliances are the most exploited entry point of 2026. This guideline lists the settings every organisation should check.",
			Details:    "## Do now\n\n- Apply vendor updates within 48 hours of release.\n- Turn off web management on internet-facing interfaces.\n- Require phishing-resistant MFA for every VPN account.\n\n## Monitor\n\n- Forward the appliance's logs to your SIEM.\n- Alert on configuration changes.",
			Lang:       "en",
			References: []advisory.Reference{{URL: "https://www.cisa.gov/resources-tools/resources/secure-by-design", Summary: "Secure by design"}},
		}},
		{Kind: advisory.KindNews, TLP: "CLEAR", Content: advisory.Content{
			Title:   "Report vulnerabilities to the coordination center, without an account",
			Summary: "Anyone can now report a vulnerability in software or services used in the country through our public form, encrypted if they wish. We coordinate with the vendor and credit the reporter.",
			Details: "Read our [disclosure policy](/report#policy) and use the [report form](/report).", Lang: "en"}},
		{Kind: advisory.KindAlert, TLP: "AMBER", Recipients: []string{ids["bankcert"]}, Content: advisory.Content{
			Title:   "Credential-stuffing wave against online banking portals",
			Summary: "A botnet of about 40,000 residential addresses is testing leaked credentials against the online banking portals of the sector. For BankCERT and its constituents only.",
			Action:  "Enforce rate limits per account and per address on the login endpoint, and review accounts with successful logins from the listed networks.",
			Lang:    "en", Sectors: []string{"banking"},
			References: []advisory.Reference{{URL: "https://bankcert.example/tlp-amber/2026-11-stuffing", Summary: "BankCERT analysis"}},
		}},
		{Kind: advisory.KindAdvisory, TLP: "AMBER", Recipients: []string{ids["bankcert"]}, Content: advisory.Content{
			Title:   "Pre-disclosure: session fixation in the sector's shared payment switch",
			Summary: "The payment switch that the banks of the sector share accepts a session identifier chosen by the client. The vendor's fix is due next month; BankCERT and its constituents get the details now to prepare.",
			Action:  "Restrict the switch's operator interface to the banks' management networks until the fix is installed.",
			Lang:    "en", Sectors: []string{"banking"},
			Products: []advisory.Product{{ID: "CSAFPID-0001", Vendor: "Examplesoft", Name: "PaySwitch", Versions: "<5.1"}},
			Vulns: []advisory.Vuln{{Title: "Session fixation in the operator interface", CWE: "CWE-384",
				CVSS3:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N",
				Status: map[string]string{"CSAFPID-0001": advisory.StatusKnownAffected},
				Remediations: []advisory.Remediation{{Category: "workaround", Details: "Allow the operator interface only from the management networks.",
					ProductIDs: []string{"CSAFPID-0001"}}}}},
		}},
		// TLP:RED: for the people named, not for their organisations.
		{Kind: advisory.KindAlert, TLP: "RED", RecipientUsers: []string{"lead@bank-cert.example"}, Content: advisory.Content{
			Title:   "Insider sale of a bank's VPN credentials on a closed forum",
			Summary: "A seller on a closed forum offers working VPN credentials of a bank of the sector, with screenshots of its internal portal. For BankCERT's lead only: the source would be burnt if the bank's staff were warned before the credentials are revoked quietly.",
			Action:  "Revoke the VPN accounts listed in the attachment sent to you out of band, without announcing it internally.",
			Lang:    "en", Sectors: []string{"banking"},
		}},
	}
	for _, in := range steps {
		id, err := create(in)
		if err != nil {
			return err
		}
		if err := publish(id); err != nil {
			return err
		}
	}
	// One in review, to show the four-eyes step.
	_, err = create(advisory.Input{Kind: advisory.KindAdvisory, TLP: "CLEAR", Content: advisory.Content{
		Title:    "Path traversal in Examplesoft Document Vault",
		Summary:  "A path traversal in the download endpoint of Document Vault 2.x lets an authenticated user read any file.",
		Lang:     "en",
		Products: []advisory.Product{{ID: "CSAFPID-0001", Vendor: "Examplesoft", Name: "Document Vault", Versions: "vers:generic/>=2.0|<2.3.1"}},
		Vulns: []advisory.Vuln{{Title: "Path traversal in /download", CWE: "CWE-22", CVSS3: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
			Status: map[string]string{"CSAFPID-0001": advisory.StatusKnownAffected}}},
	}})
	return err
}
