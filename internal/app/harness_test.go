package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/demo"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/notify/smtptest"
)

const adminPassword = "admin password for tests"

// server is a running certhub for one test.
type server struct {
	*app.App
	t    testing.TB
	URL  string
	SMTP *smtptest.Server

	// malformedRequests: the test sends bad requests on purpose (see malformed).
	malformedRequests bool
}

type options struct {
	engine    db.Engine
	demo      bool
	now       func() time.Time
	configure func(*app.Config)
}

func start(t testing.TB, o options) *server {
	t.Helper()
	if o.engine == "" {
		o.engine = db.SQLite
	}
	dsn := ""
	if o.engine == db.Postgres {
		dsn = dbtest.DSN(t, db.Postgres)
	}
	mail := smtptest.Start(t)
	cfg := baseConfig(t.TempDir(), dsn)
	cfg.SMTPURL, cfg.Now, cfg.Logger = mail.URL(), o.now, testLogger(t)
	if o.configure != nil {
		o.configure(&cfg)
	}
	// The common start — SQLite, the real clock, the usual settings — copies
	// a data directory made once for the test binary (migrated, the admin
	// created, the demo loaded) instead of making it again: most of a
	// test's start went there.
	fromTemplate := o.engine == db.SQLite && o.now == nil && o.configure == nil
	if fromTemplate {
		if err := copyDir(dataTemplate(o.demo), cfg.DataDir); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	a, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !fromTemplate {
		if _, err := a.EnsureAdmin(ctx); err != nil {
			t.Fatal(err)
		}
		if o.demo {
			if err := demo.Load(ctx, a.Core); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Close(sctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &server{App: a, t: t, URL: a.URL(), SMTP: mail}
}

// baseConfig is every test server's configuration, on dataDir (and the
// PostgreSQL database dsn, if any).
func baseConfig(dataDir, dsn string) app.Config {
	return app.Config{Addr: "127.0.0.1:0", TrustedProxies: "127.0.0.1", WebhookAllowPrivate: true, DataDir: dataDir, DSN: dsn,
		AdminPassword: adminPassword, MailFrom: "cc@cert.example", JobPoll: 50 * time.Millisecond}
}

// templateRoot holds the data directories made once for the test binary;
// TestMain removes it.
var templateRoot string

var templates struct {
	sync.Mutex
	dirs map[bool]string
}

// dataTemplate is the data directory of a new server, with the demo or
// without, made the first time it is asked for.
func dataTemplate(withDemo bool) string {
	templates.Lock()
	defer templates.Unlock()
	if dir, ok := templates.dirs[withDemo]; ok {
		return dir
	}
	dir, err := os.MkdirTemp(templateRoot, "data-")
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	cfg := baseConfig(dir, "")
	cfg.NoBackground, cfg.Logger = true, slog.New(slog.DiscardHandler)
	a, err := app.New(ctx, cfg)
	if err != nil {
		panic(err)
	}
	if _, err := a.EnsureAdmin(ctx); err != nil {
		panic(err)
	}
	if withDemo {
		if err := demo.Load(ctx, a.Core); err != nil {
			panic(err)
		}
	}
	if err := a.Core.Close(); err != nil {
		panic(err)
	}
	if templates.dirs == nil {
		templates.dirs = map[bool]string{}
	}
	templates.dirs[withDemo] = dir
	return dir
}

// copyDir copies the files below src into dst, which exists.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o750)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode().Perm())
	})
}

func TestMain(m *testing.M) {
	var err error
	if templateRoot, err = os.MkdirTemp("", "certhub-app-test-"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(templateRoot)
	os.Exit(code)
}

// malformed is the server for requests a test sends against openapi.json on
// purpose (bad JSON, wrong types, no credentials, undocumented paths) to check
// the error answers: their requests are not validated, their responses are.
func (s *server) malformed() *server {
	m := *s
	m.malformedRequests = true
	return &m
}

// token mints an API token for the user with the given scopes.
func (s *server) token(email string, scopes ...auth.Scope) string {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.Auth.UserByEmail(ctx, email)
	if err != nil {
		s.t.Fatal(err)
	}
	if len(scopes) == 0 {
		scopes = []auth.Scope{auth.ScopeRead, auth.ScopeWrite}
	}
	_, raw, err := s.Auth.CreateToken(ctx, auth.System("test"), u.ID, auth.NewToken{Name: "test", Scopes: scopes})
	if err != nil {
		s.t.Fatal(err)
	}
	return raw
}

// response is a decoded HTTP answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// textBody is a request body sent as text/plain.
type textBody string

// api sends a request with a bearer token (empty: none) and a JSON body
// (a string is sent as is; a textBody as text/plain; anything else is
// marshalled).
func (s *server) api(method, path, token string, body any) response {
	s.t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case textBody:
		rd, ctype = strings.NewReader(string(b)), "text/plain"
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return s.do(http.DefaultClient, req)
}

// do sends req with c. Exchanges with /api/ are held to openapi.json.
func (s *server) do(c *http.Client, req *http.Request) response {
	s.t.Helper()
	checked := *c
	checked.Transport = contractTransport{base: c.Transport, t: s.t, malformed: s.malformedRequests}
	resp, err := checked.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// browserClient is an HTTP client with cookies that does not follow redirects.
type browserClient struct {
	s  *server
	c  *http.Client
	ip string // sent as X-Forwarded-For (the test server trusts loopback as its proxy)
}

func (s *server) client() *browserClient {
	jar, _ := cookiejar.New(nil)
	return &browserClient{s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browserClient) get(path string) response {
	b.s.t.Helper()
	req, _ := http.NewRequest("GET", b.s.URL+path, nil)
	b.from(req)
	return b.s.do(b.c, req)
}

// post submits a form as a same-origin browser would.
func (b *browserClient) post(path string, form url.Values) response {
	b.s.t.Helper()
	req, _ := http.NewRequest("POST", b.s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.s.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	b.from(req)
	return b.s.do(b.c, req)
}

// upload submits a multipart form — fields as name/value pairs, in order,
// and one file — as a same-origin browser would.
func (b *browserClient) upload(path string, fields [][2]string, fileField, fileName, content string) response {
	b.s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range fields {
		_ = mw.WriteField(f[0], f[1])
	}
	fw, _ := mw.CreateFormFile(fileField, fileName)
	_, _ = io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest("POST", b.s.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.s.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	b.from(req)
	return b.s.do(b.c, req)
}

func (b *browserClient) from(req *http.Request) {
	if b.ip != "" {
		req.Header.Set("X-Forwarded-For", b.ip)
	}
}

func (b *browserClient) login(email, password string) {
	b.s.t.Helper()
	r := b.post("/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console" {
		b.s.t.Fatalf("login as %s: %d %s\n%s", email, r.Status, r.Header.Get("Location"), r.Body)
	}
}

// testLogger sends the server's warnings and errors to the test log, shown on
// failure. Lines logged after the test ended are dropped.
func testLogger(t testing.TB) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(func() { w.mu.Lock(); w.done = true; w.mu.Unlock() })
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
