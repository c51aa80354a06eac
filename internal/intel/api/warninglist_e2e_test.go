package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
)

// TestIntelWarninglists: the API and the console's forms manage the
// warninglists — staff load, replace, switch and delete; constituents
// read; ingest follows at once.
func TestIntelWarninglists(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord, bank := s.Token("coordinator@cc.example"), s.Token("ciso@firstbank.example")
	r := s.API("GET", "/api/v1/intel/warninglists", bank, nil)
	items, _ := r.JSON(t)["items"].([]any)
	if r.Status != http.StatusOK || len(items) != 3 {
		t.Fatalf("lists for a constituent: %d %s", r.Status, r.Body)
	}
	cdn := `{"name": "Partner CDN", "version": 20261101, "type": "cidr", "category": "known", "matching_attributes": ["ip-dst"], "list": ["192.0.2.128/25"]}`
	for _, tt := range []struct {
		token, body string
		status      int
		want        string
	}{
		{coord, `{"name": "x", "type": "cidr", "list": [`, http.StatusBadRequest, "middle of a JSON value"},
		{coord, `{"name": "x", "type": "regex", "list": ["a.*"]}`, http.StatusUnprocessableEntity, `"field":"type"`},
		{coord, `{"name": "x", "type": "cidr", "list": ["192.0.2.0/24", "nope"]}`, http.StatusUnprocessableEntity, `"field":"list[1]"`},
		{coord, `{"name": "The largest sites", "type": "hostname", "list": ["example.org"]}`, http.StatusConflict, "built-in"},
		{bank, cdn, http.StatusForbidden, "staff"},
		{coord, cdn, http.StatusCreated, `"entries":1`},
		{coord, strings.Replace(cdn, `"192.0.2.128/25"`, `"192.0.2.128/25", "2001:db8:cd::/48"`, 1), http.StatusOK, `"entries":2`},
	} {
		srv := s
		if tt.status == http.StatusBadRequest || tt.status == http.StatusUnprocessableEntity { // bad on purpose
			srv = s.Malformed()
		}
		r := srv.API("POST", "/api/v1/intel/warninglists", tt.token, tt.body)
		if r.Status != tt.status || !strings.Contains(string(r.Body), tt.want) {
			t.Fatalf("POST %s: %d %s, want %d …%s…", tt.body, r.Status, r.Body, tt.status, tt.want)
		}
	}
	r = s.API("GET", "/api/v1/intel/warninglists", coord, nil)
	var cdnID string
	for _, it := range r.JSON(t)["items"].([]any) {
		if m := it.(map[string]any); m["name"] == "Partner CDN" {
			cdnID = m["id"].(string)
		}
	}
	if r := s.API("GET", "/api/v1/intel/warninglists/"+cdnID, bank, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "2001:db8:cd::/48") {
		t.Fatalf("one list: %d %s", r.Status, r.Body)
	}

	// Ingest follows: the CDN's address is refused, a resolver too until
	// its list is switched off.
	r = s.API("POST", "/api/v1/intel/ingest?source=Center%20sensors", coord, apptest.TextBody("192.0.2.200\n9.9.9.9\n"))
	if m := r.JSON(t); m["new"] != 0.0 || m["rejected"] != 2.0 {
		t.Fatalf("ingest with the lists on: %s", r.Body)
	}
	if r := s.API("PATCH", "/api/v1/intel/warninglists/public-resolvers", bank, map[string]any{"enabled": false}); r.Status != http.StatusForbidden {
		t.Fatalf("a constituent switched a list: %d", r.Status)
	}
	if r := s.Malformed().API("PATCH", "/api/v1/intel/warninglists/public-resolvers", coord, map[string]any{}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a switch without enabled: %d", r.Status)
	}
	if r := s.API("PATCH", "/api/v1/intel/warninglists/public-resolvers", coord, map[string]any{"enabled": false}); r.Status != http.StatusOK ||
		r.JSON(t)["enabled"] != false {
		t.Fatalf("switch off: %d %s", r.Status, r.Body)
	}
	r = s.API("POST", "/api/v1/intel/ingest?source=Center%20sensors", coord, apptest.TextBody("9.9.9.9\n"))
	if m := r.JSON(t); m["new"] != 1.0 {
		t.Fatalf("ingest with the resolvers' list off: %s", r.Body)
	}
	r = s.API("POST", "/api/v1/intel/warninglists/check", bank, map[string]any{"values": []string{"192.0.2[.]201", "8.8.8.8", "10.0.0.1"}})
	if body := string(r.Body); r.Status != http.StatusOK || !strings.Contains(body, `"warninglist":"Partner CDN"`) ||
		!strings.Contains(body, `"warninglist":"private and special-purpose networks"`) || strings.Contains(body, "public DNS resolvers") {
		t.Fatalf("check: %d %s", r.Status, r.Body)
	}

	// The console: the page, a switch, a file that cannot be used.
	c := s.Client()
	c.Login("coordinator@cc.example", "certhub-demo-2026")
	if p := c.Get("/console/intel/warninglists?check=192.0.2.201"); p.Status != http.StatusOK || !strings.Contains(string(p.Body), "Partner CDN") {
		t.Fatalf("the page: %d", p.Status)
	}
	if p := c.Post("/console/intel/warninglists/public-resolvers", url.Values{"action": {"enable"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("enable from the console: %d %s", p.Status, p.Body)
	}
	if r := s.API("GET", "/api/v1/intel/warninglists/public-resolvers", coord, nil); r.JSON(t)["enabled"] != true {
		t.Fatalf("the console's switch did not take: %s", r.Body)
	}
	if p := c.Upload("/console/intel/warninglists", nil, "file", "", ""); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(p.Body), "Choose a file to load.") {
		t.Fatalf("a form without a file: %d\n%s", p.Status, p.Body)
	}
	if p := c.Upload("/console/intel/warninglists", nil, "file", "list.json", `{"name": "odd", "type": "substring", "list": ["x"]}`); p.Status != http.StatusUnprocessableEntity || !strings.Contains(string(p.Body), "list.json was not loaded") ||
		!strings.Contains(string(p.Body), "is not supported") {
		t.Fatalf("a list that cannot be used: %d\n%s", p.Status, p.Body)
	}

	if r := s.API("DELETE", "/api/v1/intel/warninglists/largest-sites", coord, nil); r.Status != http.StatusConflict {
		t.Fatalf("delete a built-in list: %d", r.Status)
	}
	if r := s.API("DELETE", "/api/v1/intel/warninglists/"+cdnID, coord, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", "/api/v1/intel/warninglists/"+cdnID, coord, nil); r.Status != http.StatusNotFound {
		t.Fatalf("a deleted list: %d", r.Status)
	}
}
