package account_test

import (
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
)

// The account and user pages of the console in a real browser: a token
// made on the account page, the users found and one opened.
func TestBrowserAccountAndUsers(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	b := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(b, "admin@localhost", apptest.AdminPassword)

	b.Go("/account")
	b.Fill("#f-token_name", "Browser test token")
	b.Click("#new-token button[type=submit]")
	if secret := b.Text("#token-secret"); !strings.HasPrefix(secret, "chub_") {
		t.Fatalf("token secret shown as %q", secret)
	}
	b.Expect("#token-list", "Browser test token")
	b.Shot("06-account")

	b.Go("/console/users?q=bank")
	b.Expect("#users", "Hamza BankCERT Lead")
	b.Shot("07-users")
	b.Click("#users a[href^='/console/users/']")
	b.Expect("main", "Banking Sector CERT")
	b.Shot("08-user")
}

// The sign-in page on a phone-sized screen.
func TestBrowserSignInOnAPhone(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	b := browsertest.New(t, s.URL, 390, 844)
	b.Go("/login")
	b.Shot("11-login-phone")
	b.Fill("#f-email", "admin@localhost")
	b.Fill("#f-password", apptest.AdminPassword)
	b.Click("#login button[type=submit]")
	if b.Path() != "/console/orgs" {
		t.Fatalf("after sign-in: %s", b.Path())
	}
	b.Shot("12-directory-phone")
}
