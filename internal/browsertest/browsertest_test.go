package browsertest_test

import (
	"bytes"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/failtest"
)

// site is a small server for the browser to drive: a form that echoes
// what it receives, a page wider than a phone, and pages to crawl. It
// counts the visits to /logout, which a crawl must never make.
func site(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var logouts atomic.Int32
	page := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><meta name="viewport" content="width=device-width"></head><body>%s</body></html>`, body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`<h1>Home</h1>
			<form action="/search"><input name="q" value="gate"><select name="sev"><option value="">any</option><option value="high">high</option></select></form>
			<a href="/missing">missing</a> <a href="/moved">moved</a> <a href="/logout">sign out</a>
			<a href="https://elsewhere.example/">elsewhere</a> <a href="/#top">top</a>`)
		for i := 1; i <= 6; i++ {
			fmt.Fprintf(&b, ` <a href="/items/%d">item %d</a>`, i, i)
		}
		page(w, b.String())
	})
	mux.HandleFunc("GET /items/{n}", func(w http.ResponseWriter, r *http.Request) {
		page(w, `<h1>Item `+html.EscapeString(r.PathValue("n"))+`</h1><a href="/">home</a>`)
	})
	mux.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		page(w, `<h1>Results</h1>`)
	})
	mux.HandleFunc("GET /moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/items/1", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /logout", func(w http.ResponseWriter, r *http.Request) {
		logouts.Add(1)
		page(w, `<h1>Signed out</h1>`)
	})
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		page(w, `<h1>Edit</h1><form method="post" action="/submit">
			<input id="f-name" name="name" value="old name">
			<select id="f-kind" name="kind"><option value="a">A</option><option value="b">B</option></select>
			<input id="f-at" type="datetime-local" name="at">
			<button type="submit">Save</button></form>`)
	})
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		page(w, fmt.Sprintf(`<h1>Saved</h1><p id="name">%s</p><p id="kind">%s</p><p id="at">%s</p>`,
			html.EscapeString(r.FormValue("name")), html.EscapeString(r.FormValue("kind")), html.EscapeString(r.FormValue("at"))))
	})
	mux.HandleFunc("GET /wide", func(w http.ResponseWriter, r *http.Request) {
		page(w, `<h1>Wide</h1><div style="width: 3000px">a table too wide for a phone</div>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &logouts
}

// A form filled, chosen and submitted as a person would, its answer read.
func TestBrowserFillsAndSubmitsAForm(t *testing.T) {
	srv, _ := site(t)
	shots := t.TempDir()
	t.Setenv("CERTHUB_SCREENSHOTS", shots)
	b := browsertest.New(t, srv.URL, 1024, 768)

	b.Go("/form")
	if got := b.Value("#f-name"); got != "old name" {
		t.Fatalf("Value = %q before filling", got)
	}
	b.Fill("#f-name", "Indus Payments")
	b.Select("#f-kind", "b")
	b.SetValue("#f-at", "2026-12-06T10:30")
	b.Shot("form")
	b.Click("button[type=submit]")
	if b.Path() != "/submit" {
		t.Fatalf("after submitting at %s", b.Path())
	}
	b.Expect("h1", "Saved")
	got := map[string]string{"name": b.Text("#name"), "kind": b.Text("#kind"), "at": b.Text("#at")}
	want := map[string]string{"name": "Indus Payments", "kind": "b", "at": "2026-12-06T10:30"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("submitted (-want +got):\n%s", d)
	}
	if n := b.Count("p"); n != 3 {
		t.Errorf("Count(p) = %d, want 3", n)
	}
	png, err := os.ReadFile(filepath.Join(shots, "form.png"))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("the screenshot is not a PNG: %v", err)
	}
}

func TestExpectFailsOnMissingTextAndOverflowsOnWidePages(t *testing.T) {
	srv, _ := site(t)
	// The browser's assertions fail the test they were given: here a
	// stand-in, so that the failure can be looked at.
	r := failtest.Run(t, func(tb testing.TB) {
		b := browsertest.New(tb, srv.URL, 390, 844)
		b.Go("/wide")
		if !b.Overflows() {
			t.Error("a 3000-pixel page does not overflow a phone")
		}
		b.Go("/form")
		if b.Overflows() {
			t.Error("a narrow page overflows a phone")
		}
		b.Expect("h1", "Edit", "Delete")
		t.Error("Expect went on after text the page lacks")
	})
	if !strings.Contains(r.Failed, `h1 shows "Edit"`) || !strings.Contains(r.Failed, `"Delete"`) || !strings.Contains(r.Failed, "/form") {
		t.Errorf("Expect of text the page lacks failed with %q", r.Failed)
	}
}

// A crawl reaches every kind of page once or a few times, with what each
// answered, and never follows a skipped path or another origin.
func TestCrawlFollowsEachShapeAndSkips(t *testing.T) {
	srv, logouts := site(t)
	b := browsertest.New(t, srv.URL, 1024, 768)
	b.Go("/")
	visits := b.Crawl([]string{"/"}, browsertest.CrawlOptions{Skip: []string{"/logout"}, Limit: 100})

	status := map[string]int{}
	items := 0
	for _, v := range visits {
		if _, dup := status[v.URL]; dup {
			t.Errorf("%s fetched twice", v.URL)
		}
		status[v.URL] = v.Status
		if strings.HasPrefix(v.URL, "/items/") {
			items++
		}
		if strings.Contains(v.URL, "elsewhere.example") || strings.HasPrefix(v.URL, "/logout") {
			t.Errorf("crawled %s", v.URL)
		}
		if v.URL == "/missing" && v.From != "/" {
			t.Errorf("/missing found from %q, want /", v.From)
		}
	}
	if items != 3 {
		t.Errorf("%d item pages fetched, want 3 of the 6 (one shape)", items)
	}
	want := map[string]int{"/": 200, "/missing": 404, "/moved": 303, "/search?q=gate&sev=": 200, "/search?q=gate&sev=high": 200}
	for url, st := range want {
		if status[url] != st {
			t.Errorf("%s answered %d, want %d (visits %v)", url, status[url], st, visits)
		}
	}
	if n := logouts.Load(); n != 0 {
		t.Errorf("the crawl signed out %d times", n)
	}
}
