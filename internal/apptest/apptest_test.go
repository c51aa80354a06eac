package apptest_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// A server starts on each engine, from the data template and from scratch,
// with its admin, and answers.
func TestStart(t *testing.T) {
	for _, e := range dbtest.Engines() {
		for _, configured := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/configured=%v", e, configured), func(t *testing.T) {
				o := apptest.Options{Engine: e}
				if configured { // not the common start: made from scratch
					o.Configure = func(c *app.Config) { c.CenterName = "Test CERT" }
				}
				s := apptest.Start(t, o)
				if r := s.API("GET", "/healthz", "", nil); r.Status != http.StatusOK || strings.TrimSpace(string(r.Body)) != "ok" {
					t.Fatalf("/healthz: %d %q", r.Status, r.Body)
				}
				me := s.API("GET", "/api/v1/me", s.Token("admin@localhost"), nil)
				if me.Status != http.StatusOK || me.JSON(t)["email"] != "admin@localhost" {
					t.Fatalf("/api/v1/me: %d %s", me.Status, me.Body)
				}
				c := s.Client()
				c.Login("admin@localhost", apptest.AdminPassword)
				if r := c.Get("/account"); r.Status != http.StatusOK {
					t.Fatalf("/account: %d", r.Status)
				}
			})
		}
	}
}

// The demo dataset is there when asked for, and the directory finds it.
func TestStartWithTheDemo(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	if id := s.OrgID("First Example Bank"); id == "" {
		t.Fatal("no id for the demo's bank")
	}
	if id := s.Identity("analyst@ncert.example"); id == nil {
		t.Fatal("no identity for the demo's analyst")
	}
}

// catcher is a test whose failures are caught, while catching, to be
// looked at; the rest goes to the real test.
type catcher struct {
	testing.TB
	mu       sync.Mutex
	catching bool
	caught   []string
}

func (c *catcher) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.catching {
		c.caught = append(c.caught, fmt.Sprintf(format, args...))
		return
	}
	c.TB.Errorf(format, args...)
}

// catch runs fn and answers the failures it reported.
func (c *catcher) catch(fn func()) string {
	c.mu.Lock()
	c.catching, c.caught = true, nil
	c.mu.Unlock()
	fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.catching = false
	return strings.Join(c.caught, "\n")
}

// Every exchange with /api/ is held to openapi.json, whichever way it is
// sent; other paths are not.
func TestExchangesAreHeldToTheDocument(t *testing.T) {
	ct := &catcher{TB: t}
	s := apptest.Start(ct, apptest.Options{})
	tok := s.Token("admin@localhost")
	tests := []struct {
		name string
		send func()
		want string // in the failure; empty: none
	}{
		{"a documented exchange", func() { s.API("GET", "/api/v1/me", tok, nil) }, ""},
		{"an undeclared query parameter", func() { s.API("GET", "/api/v1/me?colour=red", tok, nil) }, "colour"},
		{"a body of the wrong type", func() { s.API("POST", "/api/v1/orgs", tok, map[string]any{"name": 5, "kind": "constituent"}) },
			"s.Malformed()"},
		{"a malformed request, marked so", func() {
			s.Malformed().API("POST", "/api/v1/orgs", tok, map[string]any{"name": 5, "kind": "constituent"})
		}, ""},
		{"an undocumented path, from a client", func() { s.Client().Get("/api/v1/nowhere") }, "/api/v1/nowhere"},
		{"a page", func() { s.Client().Get("/nowhere") }, ""},
	}
	for _, tt := range tests {
		got := ct.catch(tt.send)
		switch {
		case tt.want == "" && got != "":
			t.Errorf("%s failed:\n%s", tt.name, got)
		case tt.want != "" && !strings.Contains(got, tt.want):
			t.Errorf("%s: the failure does not name %q:\n%s", tt.name, tt.want, got)
		}
	}
}
