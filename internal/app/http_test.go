package app_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/auth"
)

// The tests here are of what every route shares — API authentication,
// health and metrics, security headers, cross-origin forms, unknown pages
// and TLS — rather than of any one domain's routes, which are tested
// beside their package.

func TestAPIAuthentication(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	p := apptest.Problem(t, s.API("GET", "/api/v1/me", "", nil), 401)
	if s.API("GET", "/api/v1/me", "", nil).Header.Get("WWW-Authenticate") == "" || p["detail"] == "" {
		t.Fatal("401 without WWW-Authenticate or detail")
	}
	apptest.Problem(t, s.API("GET", "/api/v1/me", "chub_notatoken", nil), 401)
	apptest.Problem(t, s.API("GET", "/api/v1/orgs", "chub_"+strings.Repeat("a", 52), nil), 401)
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/me", nil)
	req.SetBasicAuth("admin@localhost", apptest.AdminPassword)
	apptest.Problem(t, s.Do(http.DefaultClient, req), 401)

	tok := s.Token("soc@firstbank.example")
	me := s.API("GET", "/api/v1/me", tok, nil)
	if me.Status != 200 {
		t.Fatalf("me: %d %s", me.Status, me.Body)
	}
	var m struct {
		Email       string `json:"email"`
		AuthMethod  string `json:"auth_method"`
		Memberships []struct {
			OrgName string `json:"org_name"`
			Role    string `json:"role"`
		} `json:"memberships"`
		PasswordHash any `json:"password_hash"`
	}
	if err := json.Unmarshal(me.Body, &m); err != nil {
		t.Fatal(err)
	}
	if m.Email != "soc@firstbank.example" || m.AuthMethod != "token" || len(m.Memberships) != 1 ||
		m.Memberships[0].OrgName != "First Example Bank" || m.Memberships[0].Role != "member" {
		t.Fatalf("me = %s", me.Body)
	}
	if strings.Contains(string(me.Body), "argon2") || strings.Contains(string(me.Body), "totp_secret") {
		t.Fatal("secrets in /me")
	}
	ro := s.Token("ciso@firstbank.example", auth.ScopeRead)
	if r := s.API("GET", "/api/v1/orgs", ro, nil); r.Status != 200 {
		t.Fatalf("read with read scope: %d", r.Status)
	}
	apptest.Problem(t, s.API("PATCH", "/api/v1/me", ro, map[string]any{"name": "X"}), 403)
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		r := s.API("GET", path, "", nil)
		if r.Status != 200 || strings.TrimSpace(string(r.Body)) != want {
			t.Fatalf("%s: %d %q", path, r.Status, r.Body)
		}
	}
	s.API("GET", "/api/v1/orgs", "", nil)
	m := s.API("GET", "/metrics", "", nil)
	for _, want := range []string{
		`certhub_http_requests_total{code="401",method="GET",route="GET /api/v1/orgs"} 1`,
		`certhub_http_request_duration_seconds_bucket{method="GET",route="GET /healthz"`,
		`certhub_store_up 1`, `certhub_users{enabled="true"} 1`, `go_goroutines`,
	} {
		if !strings.Contains(string(m.Body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestMetricsOnlyForTheMonitoringNetwork(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Configure: func(c *app.Config) { c.MetricsAllow = "10.0.0.0/8" }})
	if r := s.API("GET", "/metrics", "", nil); r.Status != 403 {
		t.Fatalf("metrics from outside the allowed network: %d", r.Status)
	}
}

func TestSecurityHeadersAndCrossOriginForms(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	r := s.API("GET", "/login", "", nil)
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
		if r.Header.Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
	if r.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS over plain HTTP")
	}
	req, _ := http.NewRequest("POST", s.URL+"/login", strings.NewReader("email=admin%40localhost&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if got := s.Do(http.DefaultClient, req); got.Status != 403 || !strings.Contains(string(got.Body), "cross-origin") {
		t.Fatalf("cross-site form post: %d %s", got.Status, got.Body)
	}
	c := s.Client()
	c.Login("admin@localhost", apptest.AdminPassword)
	var session *http.Cookie
	u, _ := url.Parse(s.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "certhub_session" {
			session = ck
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	raw := c.Get("/account")
	if raw.Status != 200 {
		t.Fatalf("account page: %d", raw.Status)
	}
	set := s.Client().Post("/login", url.Values{"email": {"admin@localhost"}, "password": {apptest.AdminPassword}}).Header.Get("Set-Cookie")
	if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") {
		t.Fatalf("session cookie flags: %s", set)
	}
}

func TestUnknownPagesAnswerAPage(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	r := s.Client().Get("/no/such/page")
	if r.Status != 404 || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("unknown page: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
}

// HTTPS with the given certificate: HTTP/2, HSTS, and the __Host- cookie.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := apptest.SelfSignedCert(t, dir)
	s := apptest.Start(t, apptest.Options{Configure: func(c *app.Config) { c.TLSCert, c.TLSKey = certFile, keyFile }})
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
	req, _ := http.NewRequest("POST", s.URL+"/login", strings.NewReader(url.Values{"email": {"admin@localhost"}, "password": {apptest.AdminPassword}}.Encode()))
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
