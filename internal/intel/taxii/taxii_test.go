package taxii_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/auth"
)

// taxii sends one TAXII request with HTTP Basic credentials.
func taxii(t testing.TB, s *apptest.Server, method, path, user, secret string, body []byte, header ...string) apptest.Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	if body != nil {
		req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if user != "" {
		req.SetBasicAuth(user, secret)
	}
	return s.Do(http.DefaultClient, req)
}

func TestTAXII(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord := "coordinator@cc.example"
	coordTok := s.Token(coord)
	bank := "ciso@firstbank.example"
	bankTok := s.Token(bank)
	other := "security@crescent-mf.example"
	otherTok := s.Token(other)
	sector := "lead@bank-cert.example"
	sectorTok := s.Token(sector)

	// Protocol: credentials, media types.
	if r := taxii(t, s, "GET", "/taxii2/", "", "", nil); r.Status != 401 || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("no credentials: %d %v", r.Status, r.Header)
	}
	if r := taxii(t, s, "GET", "/taxii2/", coord, "wrong", nil); r.Status != 401 {
		t.Fatalf("a wrong password: %d", r.Status)
	}
	r := taxii(t, s, "GET", "/taxii2/", coord, "certhub-demo-2026", nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/taxii+json;version=2.1" {
		t.Fatalf("discovery with a password: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	var disc struct {
		Default  string   `json:"default"`
		APIRoots []string `json:"api_roots"`
	}
	_ = json.Unmarshal(r.Body, &disc)
	root := strings.TrimPrefix(disc.Default, s.URL)
	if root != "/taxii2/api/" || len(disc.APIRoots) != 1 {
		t.Fatalf("discovery: %s", r.Body)
	}
	if r := taxii(t, s, "GET", root, coord, coordTok, nil, "Accept", "text/html"); r.Status != http.StatusNotAcceptable {
		t.Fatalf("Accept: text/html: %d", r.Status)
	}
	if r := taxii(t, s, "GET", root, coord, coordTok, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"max_content_length"`) {
		t.Fatalf("API root: %d %s", r.Status, r.Body)
	}
	collections := func(user, tok string) map[string]string {
		r := taxii(t, s, "GET", root+"collections/", user, tok, nil)
		if r.Status != 200 {
			t.Fatalf("collections for %s: %d %s", user, r.Status, r.Body)
		}
		var out struct {
			Collections []struct{ ID, Alias string } `json:"collections"`
		}
		_ = json.Unmarshal(r.Body, &out)
		m := map[string]string{}
		for _, c := range out.Collections {
			m[c.Alias] = c.ID
		}
		return m
	}
	community := collections(coord, coordTok)["community"]
	if community == "" {
		t.Fatal("no community collection")
	}
	if _, ok := collections(bank, bankTok)["center"]; ok {
		t.Fatal("a constituent lists the center's collection")
	}

	// Adding the OASIS Poison Ivy threat report (155 objects): a status
	// resource, then every object comes back over the pages.
	report, err := os.ReadFile("testdata/stix/examples/threat-reports/poisonivy.json")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	{
		var b struct{ Objects []map[string]any }
		if err := json.Unmarshal(report, &b); err != nil || len(b.Objects) != 155 {
			t.Fatalf("the report: %d objects, %v", len(b.Objects), err)
		}
		for _, o := range b.Objects {
			want[fmt.Sprint(o["id"])] = true
		}
	}
	objects := root + "collections/" + community + "/objects/"
	if r := taxii(t, s, "POST", objects, coord, coordTok, report, "Content-Type", "application/json"); r.Status != http.StatusUnsupportedMediaType {
		t.Fatalf("POST as application/json: %d", r.Status)
	}
	if r := taxii(t, s, "POST", objects, "soc@firstbank.example", s.Token("soc@firstbank.example"), []byte(`{"objects": []}`)); r.Status != http.StatusForbidden {
		t.Fatalf("a constituent's member (not an analyst) wrote: %d %s", r.Status, r.Body)
	}
	demoBefore := map[string]bool{}
	{
		r := taxii(t, s, "GET", objects, coord, coordTok, nil)
		var env struct {
			Objects []struct{ ID string } `json:"objects"`
		}
		_ = json.Unmarshal(r.Body, &env)
		for _, o := range env.Objects {
			demoBefore[o.ID] = true
		}
		if len(demoBefore) == 0 || len(demoBefore) > 100 {
			t.Fatalf("the demo's community collection holds %d objects", len(demoBefore))
		}
	}
	if r := taxii(t, s, "POST", objects, coord, s.Token(coord, auth.ScopeRead), []byte(`{"objects": []}`)); r.Status != http.StatusForbidden {
		t.Fatalf("a read-only token as Basic's password wrote: %d %s", r.Status, r.Body)
	}
	r = taxii(t, s, "POST", objects, coord, coordTok, report)
	var st struct {
		ID           string `json:"id"`
		Status       string `json:"status"`
		SuccessCount int    `json:"success_count"`
		FailureCount int    `json:"failure_count"`
		TotalCount   int    `json:"total_count"`
	}
	if err := json.Unmarshal(r.Body, &st); err != nil || r.Status != http.StatusAccepted || st.Status != "complete" || st.SuccessCount != len(want) || st.FailureCount != 0 {
		t.Fatalf("POST the report: %d %.300s", r.Status, r.Body)
	}
	if r := taxii(t, s, "GET", root+"status/"+st.ID+"/", coord, coordTok, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"success_count":`+strconv.Itoa(len(want))) {
		t.Fatalf("status: %d %.200s", r.Status, r.Body)
	}
	if r := taxii(t, s, "GET", root+"status/"+st.ID+"/", bank, bankTok, nil); r.Status != 404 {
		t.Fatalf("someone else's status: %d", r.Status)
	}
	// The report's campaigns and malware are actor profiles now.
	if r := s.API("GET", "/api/v1/intel/actors?family=campaign&q=menupass", coordTok, nil); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"name":"menuPass"`) || !strings.Contains(string(r.Body), `"indicators":24`) {
		t.Fatalf("the report's campaign as a profile: %d %s", r.Status, r.Body)
	}
	// pageAll follows next through the collection, limit at a time.
	pageAll := func(user, tok string, limit int) (seen map[string]bool, pages int, firstLast string) {
		seen = map[string]bool{}
		next := ""
		for {
			q := url.Values{"limit": {strconv.Itoa(limit)}}
			if next != "" {
				q.Set("next", next)
			}
			r := taxii(t, s, "GET", objects+"?"+q.Encode(), user, tok, nil)
			if r.Status != 200 {
				t.Fatalf("page %d: %d %s", pages, r.Status, r.Body)
			}
			var env struct {
				More    bool             `json:"more"`
				Next    string           `json:"next"`
				Objects []map[string]any `json:"objects"`
			}
			_ = json.Unmarshal(r.Body, &env)
			pages++
			for _, o := range env.Objects {
				id := fmt.Sprint(o["id"])
				if seen[id] {
					t.Fatalf("%s came twice", id)
				}
				seen[id] = true
			}
			if len(env.Objects) > 0 && (r.Header.Get("X-TAXII-Date-Added-First") == "" || r.Header.Get("X-TAXII-Date-Added-Last") == "") {
				t.Fatal("no X-TAXII-Date-Added-First/Last")
			}
			if pages == 1 {
				firstLast = r.Header.Get("X-TAXII-Date-Added-Last")
			}
			if !env.More {
				return seen, pages, firstLast
			}
			next = env.Next
		}
	}
	// The demo's GREEN feed is there before; the report's objects carry no
	// TLP marking, so they take the source's default, AMBER, which a
	// constituent does not read in the community's collection — all but
	// the marking definitions everyone needs.
	seen, _, _ := pageAll(bank, bankTok, 100)
	for id := range seen {
		if !demoBefore[id] && !strings.HasPrefix(id, "marking-definition--") {
			t.Fatalf("a constituent read %s, AMBER, of the center's source (%d objects)", id, len(seen))
		}
	}
	const limit = 50
	seen, pages, lastAdded := pageAll(coord, coordTok, limit)
	wantPages := (len(demoBefore) + len(want) + limit - 1) / limit
	for id := range demoBefore {
		delete(seen, id)
	}
	if len(seen) != len(want) || pages != wantPages {
		t.Fatalf("paged %d objects in %d pages, want %d in %d", len(seen), pages, len(want), wantPages)
	}
	for id := range want {
		if !seen[id] {
			t.Fatalf("%s is missing", id)
		}
	}
	// added_after is exclusive: after the first page's last, the rest.
	r = taxii(t, s, "GET", objects+"?limit=100&added_after="+url.QueryEscape(lastAdded), coord, coordTok, nil)
	var rest struct {
		More    bool              `json:"more"`
		Objects []json.RawMessage `json:"objects"`
	}
	_ = json.Unmarshal(r.Body, &rest)
	if len(rest.Objects) != 100 || !rest.More {
		t.Fatalf("added_after the first %d: %d objects, more %v", limit, len(rest.Objects), rest.More)
	}
	// Manifest, one object, its versions, match[type].
	r = taxii(t, s, "GET", root+"collections/"+community+"/manifest/?limit=2&match[type]=malware", coord, coordTok, nil)
	var man struct {
		Objects []struct{ ID, Version, DateAdded, MediaType string } `json:"objects"`
	}
	_ = json.Unmarshal(r.Body, &man)
	if r.Status != 200 || len(man.Objects) != 2 || !strings.HasPrefix(man.Objects[0].ID, "malware--") {
		t.Fatalf("manifest: %d %s", r.Status, r.Body)
	}
	one := man.Objects[0].ID
	if r := taxii(t, s, "GET", objects+one+"/", coord, coordTok, nil); r.Status != 200 || !strings.Contains(string(r.Body), one) {
		t.Fatalf("one object: %d %s", r.Status, r.Body)
	}
	if r := taxii(t, s, "GET", objects+one+"/versions/", coord, coordTok, nil); r.Status != 200 || !strings.Contains(string(r.Body), man.Objects[0].Version) {
		t.Fatalf("versions: %d %s", r.Status, r.Body)
	}
	if r := taxii(t, s, "DELETE", objects+one+"/", sector, sectorTok, nil); r.Status != 404 && r.Status != 403 {
		t.Fatalf("a sectoral CERT deleted: %d", r.Status)
	}
	if r := taxii(t, s, "DELETE", objects+one+"/", coord, coordTok, nil); r.Status != 200 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := taxii(t, s, "GET", objects+one+"/", coord, coordTok, nil); r.Status != 404 {
		t.Fatalf("a deleted object: %d", r.Status)
	}

	// Routing: an AMBER list that hits First Bank's network reaches its
	// own collection, which its sectoral CERT reads too and Crescent not.
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/intel/ingest?source=sensors&tlp=AMBER", strings.NewReader("198.51.100.9\n203.0.113.250\n"))
	req.Header.Set("Authorization", "Bearer "+coordTok)
	req.Header.Set("Content-Type", "text/plain")
	if r := s.Do(http.DefaultClient, req); r.Status != 200 {
		t.Fatalf("ingest: %d %s", r.Status, r.Body)
	}
	bankCol := collections(bank, bankTok)["org-"+s.OrgID("First Example Bank")]
	if bankCol == "" {
		t.Fatalf("First Bank has no collection: %v", collections(bank, bankTok))
	}
	for _, tt := range []struct {
		user, tok string
		status    int
	}{{bank, bankTok, 200}, {sector, sectorTok, 200}, {other, otherTok, 404}} {
		r := taxii(t, s, "GET", root+"collections/"+bankCol+"/objects/", tt.user, tt.tok, nil)
		if r.Status != tt.status {
			t.Fatalf("%s reads First Bank's collection: %d", tt.user, r.Status)
		}
		if tt.status == 200 && (!strings.Contains(string(r.Body), `[ipv4-addr:value = '198.51.100.9']`) || strings.Contains(string(r.Body), "203.0.113.250")) {
			t.Fatalf("%s: First Bank's collection holds %s", tt.user, r.Body)
		}
	}

	// The bulk lookup sees the same: First Bank and its CERT the routed
	// AMBER address, Crescent nothing.
	for _, tt := range []struct {
		tok  string
		want int
	}{{bankTok, 1}, {sectorTok, 1}, {otherTok, 0}, {coordTok, 2}} {
		r := s.API("POST", "/api/v1/intel/lookup", tt.tok, map[string]any{"values": []string{"198.51.100.9", "203.0.113[.]250", "192.0.2.201"}})
		var out struct {
			Matches []struct {
				Value        string   `json:"value"`
				TLP          string   `json:"tlp"`
				Score        int      `json:"score"`
				Sources      []string `json:"sources"`
				Constituents []string `json:"constituents"`
			} `json:"matches"`
		}
		if err := json.Unmarshal(r.Body, &out); err != nil || r.Status != 200 || len(out.Matches) != tt.want {
			t.Fatalf("lookup: %d %s, want %d matches", r.Status, r.Body, tt.want)
		}
		if tt.want == 1 && (out.Matches[0].Value != "198.51.100.9" || out.Matches[0].TLP != "AMBER" ||
			len(out.Matches[0].Constituents) != 1 || out.Matches[0].Constituents[0] != "First Example Bank" || len(out.Matches[0].Sources) != 0) {
			t.Fatalf("lookup: %s", r.Body)
		}
	}
	if r := s.Malformed().API("POST", "/api/v1/intel/lookup", bankTok, map[string]any{"values": make([]string, 100_001)}); r.Status != 422 {
		t.Fatalf("100,001 values: %d", r.Status)
	}
	if r := s.API("POST", "/api/v1/intel/lookup", "", map[string]any{"values": []string{"198.51.100.9"}}); r.Status != 401 {
		t.Fatalf("anonymous lookup: %d", r.Status)
	}

	// Exports: the same access.
	if r := s.API("GET", "/api/v1/intel/collections", bankTok, nil); r.Status != 200 || !strings.Contains(string(r.Body), bankCol) || strings.Contains(string(r.Body), `"center"`) {
		t.Fatalf("collections: %d %s", r.Status, r.Body)
	}
	r = s.API("GET", "/api/v1/intel/collections/"+bankCol+"/export?format=csv", bankTok, nil)
	if r.Status != 200 || !strings.HasPrefix(string(r.Body), "type,value,first_seen") || !strings.Contains(string(r.Body), "ipv4,198.51.100.9,") ||
		!strings.Contains(string(r.Body), "ipv4,198.51.100.10,") || strings.Contains(string(r.Body), "203.0.113.250") {
		t.Fatalf("First Bank's CSV: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", "/api/v1/intel/collections/"+bankCol+"/export", otherTok, nil); r.Status != 404 {
		t.Fatalf("Crescent exports First Bank's collection: %d", r.Status)
	}
	if r := s.Malformed().API("GET", "/api/v1/intel/collections/"+bankCol+"/export?format=pdf", bankTok, nil); r.Status != 422 {
		t.Fatalf("format=pdf: %d", r.Status)
	}
	r = s.API("GET", "/api/v1/intel/collections/community/export", bankTok, nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/stix+json;version=2.1" || !strings.Contains(string(r.Body), "evil-updates.example") ||
		strings.Contains(string(r.Body), "x-mitre-tactic") || strings.Contains(string(r.Body), "198.51.100.9") {
		t.Fatalf("the community's bundle for First Bank: %d %.400s", r.Status, r.Body)
	}
}
