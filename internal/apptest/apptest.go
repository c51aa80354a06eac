package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/demo"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/hygiene/probe"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/notify/smtptest"
)

// AdminPassword is the password of the first admin, admin@localhost, on
// every test server.
const AdminPassword = "admin password for tests"

// Options choose how a test server starts. The zero value is a SQLite
// server with the real clock, the admin and nothing else.
type Options struct {
	Engine    db.Engine         // db.SQLite (the default) or db.Postgres (skipped without one; see dbtest)
	Demo      bool              // load the demo dataset
	Now       func() time.Time  // the server's clock; nil: the real one (see Clock)
	Configure func(*app.Config) // changes to the test configuration, made last
}

// Server is a running certhub for one test, closed when the test ends.
type Server struct {
	*app.App
	URL  string           // the base URL, http://127.0.0.1:port (https:// with TLS configured)
	SMTP *smtptest.Server // receives the server's outgoing mail

	t testing.TB
	// malformed: the test sends bad requests on purpose (see Malformed).
	malformed bool
}

// Start starts a server for the test.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Engine == "" {
		o.Engine = db.SQLite
	}
	dsn := ""
	if o.Engine == db.Postgres {
		dsn = dbtest.DSN(t, db.Postgres)
	}
	mail := smtptest.Start(t)
	cfg := baseConfig(t.TempDir(), dsn)
	cfg.SMTPURL, cfg.Now, cfg.Logger = mail.URL(), o.Now, testLogger(t)
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	// The common start — SQLite, the real clock, the usual settings — copies
	// a data directory made once for the test binary (migrated, the admin
	// created, the demo loaded) instead of making it again: most of a
	// test's start went there.
	template := ""
	if o.Engine == db.SQLite && o.Now == nil && o.Configure == nil {
		var err error
		if template, err = dataTemplate(t, o.Demo); err != nil {
			t.Fatal(err)
		}
	}
	if template != "" {
		if err := copyDir(template, cfg.DataDir); err != nil {
			t.Fatal(err)
		}
	} else if cfg.DSN == "" {
		// Else at least the schema is a copy (app.New finds nothing to
		// migrate): migrating SQLite takes seconds under the race detector.
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "certhub.db")); errors.Is(err, fs.ErrNotExist) {
			dbtest.WriteSQLite(t, filepath.Join(cfg.DataDir, "certhub.db"))
		}
	}
	ctx := context.Background()
	a, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if template == "" {
		if _, err := a.EnsureAdmin(ctx); err != nil {
			t.Fatal(err)
		}
		if o.Demo {
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
	return &Server{App: a, t: t, URL: a.URL(), SMTP: mail}
}

// baseConfig is every test server's configuration, on dataDir (and the
// PostgreSQL database dsn, if any).
func baseConfig(dataDir, dsn string) app.Config {
	return app.Config{Addr: "127.0.0.1:0", TrustedProxies: "127.0.0.1", WebhookAllowPrivate: true, DataDir: dataDir, DSN: dsn,
		AdminPassword: AdminPassword, MailFrom: "cc@cert.example", JobPoll: 50 * time.Millisecond,
		// Hygiene checks a schedule queues ask a closed port on loopback,
		// never the machine's resolvers: tests stay off the network.
		Hygiene: app.HygieneConfig{Probe: &probe.Options{Resolvers: []string{"127.0.0.1:9"}, Timeout: time.Second,
			Addr: func(string, int) string { return "127.0.0.1:9" }}}}
}

// Main runs the package's tests and exits with their result, after removing
// the data directories made for them. Call it from the package's TestMain:
//
//	func TestMain(m *testing.M) { apptest.Main(m) }
//
// Under Main the common start (SQLite, the real clock, no Configure) copies
// a data directory made once for the test binary; without it every Start
// makes its own, which is slower but leaves nothing behind either.
func Main(m *testing.M) {
	templates.Lock()
	templates.enabled = true
	templates.Unlock()
	code := m.Run()
	templates.Lock()
	if templates.root != "" {
		if err := os.RemoveAll(templates.root); err != nil {
			slog.Error("apptest: remove the data templates", "err", err)
		}
	}
	templates.Unlock()
	os.Exit(code)
}

// templates are the data directories made once for the test binary, all
// under root, which Main removes.
var templates struct {
	sync.Mutex
	enabled bool
	root    string
	dirs    map[bool]string
}

// dataTemplate is the data directory of a new server, with the demo or
// without, made the first time it is asked for: once for every test
// binary of the run under $CERTHUB_TEST_CACHE (dbtest.Shared), else once
// for this one; "" outside Main.
func dataTemplate(t testing.TB, withDemo bool) (string, error) {
	templates.Lock()
	defer templates.Unlock()
	if !templates.enabled {
		return "", nil
	}
	if dir, ok := templates.dirs[withDemo]; ok {
		return dir, nil
	}
	key, err := dbtest.SourceDigest()
	if err != nil {
		return "", err
	}
	name := map[bool]string{true: "data-demo", false: "data"}[withDemo]
	dir, err := dbtest.Shared(name, key, func(dir string) error { return makeData(t, dir, withDemo) })
	if err != nil {
		return "", err
	}
	if dir == "" {
		if templates.root == "" {
			root, err := os.MkdirTemp("", "certhub-apptest-")
			if err != nil {
				return "", err
			}
			templates.root = root
		}
		if dir, err = os.MkdirTemp(templates.root, "data-"); err != nil {
			return "", err
		}
		if err := makeData(t, dir, withDemo); err != nil {
			return "", err
		}
	}
	if templates.dirs == nil {
		templates.dirs = map[bool]string{}
	}
	templates.dirs[withDemo] = dir
	return dir, nil
}

// makeData makes a server's data directory in dir: the schema (a copy),
// the administrator and, withDemo, the demo.
func makeData(t testing.TB, dir string, withDemo bool) error {
	dbtest.WriteSQLite(t, filepath.Join(dir, "certhub.db"))
	ctx := context.Background()
	cfg := baseConfig(dir, "")
	cfg.NoBackground, cfg.Logger = true, slog.New(slog.DiscardHandler)
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	if _, err := a.EnsureAdmin(ctx); err != nil {
		a.Core.Close()
		return err
	}
	if withDemo {
		if err := demo.Load(ctx, a.Core); err != nil {
			a.Core.Close()
			return err
		}
	}
	return a.Core.Close()
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

// Malformed is the server for requests a test sends against openapi.json on
// purpose (bad JSON, wrong types, no credentials, undocumented paths) to
// check the error answers: their requests are not validated, their
// responses are.
func (s *Server) Malformed() *Server {
	m := *s
	m.malformed = true
	return &m
}

// Token mints an API token for the user with the given scopes (none: read
// and write).
func (s *Server) Token(email string, scopes ...auth.Scope) string {
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

// Identity is the user's identity, as the services see it.
func (s *Server) Identity(email string) *auth.Identity {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.Auth.UserByEmail(ctx, email)
	if err != nil {
		s.t.Fatal(err)
	}
	id, err := s.Auth.Identity(ctx, u.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

// OrgID finds an organisation by name.
func (s *Server) OrgID(name string) string {
	s.t.Helper()
	all, err := s.Directory.All(context.Background(), auth.System("test"), directory.Filter{})
	if err != nil {
		s.t.Fatal(err)
	}
	for _, o := range all {
		if o.Name == name {
			return o.ID
		}
	}
	s.t.Fatalf("no organisation %q", name)
	return ""
}

// Response is a decoded HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as a JSON object; anything else fails the test.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// TextBody is a request body API sends as text/plain.
type TextBody string

// API sends a request with a bearer token (empty: none) and a body: nil for
// none, a string or []byte as is (as JSON), a TextBody as text/plain, and
// anything else marshalled to JSON.
func (s *Server) API(method, path, token string, body any) Response {
	s.t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case TextBody:
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
	return s.Do(http.DefaultClient, req)
}

// Do sends req with c and reads the answer. Exchanges with /api/ are held to
// openapi.json: a mismatch fails the test.
func (s *Server) Do(c *http.Client, req *http.Request) Response {
	s.t.Helper()
	checked := *c
	checked.Transport = contractTransport{base: c.Transport, t: s.t, malformed: s.malformed}
	resp, err := checked.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
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
