package vdp_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/demo"
	"github.com/certhub/certhub/internal/vdp/reports"
)

// The console's organisation pickers on a report and a case list what the
// viewer may see of the directory: BankCERT's analyst, running a case,
// may add CERTs, vendors and its own constituents — never another
// sector's constituents, whose contacts are not BankCERT's business.
func TestVDPPickersFollowTheDirectoryRule(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	ctx := context.Background()
	r := s.API("POST", "/api/v1/public/reports", "", map[string]any{"title": "Token reuse in the NetBank portal",
		"description": "Session tokens survive a password change.", "vendor": "Examplesoft"})
	if r.Status != http.StatusCreated {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	reportID := r.JSON(t)["id"].(string)
	if _, err := s.VDP.Reports().Route(ctx, s.Identity("coordinator@cc.example"), reportID, s.OrgID("Banking Sector CERT")); err != nil {
		t.Fatal(err)
	}
	_, c, err := s.VDP.Reports().Accept(ctx, s.Identity("analyst@bank-cert.example"), reportID, reports.AcceptInput{Title: "Token reuse"})
	if err != nil {
		t.Fatal(err)
	}
	b := s.Client()
	b.Login("analyst@bank-cert.example", demo.Password)
	options := func(path, sel string) map[string]bool {
		res := b.Get(path)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, res.Status)
		}
		out := map[string]bool{}
		d := apptest.Doc(t, res)
		d.Find(sel + " option").Each(func(_ int, o *goquery.Selection) { out[o.Text()] = true })
		if len(out) == 0 {
			t.Fatalf("%s has no %s", path, sel)
		}
		return out
	}
	casePicker := options("/console/cases/"+c.ID, "#f-p-org")
	for _, want := range []string{"First Example Bank (Constituent)", "Telecom Sector CERT (Sectoral CERT)", "NetForge Systems (Vendor)"} {
		if !casePicker[want] {
			t.Errorf("the case's picker lacks %s: %v", want, casePicker)
		}
	}
	for _, hidden := range []string{"Karakoram Telecom (Constituent)", "City General Hospital (Constituent)"} {
		if casePicker[hidden] {
			t.Errorf("BankCERT's analyst is offered %s", hidden)
		}
	}
	vendors := options("/console/reports/"+reportID, "#f-vendor_org_id")
	if !vendors["Examplesoft Ltd"] || len(vendors) != 3 { // none, Examplesoft, NetForge
		t.Errorf("the report's vendor picker: %v", vendors)
	}
}
