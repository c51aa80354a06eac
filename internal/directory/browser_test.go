package directory_test

import (
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
)

// The main journey in a real browser: sign in, register an organisation with
// a network, find it in the directory.
func TestBrowserSignInCreateOrganisationFindIt(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	b := browsertest.New(t, s.URL, 1280, 900)

	b.Go("/console/orgs")
	if !strings.HasPrefix(b.Path(), "/login") {
		t.Fatalf("anonymous visitor not sent to sign in: %s", b.Path())
	}
	b.Shot("01-login")
	b.Fill("#f-email", "coordinator@cc.example")
	b.Fill("#f-password", "wrong password here")
	b.Click("#login button[type=submit]")
	b.Expect(".problem", "wrong e-mail address or password")
	if v := b.Value("#f-email"); v != "coordinator@cc.example" {
		t.Fatalf("the typed e-mail was not kept: %q", v)
	}
	b.Fill("#f-password", "certhub-demo-2026")
	b.Click("#login button[type=submit]")
	if b.Path() != "/console/orgs" {
		t.Fatalf("after sign-in at %s", b.Path())
	}
	b.Shot("02-directory")

	b.Go("/console/orgs/new")
	b.Fill("#f-name", "Indus Payments Ltd")
	b.Select("#f-kind", "constituent")
	b.Fill("#f-country", "PK")
	b.Fill("#f-constituency\\.cidrs", "192.0.2.77/24")
	b.Click("#org-form button[type=submit]")
	// The invalid network is reported beside its field, and what was typed stays.
	b.Expect("#f-constituency\\.cidrs + .hint + .field-error", "the network is 192.0.2.0/24")
	if v := b.Value("#f-name"); v != "Indus Payments Ltd" {
		t.Fatalf("typed name lost: %q", v)
	}
	b.Shot("03-form-error")
	b.Fill("#f-constituency\\.cidrs", "192.0.2.64/27\n2001:db8:abcd::/48")
	b.Click("#org-form button[type=submit]")
	if !strings.HasPrefix(b.Path(), "/console/orgs/") {
		t.Fatalf("after create at %s", b.Path())
	}
	b.Expect("h1", "Indus Payments Ltd")
	b.Expect("#cidrs", "192.0.2.64/27", "2001:db8:abcd::/48")
	b.Shot("04-org")

	b.Go("/console/orgs?q=indus")
	b.Expect("#orgs tbody", "Indus Payments Ltd")
	b.Go("/console/orgs?view=tree")
	b.Expect("#tree", "Indus Payments Ltd", "Banking Sector CERT")
	b.Shot("05-tree")
}
