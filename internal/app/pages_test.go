package app_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp/totp"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
)

func doc(t *testing.T, r response) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func text(d *goquery.Document, sel string) string {
	return strings.Join(strings.Fields(d.Find(sel).Text()), " ")
}

func TestSignInPagesAndLockout(t *testing.T) {
	s := start(t, options{demo: true})
	c := s.client()
	if r := c.get("/console/orgs"); r.Status != 303 || r.Header.Get("Location") != "/login?next=%2Fconsole%2Forgs" {
		t.Fatalf("anonymous console: %d %s", r.Status, r.Header.Get("Location"))
	}
	// A wrong password: 401, the message, the address kept, the password not echoed.
	r := c.post("/login", url.Values{"email": {"analyst@ncert.example"}, "password": {"not the password"}})
	d := doc(t, r)
	if r.Status != 401 || !strings.Contains(text(d, ".problem"), "wrong e-mail address or password") {
		t.Fatalf("wrong password: %d %s", r.Status, text(d, ".problem"))
	}
	if v, _ := d.Find("#f-email").Attr("value"); v != "analyst@ncert.example" {
		t.Fatalf("typed address lost: %q", v)
	}
	if strings.Contains(string(r.Body), "not the password") {
		t.Fatal("the password was echoed back")
	}
	// ?next= only ever leads to this site.
	r = c.post("/login", url.Values{"email": {"analyst@ncert.example"}, "password": {"certhub-demo-2026"}, "next": {"//evil.example/x"}})
	if r.Status != 303 || r.Header.Get("Location") != "/console" {
		t.Fatalf("open redirect: %s", r.Header.Get("Location"))
	}
	if page := doc(t, c.get("/console/orgs")); !strings.Contains(text(page, ".who"), "Ayesha Analyst") {
		t.Fatal("not signed in")
	}
	if r := c.post("/logout", nil); r.Status != 303 {
		t.Fatalf("logout: %d", r.Status)
	}
	if r := c.get("/console/orgs"); r.Status != 303 {
		t.Fatal("still signed in after signing out")
	}
	// Eight wrong passwords, from as many addresses, lock the account, even against the right one.
	for i := range 8 {
		guesser := s.client()
		guesser.ip = fmt.Sprintf("198.51.100.%d", i+1)
		guesser.post("/login", url.Values{"email": {"duty@cc.example"}, "password": {"guess guess guess"}})
	}
	c.ip = "203.0.113.50"
	r = c.post("/login", url.Values{"email": {"duty@cc.example"}, "password": {"certhub-demo-2026"}})
	if r.Status != 401 || !strings.Contains(text(doc(t, r), ".problem"), "locked") {
		t.Fatalf("after 8 failures: %d %s", r.Status, text(doc(t, r), ".problem"))
	}
	// The unlock is audited and the account works again.
	admin := s.client()
	admin.login("admin@localhost", adminPassword)
	u, _ := s.Auth.UserByEmail(context.Background(), "duty@cc.example")
	if r := admin.post("/console/users/"+u.ID+"/unlock", nil); r.Status != 303 {
		t.Fatalf("unlock: %d", r.Status)
	}
	s.client().login("duty@cc.example", "certhub-demo-2026")
	audit := doc(t, admin.get("/console/audit?action=user."))
	for _, want := range []string{"user.lock", "user.unlock", "user.login"} {
		if !strings.Contains(text(audit, "#audit"), want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
	// Many attempts from one address: 429 with Retry-After.
	var limited response
	for range 30 {
		limited = c.post("/login", url.Values{"email": {"nobody@example.org"}, "password": {"x"}})
		if limited.Status == 429 {
			break
		}
	}
	if limited.Status != 429 || limited.Header.Get("Retry-After") == "" {
		t.Fatalf("no rate limit: %d", limited.Status)
	}
}

// clock is a settable clock for the server, starting now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Microsecond)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestTOTPEnrolmentAndSignIn(t *testing.T) {
	clk := newClock()
	s := start(t, options{demo: true, now: clk.Now})
	c := s.client()
	c.login("analyst@ncert.example", "certhub-demo-2026")
	page := doc(t, c.get("/account/totp"))
	secret := text(page, "#totp-secret")
	if len(secret) < 16 {
		t.Fatalf("no secret on the enrolment page: %q", secret)
	}
	if qr := c.get("/account/totp/qr.png"); qr.Status != 200 || qr.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR code: %d %s", qr.Status, qr.Header.Get("Content-Type"))
	}
	if r := c.post("/account/totp", url.Values{"code": {"000000"}}); r.Status != 422 || !strings.Contains(text(doc(t, r), ".field-error"), "does not match") {
		t.Fatalf("wrong enrolment code: %d", r.Status)
	}
	code, _ := totp.GenerateCode(secret, clk.Now())
	if r := c.post("/account/totp", url.Values{"code": {code}}); r.Status != 303 {
		t.Fatalf("enrol: %d %s", r.Status, r.Body)
	}
	// With TOTP on, another device cannot be enrolled without first turning it off (which needs the password).
	if r := c.post("/account/totp", url.Values{"code": {code}}); r.Status != 409 {
		t.Fatalf("re-enrolment while TOTP is on: %d", r.Status)
	}
	if r := c.get("/account/totp/qr.png"); r.Status != 409 {
		t.Fatalf("QR code while TOTP is on: %d", r.Status)
	}
	c.post("/logout", nil)
	c2 := s.client()
	r := c2.post("/login", url.Values{"email": {"analyst@ncert.example"}, "password": {"certhub-demo-2026"}})
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/login/totp") {
		t.Fatalf("password step: %d %s", r.Status, r.Header.Get("Location"))
	}
	if r := c2.get("/console/orgs"); r.Status != 303 {
		t.Fatal("signed in before the second factor")
	}
	if r := c2.post("/login/totp", url.Values{"code": {code}}); r.Status != 401 {
		t.Fatalf("the enrolment code was accepted again: %d", r.Status)
	}
	clk.Add(30 * time.Second)
	next, _ := totp.GenerateCode(secret, clk.Now())
	if r := c2.post("/login/totp", url.Values{"code": {next}}); r.Status != 303 || r.Header.Get("Location") != "/console" {
		t.Fatalf("second factor: %d %s", r.Status, r.Body)
	}
	if r := c2.get("/console/orgs"); r.Status != 200 {
		t.Fatalf("after the second factor: %d", r.Status)
	}
}

func TestAccountPagePasswordAndTokens(t *testing.T) {
	s := start(t, options{demo: true})
	c := s.client()
	c.login("lead@bank-cert.example", "certhub-demo-2026")
	other := s.client()
	other.login("lead@bank-cert.example", "certhub-demo-2026")

	// A token, shown once.
	r := c.post("/account/tokens", url.Values{"token_name": {"SOAR"}, "scopes": {"read", "write"}, "token_days": {"30"}})
	d := doc(t, r)
	secret := text(d, "#token-secret")
	if r.Status != 201 || !strings.HasPrefix(secret, "chub_") {
		t.Fatalf("token page: %d %q", r.Status, secret)
	}
	if me := s.api("GET", "/api/v1/me", secret, nil); me.Status != 200 {
		t.Fatalf("the new token: %d", me.Status)
	}
	if again := c.get("/account"); strings.Contains(string(again.Body), secret) {
		t.Fatal("the token secret is shown again")
	}
	if r := c.post("/account/tokens", url.Values{"token_name": {""}, "token_days": {"x"}}); r.Status != 422 {
		t.Fatalf("bad token form: %d", r.Status)
	} else if d := doc(t, r); !strings.Contains(text(d, "#new-token"), "must be a number of days") {
		t.Fatalf("no message beside the field: %s", text(d, "#new-token"))
	}
	// Changing the password keeps this session and ends the other.
	bad := c.post("/account/password/change", url.Values{"current_password": {"wrong"}, "password": {"a brand new passphrase"}, "confirm": {"a brand new passphrase"}})
	if bad.Status != 422 || !strings.Contains(text(doc(t, bad), ".field-error"), "not your current password") {
		t.Fatalf("wrong current password: %d", bad.Status)
	}
	ok := c.post("/account/password/change", url.Values{"current_password": {"certhub-demo-2026"}, "password": {"a brand new passphrase"}, "confirm": {"a brand new passphrase"}})
	if ok.Status != 303 {
		t.Fatalf("change password: %d %s", ok.Status, ok.Body)
	}
	if r := c.get("/account"); r.Status != 200 {
		t.Fatalf("this session after the change: %d", r.Status)
	}
	if r := other.get("/account"); r.Status != 303 {
		t.Fatalf("the other session survived the password change: %d", r.Status)
	}
	// Profile with a bad time zone: the message beside the field.
	r = c.post("/account/profile", url.Values{"name": {"Hamza"}, "time_zone": {"Mars/Olympus"}})
	if r.Status != 422 || !strings.Contains(text(doc(t, r), ".field-error"), "time zone") {
		t.Fatalf("bad zone: %d", r.Status)
	}
}

func TestDirectoryPagesFollowTheAccessRule(t *testing.T) {
	s := start(t, options{demo: true})
	bank := s.client()
	bank.login("ciso@firstbank.example", "certhub-demo-2026")
	d := doc(t, bank.get("/console/orgs"))
	names := text(d, "#orgs tbody")
	if !strings.Contains(names, "First Example Bank") || !strings.Contains(names, "National CERT") {
		t.Fatalf("a bank's admin lacks entries: %s", names)
	}
	for _, hidden := range []string{"Karakoram Telecom", "Crescent Microfinance", "Examplesoft"} {
		if strings.Contains(names, hidden) {
			t.Errorf("a bank's admin sees %s", hidden)
		}
	}
	if d.Find("a.button[href='/console/orgs/new']").Length() != 0 {
		t.Error("a constituent's admin is offered New organisation")
	}
	if d.Find(".top nav a[href='/console/users']").Length() != 0 {
		t.Error("a constituent's admin sees the Users menu")
	}
	// Another constituent's page does not exist for them.
	var telco string
	for _, o := range mustList(t, s) {
		if o.Name == "Karakoram Telecom" {
			telco = o.ID
		}
	}
	if r := bank.get("/console/orgs/" + telco); r.Status != 404 {
		t.Fatalf("another constituent's page: %d", r.Status)
	}
	if r := bank.get("/console/users"); r.Status != 403 {
		t.Fatalf("users page for a constituent: %d", r.Status)
	}
	// Editing their own organisation: a bad network is shown beside the field, the rest kept.
	var own string
	for _, o := range mustList(t, s) {
		if o.Name == "First Example Bank" {
			own = o.ID
		}
	}
	edit := doc(t, bank.get("/console/orgs/"+own+"/edit"))
	if edit.Find("#f-kind").Length() != 0 || edit.Find("input[name=cii]").Length() != 0 {
		t.Error("a constituent's admin is offered the structural fields")
	}
	form := url.Values{}
	edit.Find("#org-form input, #org-form textarea, #org-form select").Each(func(_ int, sel *goquery.Selection) {
		name, _ := sel.Attr("name")
		if name == "" {
			return
		}
		if goquery.NodeName(sel) == "textarea" {
			form.Set(name, sel.Text())
			return
		}
		if goquery.NodeName(sel) == "select" {
			v, _ := sel.Find("option[selected]").Attr("value")
			form.Set(name, v)
			return
		}
		if typ, _ := sel.Attr("type"); typ == "checkbox" {
			if _, on := sel.Attr("checked"); on {
				form.Set(name, "on")
			}
			return
		}
		v, _ := sel.Attr("value")
		form.Set(name, v)
	})
	if form.Get("name") != "First Example Bank" || !strings.Contains(form.Get("cidrs"), "198.51.100.0/27") {
		t.Fatalf("edit form not filled: %v", form)
	}
	form.Set("cidrs", form.Get("cidrs")+"\n10.0.0.300/8")
	form.Set("description", "Our new description")
	r := bank.post("/console/orgs/"+own, form)
	page := doc(t, r)
	if r.Status != 422 || !strings.Contains(text(page, "#f-constituency\\.cidrs ~ .field-error"), "not a network") {
		t.Fatalf("bad network: %d %q", r.Status, text(page, ".field-error"))
	}
	if v := page.Find("#f-description").Text(); v != "Our new description" {
		t.Fatalf("typed description lost: %q", v)
	}
	if v := page.Find("#f-constituency\\.cidrs").Text(); !strings.Contains(v, "10.0.0.300/8") {
		t.Fatalf("typed networks lost: %q", v)
	}
	// A forged row index does not make the server loop or allocate.
	forged := url.Values{}
	for k, v := range form {
		forged[k] = v
	}
	forged.Set("contacts[999999999999].name", "x")
	forged.Set("contacts[", "x")
	if r := bank.post("/console/orgs/"+own, forged); r.Status >= 500 {
		t.Fatalf("forged contact index: %d", r.Status)
	}
	form.Set("cidrs", strings.Replace(form.Get("cidrs"), "10.0.0.300/8", "", 1))
	if r := bank.post("/console/orgs/"+own, form); r.Status != 303 {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	shown := doc(t, bank.get("/console/orgs/"+own))
	if !strings.Contains(text(shown, "main"), "Our new description") || !strings.Contains(text(shown, "#cidrs"), "198.51.100.0/27") {
		t.Fatal("saved changes not shown")
	}
	if txt := bank.get("/console/orgs/" + own + "/rfc2350.txt"); txt.Status != 200 || !strings.Contains(string(txt.Body), "2.1 Name of the Team") {
		t.Fatalf("RFC 2350 text: %d", txt.Status)
	}
	// The national CERT's public key downloads.
	var ncert string
	for _, o := range mustList(t, s) {
		if o.Name == "National CERT" {
			ncert = o.ID
		}
	}
	if key := bank.get("/console/orgs/" + ncert + "/key.asc"); key.Status != 200 || !strings.Contains(string(key.Body), "BEGIN PGP PUBLIC KEY BLOCK") {
		t.Fatalf("key download: %d", key.Status)
	}
	nat := doc(t, bank.get("/console/orgs/"+ncert))
	if !regexp.MustCompile(`^([0-9A-F]{4} ){9}[0-9A-F]{4}$`).MatchString(text(nat, "#fingerprint")) {
		t.Fatalf("fingerprint shown as %q", text(nat, "#fingerprint"))
	}
}

func mustList(t *testing.T, s *server) []directory.Summary {
	t.Helper()
	all, err := s.Directory.All(context.Background(), auth.System("test"), directory.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func TestUnknownPagesAnswerAPage(t *testing.T) {
	s := start(t, options{})
	r := s.client().get("/no/such/page")
	if r.Status != 404 || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("unknown page: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
}

// HTTPS with the given certificate: HTTP/2, HSTS, and the __Host- cookie.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	s := start(t, options{configure: func(c *app.Config) { c.TLSCert, c.TLSKey = certFile, keyFile }})
	if !strings.HasPrefix(s.URL, "https://") {
		t.Fatalf("URL %s", s.URL)
	}
	pool := x509.NewCertPool()
	certPEM, _ := os.ReadFile(certFile)
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("proto %s, HSTS %q", resp.Proto, resp.Header.Get("Strict-Transport-Security"))
	}
	req, _ := http.NewRequest("POST", s.URL+"/login", strings.NewReader(url.Values{"email": {"admin@localhost"}, "password": {adminPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.URL)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	set := resp.Header.Get("Set-Cookie")
	if !strings.HasPrefix(set, "__Host-certhub_session=") || !strings.Contains(set, "Secure") {
		t.Fatalf("cookie over TLS: %s", set)
	}
}

func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}
