package app_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/demo"
)

// crawlRoles are the demo's kinds of user, each signed in (but the
// anonymous visitor and the reporter, who holds only a follow link) with
// the pages each must reach: a crawl that reached none of them would
// prove nothing.
var crawlRoles = []struct {
	role, email string
	reaches     []string
}{
	{"anonymous", "", []string{"/advisories", "/report", "/certs", "/approved-products/"}},
	{"reporter", "", []string{"/report/follow"}},
	{"admin", "admin@localhost", []string{"/console/vdp", "/console/audit", "/console/jobs", "/console/users", "/console/intel/asn"}},
	{"coordinator", "coordinator@cc.example", []string{"/console/vdp", "/console/reports/", "/console/cases/", "/console/advisories/", "/console/intel/observables/",
		"/console/procurement/evaluations/", "/console/procurement/products/"}},
	{"center analyst", "duty@cc.example", []string{"/console/vdp", "/console/reports"}},
	{"sectoral CERT lead", "lead@bank-cert.example", []string{"/console/orgs/", "/console/cases"}},
	{"sectoral CERT analyst", "analyst@bank-cert.example", []string{"/console/orgs/", "/console/intel"}},
	{"constituent", "ciso@firstbank.example", []string{"/console/orgs/", "/console/intel/observables"}},
	{"constituent member", "soc@firstbank.example", []string{"/account"}},
	{"vendor", "psirt@examplesoft.example", []string{"/console/cases/", "/console/procurement/evaluations/"}},
	{"lab", "evaluator@ncstl.example", []string{"/account", "/console/procurement/evaluations/", "/console/procurement/labs/"}},
	{"ministry viewer", "cyber@moitt.example", []string{"/console/orgs"}},
	{"partner CERT", "liaison@csirt.examplia.example", []string{"/console/intel"}},
}

// Every demo role signs in in Chromium and follows every link of the
// console and the website it can reach: no page may answer a 5xx (the
// VDP dashboard once answered coordinators a bare 500 no test opened).
func TestBrowserCrawlEveryRole(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	report := s.API("POST", "/api/v1/public/reports", "", map[string]any{"title": "Crawl test report",
		"description": "A report whose follow link the crawl opens.", "vendor": "Examplesoft"})
	if report.Status != 201 {
		t.Fatalf("report: %d %s", report.Status, report.Body)
	}
	follow := strings.TrimPrefix(report.JSON(t)["follow_url"].(string), s.URL)
	for _, r := range crawlRoles {
		t.Run(r.role, func(t *testing.T) {
			b := browsertest.New(t, s.URL, 1280, 900)
			starts := []string{"/"}
			// Signing out would end the crawl's session.
			o := browsertest.CrawlOptions{Skip: []string{"/logout"}, Limit: 1500}
			switch {
			case r.role == "reporter":
				starts = []string{follow}
			case r.email != "":
				apptest.SignIn(b, r.email, map[bool]string{true: apptest.AdminPassword, false: demo.Password}[r.email == "admin@localhost"])
				starts = []string{"/console", "/account"}
				// The website in full is the visitor's crawl; signed in,
				// each kind of its pages once (some show the user more).
				o.Deep = []string{"/console", "/account"}
			}
			b.Go(starts[0])
			visits := b.Crawl(starts, o)
			var failed []string
			for _, v := range visits {
				if v.Status >= 500 || v.Status <= 0 {
					failed = append(failed, fmt.Sprintf("%d %s (linked from %s)", v.Status, v.URL, v.From))
				}
			}
			if len(failed) > 0 {
				t.Errorf("%d of %d pages failed:\n  %s", len(failed), len(visits), strings.Join(failed, "\n  "))
			}
			for _, want := range r.reaches {
				if !slices.ContainsFunc(visits, func(v Visit) bool { return strings.HasPrefix(v.URL, want) && v.Status == 200 }) {
					t.Errorf("the crawl never reached %s with a 200 (%d pages)", want, len(visits))
				}
			}
			t.Logf("%d pages", len(visits))
		})
	}
}

// Visit is browsertest's, named here for the closures above.
type Visit = browsertest.Visit
