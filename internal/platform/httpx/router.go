package httpx

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/platform/errs"
)

// Route is one registered pattern.
type Route struct {
	Method string
	Path   string
}

// Router is the stdlib ServeMux plus a record of what was registered, so a
// test can hold the OpenAPI document to the routes that really exist.
type Router struct {
	mux    *http.ServeMux
	routes []Route
	// NotFound answers requests no route matches (status 404) or whose
	// method no route at the path accepts (405, with Allow already set).
	NotFound func(w http.ResponseWriter, r *http.Request, status int)
}

// NewRouter makes an empty router.
func NewRouter() *Router { return &Router{mux: http.NewServeMux()} }

// Handle registers h for a ServeMux pattern such as "GET /api/v1/orgs/{id}".
func (rt *Router) Handle(pattern string, h http.Handler) {
	rt.mux.Handle(pattern, h)
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	rt.routes = append(rt.routes, Route{Method: method, Path: strings.TrimSpace(path)})
}

// HandleFunc registers f for pattern.
func (rt *Router) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	rt.Handle(pattern, http.HandlerFunc(f))
}

// Routes lists every registered pattern, sorted.
func (rt *Router) Routes() []Route {
	out := append([]Route(nil), rt.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// Pattern is the pattern of the route r reaches, "" for none (tests check
// that a request reaches the route they mean).
func (rt *Router) Pattern(r *http.Request) string {
	_, p := rt.mux.Handler(r)
	return p
}

func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := rt.mux.Handler(r)
	setRoute(r.Context(), pattern)
	if pattern == "" && rt.NotFound != nil {
		// Let the mux decide between 404 and 405 (and compute Allow), then
		// answer in certhub's own format.
		probe := &statusProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if allow := probe.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		status := probe.status
		if status != http.StatusMethodNotAllowed {
			status = http.StatusNotFound
		}
		rt.NotFound(w, r, status)
		return
	}
	rt.mux.ServeHTTP(w, r)
}

// statusProbe records what the mux's own not-found handler would answer.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(code int)        { p.status = code }

// Page is a client's request for one page of a list.
type Page struct {
	Limit  int
	Cursor string
}

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ParsePage reads ?limit= and ?cursor=.
func ParsePage(r *http.Request) (Page, error) {
	p := Page{Limit: DefaultLimit, Cursor: r.URL.Query().Get("cursor")}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return p, &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
				Fields: []errs.FieldError{{Field: "limit", Message: "must be a whole number from 1 to " + strconv.Itoa(MaxLimit)}}}
		}
		p.Limit = n
	}
	if len(p.Cursor) > 1024 {
		return p, &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
			Fields: []errs.FieldError{{Field: "cursor", Message: "is not a cursor this server issued"}}}
	}
	return p, nil
}
