package api_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
)

// TestIntelASNTable: the AS table over the API and in the console — the
// demo's table routes an address to the telecom by its AS alone, lookups
// and the observable's page show the origin, staff replace and remove the
// table, constituents read it, a broken dump is refused naming its line.
func TestIntelASNTable(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord, bank, telco := s.Token("coordinator@cc.example"), s.Token("ciso@firstbank.example"), s.Token("noc@karakoram-telecom.example")
	r := s.API("GET", "/api/v1/intel/asn-table", bank, nil)
	if m := r.JSON(t); r.Status != http.StatusOK || m["name"] != "demo-pfx2as.txt" || m["prefixes"] != 9.0 {
		t.Fatalf("the demo's table for a constituent: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", "/api/v1/intel/asn-table", "", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("the table for nobody: %d", r.Status)
	}
	// 203.0.113.230 lies in no registered network; AS64500, Karakoram's,
	// announces it: the telecom has it in its lookups, with the origin.
	r = s.API("POST", "/api/v1/intel/lookup", telco, map[string]any{"values": []string{"203.0.113.230"}})
	matches, _ := r.JSON(t)["matches"].([]any)
	if len(matches) != 1 {
		t.Fatalf("the telecom's lookup: %s", r.Body)
	}
	m := matches[0].(map[string]any)
	if fmt.Sprint(m["constituents"]) != "[Karakoram Telecom]" || fmt.Sprint(m["origin"]) != "map[asn:64500 prefix:203.0.113.224/27]" {
		t.Fatalf("the telecom's match: %v", m)
	}
	oid := int(m["observable_id"].(float64))

	put := func(token, contentType string, body []byte) apptest.Response {
		t.Helper()
		req, _ := http.NewRequest("PUT", s.URL+"/api/v1/intel/asn-table?name=rv2-20261201.pfx2as.gz", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+token)
		if contentType == "application/json" { // refused on purpose
			return s.Malformed().Do(http.DefaultClient, req)
		}
		return s.Do(http.DefaultClient, req)
	}
	dump := "198.51.100.0\t24\t64497\n203.0.113.0\t24\t64500\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(dump))
	zw.Close()
	for _, tt := range []struct {
		token, ct string
		body      []byte
		status    int
		want      string
	}{
		{bank, "application/gzip", gz.Bytes(), http.StatusForbidden, "staff"},
		{coord, "application/json", []byte(`{}`), http.StatusUnsupportedMediaType, "text/plain"},
		{coord, "text/plain", []byte("198.51.100.0/24 64497\n203.0.113.0/24\n"), http.StatusUnprocessableEntity, `"field":"body","message":"line 2: want a prefix and an AS number"`},
		{coord, "application/gzip", gz.Bytes()[:20], http.StatusUnprocessableEntity, "cannot be read"},
		{coord, "application/gzip", gz.Bytes(), http.StatusOK, `"prefixes":2`},
	} {
		if r := put(tt.token, tt.ct, tt.body); r.Status != tt.status || !strings.Contains(string(r.Body), tt.want) {
			t.Fatalf("PUT %s: %d %s, want %d …%s…", tt.ct, r.Status, r.Body, tt.status, tt.want)
		}
	}
	r = s.API("POST", "/api/v1/intel/asn-table/lookup", bank, map[string]any{"values": []string{"198.51.100.10", "203.0.113[.]5", "2001:db8::1", "evil.example"}})
	if body := string(r.Body); r.Status != http.StatusOK ||
		!strings.Contains(body, `{"value":"198.51.100.10","type":"ipv4","asn":64497,"prefix":"198.51.100.0/24"}`) ||
		!strings.Contains(body, `{"value":"203.0.113[.]5","type":"ipv4","asn":64500,"prefix":"203.0.113.0/24"}`) ||
		!strings.Contains(body, `{"value":"2001:db8::1","type":"ipv6"}`) || !strings.Contains(body, `"invalid":"not an address or network"`) {
		t.Fatalf("lookup: %d %s", r.Status, r.Body)
	}
	if r := s.Malformed().API("POST", "/api/v1/intel/asn-table/lookup", bank, map[string]any{"values": make([]string, 1001)}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a lookup of 1,001: %d", r.Status)
	}

	// The console: the telecom's observable page names the origin; the
	// table's page shows it, a constituent without the staff's forms.
	c := s.Client()
	c.Login("noc@karakoram-telecom.example", "certhub-demo-2026")
	if p := c.Get(fmt.Sprintf("/console/intel/observables/%d", oid)); p.Status != http.StatusOK || !strings.Contains(string(p.Body), "AS64500") {
		t.Fatalf("the observable's page: %d\n%s", p.Status, p.Body)
	}
	if p := c.Get("/console/intel/asn?lookup=203.0.113.7"); p.Status != http.StatusOK || !strings.Contains(string(p.Body), "rv2-20261201.pfx2as.gz") ||
		!strings.Contains(string(p.Body), "203.0.113.0/24") || strings.Contains(string(p.Body), "Load a table") {
		t.Fatalf("the table's page for a constituent: %d\n%s", p.Status, p.Body)
	}
	if p := c.Upload("/console/intel/asn", nil, "file", "mine.txt", dump); p.Status != http.StatusForbidden {
		t.Fatalf("a constituent loaded a table from the console: %d", p.Status)
	}
	staff := s.Client()
	staff.Login("coordinator@cc.example", "certhub-demo-2026")
	if p := staff.Upload("/console/intel/asn", nil, "file", "", ""); p.Status != http.StatusUnprocessableEntity || !strings.Contains(string(p.Body), "Choose a file to load.") {
		t.Fatalf("a form without a file: %d\n%s", p.Status, p.Body)
	}
	if p := staff.Upload("/console/intel/asn", nil, "file", "broken.txt", "192.0.2.0/24 64496\nnot a line at all\n"); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(p.Body), "broken.txt was not loaded") || !strings.Contains(string(p.Body), "line 2") {
		t.Fatalf("a broken dump from the console: %d\n%s", p.Status, p.Body)
	}
	if p := staff.Upload("/console/intel/asn", nil, "file", "console.txt", "192.0.2.0/24 64496\n"); p.Status != http.StatusSeeOther {
		t.Fatalf("a dump from the console: %d\n%s", p.Status, p.Body)
	}
	if r := s.API("GET", "/api/v1/intel/asn-table", coord, nil); r.JSON(t)["name"] != "console.txt" {
		t.Fatalf("the console's table: %s", r.Body)
	}
	if p := staff.Upload("/console/intel/asn", [][2]string{{"action", "delete"}}, "file", "", ""); p.Status != http.StatusSeeOther {
		t.Fatalf("remove from the console: %d\n%s", p.Status, p.Body)
	}
	if r := s.API("GET", "/api/v1/intel/asn-table", coord, nil); r.Status != http.StatusNotFound {
		t.Fatalf("after removing: %d %s", r.Status, r.Body)
	}
	if r := s.API("DELETE", "/api/v1/intel/asn-table", coord, nil); r.Status != http.StatusNotFound {
		t.Fatalf("removing nothing: %d", r.Status)
	}
	if p := staff.Get("/console/intel/asn"); p.Status != http.StatusOK || !strings.Contains(string(p.Body), "No AS table is loaded") {
		t.Fatalf("the page without a table: %d", p.Status)
	}
}
