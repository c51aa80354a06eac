package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/db"
)

// fuzzEngine is PostgreSQL when the tests have one, for it refuses what
// SQLite stores (NUL in text, for one), else SQLite.
func fuzzEngine() db.Engine {
	if os.Getenv("CERTHUB_TEST_POSTGRES") != "" {
		return db.Postgres
	}
	return db.SQLite
}

// errorLog keeps the last errors the server logged, to say why a request
// failed; the fuzz function may not log through the F.
type errorLog struct {
	mu   sync.Mutex
	last []string
}

func (l *errorLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler            { return l }
func (l *errorLog) WithGroup(string) slog.Handler                 { return l }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	l.mu.Lock()
	l.last = append(l.last, b.String())
	if len(l.last) > 5 {
		l.last = l.last[1:]
	}
	l.mu.Unlock()
	return nil
}

func (l *errorLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.last, "\n")
}

// fuzzRoute is an endpoint that reads a body: JSON (or text) with a
// coordinator's token, or a form with a coordinator's session.
type fuzzRoute struct {
	method, path, contentType string
	form                      bool
}

// formRoutes are the pages' form posts (signing in and out, deletions and
// uploads left out: they end the session, empty the pools of IDs or take
// multipart bodies).
var formRoutes = []string{"/console/advisories", "/console/advisories/import", "/console/advisories/{id}/action", "/console/advisories/{id}/edit",
	"/console/cases/{id}", "/console/cases/{id}/advisory", "/console/cases/{id}/threads/{thread_id}", "/console/intel/digest",
	"/console/intel/ingest", "/console/intel/sources", "/console/intel/sources/{id}", "/console/intel/warninglists",
	"/console/intel/warninglists/{id}", "/console/orgs", "/console/orgs/{id}", "/console/orgs/{id}/members", "/console/orgs/{id}/members/{user_id}",
	"/console/orgs/{id}/webhooks", "/console/reports", "/console/reports/{id}/accept", "/console/reports/{id}/action", "/console/reports/{id}/triage",
	"/console/users", "/console/users/{id}", "/console/vdp/settings", "/report", "/report/follow", "/subscribe", "/subscribe/cancel", "/subscribe/confirm"}

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// FuzzAPI sends bodies to every endpoint that reads one — each JSON (or
// text) write of the API documented in openapi.json with a coordinator's
// token, and the console's and public pages' forms with a coordinator's
// session — through the real server, on the demo data. Nothing a client
// sends is the server's fault: no answer is a 5xx.
func FuzzAPI(f *testing.F) {
	logs := &errorLog{}
	old := slog.Default()
	slog.SetDefault(slog.New(logs))
	f.Cleanup(func() { slog.SetDefault(old) })
	s := apptest.Start(f, apptest.Options{Demo: true, Engine: fuzzEngine(), Configure: func(c *app.Config) { c.Logger = slog.New(logs) }})
	const coord = "coordinator@cc.example"
	token := s.Token(coord)

	var spec struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	// The setup's own requests go around the harness's checks of responses
	// against openapi.json: what this target holds the server to is no 5xx.
	get := func(path string) []byte {
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			f.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			f.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
		}
		return b
	}
	if err := json.Unmarshal(get("/api/v1/openapi.json"), &spec); err != nil {
		f.Fatal(err)
	}
	var routes []fuzzRoute
	for path, ops := range spec.Paths {
		for method, op := range ops {
			method = strings.ToUpper(method)
			if method != "POST" && method != "PUT" && method != "PATCH" {
				continue
			}
			for _, ct := range []string{"application/json", "text/plain", "text/csv"} {
				if _, ok := op.RequestBody.Content[ct]; ok {
					routes = append(routes, fuzzRoute{method: method, path: path, contentType: ct})
				}
			}
		}
	}
	if len(routes) < 40 {
		f.Fatalf("only %d routes read bodies", len(routes))
	}
	for _, p := range formRoutes {
		routes = append(routes, fuzzRoute{method: "POST", path: p, contentType: "application/x-www-form-urlencoded", form: true})
	}
	slices.SortFunc(routes, func(a, b fuzzRoute) int {
		return strings.Compare(a.method+" "+a.path+" "+a.contentType, b.method+" "+b.path+" "+b.contentType)
	})

	// IDs for the path parameters, from the demo's lists; the
	// coordinator's own account is left out, so that no request locks the
	// fuzzer out.
	ids := map[string][]string{}
	list := func(name, path string) {
		var l struct {
			Items []struct {
				ID    string `json:"id"`
				Email string `json:"email"`
			} `json:"items"`
		}
		if err := json.Unmarshal(get(path), &l); err != nil {
			f.Fatalf("%s: %v", path, err)
		}
		for _, it := range l.Items {
			if it.Email != coord {
				ids[name] = append(ids[name], it.ID)
			}
		}
		ids[name] = append(ids[name], "00000000-0000-0000-0000-000000000000", "x")
	}
	list("orgs", "/api/v1/orgs?limit=200")
	list("users", "/api/v1/users?limit=200")
	list("reports", "/api/v1/reports?limit=200")
	list("cases", "/api/v1/cases?limit=200")
	list("advisories", "/api/v1/advisories?limit=200")
	list("sources", "/api/v1/intel/sources")
	list("warninglists", "/api/v1/intel/warninglists")
	pool := func(path, param string) []string {
		switch {
		case param == "{user_id}" || strings.Contains(path, "/users/"):
			return ids["users"]
		case param == "{org_id}" || strings.Contains(path, "/orgs/"):
			return ids["orgs"]
		case strings.Contains(path, "/reports/"):
			return ids["reports"]
		case strings.Contains(path, "/cases/"):
			return ids["cases"]
		case strings.Contains(path, "/advisories/"):
			return ids["advisories"]
		case strings.Contains(path, "/sources/"):
			return ids["sources"]
		case strings.Contains(path, "/warninglists/"):
			return ids["warninglists"]
		}
		return []string{"00000000-0000-0000-0000-000000000000", "x"}
	}

	browser := s.Client()
	browser.Login(coord, "certhub-demo-2026")

	index := func(method, path string) uint16 {
		for i, r := range routes {
			if r.method == method && r.path == path {
				return uint16(i)
			}
		}
		f.Fatalf("no route %s %s", method, path)
		return 0
	}
	for _, seed := range []struct {
		method, path, body string
	}{
		{"POST", "/api/v1/orgs", `{"name": "Fuzz Bank", "kind": "constituent", "sector": "banking", "country": "PK",
			"contacts": [{"role": "security", "email": "soc@fuzz-bank.example", "name": "SOC"}],
			"constituency": {"cidrs": ["192.0.2.0/28"], "asns": [64511], "domains": ["fuzz-bank.example"]}}`},
		{"PATCH", "/api/v1/orgs/{id}", `{"rfc2350": {"document_date": "2026-11-23", "mission": "x"}, "packages": ["pkg:npm/%40fuzz/x"]}`},
		{"POST", "/api/v1/public/reports", `{"title": "SQL injection in the portal login", "description": "The username field is concatenated into SQL.",
			"vendor": "Examplesoft", "product": "NetBank", "cwe": "89", "references": ["https://researcher.example/x"],
			"reporter": {"name": "Ada", "email": "ada@researcher.example"}}`},
		{"POST", "/api/v1/reports/{id}/triage", `{"severity": "high", "cvss": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
			"ssvc_triage": {"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "U", "U": "S", "PSI": "S"}}`},
		{"POST", "/api/v1/advisories", `{"kind": "alert", "tlp": "GREEN", "content": {"title": "An alert", "summary": "Patch now.",
			"references": [{"url": "https://x.example/", "summary": "x"}]}}`},
		{"POST", "/api/v1/intel/lookup", `{"values": ["198.51.100.7", "evil[.]example", "AS64500", "nope!"]}`},
		{"POST", "/api/v1/intel/warninglists", `{"name": "CDN", "type": "cidr", "list": ["192.0.2.128/25"]}`},
		{"POST", "/api/v1/intel/sources", `{"name": "partner feed", "kind": "url", "url": "https://feed.example/list.txt", "tlp": "GREEN"}`},
		{"PUT", "/api/v1/cases/{id}/publication", `{"date": "2027-01-01"}`},
		{"POST", "/api/v1/vdp/cve-pool", `{"ids": ["CVE-2026-0001"]}`},
		{"PUT", "/api/v1/vdp/rules", `{"rules": []}`},
	} {
		f.Add(index(seed.method, seed.path), uint8(0), []byte(seed.body))
	}
	f.Add(index("POST", "/api/v1/intel/ingest"), uint8(0), []byte("198.51.100.7\nevil[.]example\n{\"Event\":{\"Attribute\":[{\"type\":\"ip-dst\",\"value\":\"x\"}]}}"))
	f.Add(index("POST", "/api/v1/intel/ingest"), uint8(0), []byte(`{"Attribute":[`))
	f.Add(index("POST", "/console/orgs"), uint8(0), []byte("name=Form+Bank&kind=constituent&contacts.0.role=security&contacts.0.email=a%40b.example&cidrs=192.0.2.0%2F29"))
	f.Add(index("POST", "/report"), uint8(0), []byte("title=XSS+in+search&description=The+search+box+reflects+input.&email=x%40y.example"))
	for i := range routes {
		f.Add(uint16(i), uint8(1), []byte(`{}`))
	}

	var n atomic.Int64
	client := &http.Client{Jar: browser.HTTP.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	f.Fuzz(func(t *testing.T, route uint16, param uint8, body []byte) {
		r := routes[int(route)%len(routes)]
		path := pathParam.ReplaceAllStringFunc(r.path, func(p string) string {
			pool := pool(r.path, p)
			return url.PathEscape(pool[int(param)%len(pool)])
		})
		req, err := http.NewRequest(r.method, s.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", r.contentType)
		// A new client address each time, under the per-address limits.
		k := n.Add(1)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", k>>16&255, k>>8&255, k&255))
		if r.form {
			req.Header.Set("Origin", s.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		} else {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", r.method, path, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s (%s) %q: %d %.300s\nserver log:\n%s", r.method, path, r.contentType, body, res.StatusCode, b, logs)
		}
	})
}
