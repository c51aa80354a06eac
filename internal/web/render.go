package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

//go:embed templates/*.html
var layoutFS embed.FS

//go:embed static
var staticFS embed.FS

// Page is what every template receives.
type Page struct {
	Title      string
	Section    string // highlighted navigation entry
	Identity   *auth.Identity
	Flash      string
	Form       url.Values  // what the user typed, to show again after an error
	Errors     errs.Fields // problems beside the fields
	Problem    string      // a problem with the form as a whole
	Data       any
	Zone       *time.Location
	CenterName string
	Path       string
	Query      url.Values
	RequestID  string
	CSS        string // stylesheet URL with a content hash
	// Public pages (the website) show the site's navigation, not the console's.
	Public bool
	// Nav are the console's sections shown to the identity (every one
	// when nil): each in the navigation of the roles that use it.
	Nav map[string]bool
}

// Shows reports whether the console's navigation shows section.
func (p Page) Shows(section string) bool { return p.Nav == nil || p.Nav[section] }

// Refused is the page that shows a refused form again: what was typed,
// the problems beside their fields, or the message for the form as a
// whole when the error names no field.
func Refused(form url.Values, e *errs.Error) Page {
	p := Page{Form: form, Errors: e.Fields}
	if len(e.Fields) == 0 {
		p.Problem = e.Message
	}
	return p
}

// Renderer renders named page templates in the shared layout.
type Renderer struct {
	pages  map[string]*template.Template
	base   *template.Template
	sm     *scs.SessionManager
	center string
	css    string
	log    *slog.Logger
	nav    func(ctx context.Context, id *auth.Identity) map[string]bool
}

// SetNav sets what decides the console's sections shown to an identity
// (Page.Nav); without it every section is shown.
func (rd *Renderer) SetNav(nav func(ctx context.Context, id *auth.Identity) map[string]bool) {
	rd.nav = nav
}

// Templates is one domain's page templates, each file a page named
// "<prefix>/<file name without .html>".
type Templates struct {
	Prefix string
	FS     fs.FS // files *.html at the root
}

// TemplatesIn is a domain's page templates: the *.html files of the
// folder templates/ of fsys (the domain's embedded files), each a page
// named "<prefix>/<file name without .html>".
func TemplatesIn(prefix string, fsys fs.FS) Templates {
	sub, err := fs.Sub(fsys, "templates")
	if err != nil { // only for a name fs.Sub refuses, not this one
		panic(err)
	}
	return Templates{Prefix: prefix, FS: sub}
}

// NewRenderer parses the layout and every page template.
func NewRenderer(sm *scs.SessionManager, centerName string, log *slog.Logger, sets ...Templates) (*Renderer, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(layoutFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	css, err := fs.ReadFile(staticFS, "static/app.css")
	if err != nil {
		return nil, fmt.Errorf("web: stylesheet: %w", err)
	}
	sum := sha256.Sum256(css)
	r := &Renderer{pages: map[string]*template.Template{}, base: base, sm: sm, center: centerName, log: log,
		css: "/static/app.css?v=" + hex.EncodeToString(sum[:6])}
	sets = append([]Templates{{Prefix: "web", FS: mustSub(layoutFS, "templates")}}, sets...)
	for _, set := range sets {
		files, err := fs.Glob(set.FS, "*.html")
		if err != nil {
			return nil, err
		}
		// Files starting with "_" are the set's partials, parsed with each of its pages.
		partials, err := fs.Glob(set.FS, "_*.html")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if strings.HasPrefix(f, "_") || f == "layout.html" {
				continue
			}
			name := set.Prefix + "/" + strings.TrimSuffix(f, ".html")
			t, err := base.Clone()
			if err != nil {
				return nil, err
			}
			if set.Prefix != "web" && len(partials) > 0 {
				if _, err := t.ParseFS(set.FS, partials...); err != nil {
					return nil, fmt.Errorf("web: parse partials of %s: %w", set.Prefix, err)
				}
			}
			if _, err := t.ParseFS(set.FS, f); err != nil {
				return nil, fmt.Errorf("web: parse %s: %w", name, err)
			}
			r.pages[name] = t
		}
	}
	return r, nil
}

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}

// Has reports whether a page template exists (tests check every route's page).
func (rd *Renderer) Has(name string) bool { _, ok := rd.pages[name]; return ok }

// Render writes page name with status. Identity, zone, flash and request
// details are filled in from the request.
func (rd *Renderer) Render(w http.ResponseWriter, r *http.Request, status int, name string, p Page) {
	ctx := r.Context()
	t, ok := rd.pages[name]
	if !ok {
		rd.log.Error("missing page template", "name", name, "request_id", httpx.RequestID(ctx))
		rd.renderFailure(w, r, name, p)
		return
	}
	p.Identity = auth.FromContext(ctx)
	p.Zone = ZoneOf(p.Identity)
	if rd.nav != nil && p.Identity != nil && !p.Public {
		p.Nav = rd.nav(ctx, p.Identity)
	}
	if rd.sm != nil && p.Flash == "" {
		p.Flash = rd.sm.PopString(ctx, auth.SessionFlash)
	}
	p.CenterName, p.Path, p.Query, p.CSS = rd.center, r.URL.Path, r.URL.Query(), rd.css
	// Anonymous public pages are cached and compared by ETag: nothing
	// per-request may be in them.
	if !p.Public || p.Identity != nil {
		p.RequestID = httpx.RequestID(ctx)
	}
	if p.Form == nil {
		p.Form = url.Values{}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		rd.log.Error("render page", "name", name, "err", err, "request_id", httpx.RequestID(ctx))
		rd.renderFailure(w, r, name, p)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// RenderFragment writes one block of page name (a template the page
// defines), without the layout: what a page refreshes in place.
func (rd *Renderer) RenderFragment(w http.ResponseWriter, r *http.Request, name, block string, p Page) {
	ctx := r.Context()
	t, ok := rd.pages[name]
	if !ok {
		rd.log.Error("missing page template", "name", name, "request_id", httpx.RequestID(ctx))
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	p.Identity = auth.FromContext(ctx)
	p.Zone = ZoneOf(p.Identity)
	p.CenterName, p.Path, p.Query, p.RequestID = rd.center, r.URL.Path, r.URL.Query(), httpx.RequestID(ctx)
	if p.Form == nil {
		p.Form = url.Values{}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, p); err != nil {
		rd.log.Error("render fragment", "name", name, "block", block, "err", err, "request_id", httpx.RequestID(ctx))
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// renderFailure answers a page that could not be rendered with the standard
// error page, its request id for the report (the log has the cause), or
// with plain text when the error page itself is what failed.
func (rd *Renderer) renderFailure(w http.ResponseWriter, r *http.Request, name string, p Page) {
	if name == errorPage {
		http.Error(w, "the page could not be rendered; quote request "+httpx.RequestID(r.Context())+" when you report this",
			http.StatusInternalServerError)
		return
	}
	const title = "Something went wrong"
	rd.Render(w, r, http.StatusInternalServerError, errorPage, Page{Title: title, Public: p.Public, RequestID: httpx.RequestID(r.Context()), Data: errorData{
		Status: http.StatusInternalServerError, Title: title,
		Detail: "This page could not be shown. The error was logged; please try again later."}})
}

// errorPage is the template of every HTML error answer.
const errorPage = "web/error"

// RenderPublic renders a page of the public website. For anonymous visitors
// it is cacheable for a minute and carries an ETag, so a conditional request
// costs no transfer; signed-in visitors see their name in it, so theirs is not
// stored anywhere.
func (rd *Renderer) RenderPublic(w http.ResponseWriter, r *http.Request, name string, p Page) {
	if rd.sm != nil && p.Flash == "" {
		p.Flash = rd.sm.PopString(r.Context(), auth.SessionFlash)
	}
	rec := &bufferWriter{header: http.Header{}}
	rd.Render(rec, r, http.StatusOK, name, p)
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	if rec.status != http.StatusOK || auth.FromContext(r.Context()) != nil || p.Flash != "" {
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
		return
	}
	w.Header().Set("Vary", "Cookie")
	httpx.ServeBytes(w, r, rec.body.Bytes(), "public, max-age=60", true)
}

type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) WriteHeader(s int)   { b.status = s }
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// Flash stores a one-line message to show on the next page.
func (rd *Renderer) Flash(r *http.Request, msg string) {
	if rd.sm != nil {
		rd.sm.Put(r.Context(), auth.SessionFlash, msg)
	}
}

// Fail renders err as an HTML error page, using the same mapping as the API.
// An anonymous visitor asked to sign in is sent to the sign-in page instead.
func (rd *Renderer) Fail(w http.ResponseWriter, r *http.Request, err error) {
	status, title, detail := httpx.Status(err)
	if status == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	httpx.LogError(r, status, err)
	if e := errs.As(err); e != nil && e.Kind == errs.KindRateLimited && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(e.RetryAfter))
	}
	rd.Render(w, r, status, errorPage, Page{Title: title, Data: errorData{Status: status, Title: title, Detail: detail}})
}

type errorData struct {
	Status        int
	Title, Detail string
}

// HandlerFunc is a page handler that returns its failure.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handler adapts h: a returned error becomes the HTML error page.
func (rd *Renderer) Handler(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			rd.Fail(w, r, err)
		}
	})
}

// SignedIn answers a function that adds a console page to rt: f behind
// RequireUser, its errors rendered as pages.
func (rd *Renderer) SignedIn(rt *httpx.Router) func(pattern string, f HandlerFunc) {
	return func(pattern string, f HandlerFunc) { rt.Handle(pattern, rd.RequireUser(rd.Handler(f))) }
}

// RequireUser sends anonymous visitors to the sign-in page.
func (rd *Renderer) RequireUser(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.FromContext(r.Context()) == nil {
			rd.Fail(w, r, errs.Unauthenticated("sign in to continue"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Static serves the embedded stylesheet and images, cacheable for a year
// (their URLs change with their content).
func Static() http.Handler {
	sub := mustSub(staticFS, "static")
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if path.Ext(r.URL.Path) == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		fsrv.ServeHTTP(w, r)
	})
}

// SafeNext returns next if it is a local path on this site, else fallback:
// the ?next= of the sign-in page must not send anyone elsewhere.
func SafeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return fallback
	}
	return next
}

// ZoneOf is the time zone a user reads and types times in: their
// profile's, else UTC.
func ZoneOf(id *auth.Identity) *time.Location {
	if id != nil && id.User.TimeZone != "" {
		if z, err := time.LoadLocation(id.User.TimeZone); err == nil {
			return z
		}
	}
	return time.UTC
}

// FormRefusal answers err when it is one a form shows again (bad input
// or a conflict with the record's state), nil otherwise.
func FormRefusal(err error) *errs.Error {
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindConflict) {
		return e
	}
	return nil
}

// StatusOf is the HTTP status a refused form is shown again with.
func StatusOf(e *errs.Error) int {
	status, _, _ := httpx.Status(e)
	return status
}
