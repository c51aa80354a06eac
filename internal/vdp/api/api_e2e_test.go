package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/auth"
)

// publicPost sends a public report from ip with the given media type.
func publicPost(t testing.TB, s *apptest.Server, ip, contentType string, body []byte) apptest.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/public/reports", bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("X-Forwarded-For", ip)
	return s.Do(http.DefaultClient, req)
}

func TestPublicReportAPI(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	good := map[string]any{"title": "Stored XSS in the help desk", "description": "The subject field is echoed unescaped.",
		"vendor": "Example Help Desk", "product": "HelpDesk", "versions": "4.2", "cwe": "CWE-79", "impact": "Session theft",
		"reproduction": "Open a ticket with <script> in the subject.", "public": false, "exploited": false, "vendor_contacted": true,
		"reporter": map[string]any{"name": "R. Searcher", "email": "r@search.example"}, "credit": "R. Searcher"}
	body, _ := json.Marshal(good)

	r := publicPost(t, s, "198.51.100.1", "application/json", body)
	if r.Status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	rc := r.JSON(t)
	follow, _ := rc["follow_url"].(string)
	if rc["id"] == "" || !strings.HasPrefix(rc["tracking_id"].(string), "VR-") || r.Header.Get("Location") != follow ||
		!strings.HasPrefix(follow, s.URL+"/report/follow?key=") {
		t.Fatalf("receipt %v, Location %q", rc, r.Header.Get("Location"))
	}

	t.Run("bad input", func(t *testing.T) {
		for i, c := range []struct {
			name, ctype string
			body        []byte
			status      int
			fields      []string
		}{
			{"malformed", "application/json", []byte(`{"title": "x",`), 400, nil},
			{"not an object", "application/json", []byte(`[1]`), 400, nil},
			{"form instead of JSON", "application/x-www-form-urlencoded", []byte("title=x"), 415, nil},
			{"no media type", "", body, 415, nil},
			{"too large", "application/json", []byte(`{"title": "` + strings.Repeat("a", 3<<20) + `"}`), 413, nil},
			{"empty object", "application/json", []byte(`{}`), 422, []string{"title", "description", "vendor"}},
			{"wrong type", "application/json", []byte(`{"title": 7}`), 422, []string{"title"}},
			{"unknown field", "application/json", []byte(`{"titel": "x"}`), 422, []string{"titel"}},
			{"bad reporter", "application/json", []byte(`{"title": "t", "description": "d", "product": "p",
				"reporter": {"email": "not-an-address", "pgp_key": "-----BEGIN PGP PUBLIC KEY BLOCK-----\nnope\n-----END PGP PUBLIC KEY BLOCK-----"}}`),
				422, []string{"reporter.email", "reporter.pgp_key"}},
			{"bad CWE", "application/json", []byte(`{"title": "t", "description": "d", "product": "p", "cwe": "XSS"}`), 422, []string{"cwe"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				// Each from its own address: bad input must not be hidden by the rate limit.
				r := publicPost(t, s.Malformed(), fmt.Sprintf("203.0.113.%d", i+1), c.ctype, c.body)
				if r.Status != c.status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
					t.Fatalf("got %d %s, want %d\n%.300s", r.Status, r.Header.Get("Content-Type"), c.status, r.Body)
				}
				if c.fields != nil {
					if got := apptest.InvalidFields(t, r); strings.Join(got, ",") != strings.Join(c.fields, ",") {
						t.Fatalf("fields %v, want %v", got, c.fields)
					}
				}
			})
		}
	})

	t.Run("follow URL as JSON", func(t *testing.T) {
		get := func(url string) apptest.Response {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Accept", "application/json")
			return s.Do(http.DefaultClient, req)
		}
		r := get(follow)
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("follow: %d %s\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		if v := r.JSON(t); v["tracking_id"] != rc["tracking_id"] || v["status"] != "received" {
			t.Fatalf("follow view %v", v)
		}
		req, _ := http.NewRequest("POST", follow, strings.NewReader(`{"message": "A second PoC: the name field too."}`))
		req.Header.Set("Content-Type", "application/json")
		if r := s.Do(http.DefaultClient, req); r.Status != http.StatusCreated {
			t.Fatalf("reply: %d %s", r.Status, r.Body)
		}
		if r := get(follow); !strings.Contains(string(r.Body), "A second PoC") {
			t.Fatalf("the message is not in the follow view:\n%s", r.Body)
		}
		if r := get(s.URL + "/report/follow?key=wrong"); r.Status != 404 {
			t.Fatalf("a wrong key: %d", r.Status)
		}
		// A browser still gets the page.
		req, _ = http.NewRequest("GET", follow, nil)
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
		if r := s.Do(http.DefaultClient, req); r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(r.Body), rc["tracking_id"].(string)) {
			t.Fatalf("page: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
	})

	t.Run("rate limit", func(t *testing.T) {
		var last apptest.Response
		for i := 0; i < 10; i++ {
			if last = publicPost(t, s, "192.0.2.77", "application/json", body); last.Status == http.StatusTooManyRequests {
				break
			}
		}
		if last.Status != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
			t.Fatalf("ten reports in a row from one address: %d, Retry-After %q", last.Status, last.Header.Get("Retry-After"))
		}
		// Another address is not affected.
		if r := publicPost(t, s, "192.0.2.78", "application/json", body); r.Status != http.StatusCreated {
			t.Fatalf("another address: %d", r.Status)
		}
	})
}

// Who sees a case over the API: the center, its participants (each to its
// own threads), nobody else while the embargo holds; every signed-in user a
// public summary once it is disclosed.
func TestCaseAccessOverHTTP(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord := s.Token("coordinator@cc.example")
	vendor := s.Token("security@netforge.example")
	other := s.Token("psirt@examplesoft.example")
	bank := s.Token("ciso@firstbank.example")
	coordRead := s.Token("coordinator@cc.example", auth.ScopeRead)

	rc := publicPost(t, s, "198.51.100.9", "application/json", []byte(`{"title": "Gate 7 auth bypass", "description": "Header trust.",
		"vendor": "NetForge", "product": "Gate 7", "reporter": {"email": "finder@research.example"}}`)).JSON(t)
	reportID := rc["id"].(string)
	must := func(r apptest.Response, status int) apptest.Response {
		t.Helper()
		if r.Status != status {
			t.Fatalf("want %d, got %d\n%s", status, r.Status, r.Body)
		}
		return r
	}
	netforge := s.OrgID("NetForge Systems")
	must(s.API("POST", "/api/v1/reports/"+reportID+"/triage", coord, map[string]any{"validity": "valid", "vendor_org_id": netforge}), 200)
	acc := must(s.API("POST", "/api/v1/reports/"+reportID+"/accept", coord, map[string]any{"title": "Gate 7 auth bypass"}), 200).JSON(t)
	caseID := acc["case"].(map[string]any)["id"].(string)
	// The triaged vendor takes part from the start.
	must(s.API("POST", "/api/v1/cases/"+caseID+"/participants", coord, map[string]any{"org_id": netforge, "role": "vendor"}), 409)
	must(s.API("POST", "/api/v1/cases/"+caseID+"/participants/"+netforge+"/notify", coord, nil), 200)

	det := must(s.API("GET", "/api/v1/cases/"+caseID, coord, nil), 200).JSON(t)
	var internal, vendorThread string
	for _, th := range det["threads"].([]any) {
		m := th.(map[string]any)
		switch m["visibility"] {
		case "internal":
			internal = m["id"].(string)
		case "vendor":
			vendorThread = m["id"].(string)
		}
	}
	if internal == "" || vendorThread == "" {
		t.Fatalf("threads: %v", det["threads"])
	}
	must(s.API("POST", "/api/v1/cases/"+caseID+"/threads/"+internal+"/posts", coord, map[string]any{"body": "INTERNAL-ONLY: the vendor was slow last time."}), 201)
	must(s.API("POST", "/api/v1/cases/"+caseID+"/threads/"+vendorThread+"/posts", coord, map[string]any{"body": "Please confirm receipt."}), 201)

	for _, c := range []struct {
		who          string
		token        string
		method, path string
		body         any
		status       int
	}{
		{"no credentials", "", "GET", "/api/v1/cases/" + caseID, nil, 401},
		{"center", coord, "GET", "/api/v1/cases/" + caseID, nil, 200},
		{"vendor", vendor, "GET", "/api/v1/cases/" + caseID, nil, 200},
		{"other vendor", other, "GET", "/api/v1/cases/" + caseID, nil, 404},
		{"constituent", bank, "GET", "/api/v1/cases/" + caseID, nil, 404},
		{"vendor, the report", vendor, "GET", "/api/v1/reports/" + reportID, nil, 404},
		{"vendor, its thread", vendor, "GET", "/api/v1/cases/" + caseID + "/threads/" + vendorThread, nil, 200},
		{"vendor, internal notes", vendor, "GET", "/api/v1/cases/" + caseID + "/threads/" + internal, nil, 404},
		{"vendor posts to internal notes", vendor, "POST", "/api/v1/cases/" + caseID + "/threads/" + internal + "/posts", map[string]any{"body": "hi"}, 404},
		{"other vendor, a thread", other, "GET", "/api/v1/cases/" + caseID + "/threads/" + vendorThread, nil, 404},
		{"vendor edits the case", vendor, "PATCH", "/api/v1/cases/" + caseID, map[string]any{"title": "mine now"}, 403},
		{"vendor adds a participant", vendor, "POST", "/api/v1/cases/" + caseID + "/participants", map[string]any{"org_id": netforge, "role": "cert"}, 403},
		{"other vendor edits", other, "PATCH", "/api/v1/cases/" + caseID, map[string]any{"title": "x"}, 404},
		{"read-only token edits", coordRead, "PATCH", "/api/v1/cases/" + caseID, map[string]any{"title": "x"}, 403},
		{"other vendor's case list", other, "GET", "/api/v1/cases", nil, 200},
	} {
		t.Run(c.who, func(t *testing.T) {
			r := s.API(c.method, c.path, c.token, c.body)
			if r.Status != c.status {
				t.Fatalf("%s %s: %d, want %d\n%s", c.method, c.path, r.Status, c.status, r.Body)
			}
			if c.token == vendor && strings.Contains(string(r.Body), "INTERNAL-ONLY") {
				t.Fatal("the vendor sees the center's internal notes")
			}
			if c.token == vendor && strings.Contains(string(r.Body), "finder@research.example") {
				t.Fatal("the vendor sees the reporter's address")
			}
			if c.token == other && r.Status == 200 && strings.Contains(string(r.Body), caseID) {
				t.Fatal("another vendor learns of the case")
			}
		})
	}

	// Disclosure ends the embargo: every signed-in user now sees the case's
	// public part, and nothing of its discussions or participants' details.
	must(s.API("PATCH", "/api/v1/cases/"+caseID, coord, map[string]any{"status": "disclosed"}), 200)
	pub := must(s.API("GET", "/api/v1/cases/"+caseID, bank, nil), 200)
	view := pub.JSON(t)
	if view["viewer"].(map[string]any)["level"] != "public" || view["case"].(map[string]any)["tlp"] != "CLEAR" {
		t.Fatalf("after disclosure: viewer %v, case %v", view["viewer"], view["case"])
	}
	for _, secret := range []string{"INTERNAL-ONLY", "Please confirm receipt", "finder@research.example", "security@netforge.example"} {
		if strings.Contains(string(pub.Body), secret) {
			t.Fatalf("the public view of a disclosed case leaks %q:\n%s", secret, pub.Body)
		}
	}
	must(s.API("GET", "/api/v1/cases/"+caseID+"/threads/"+vendorThread, bank, nil), 404)
	must(s.API("PATCH", "/api/v1/cases/"+caseID, bank, map[string]any{"title": "x"}), 403)
	must(s.API("GET", "/api/v1/cases/"+caseID, "", nil), 401)
}

// Vendors are found by package URL and domain through the directory API,
// a public report naming a package is linked to its vendor, and the case
// page's finder narrows the organisations to add.
func TestVendorsFoundByPackageURL(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord := s.Token("coordinator@cc.example")
	for q, want := range map[string]string{
		"pkg:npm/%40examplesoft/widget@1.4.2": "Examplesoft Ltd",
		"pkg:golang/netforge.example/gate7":   "NetForge Systems",
		"portal.examplesoft.example":          "Examplesoft Ltd",
	} {
		r := s.API("GET", "/api/v1/orgs?q="+url.QueryEscape(q), coord, nil)
		items, _ := r.JSON(t)["items"].([]any)
		if r.Status != 200 || len(items) != 1 || items[0].(map[string]any)["name"] != want {
			t.Errorf("GET /orgs?q=%s: %d %s", q, r.Status, r.Body)
		}
	}
	org := s.API("GET", "/api/v1/orgs/"+s.OrgID("Examplesoft Ltd"), coord, nil).JSON(t)
	if pk, _ := org["packages"].([]any); len(pk) != 3 || pk[0] != "pkg:npm/%40examplesoft" {
		t.Fatalf("packages: %v", org["packages"])
	}

	rc := publicPost(t, s, "198.51.100.40", "application/json", []byte(`{"title": "Prototype pollution in widget",
		"description": "merge() walks __proto__.", "product": "pkg:npm/%40examplesoft/widget@1.4.2"}`)).JSON(t)
	rep := s.API("GET", "/api/v1/reports/"+rc["id"].(string), coord, nil).JSON(t)
	if rep["vendor_org_id"] != s.OrgID("Examplesoft Ltd") {
		t.Fatalf("the report is not linked to its vendor: %v", rep["vendor_org_id"])
	}
	acc := s.API("POST", "/api/v1/reports/"+rc["id"].(string)+"/accept", coord, map[string]any{"title": "Prototype pollution in widget"})
	if acc.Status != 200 {
		t.Fatalf("accept: %d %s", acc.Status, acc.Body)
	}
	caseID := acc.JSON(t)["case"].(map[string]any)["id"].(string)

	b := s.Client()
	b.Login("coordinator@cc.example", "certhub-demo-2026")
	page := b.Get("/console/cases/" + caseID + "?find=" + url.QueryEscape("pkg:golang/netforge.example/gate7"))
	d := apptest.Doc(t, page)
	opts := d.Find("#f-p-org option")
	if page.Status != 200 || opts.Length() != 1 || !strings.Contains(opts.Text(), "NetForge Systems") {
		t.Fatalf("finder: %d, options %q", page.Status, opts.Text())
	}
	if !strings.Contains(d.Find("#find-org").Text(), "1 match") {
		t.Fatalf("finder summary: %q", d.Find("#find-org").Text())
	}

	// The hand-off for the advisory, linked from the case page, as the
	// signed-in coordinator downloads it.
	href, _ := d.Find("#handoff").Attr("href")
	h := b.Get(href)
	var handoff struct {
		CaseNumber string `json:"case_number"`
		Products   []struct{ Vendor, Status string }
	}
	if err := json.Unmarshal(h.Body, &handoff); h.Status != 200 || err != nil || len(handoff.Products) != 1 ||
		handoff.Products[0].Vendor != "Examplesoft Ltd" || handoff.Products[0].Status != "unknown" {
		t.Fatalf("hand-off %s: %d %s", href, h.Status, h.Body)
	}
	if r := s.API("GET", href, s.Token("psirt@examplesoft.example"), nil); r.Status != 403 {
		t.Fatalf("the vendor got the hand-off: %d", r.Status)
	}
}
