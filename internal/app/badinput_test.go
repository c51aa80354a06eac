package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/auth"
)

// hostile is what an attacker types into every text field: it must come
// back escaped wherever it is shown.
const hostile = `<script>alert("xss")</script>"'><img src=x onerror=alert(1)>`

// unescaped finds hostile's markup in a page: a page that shows it raw.
var unescaped = regexp.MustCompile(`<script>alert\("xss"\)|<img src=x onerror`)

// fiftyMB is a body of 50 MB of JSON, streamed without a length.
func fiftyMB() io.Reader {
	return io.MultiReader(strings.NewReader(`{"title": "`), io.LimitReader(repeatByte('a'), 50<<20), strings.NewReader(`"}`))
}

type repeatByte byte

func (b repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// badBodies are the ways a request body can be wrong, given the request
// schema's properties (from openapi.json).
func badBodies(props map[string]schemaProp, required bool) []struct {
	name  string
	body  func() io.Reader
	valid bool // well-formed input that must be stored and shown safely
} {
	fill := func(value func(p schemaProp) any) func() io.Reader {
		return func() io.Reader {
			m := map[string]any{}
			for name, p := range props {
				m[name] = value(p)
			}
			b, _ := json.Marshal(m)
			return bytes.NewReader(b)
		}
	}
	wrong := func(p schemaProp) any {
		switch p.kind() {
		case "string":
			return 12345
		case "integer", "number":
			return "not a number"
		case "boolean":
			return "yes"
		case "array":
			return map[string]any{"not": "a list"}
		default:
			return "not an object"
		}
	}
	invalidUTF8 := func() io.Reader {
		var b bytes.Buffer
		b.WriteString("{")
		i := 0
		for name, p := range props {
			if p.kind() != "string" {
				continue
			}
			if i > 0 {
				b.WriteString(",")
			}
			i++
			fmt.Fprintf(&b, "%q: \"caf\xe9 \xff\xfe\xfd\"", name)
		}
		if i == 0 {
			b.WriteString(`"title": "caf` + "\xe9\xff" + `"`)
		}
		b.WriteString("}")
		return &b
	}
	return []struct {
		name  string
		body  func() io.Reader
		valid bool
	}{
		{"malformed JSON", func() io.Reader { return strings.NewReader(`{"title": "x", "description":`) }, false},
		{"a JSON array", func() io.Reader { return strings.NewReader(`[1, 2, 3]`) }, false},
		{"wrong types", fill(wrong), false},
		// A null is "leave as it is" where nothing is required (a PATCH).
		{"nulls", fill(func(schemaProp) any { return nil }), !required},
		{"deep nesting", func() io.Reader {
			return strings.NewReader(strings.Repeat(`{"a":[`, 50_000) + "1" + strings.Repeat("]}", 50_000))
		}, false},
		{"50 MB", fiftyMB, false},
		{"invalid UTF-8", invalidUTF8, false},
		{"hostile HTML", fill(func(p schemaProp) any {
			switch p.kind() {
			case "string":
				return hostile
			case "array":
				if p.Items != nil && p.Items.kind() == "string" {
					return []string{hostile}
				}
			}
			return nil
		}), true},
	}
}

// schemaProp is what the test reads of a property's schema.
type schemaProp struct {
	Type  any         `json:"type"`
	Ref   string      `json:"$ref"`
	Items *schemaProp `json:"items"`
}

func (p schemaProp) kind() string {
	switch t := p.Type.(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if s, _ := x.(string); s != "null" {
				return s
			}
		}
	}
	if p.Ref != "" {
		return "object"
	}
	return "string"
}

// operation is one API operation that takes a body.
type operation struct {
	method, path, contentType string
	props                     map[string]schemaProp
	required                  bool // the body's schema requires a property
}

// bodyOperations reads the operations with a request body from the
// served openapi.json, with their first content type and the properties
// of its schema (references resolved one level).
func bodyOperations(t *testing.T, s *apptest.Server) []operation {
	t.Helper()
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]schemaProp `json:"properties"`
				Required   []string              `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	r := s.API("GET", "/api/v1/openapi.json", "", nil)
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	var out []operation
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			if method == "parameters" || method == "get" || method == "delete" {
				continue
			}
			var op struct {
				RequestBody struct {
					Content map[string]struct {
						Schema struct {
							Ref        string                `json:"$ref"`
							Properties map[string]schemaProp `json:"properties"`
							Required   []string              `json:"required"`
						} `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatal(err)
			}
			if len(op.RequestBody.Content) == 0 {
				continue // takes no body: there is none to spoil
			}
			o := operation{method: strings.ToUpper(method), path: path, contentType: "application/json", props: map[string]schemaProp{}}
			types := make([]string, 0, len(op.RequestBody.Content))
			for ct := range op.RequestBody.Content {
				types = append(types, ct)
			}
			sort.Strings(types)
			for _, ct := range types {
				c := op.RequestBody.Content[ct]
				if len(types) == 1 || ct == "application/json" {
					o.contentType = ct
				}
				o.props, o.required = c.Schema.Properties, len(c.Schema.Required) > 0
				if ref := strings.TrimPrefix(c.Schema.Ref, "#/components/schemas/"); ref != "" {
					o.props, o.required = doc.Components.Schemas[ref].Properties, len(doc.Components.Schemas[ref].Required) > 0
				}
			}
			if len(o.props) == 0 {
				o.props = map[string]schemaProp{"title": {Type: "string"}, "description": {Type: "string"}}
			}
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	return out
}

// concrete fills an API path's parameters with the demo's objects.
func concrete(path string, ids map[string]string) string {
	byPrefix := []struct{ prefix, id string }{
		{"/api/v1/advisories/", ids["adv_draft_id"]}, {"/api/v1/cases/", ids["case_embargo"]},
		{"/api/v1/intel/sources/", ids["src_partner"]}, {"/api/v1/intel/warninglists/", "private-networks"},
		{"/api/v1/jobs/", ids["job"]}, {"/api/v1/orgs/", ids["firstbank"]}, {"/api/v1/reports/", ids["report_bank"]},
		{"/api/v1/users/", ids["firstbank_soc"]}, {"/api/v1/intel/digests/", ids["firstbank"]},
	}
	for _, b := range byPrefix {
		if strings.HasPrefix(path, b.prefix) {
			path = strings.Replace(path, "{id}", b.id, 1)
			path = strings.Replace(path, "{org_id}", b.id, 1)
		}
	}
	r := strings.NewReplacer("{org_id}", ids["netforge"], "{user_id}", ids["firstbank_soc"], "{thread_id}", ids["embargo_thread"],
		"{vuln_id}", ids["vuln_cve"], "{webhook_id}", "no-such-webhook", "{id}", "no-such-id")
	path = r.Replace(path)
	if strings.HasPrefix(path, "/api/v1/public/reports/follow") {
		path += "?key=" + ids["follow"]
	}
	return path
}

// TestBadInputEverywhere sends every API operation that takes a body
// every kind of bad body, and every form of the console and the website
// hostile and broken values: each answer is a 4xx (problem+json on the
// API) or, for well-formed hostile text, a success; never a 5xx, never
// a hang; a refused request writes nothing (the audit log does not grow);
// and no page shows the hostile markup unescaped.
func TestBadInputEverywhere(t *testing.T) {
	// No background jobs: what the audit log gains is the requests'.
	s := apptest.Start(t, apptest.Options{Demo: true, Configure: func(c *app.Config) { c.NoBackground = true }})
	ids := matrixObjects(t, s)
	ctx := context.Background()
	one := func(name, q string, args ...any) {
		var v string
		if err := s.DB.QueryRow(ctx, q, args...).Scan(&v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ids[name] = v
	}
	one("netforge", `SELECT id FROM orgs WHERE name = 'NetForge Systems'`)
	one("embargo_thread", `SELECT id FROM vdp_threads WHERE case_id = $1 ORDER BY created_at LIMIT 1`, ids["case_embargo"])
	token := s.Token("admin@localhost", auth.ScopeRead, auth.ScopeWrite, auth.ScopeAdmin)
	// The audit log records every change; a refused request may record
	// only its own failure (a failed ingest run, say). lastAudit is where
	// the log ends; auditsAfter counts the changes since (by the key: the
	// demo's log is long).
	lastAudit := func() int64 {
		var n int64
		if err := s.DB.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_log`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	auditsAfter := func(seq int64) int {
		var n int
		if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE seq > $1 AND action NOT LIKE '%.failed'`, seq).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The first ingest makes the caller's source: before, not during.
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/intel/ingest", strings.NewReader("192.0.2.1\n"))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer "+token)
	if r := s.Do(http.DefaultClient, req); r.Status != http.StatusOK {
		t.Fatalf("ingest: %d %s", r.Status, r.Body)
	}
	client := &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	ops := bodyOperations(t, s)
	t.Logf("%d operations take a body", len(ops))
	for _, op := range ops {
		path := concrete(op.path, ids)
		for _, bad := range badBodies(op.props, op.required) {
			req, err := http.NewRequest(op.method, s.URL+path, bad.body())
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = -1 // streamed: the server must bound what it reads
			req.Header.Set("Content-Type", op.contentType)
			if !strings.HasPrefix(path, "/api/v1/public/") {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			before := lastAudit()
			start := time.Now()
			res, err := client.Do(req)
			if err != nil {
				if errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err) {
					t.Errorf("%s %s with %s: no answer in %s", op.method, op.path, bad.name, time.Since(start))
				}
				// The server answered and closed before the whole body
				// was sent (a 50 MB body): nothing to read back.
				continue
			}
			body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
			res.Body.Close()
			switch {
			case res.StatusCode >= 500:
				t.Errorf("%s %s with %s: %d\n%s", op.method, op.path, bad.name, res.StatusCode, body)
			case res.StatusCode >= 400:
				if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("%s %s with %s: %d as %s, not problem+json", op.method, op.path, bad.name, res.StatusCode, ct)
				}
				if n := auditsAfter(before); n != 0 {
					t.Errorf("%s %s with %s: refused (%d) yet %d audit events were written", op.method, op.path, bad.name, res.StatusCode, n)
				}
			case !bad.valid:
				t.Errorf("%s %s with %s: accepted (%d)\n%s", op.method, op.path, bad.name, res.StatusCode, body)
			}
			if bytes.Contains(body, []byte("<script>alert")) {
				t.Errorf("%s %s with %s: the answer holds the markup unescaped", op.method, op.path, bad.name)
			}
		}
	}

	// The console's and the website's forms, found by crawling as the
	// administrator and as a visitor: each text field hostile, then
	// invalid UTF-8, then one field of 50 MB.
	admin := s.Client()
	admin.Login("admin@localhost", apptest.AdminPassword)
	visitor := s.Client()
	for _, who := range []*apptest.Client{admin, visitor} {
		forms := crawlForms(t, who)
		t.Logf("%d forms", len(forms))
		for _, f := range forms {
			for _, variant := range []string{"hostile", "invalid UTF-8", "50 MB"} {
				res := submitForm(t, s, who, f, variant)
				if res.Status >= 500 {
					t.Errorf("form %s (on %s) with %s: %d\n%.500s", f.action, f.page, variant, res.Status, res.Body)
				}
				if unescaped.Match(res.Body) {
					t.Errorf("form %s (on %s) with %s: the page shows the markup unescaped", f.action, f.page, variant)
				}
			}
		}
	}

	// Everything stored above is shown escaped on every page.
	pages := crawlPages(t, admin, 600)
	shown := 0
	for _, p := range pages {
		if unescaped.Match(p.body) {
			t.Errorf("%s shows hostile markup unescaped", p.path)
		}
		if bytes.Contains(p.body, []byte("&lt;script&gt;alert(")) {
			shown++
		}
	}
	// The check proves something only if the hostile text was stored
	// and is shown, escaped.
	if shown < 10 {
		t.Errorf("only %d of %d pages show the hostile text (escaped): was it stored?", shown, len(pages))
	}
	t.Logf("%d pages, %d showing the hostile text escaped", len(pages), shown)
}

// form is one POST form of a page.
type form struct {
	page, action, enctype string
	fields                [][2]string // name, value as the page has it
	text                  []string    // the names of its text fields
	files                 []string    // the names of its file fields
}

type crawled struct {
	path string
	body []byte
}

// crawlPages fetches pages breadth first from the console and the
// website, up to limit, as c.
func crawlPages(t *testing.T, c *apptest.Client, limit int) []crawled {
	t.Helper()
	queue, seen := []string{"/console", "/account", "/", "/report"}, map[string]bool{}
	shapes := map[string]int{}
	idLike := regexp.MustCompile(`/[0-9a-f]{8}-[0-9a-f-]+|/[0-9]+(/|$)|/[A-Z]{2}-[A-Z0-9-]+`)
	var out []crawled
	for len(queue) > 0 && len(out) < limit {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		res := c.Get(p)
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || res.Status != http.StatusOK {
			continue
		}
		out = append(out, crawled{p, res.Body})
		d, err := goquery.NewDocumentFromReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		d.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			u, err := url.Parse(href)
			if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "/api/") {
				return
			}
			u.Fragment = ""
			shape := idLike.ReplaceAllString(u.Path, "/*") + "?" + u.RawQuery
			if shapes[shape] >= 2 {
				return
			}
			shapes[shape]++
			queue = append(queue, u.String())
		})
	}
	return out
}

// crawlForms finds the POST forms of the pages c reaches (each action
// once), but signing out and password changes, which would end the crawl.
func crawlForms(t *testing.T, c *apptest.Client) []form {
	t.Helper()
	var out []form
	seen := map[string]bool{}
	for _, p := range crawlPages(t, c, 300) {
		d, _ := goquery.NewDocumentFromReader(bytes.NewReader(p.body))
		d.Find("form").Each(func(_ int, fs *goquery.Selection) {
			if m, _ := fs.Attr("method"); !strings.EqualFold(m, "post") {
				return
			}
			action, _ := fs.Attr("action")
			if action == "" {
				action = p.path
			}
			if action == "/logout" || fs.Find("input[type=password]").Length() > 0 {
				return
			}
			f := form{page: p.path, action: action}
			f.enctype, _ = fs.Attr("enctype")
			fs.Find("input[name], textarea[name], select[name]").Each(func(_ int, in *goquery.Selection) {
				name, _ := in.Attr("name")
				typ, _ := in.Attr("type")
				value, _ := in.Attr("value")
				switch {
				case in.Is("textarea"):
					f.text = append(f.text, name)
				case in.Is("select"):
					value, _ = in.Find("option").First().Attr("value")
					f.fields = append(f.fields, [2]string{name, value})
				case typ == "file":
					f.files = append(f.files, name)
				case typ == "hidden" || typ == "checkbox" || typ == "radio" || typ == "submit":
					f.fields = append(f.fields, [2]string{name, value})
				default:
					f.text = append(f.text, name)
				}
			})
			var kind []string
			for _, fl := range f.fields {
				if fl[0] == "action" {
					kind = append(kind, fl[1])
				}
			}
			key := action + " " + strings.Join(kind, ",")
			if !seen[key] {
				seen[key] = true
				out = append(out, f)
			}
		})
	}
	return out
}

// submitForm posts f to s from c as its page would, its text fields holding
// the variant's values.
func submitForm(t *testing.T, s *apptest.Server, c *apptest.Client, f form, variant string) apptest.Response {
	t.Helper()
	value := map[string]string{"hostile": hostile, "invalid UTF-8": "caf\xe9 \xff\xfe"}[variant]
	var body io.Reader
	contentType := "application/x-www-form-urlencoded"
	if f.enctype == "multipart/form-data" {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for _, fl := range f.fields {
			_ = mw.WriteField(fl[0], fl[1])
		}
		for _, name := range f.text {
			_ = mw.WriteField(name, value)
		}
		for _, name := range f.files {
			w, _ := mw.CreateFormFile(name, hostile+".txt")
			_, _ = io.WriteString(w, value+"\n")
		}
		mw.Close()
		body, contentType = &b, mw.FormDataContentType()
	} else {
		vals := url.Values{}
		for _, fl := range f.fields {
			vals.Add(fl[0], fl[1])
		}
		for _, name := range f.text {
			vals.Add(name, value)
		}
		body = strings.NewReader(vals.Encode())
	}
	if variant == "50 MB" {
		body = io.MultiReader(body, strings.NewReader("&big="), io.LimitReader(repeatByte('a'), 50<<20))
	}
	req, err := http.NewRequest("POST", s.URL+f.action, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Origin", s.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	c.From(req)
	res, err := c.HTTP.Do(req)
	if err != nil {
		if os.IsTimeout(err) {
			t.Errorf("form %s with %s: no answer", f.action, variant)
		}
		return apptest.Response{}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	return apptest.Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// TestQueryStringsThatAreNotText: a query parameter holding a NUL or bytes
// that are not UTF-8 is refused with 400 before any handler reads it (it
// failed inside PostgreSQL as a 500 before), as problem+json on the API
// and as a page on the site; the same query as text is answered.
func TestQueryStringsThatAreNotText(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	token := s.Token("admin@localhost", auth.ScopeRead)
	for _, tc := range []struct {
		path, query string
		status      int
		contentType string
	}{
		{"/api/v1/advisories", "vendor=%00", http.StatusBadRequest, "application/problem+json"},
		{"/api/v1/advisories", "q=%FF%FE", http.StatusBadRequest, "application/problem+json"},
		{"/api/v1/advisories", "%00=x", http.StatusBadRequest, "application/problem+json"},
		{"/advisories", "vendor=a%00b", http.StatusBadRequest, "text/html; charset=utf-8"},
		{"/api/v1/advisories", "vendor=acme&q=heap", http.StatusOK, "application/json"},
		{"/advisories", "q=%C3%A9t%C3%A9", http.StatusOK, "text/html; charset=utf-8"},
	} {
		req, _ := http.NewRequest("GET", s.URL+tc.path+"?"+tc.query, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.contentType) {
			t.Errorf("%s?%s: %d %s, want %d %s\n%.300s", tc.path, tc.query, res.StatusCode, res.Header.Get("Content-Type"),
				tc.status, tc.contentType, body)
		}
	}
}
