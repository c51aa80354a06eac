package demo

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/procurement"
)

// loadProcurement accredits the demo's lab for network and security
// products, for three years around the demo's first day, and publishes the
// firewall catalogue.
func loadProcurement(ctx context.Context, c *app.Core, ids map[string]string) error {
	now := c.Cfg.Now().UTC()
	_, err := c.Procurement.SetAccreditation(ctx, auth.System("demo dataset"), ids["lab"], procurement.AccreditationInput{
		Categories: []string{"network_device", "firewall", "vpn_gateway", "iot_ot_device"}, State: procurement.StateActive,
		ValidFrom: now.AddDate(0, -6, 0).Format("2006-01-02"), ValidUntil: now.AddDate(2, 6, 0).Format("2006-01-02")})
	if err != nil {
		return fmt.Errorf("demo accreditation: %w", err)
	}
	if _, err := c.Procurement.Criteria().Publish(ctx, auth.System("demo dataset"), "firewall", firewallCatalogue); err != nil {
		return fmt.Errorf("demo catalogue: %w", err)
	}
	return loadEvaluations(ctx, c, ids)
}

// firewallCatalogue is the demo's criteria for firewalls (twenty
// requirements), in the catalogue import format.
//
//go:embed firewall-catalogue.json
var firewallCatalogue []byte

// loadEvaluations takes products through evaluations to the states the
// console and the public list show: two approvals (one of which the
// watch puts under review at once, because a demo advisory names it), one
// in testing, one requested, one rejected.
func loadEvaluations(ctx context.Context, c *app.Core, ids map[string]string) error {
	sys := auth.System("demo dataset")
	guideline := ""
	if list, err := c.Advisory.Publications(ctx, nil, advisory.PublicFilter{Kind: string(advisory.KindGuideline), Page: 1, Limit: 1}); err == nil && len(list.Items) > 0 {
		guideline = "/advisories/" + list.Items[0].TrackingID
	}
	type step struct {
		in      procurement.EvaluationInput
		results int                      // requirements judged (pass, but FW-07)
		finish  []procurement.Transition // after testing
		stop    string                   // the last action before results ("" = through testing)
	}
	steps := []step{
		{in: procurement.EvaluationInput{OrgID: ids["examplesoft"], Product: "Edge Firewall", Version: "9.2", Category: "firewall",
			IntendedUse: "Perimeter firewall for branch offices and small data centres.", Buyers: "Banks, ministries"},
			results: 20, finish: []procurement.Transition{{Action: procurement.ActSubmit}, {Action: procurement.ActReview},
				{Action: procurement.ActDecide, Decision: procurement.EvalApproved, GuidelineURL: guideline}}},
		{in: procurement.EvaluationInput{OrgID: ids["firstbank"], Product: "SecureGate VPN", Vendor: "Acme Networks", Version: "9.4.1",
			Category: "firewall", IntendedUse: "Remote access for 2,000 staff.", Buyers: "First Example Bank"},
			results: 20, finish: []procurement.Transition{{Action: procurement.ActSubmit}, {Action: procurement.ActReview},
				{Action: procurement.ActDecide, Decision: procurement.EvalApprovedCond, GuidelineURL: guideline,
					Conditions: "Web management disabled on internet-facing interfaces; MFA for every VPN account."}}},
		{in: procurement.EvaluationInput{OrgID: ids["netforge"], Product: "NF Shield", Version: "7.0", Category: "firewall",
			IntendedUse: "Data-centre firewall."}, results: 12},
		{in: procurement.EvaluationInput{OrgID: ids["examplesoft"], Product: "Edge Firewall", Version: "10.0", Category: "firewall",
			IntendedUse: "Next major version of the approved 9.2."}, stop: "requested"},
		{in: procurement.EvaluationInput{OrgID: ids["netforge"], Product: "NF Branch", Version: "1.2", Category: "firewall"},
			results: 20, finish: []procurement.Transition{{Action: procurement.ActSubmit}, {Action: procurement.ActReview},
				{Action: procurement.ActDecide, Decision: procurement.EvalRejected, Reason: "FW-07 failed: the management interface answers on the WAN side and cannot be turned off."}}},
	}
	for _, st := range steps {
		ev, err := c.Procurement.RequestEvaluation(ctx, sys, st.in, demoSBOM(st.in.Product, st.in.Version))
		if err != nil {
			return fmt.Errorf("demo evaluation %s: %w", st.in.Product, err)
		}
		if st.stop == "requested" {
			continue
		}
		for _, t := range []procurement.Transition{{Action: procurement.ActAccept}, {Action: procurement.ActAssign, LabID: ids["lab"]}, {Action: procurement.ActStart}} {
			if _, err := c.Procurement.Transition(ctx, sys, ev.ID, t); err != nil {
				return fmt.Errorf("demo evaluation %s %s: %w", st.in.Product, t.Action, err)
			}
		}
		for i := 1; i <= st.results; i++ {
			r := procurement.ResultInput{Verdict: procurement.VerdictPass}
			if i == 7 && st.in.Product == "NF Branch" {
				r = procurement.ResultInput{Verdict: procurement.VerdictFail, Notes: "The management interface answers on the WAN side."}
			}
			if _, err := c.Procurement.SetResult(ctx, sys, ev.ID, fmt.Sprintf("FW-%02d", i), r); err != nil {
				return fmt.Errorf("demo result: %w", err)
			}
		}
		if len(st.finish) == 0 {
			continue
		}
		if _, err := c.Procurement.AddFinding(ctx, sys, ev.ID, procurement.FindingInput{Requirement: "FW-14", Title: "Verbose server banner",
			Description: "The management interface names its web server and version.", CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", CWE: "CWE-200"}); err != nil {
			return fmt.Errorf("demo finding: %w", err)
		}
		if _, err := c.Procurement.AddFile(ctx, sys, ev.ID, procurement.FileInput{Kind: procurement.FileReport, Name: "evaluation-report.pdf", Data: demoReport}); err != nil {
			return fmt.Errorf("demo report: %w", err)
		}
		for _, t := range st.finish {
			if _, err := c.Procurement.Transition(ctx, sys, ev.ID, t); err != nil {
				return fmt.Errorf("demo evaluation %s %s: %w", st.in.Product, t.Action, err)
			}
		}
	}
	// The watch reads the demo's advisories: Acme's names SecureGate VPN.
	if _, err := c.Procurement.Watch(ctx); err != nil {
		return fmt.Errorf("demo watch: %w", err)
	}
	return nil
}

// demoSBOM is a small CycloneDX SBOM of a product.
func demoSBOM(product, version string) []byte {
	return []byte(fmt.Sprintf(`{"bomFormat": "CycloneDX", "specVersion": "1.6",
		"metadata": {"component": {"type": "device", "name": %q, "version": %q}},
		"components": [
		{"type": "library", "name": "openssl", "version": "3.0.13", "purl": "pkg:generic/openssl@3.0.13", "cpe": "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*"},
		{"type": "library", "name": "zlib", "version": "1.3.1", "cpe": "cpe:2.3:a:zlib:zlib:1.3.1:*:*:*:*:*:*:*"},
		{"type": "library", "name": "github.com/gorilla/websocket", "version": "v1.5.0", "purl": "pkg:golang/github.com/gorilla/websocket@v1.5.0"},
		{"type": "firmware", "name": "bootloader", "version": "2024.01"}]}`, product, version))
}

// demoReport is a one-page PDF standing in for a lab's report.
var demoReport = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
	"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n" +
	"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n" +
	"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n" +
	"trailer << /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n")
