package vdp

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/reports"
	"github.com/certhub/certhub/internal/vdp/routing"
)

func TestDuplicateSuggestions(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	w := newWorld(t, d)
	ctx := context.Background()
	first, _, _ := w.svc.Reports().SubmitPublic(ctx, goodReport(), "web", "192.0.2.20")
	unrelated := reports.ReportInput{Title: "Weak TLS on the VPN gateway", Description: "TLS 1.0 is offered.", Vendor: "NetForge", Product: "Gate 7"}
	if _, _, err := w.svc.Reports().SubmitPublic(ctx, unrelated, "web", "192.0.2.21"); err != nil {
		t.Fatal(err)
	}
	w.clk.Add(time.Hour)
	again := goodReport()
	again.Title = "Login SQL injection in NetBank Portal by Examplesoft"
	second, _, _ := w.svc.Reports().SubmitPublic(ctx, again, "web", "192.0.2.22")
	cands, err := w.svc.Reports().Duplicates(ctx, w.id["coord"], second.ID)
	if err != nil || len(cands) != 1 || cands[0].ID != first.ID || cands[0].Score < 0.6 {
		t.Fatalf("candidates %+v %v", cands, err)
	}
	if _, err := w.svc.Reports().MarkDuplicate(ctx, w.id["coord"], second.ID, first.ID); err != nil {
		t.Fatal(err)
	}
}

// A report names its vendor the way reporters do — a name, a domain, a
// package URL — and is linked to the directory's vendor when that names
// exactly one; a vague name is left for triage. Analysts find organisations
// to bring into a case the same ways.
func TestReportsFindTheirVendor(t *testing.T) {
	w := newWorld(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	sys := auth.System("test")
	if _, err := w.dir.Update(ctx, sys, w.org["netforge"], directory.OrgInput{
		Packages:     &[]string{"pkg:golang/netforge.example", "pkg:npm/@netforge"},
		Constituency: &directory.Constituency{Domains: []string{"netforge.example"}}}); err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		vendor, product, want string
	}{
		{"", "pkg:npm/%40netforge/router-ui@2.1.0", "netforge"},
		{"", "pkg:golang/netforge.example/edge/agent", "netforge"},
		{"support.netforge.example", "Edge router", "netforge"},
		{"Examplesoft", "NetBank Portal", "examplesoft"}, // the start of "Examplesoft Ltd"
		{"NetForge Systems", "Edge router", "netforge"},
		{"Forge", "Edge router", ""}, // a fragment is too vague
		{"", "pkg:npm/%40other/widget", ""},
	} {
		in := goodReport()
		in.Vendor, in.Product = c.vendor, c.product
		r, _, err := w.svc.Reports().SubmitPublic(ctx, in, "api", fmt.Sprintf("192.0.2.%d", 100+i))
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for k, id := range w.org {
			if r.VendorOrgID != nil && *r.VendorOrgID == id {
				got = k
			}
		}
		if got != c.want {
			t.Errorf("vendor %q product %q: linked to %q, want %q", c.vendor, c.product, got, c.want)
		}
	}
	coord := w.id["coord"]
	for q, want := range map[string]string{"pkg:npm/@netforge/router-ui": "NetForge Systems", "netforge.example": "NetForge Systems", "sector cert": "Banking Sector CERT"} {
		found, err := w.svc.FindOrgs(ctx, coord, q, "")
		if err != nil || len(found) == 0 || found[0].Name != want {
			t.Errorf("find %q: %+v %v", q, found, err)
		}
	}
}

// A constituent's report carries its sector and CII status, so the sector's
// rule routes it to the sectoral CERT without waiting for triage.
func TestConstituentReportsRouteBySector(t *testing.T) {
	w := newWorld(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	sys := auth.System("test")
	if _, err := w.dir.Update(ctx, sys, w.org["bank"], directory.OrgInput{Sector: ptr("banking"), CII: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Reports().SetRules(ctx, sys, []routing.Rule{{Sector: "banking", OrgID: w.org["bankcert"]}}); err != nil {
		t.Fatal(err)
	}
	id, err := w.users.Identity(ctx, w.id["bank_member"].User.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := w.svc.Reports().SubmitAs(ctx, id, "", "api", goodReport())
	if err != nil {
		t.Fatal(err)
	}
	if r.AssignedOrgID == nil || *r.AssignedOrgID != w.org["bankcert"] || !r.CII || len(r.Sectors) != 1 || r.Sectors[0] != "banking" {
		t.Fatalf("assigned %v, sectors %v, CII %v", r.AssignedOrgID, r.Sectors, r.CII)
	}
	// Members have room for a pentest's findings, then wait.
	for i := 1; i < 30; i++ {
		if _, _, err := w.svc.Reports().SubmitAs(ctx, id, "", "api", goodReport()); err != nil {
			t.Fatalf("report %d: %v", i+1, err)
		}
	}
	if _, _, err := w.svc.Reports().SubmitAs(ctx, id, "", "api", goodReport()); errs.KindOf(err) != errs.KindRateLimited {
		t.Fatalf("the 31st report at once: %v", err)
	}
}
