package account_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/certhub/certhub/internal/apptest"
)

func TestSignInPagesAndLockout(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	c := s.Client()
	if r := c.Get("/console/orgs"); r.Status != 303 || r.Header.Get("Location") != "/login?next=%2Fconsole%2Forgs" {
		t.Fatalf("anonymous console: %d %s", r.Status, r.Header.Get("Location"))
	}
	// A wrong password: 401, the message, the address kept, the password not echoed.
	r := c.Post("/login", url.Values{"email": {"analyst@ncert.example"}, "password": {"not the password"}})
	d := apptest.Doc(t, r)
	if r.Status != 401 || !strings.Contains(apptest.Text(d, ".problem"), "wrong e-mail address or password") {
		t.Fatalf("wrong password: %d %s", r.Status, apptest.Text(d, ".problem"))
	}
	if v, _ := d.Find("#f-email").Attr("value"); v != "analyst@ncert.example" {
		t.Fatalf("typed address lost: %q", v)
	}
	if strings.Contains(string(r.Body), "not the password") {
		t.Fatal("the password was echoed back")
	}
	// ?next= only ever leads to this site.
	r = c.Post("/login", url.Values{"email": {"analyst@ncert.example"}, "password": {"certhub-demo-2026"}, "next": {"//evil.example/x"}})
	if r.Status != 303 || r.Header.Get("Location") != "/console" {
		t.Fatalf("open redirect: %s", r.Header.Get("Location"))
	}
	if page := apptest.Doc(t, c.Get("/console/orgs")); !strings.Contains(apptest.Text(page, ".who"), "Ayesha Analyst") {
		t.Fatal("not signed in")
	}
	if r := c.Post("/logout", nil); r.Status != 303 {
		t.Fatalf("logout: %d", r.Status)
	}
	if r := c.Get("/console/orgs"); r.Status != 303 {
		t.Fatal("still signed in after signing out")
	}
	// Eight wrong passwords, from as many addresses, lock the account, even against the right one.
	for i := range 8 {
		guesser := s.Client()
		guesser.IP = fmt.Sprintf("198.51.100.%d", i+1)
		guesser.Post("/login", url.Values{"email": {"duty@cc.example"}, "password": {"guess guess guess"}})
	}
	c.IP = "203.0.113.50"
	r = c.Post("/login", url.Values{"email": {"duty@cc.example"}, "password": {"certhub-demo-2026"}})
	if r.Status != 401 || !strings.Contains(apptest.Text(apptest.Doc(t, r), ".problem"), "locked") {
		t.Fatalf("after 8 failures: %d %s", r.Status, apptest.Text(apptest.Doc(t, r), ".problem"))
	}
	// The unlock is audited and the account works again.
	admin := s.Client()
	admin.Login("admin@localhost", apptest.AdminPassword)
	u, _ := s.Auth.UserByEmail(context.Background(), "duty@cc.example")
	if r := admin.Post("/console/users/"+u.ID+"/unlock", nil); r.Status != 303 {
		t.Fatalf("unlock: %d", r.Status)
	}
	s.Client().Login("duty@cc.example", "certhub-demo-2026")
	audit := apptest.Doc(t, admin.Get("/console/audit?action=user."))
	for _, want := range []string{"user.lock", "user.unlock", "user.login"} {
		if !strings.Contains(apptest.Text(audit, "#audit"), want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
	// Many attempts from one address: 429 with Retry-After.
	var limited apptest.Response
	for range 30 {
		limited = c.Post("/login", url.Values{"email": {"nobody@example.org"}, "password": {"x"}})
		if limited.Status == 429 {
			break
		}
	}
	if limited.Status != 429 || limited.Header.Get("Retry-After") == "" {
		t.Fatalf("no rate limit: %d", limited.Status)
	}
}

func TestTOTPEnrolmentAndSignIn(t *testing.T) {
	clk := apptest.NewClock()
	s := apptest.Start(t, apptest.Options{Demo: true, Now: clk.Now})
	c := s.Client()
	c.Login("analyst@ncert.example", "certhub-demo-2026")
	page := apptest.Doc(t, c.Get("/account/totp"))
	secret := apptest.Text(page, "#totp-secret")
	if len(secret) < 16 {
		t.Fatalf("no secret on the enrolment page: %q", secret)
	}
	if qr := c.Get("/account/totp/qr.png"); qr.Status != 200 || qr.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR code: %d %s", qr.Status, qr.Header.Get("Content-Type"))
	}
	if r := c.Post("/account/totp", url.Values{"code": {"000000"}}); r.Status != 422 || !strings.Contains(apptest.Text(apptest.Doc(t, r), ".field-error"), "does not match") {
		t.Fatalf("wrong enrolment code: %d", r.Status)
	}
	code, _ := totp.GenerateCode(secret, clk.Now())
	if r := c.Post("/account/totp", url.Values{"code": {code}}); r.Status != 303 {
		t.Fatalf("enrol: %d %s", r.Status, r.Body)
	}
	// With TOTP on, another device cannot be enrolled without first turning it off (which needs the password).
	if r := c.Post("/account/totp", url.Values{"code": {code}}); r.Status != 409 {
		t.Fatalf("re-enrolment while TOTP is on: %d", r.Status)
	}
	if r := c.Get("/account/totp/qr.png"); r.Status != 409 {
		t.Fatalf("QR code while TOTP is on: %d", r.Status)
	}
	c.Post("/logout", nil)
	c2 := s.Client()
	r := c2.Post("/login", url.Values{"email": {"analyst@ncert.example"}, "password": {"certhub-demo-2026"}})
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/login/totp") {
		t.Fatalf("password step: %d %s", r.Status, r.Header.Get("Location"))
	}
	if r := c2.Get("/console/orgs"); r.Status != 303 {
		t.Fatal("signed in before the second factor")
	}
	if r := c2.Post("/login/totp", url.Values{"code": {code}}); r.Status != 401 {
		t.Fatalf("the enrolment code was accepted again: %d", r.Status)
	}
	clk.Add(30 * time.Second)
	next, _ := totp.GenerateCode(secret, clk.Now())
	if r := c2.Post("/login/totp", url.Values{"code": {next}}); r.Status != 303 || r.Header.Get("Location") != "/console" {
		t.Fatalf("second factor: %d %s", r.Status, r.Body)
	}
	if r := c2.Get("/console/orgs"); r.Status != 200 {
		t.Fatalf("after the second factor: %d", r.Status)
	}
}

func TestAccountPagePasswordAndTokens(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	c := s.Client()
	c.Login("lead@bank-cert.example", "certhub-demo-2026")
	other := s.Client()
	other.Login("lead@bank-cert.example", "certhub-demo-2026")

	// A token, shown once.
	r := c.Post("/account/tokens", url.Values{"token_name": {"SOAR"}, "scopes": {"read", "write"}, "token_days": {"30"}})
	d := apptest.Doc(t, r)
	secret := apptest.Text(d, "#token-secret")
	if r.Status != 201 || !strings.HasPrefix(secret, "chub_") {
		t.Fatalf("token page: %d %q", r.Status, secret)
	}
	if me := s.API("GET", "/api/v1/me", secret, nil); me.Status != 200 {
		t.Fatalf("the new token: %d", me.Status)
	}
	if again := c.Get("/account"); strings.Contains(string(again.Body), secret) {
		t.Fatal("the token secret is shown again")
	}
	if r := c.Post("/account/tokens", url.Values{"token_name": {""}, "token_days": {"x"}}); r.Status != 422 {
		t.Fatalf("bad token form: %d", r.Status)
	} else if d := apptest.Doc(t, r); !strings.Contains(apptest.Text(d, "#new-token"), "must be a number of days") {
		t.Fatalf("no message beside the field: %s", apptest.Text(d, "#new-token"))
	}
	// Changing the password keeps this session and ends the other.
	bad := c.Post("/account/password/change", url.Values{"current_password": {"wrong"}, "password": {"a brand new passphrase"}, "confirm": {"a brand new passphrase"}})
	if bad.Status != 422 || !strings.Contains(apptest.Text(apptest.Doc(t, bad), ".field-error"), "not your current password") {
		t.Fatalf("wrong current password: %d", bad.Status)
	}
	ok := c.Post("/account/password/change", url.Values{"current_password": {"certhub-demo-2026"}, "password": {"a brand new passphrase"}, "confirm": {"a brand new passphrase"}})
	if ok.Status != 303 {
		t.Fatalf("change password: %d %s", ok.Status, ok.Body)
	}
	if r := c.Get("/account"); r.Status != 200 {
		t.Fatalf("this session after the change: %d", r.Status)
	}
	if r := other.Get("/account"); r.Status != 303 {
		t.Fatalf("the other session survived the password change: %d", r.Status)
	}
	// Profile with a bad time zone: the message beside the field.
	r = c.Post("/account/profile", url.Values{"name": {"Hamza"}, "time_zone": {"Mars/Olympus"}})
	if r.Status != 422 || !strings.Contains(apptest.Text(apptest.Doc(t, r), ".field-error"), "time zone") {
		t.Fatalf("bad zone: %d", r.Status)
	}
}
