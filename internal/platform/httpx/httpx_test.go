package httpx

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/certhub/certhub/internal/platform/errs"
)

type orgInput struct {
	Name string `json:"name"`
	CII  bool   `json:"cii"`
	ASNs []int  `json:"asns"`
	Sub  struct {
		Count int `json:"count"`
	} `json:"constituency"`
}

func TestDecodeJSONAnswersBadInputPrecisely(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		status            int
		field             string
	}{
		{"ok", "application/json", `{"name":"Bank","cii":true,"asns":[64500]}`, 0, ""},
		{"json with charset", "application/json; charset=utf-8", `{"name":"Bank"}`, 0, ""},
		{"malformed", "application/json", `{"name":`, 400, ""},
		{"syntax error", "application/json", `{"name" "x"}`, 400, ""},
		{"empty", "application/json", ``, 400, ""},
		{"two values", "application/json", `{"name":"a"} {"name":"b"}`, 400, ""},
		{"not an object", "application/json", `[1,2]`, 400, ""},
		{"wrong type", "application/json", `{"cii":"yes"}`, 422, "cii"},
		{"wrong element type", "application/json", `{"asns":["AS64500"]}`, 422, "asns"},
		{"nested wrong type", "application/json", `{"constituency":{"count":"many"}}`, 422, "constituency.count"},
		{"unknown field", "application/json", `{"name":"x","nmae":"y"}`, 422, "nmae"},
		{"too large", "application/json", `{"name":"` + strings.Repeat("x", 200) + `"}`, 413, ""},
		{"form instead of json", "application/x-www-form-urlencoded", `name=x`, 415, ""},
		{"no content type", "", `{"name":"x"}`, 415, ""},
		{"not UTF-8", "application/json", "{\"name\":\"caf\xe9\"}", 400, ""},
		{"UTF-8", "application/json", `{"name":"café ☕"}`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/v1/orgs", strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			w := httptest.NewRecorder()
			var in orgInput
			err := DecodeJSON(w, r, &in, 128)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			status, _, _ := Status(err)
			if status != tt.status {
				t.Fatalf("status %d (%v), want %d", status, err, tt.status)
			}
			WriteProblem(w, r, err)
			var p Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if w.Header().Get("Content-Type") != "application/problem+json" || p.Status != tt.status || p.Detail == "" {
				t.Fatalf("problem %+v (%s)", p, w.Header().Get("Content-Type"))
			}
			if tt.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tt.field) {
				t.Fatalf("errors %+v, want field %s", p.Errors, tt.field)
			}
		})
	}
}

func TestWriteProblemMapsKindsAndHidesInternals(t *testing.T) {
	tests := []struct {
		err    error
		status int
		leak   string
	}{
		{errs.NotFound("organisation not found"), 404, ""},
		{errs.Forbidden("no"), 403, ""},
		{errs.Conflict("exists"), 409, ""},
		{errs.Unauthenticated("sign in"), 401, ""},
		{errs.RateLimited(7, "slow down"), 429, ""},
		{&errs.Error{Kind: errs.KindInvalid, Message: "bad", Fields: []errs.FieldError{{Field: "constituency.cidrs[0]", Message: "x"}}}, 422, ""},
		{errInternal("pq: password authentication failed for user certhub"), 500, "password authentication"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		WriteProblem(w, httptest.NewRequest("GET", "/api/v1/x", nil), tt.err)
		if w.Code != tt.status {
			t.Errorf("%v: status %d, want %d", tt.err, w.Code, tt.status)
		}
		if tt.leak != "" && strings.Contains(w.Body.String(), tt.leak) {
			t.Errorf("internal error leaked: %s", w.Body)
		}
		if tt.status == 429 && w.Header().Get("Retry-After") != "7" {
			t.Errorf("Retry-After = %q", w.Header().Get("Retry-After"))
		}
		if tt.status == 401 && w.Header().Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	}
}

type errInternal string

func (e errInternal) Error() string { return string(e) }

func TestSecurityHeaders(t *testing.T) {
	h := SecurityHeaders(true)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	for k, want := range map[string]string{
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		"Referrer-Policy":           "strict-origin-when-cross-origin",
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	csp := w.Header().Get("Content-Security-Policy")
	for _, d := range []string{"frame-ancestors 'none'", "script-src 'self'", "object-src 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	w = httptest.NewRecorder()
	SecurityHeaders(false)(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	plain := httptest.NewRecorder()
	SecurityHeaders(false)(http.NotFoundHandler()).ServeHTTP(plain, httptest.NewRequest("GET", "/", nil))
	if plain.Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain HTTP")
	}
}

func TestClientAddressTrustsOnlyConfiguredProxies(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 192.0.2.10")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseTrustedProxies("not-an-ip"); err == nil {
		t.Fatal("bad proxy accepted")
	}
	tests := []struct{ remote, xff, want string }{
		{"203.0.113.5:4000", "", "203.0.113.5"},
		{"203.0.113.5:4000", "198.51.100.1", "203.0.113.5"},                  // untrusted peer: header ignored
		{"10.1.2.3:4000", "198.51.100.1", "198.51.100.1"},                    // trusted proxy
		{"10.1.2.3:4000", "6.6.6.6, 198.51.100.1, 10.9.9.9", "198.51.100.1"}, // right-most untrusted
		{"192.0.2.10:80", "garbage", "192.0.2.10"},
		{"[2001:db8::1]:443", "", "2001:db8::1"},
	}
	for _, tt := range tests {
		var got string
		h := ClientAddress(trusted)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientIP(r.Context()) }))
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != tt.want {
			t.Errorf("remote %s xff %q: got %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}

func TestMetricsLabelByRouteAndRecoverPanics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	rt := NewRouter()
	rt.HandleFunc("GET /api/v1/orgs/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	rt.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { panic("kaboom") })
	h := m.Observe(slog.New(slog.DiscardHandler))(rt)
	for _, p := range []string{"/api/v1/orgs/a", "/api/v1/orgs/b", "/boom", "/nowhere"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	if n := testutil.ToFloat64(m.requests.WithLabelValues("GET /api/v1/orgs/{id}", "GET", "204")); n != 2 {
		t.Errorf("route counter = %v, want 2", n)
	}
	if n := testutil.ToFloat64(m.requests.WithLabelValues("GET /boom", "GET", "500")); n != 1 {
		t.Errorf("panic not counted as a 500: %v", n)
	}
	if n := testutil.ToFloat64(m.requests.WithLabelValues("unmatched", "GET", "404")); n != 1 {
		t.Errorf("unmatched = %v", n)
	}
	if got := rt.Routes(); len(got) != 2 || got[0].Path != "/api/v1/orgs/{id}" || got[0].Method != "GET" {
		t.Errorf("routes %+v", got)
	}
}

func TestParsePage(t *testing.T) {
	for q, ok := range map[string]bool{"": true, "limit=1": true, "limit=200": true, "limit=0": false, "limit=201": false, "limit=x": false} {
		_, err := ParsePage(httptest.NewRequest("GET", "/x?"+q, nil))
		if (err == nil) != ok {
			t.Errorf("ParsePage(%q) err=%v", q, err)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	for in, want := range map[string]int{"": -1, "plain": -1, "café ☕": -1, "caf\xe9": 3, "\xff": 0, "ok\xe2\x82": 2, "\uFFFD is fine": -1} {
		if got := InvalidUTF8(in); got != want {
			t.Errorf("InvalidUTF8(%q) = %d, want %d", in, got, want)
		}
	}
}
