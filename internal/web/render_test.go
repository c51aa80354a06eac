package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

// A page whose template fails answers the standard error page with the
// request's id, never a bare text 500 (as /console/vdp once did, when its
// template indexed a map by the wrong key type); so does a page name that
// has no template.
func TestRenderFailureAnswersTheErrorPage(t *testing.T) {
	set := web.Templates{Prefix: "t", FS: fstest.MapFS{
		"broken.html": {Data: []byte(`{{define "content"}}{{index .Data "received"}}{{end}}`)},
		"fine.html":   {Data: []byte(`{{define "content"}}<p id="fine">{{index .Data "received"}}</p>{{end}}`)},
	}}
	rd, err := web.NewRenderer(nil, "Test Center", slog.New(slog.DiscardHandler), set)
	if err != nil {
		t.Fatal(err)
	}
	type status string
	h := httpx.NewMetrics(prometheus.NewRegistry()).Observe(slog.New(slog.DiscardHandler))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/broken": // keyed by a named type: index with a string fails
			rd.Render(w, r, http.StatusOK, "t/broken", web.Page{Title: "Broken", Data: map[status]int{"received": 1}})
		case "/fine":
			rd.Render(w, r, http.StatusOK, "t/fine", web.Page{Title: "Fine", Data: map[string]int{"received": 1}})
		default:
			rd.Render(w, r, http.StatusOK, "t/missing", web.Page{Title: "Missing", Public: true})
		}
	}))
	for _, path := range []string{"/broken", "/missing"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		id := rec.Header().Get("X-Request-Id")
		body := rec.Body.String()
		if rec.Code != http.StatusInternalServerError || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		if !strings.Contains(body, "<h1>Something went wrong</h1>") || id == "" || !strings.Contains(body, "quote request "+id) {
			t.Errorf("%s: not the error page with request %q:\n%s", path, id, body)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/fine", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `<p id="fine">1</p>`) {
		t.Errorf("/fine: %d\n%s", rec.Code, rec.Body.String())
	}
}
