package app_test

import (
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/browsertest"
)

// The main journey in a real browser: sign in, register an organisation with
// a network, find it in the directory.
func TestBrowserSignInCreateOrganisationFindIt(t *testing.T) {
	s := start(t, options{demo: true})
	b := browsertest.New(t, s.URL, 1280, 900)

	b.Go("/console/orgs")
	if !strings.HasPrefix(b.Path(), "/login") {
		t.Fatalf("anonymous visitor not sent to sign in: %s", b.Path())
	}
	b.Shot("01-login")
	b.Fill("#f-email", "coordinator@cc.example")
	b.Fill("#f-password", "wrong password here")
	b.Click("#login button[type=submit]")
	if got := b.Text(".problem"); !strings.Contains(got, "wrong e-mail address or password") {
		t.Fatalf("failed sign-in message: %q", got)
	}
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
	if got := b.Text("#f-constituency\\.cidrs + .hint + .field-error"); !strings.Contains(got, "the network is 192.0.2.0/24") {
		t.Fatalf("CIDR error: %q", got)
	}
	if v := b.Value("#f-name"); v != "Indus Payments Ltd" {
		t.Fatalf("typed name lost: %q", v)
	}
	b.Shot("03-form-error")
	b.Fill("#f-constituency\\.cidrs", "192.0.2.64/27\n2001:db8:abcd::/48")
	b.Click("#org-form button[type=submit]")
	if !strings.HasPrefix(b.Path(), "/console/orgs/") {
		t.Fatalf("after create at %s", b.Path())
	}
	if got := b.Text("h1"); !strings.Contains(got, "Indus Payments Ltd") {
		t.Fatalf("org page heading %q", got)
	}
	if got := b.Text("#cidrs"); !strings.Contains(got, "192.0.2.64/27") || !strings.Contains(got, "2001:db8:abcd::/48") {
		t.Fatalf("networks shown: %q", got)
	}
	b.Shot("04-org")

	b.Go("/console/orgs?q=indus")
	if got := b.Text("#orgs tbody"); !strings.Contains(got, "Indus Payments Ltd") {
		t.Fatalf("directory search: %q", got)
	}
	b.Go("/console/orgs?view=tree")
	if got := b.Text("#tree"); !strings.Contains(got, "Indus Payments Ltd") || !strings.Contains(got, "Banking Sector CERT") {
		t.Fatalf("hierarchy: %q", got)
	}
	b.Shot("05-tree")
}

// The console's other pages in a real browser: account and token, users,
// the audit log with its verification, the job queue.
func TestBrowserConsolePages(t *testing.T) {
	s := start(t, options{demo: true})
	b := browsertest.New(t, s.URL, 1280, 900)
	b.Go("/login")
	b.Fill("#f-email", "admin@localhost")
	b.Fill("#f-password", adminPassword)
	b.Click("#login button[type=submit]")

	b.Go("/account")
	b.Fill("#f-token_name", "Browser test token")
	b.Click("#new-token button[type=submit]")
	if secret := b.Text("#token-secret"); !strings.HasPrefix(secret, "chub_") {
		t.Fatalf("token secret shown as %q", secret)
	}
	if got := b.Text("#token-list"); !strings.Contains(got, "Browser test token") {
		t.Fatalf("token list: %q", got)
	}
	b.Shot("06-account")

	b.Go("/console/users?q=bank")
	if got := b.Text("#users"); !strings.Contains(got, "Hamza BankCERT Lead") {
		t.Fatalf("users: %q", got)
	}
	b.Shot("07-users")
	b.Click("#users a[href^='/console/users/']")
	if got := b.Text("main"); !strings.Contains(got, "Banking Sector CERT") {
		t.Fatalf("user page: %q", got)
	}
	b.Shot("08-user")

	b.Go("/console/audit?verify=1")
	if got := b.Text("#verify-ok"); !strings.Contains(got, "The chain is intact") {
		t.Fatalf("verification: %q", got)
	}
	if b.Count("#audit tbody tr") < 50 {
		t.Fatal("audit log shows too few rows")
	}
	b.Shot("09-audit")

	b.Go("/console/jobs?state=completed")
	b.Shot("10-jobs")
	if got := b.Text("h1"); got != "Jobs" {
		t.Fatalf("jobs page: %q", got)
	}
}

// The sign-in page on a phone-sized screen.
func TestBrowserSignInOnAPhone(t *testing.T) {
	s := start(t, options{})
	b := browsertest.New(t, s.URL, 390, 844)
	b.Go("/login")
	b.Shot("11-login-phone")
	b.Fill("#f-email", "admin@localhost")
	b.Fill("#f-password", adminPassword)
	b.Click("#login button[type=submit]")
	if b.Path() != "/console/orgs" {
		t.Fatalf("after sign-in: %s", b.Path())
	}
	b.Shot("12-directory-phone")
}
