package pages_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/procurement"
	"github.com/certhub/certhub/internal/procurement/proctest"
)

// TestBrowserEvaluation is issue 16's "done when", in Chromium: a
// vendor's request (with its SBOM file) goes through acceptance, the lab's
// testing (a verdict that needs notes, a report that must be a PDF) and
// the review (conditions asked for beside their field) to an entry on the
// public list; an advisory naming the product turns it under review, the
// coordinator revokes it and the public list, on a phone too, says why;
// the lab, once its accreditation is suspended, finds nothing.
func TestBrowserEvaluation(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	ctx := context.Background()
	dir := t.TempDir()
	bom, rep, notPDF := filepath.Join(dir, "sbom.json"), filepath.Join(dir, "report.pdf"), filepath.Join(dir, "fake.pdf")
	for f, b := range map[string]string{bom: proctest.GateBOM, rep: proctest.PDF, notPDF: "<html>not a report</html>"} {
		if err := os.WriteFile(f, []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const pw = "certhub-demo-2026"

	vendor := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(vendor, "psirt@examplesoft.example", pw)
	vendor.Go("/console/procurement/evaluations/new")
	vendor.Fill("#f-product", "Edge Firewall")
	vendor.Fill("#f-version", "11.0")
	vendor.Select("#f-category", "firewall")
	vendor.Fill("#f-intended_use", "Perimeter of the ministries' branch offices")
	vendor.Upload("#f-sbom", bom)
	vendor.Click("#request button[type=submit]")
	vendor.Expect("h1", "Edge Firewall", "11.0")
	vendor.Expect("#facts", "cyclonedx 1.5, 3 components")
	evalPath := vendor.Path()
	evalID := strings.TrimPrefix(evalPath, "/console/procurement/evaluations/")

	coord := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(coord, "coordinator@cc.example", pw)
	coord.Go(evalPath)
	coord.Click("#act-accept button")
	coord.Expect(".flash", "accepted")
	coord.Expect("#act-assign", "National Cyber Security Testing Lab")
	coord.Click("#act-assign button")
	coord.Expect("#facts", "National Cyber Security Testing Lab")

	lab := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(lab, "evaluator@ncstl.example", pw)
	lab.Go(evalPath)
	lab.Click("#act-start button")
	lab.Expect(".flash", "testing")
	lab.Select("#req-FW-07 select", "fail")
	lab.Click("#req-FW-07 button")
	lab.Expect("#req-FW-07", "required")
	lab.Select("#req-FW-07 select", "fail")
	lab.Fill("#req-FW-07 input[name=notes]", "Management answers on the WAN side.")
	lab.Click("#req-FW-07 button")
	lab.Expect("#req-FW-07", "Fail", "Management answers on the WAN side.")
	evaluator := s.Identity("evaluator@ncstl.example")
	for i := 1; i <= 20; i++ {
		if i == 7 {
			continue
		}
		if _, err := s.Procurement.SetResult(ctx, evaluator, evalID, fmt.Sprintf("FW-%02d", i), procurement.ResultInput{Verdict: "pass"}); err != nil {
			t.Fatal(err)
		}
	}
	lab.Fill("#f-title", "Management exposed on the WAN")
	lab.Fill("#f-cvss", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	lab.Fill("#f-cwe", "CWE-1188")
	lab.Click("#add-finding button")
	lab.Expect("#findings", "Management exposed on the WAN", "Critical", "9.8", "CWE-1188")
	lab.Select("#f-kind", "report")
	lab.Upload("#f-file", notPDF)
	lab.Click("#upload button")
	lab.Expect("#upload", "is not a PDF")
	lab.Select("#f-kind", "report")
	lab.Upload("#f-file", rep)
	lab.Click("#upload button")
	lab.Expect("#files", "report.pdf", "Report")
	lab.Click("#act-submit button")
	lab.Expect(".flash", "report submitted")
	lab.Shot("84-evaluation-lab")

	coord.Go(evalPath)
	coord.Expect("#sbom-check", "3 components")
	coord.Click("#act-review button")
	var guideline string
	if err := s.DB.QueryRow(ctx, `SELECT tracking_id FROM advisories WHERE kind = 'guideline'`).Scan(&guideline); err != nil {
		t.Fatal(err)
	}
	coord.Click("#act-decide input[value=approved_with_conditions]")
	coord.Fill("#f-guideline_url", "/advisories/CH-1999-0001")
	coord.Click("#act-decide button")
	coord.Expect("#act-decide", "required", "not a published hardening guideline")
	coord.Click("#act-decide input[value=approved_with_conditions]")
	coord.Fill("#f-conditions", "Management on a separate VLAN, never on the WAN.")
	coord.Fill("#f-guideline_url", "/advisories/"+guideline)
	coord.Click("#act-decide button")
	coord.Expect(".flash", "approved with conditions")
	coord.Expect("#facts", "on the public list")
	coord.Shot("85-evaluation-decided")

	public := browsertest.New(t, s.URL, 1280, 900)
	public.Go("/approved-products?vendor=Examplesoft+Ltd")
	public.Expect("#products", "Edge Firewall", "11.0", "Approved with conditions", "Management on a separate VLAN", "National Cyber Security Testing Lab")
	public.Shot("86-approved-products")

	// The vendor has a new version maintained on the same certificate.
	vendor.Go("/approved-products/" + productIDOf(t, s, evalID))
	vendor.Click("a[href^='/console/procurement/evaluations/new?maintenance_of=']")
	vendor.Fill("#f-version", "11.1")
	vendor.Fill("#f-impact_analysis", "Only the IKE daemon's logging changed.")
	vendor.Click("#request button[type=submit]")
	vendor.Expect("#facts", "Assurance maintenance of", "Only the IKE daemon's logging changed.")
	maintPath := vendor.Path()
	coord.Go(maintPath)
	coord.Click("#act-accept button")
	coord.Click("#act-review button")
	coord.Click("#act-decide input[value=approved]")
	coord.Click("#act-decide button")
	coord.Expect(".flash", "approved")
	public.Go("/approved-products/" + productIDOf(t, s, evalID))
	public.Expect("h1", "11.0, 11.1")
	public.Expect("main", "Hardening guideline", "/advisories/"+guideline)

	// The bank registers that it uses the product.
	bank := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(bank, "ciso@firstbank.example", pw)
	bank.Go("/approved-products/" + productIDOf(t, s, evalID))
	bank.Click("#in-use button")
	bank.Expect("#in-use", "First Example Bank uses it")

	// An advisory names the product: the watch puts the entry under review.
	coordTok := s.Token("coordinator@cc.example")
	r := s.API("POST", "/api/v1/advisories", coordTok, map[string]any{"kind": "advisory", "tlp": "CLEAR", "content": map[string]any{
		"title": "Remote code execution in Examplesoft Edge Firewall 11", "summary": "A crafted packet runs code on the appliance.",
		"products": []any{map[string]any{"vendor": "Examplesoft Ltd", "name": "Edge Firewall", "versions": "11.0"}},
		"vulnerabilities": []any{map[string]any{"title": "Remote code execution", "cwe": "CWE-787", "status": map[string]any{"CSAFPID-0001": "known_affected"},
			"remediations": []any{map[string]any{"category": "none_available", "details": "No fix yet.", "product_ids": []any{"CSAFPID-0001"}}}}}}})
	if r.Status != http.StatusCreated {
		t.Fatalf("advisory: %d %s", r.Status, r.Body)
	}
	advID := r.JSON(t)["id"].(string)
	s.API("POST", "/api/v1/advisories/"+advID+"/submit", coordTok, nil)
	if r := s.API("POST", "/api/v1/advisories/"+advID+"/approve", s.Token("duty@cc.example"), nil); r.Status != http.StatusOK {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	if _, err := s.Procurement.Watch(ctx); err != nil {
		t.Fatal(err)
	}
	s.SMTP.WaitFor(t, "soc@firstbank.example", "Examplesoft Ltd Edge Firewall is under review")
	public.Go("/approved-products?vendor=Examplesoft+Ltd&state=under_review")
	public.Expect("#products", "Edge Firewall", "Under review", "Remote code execution in Examplesoft Edge Firewall 11", "the advisory")

	coord.Go(evalPath)
	coord.Click("#facts a[href^='/console/procurement/products/']")
	coord.Click("#decide input[value=revoke]")
	coord.Click("#decide button")
	coord.Expect("#decide", "required")
	coord.Click("#decide input[value=revoke]")
	coord.Fill("#f-reason", "Remote code execution without a fix.")
	coord.Click("#decide button")
	coord.Expect(".flash", "revoked")

	phone := browsertest.New(t, s.URL, 390, 844)
	phone.Go("/approved-products?state=revoked")
	phone.Expect("#products", "Edge Firewall", "Revoked", "Remote code execution without a fix.")
	if phone.Overflows() {
		t.Error("the list is wider than a phone")
	}
	phone.Shot("87-approved-products-phone")
	phone.Click("#products h3 a")
	phone.Expect("h1", "Edge Firewall")
	phone.Expect("table", "Revoked", "Under review", "Approved with conditions")

	// The lab loses the evaluation with its accreditation.
	labID := s.OrgID("National Cyber Security Testing Lab")
	if r := s.API("PUT", "/api/v1/labs/"+labID+"/accreditation", coordTok, `{"categories": ["firewall"], "state": "suspended",
		"valid_from": "2026-01-01", "valid_until": "2028-12-31", "reason": "Audit."}`); r.Status != http.StatusOK {
		t.Fatalf("suspend: %d %s", r.Status, r.Body)
	}
	lab.Go(evalPath)
	lab.Expect("main", "no evaluation of that ID")
	lab.Go("/console/procurement/evaluations")
	if strings.Contains(lab.Text("main"), "Edge Firewall") {
		t.Error("a suspended lab lists evaluations")
	}
}

// productIDOf answers the approved-products entry of an evaluation.
func productIDOf(t *testing.T, s *apptest.Server, evalID string) string {
	t.Helper()
	var id string
	if err := s.DB.QueryRow(t.Context(), `SELECT id FROM procurement_products WHERE evaluation_id = $1`, evalID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
