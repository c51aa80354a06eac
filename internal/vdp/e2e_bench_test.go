package vdp_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/vdp"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/reports"
	"github.com/certhub/certhub/internal/vdp/threads"
)

// BenchmarkLargeCase serves the pages of a multi-vendor case the size that
// makes VINCE slow (its users report ~10 s pages at 121 vendors): 150 vendors,
// each notified, with a statement and a thread of its own, and 2,000 posts.
// Each sub-benchmark is one page through the real server, signed in as the
// coordinator, who sees everything. Numbers go in docs/performance.md.
//
//	go test ./internal/app -run '^$' -bench LargeCase -benchtime 20x
func BenchmarkLargeCase(b *testing.B) {
	s := apptest.Start(b, apptest.Options{Demo: true})
	ctx := context.Background()
	sys := auth.System("bench")
	u, err := s.Auth.UserByEmail(ctx, "coordinator@cc.example")
	if err != nil {
		b.Fatal(err)
	}
	coord, err := s.Auth.Identity(ctx, u.ID)
	if err != nil {
		b.Fatal(err)
	}
	r, _, err := s.VDP.Reports().SubmitPublic(ctx, reports.ReportInput{Title: "Shared library flaw in 150 products", Description: "A parser flaw in a component everyone ships.",
		Vendor: "many", Product: "libparse"}, "api", "192.0.2.200")
	if err != nil {
		b.Fatal(err)
	}
	_, c, err := s.VDP.Reports().Accept(ctx, coord, r.ID, reports.AcceptInput{Title: "libparse heap overflow across vendors"})
	if err != nil {
		b.Fatal(err)
	}
	title := "Heap overflow in libparse"
	vuln, err := s.VDP.AddVuln(ctx, coord, c.ID, vdp.VulnInput{Title: &title, CVSS3: ptrTo("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")})
	if err != nil {
		b.Fatal(err)
	}
	const vendors, posts = 150, 2000
	var vendorThreads []string
	for i := range vendors {
		name, kind := fmt.Sprintf("Bench Vendor %03d", i), directory.KindVendor
		o, err := s.Directory.Create(ctx, sys, directory.OrgInput{Name: &name, Kind: &kind,
			Contacts: &[]directory.Contact{{Role: "vulnerability", Email: fmt.Sprintf("psirt@vendor%03d.example", i)}}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.VDP.AddParticipant(ctx, coord, c.ID, vdp.ParticipantInput{OrgID: o.ID, Role: model.RoleVendor}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.VDP.NotifyVendor(ctx, coord, c.ID, o.ID); err != nil {
			b.Fatal(err)
		}
		if i%3 != 0 { // a third of the vendors stay silent: "unknown"
			if _, err := s.VDP.SetStatus(ctx, coord, c.ID, vdp.StatusInput{VulnID: vuln.ID, VendorOrgID: o.ID, Product: "Product " + name,
				Status: "fixed", FixedVersions: "2.4.1", Statement: "Fixed by updating libparse."}); err != nil {
				b.Fatal(err)
			}
		}
		t, err := s.VDP.NewThread(ctx, coord, c.ID, threads.Input{Title: "With " + name, Visibility: "vendor", VendorOrgID: o.ID})
		if err != nil {
			b.Fatal(err)
		}
		vendorThreads = append(vendorThreads, t.ID)
	}
	det, err := s.VDP.GetCase(ctx, coord, c.ID)
	if err != nil {
		b.Fatal(err)
	}
	var main string
	for _, t := range det.Threads {
		if t.Visibility == model.VisibleParticipants && main == "" {
			main = t.ID
		}
	}
	for i := range posts {
		th := main
		if i%2 == 1 {
			th = vendorThreads[i%len(vendorThreads)]
		}
		if _, err := s.VDP.AddPost(ctx, coord, c.ID, th, fmt.Sprintf("Update %d: status of the fix rollout, with a few lines of detail about versions and timing.", i)); err != nil {
			b.Fatal(err)
		}
	}
	cl := s.Client()
	cl.Login("coordinator@cc.example", "certhub-demo-2026")
	token := s.Token("coordinator@cc.example")
	for _, p := range []struct{ name, path string }{
		{"case-page", "/console/cases/" + c.ID},
		{"main-thread", "/console/cases/" + c.ID + "/threads/" + main},
		{"vendor-thread", "/console/cases/" + c.ID + "/threads/" + vendorThreads[7]},
		{"case-api", "/api/v1/cases/" + c.ID},
		{"case-list", "/console/cases"},
	} {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				var res apptest.Response
				if p.name == "case-api" {
					res = s.API("GET", p.path, token, nil)
				} else {
					res = cl.Get(p.path)
				}
				if res.Status != http.StatusOK {
					b.Fatalf("%s: %d", p.path, res.Status)
				}
				b.SetBytes(int64(len(res.Body)))
			}
		})
	}
	// Writing: a post in the thread every vendor reads queues a mail to
	// each of the 150 vendors in the same transaction.
	b.Run("post-to-all", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.VDP.AddPost(ctx, coord, c.ID, main, "One more update for every vendor."); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func ptrTo[T any](v T) *T { return &v }
