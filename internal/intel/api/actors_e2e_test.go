package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
)

// TestIntelActors: the demo's partner describes one group twice — an
// AMBER STIX intrusion set "Indus Viper" and a GREEN MISP galaxy cluster
// "Monsoon Serpent" naming it Indus Viper too — and the two are one
// profile, each name with its source; the staff read it whole, BankCERT
// and a vendor only the GREEN claim (no AMBER alias, technique or
// indicator leaks through the merge). Filters, attribution and its
// refusals run over the API.
func TestIntelActors(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord, analyst, vendor := s.Token("coordinator@cc.example"), s.Token("analyst@bank-cert.example"), s.Token("psirt@examplesoft.example")

	list := func(token, query string) []map[string]any {
		t.Helper()
		r := s.API("GET", "/api/v1/intel/actors"+query, token, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET actors%s: %d %s", query, r.Status, r.Body)
		}
		var out []map[string]any
		for _, x := range r.JSON(t)["items"].([]any) {
			out = append(out, x.(map[string]any))
		}
		return out
	}
	strs := func(v any) []string {
		var out []string
		for _, x := range v.([]any) {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}

	items := list(coord, "?q=viper&family=actor")
	if len(items) != 1 {
		t.Fatalf("staff searching viper: %v", items)
	}
	a := items[0]
	id := a["id"].(string)
	if aliases := strs(a["aliases"]); a["family"] != "actor" || !slices.Contains(aliases, "APT-C-99") || !slices.Contains(aliases, "TA-Ledger") ||
		fmt.Sprint(a["sources"]) != "[Examplia CSIRT MISP Examplia CSIRT STIX]" || a["techniques"] != 3.0 {
		t.Fatalf("the merged profile for staff: %v", a)
	}
	if n := a["indicators"].(float64); n != 4 { // the STIX C2, the MISP event's three attributes
		t.Errorf("indicators tied to it: %v", n)
	}
	for _, q := range []string{"?q=apt+c+99", "?q=monsoon+serpent", "?sector=banking", "?active=true&family=actor"} {
		if got := list(coord, q); len(got) == 0 || !slices.ContainsFunc(got, func(m map[string]any) bool { return m["id"] == id }) {
			t.Errorf("%s does not find it: %v", q, got)
		}
	}
	if got := list(coord, "?sector=water"); len(got) != 0 {
		t.Errorf("sector=water: %v", got)
	}
	if got := list(coord, "?family=software"); len(got) != 1 || got[0]["name"] != "ViperLoader" {
		t.Errorf("software: %v", got)
	}
	if got := list(coord, "?family=campaign"); len(got) != 1 || fmt.Sprint(got[0]["sources"]) != "[Examplia CSIRT STIX]" {
		t.Errorf("campaigns: %v", got)
	}
	if r := s.Malformed().API("GET", "/api/v1/intel/actors?family=gang", coord, nil); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "family") {
		t.Errorf("an unknown family: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", "/api/v1/intel/actors", "", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("nobody: %d", r.Status)
	}

	r := s.API("GET", "/api/v1/intel/actors/"+id, coord, nil)
	p := r.JSON(t)
	if r.Status != http.StatusOK {
		t.Fatalf("the profile: %d %s", r.Status, r.Body)
	}
	names := map[string]string{}
	for _, n := range p["names"].([]any) {
		n := n.(map[string]any)
		names[n["value"].(string)] = fmt.Sprint(n["sources"])
	}
	if names["Monsoon Serpent"] != "[Examplia CSIRT MISP Examplia CSIRT STIX]" || names["APT-C-99"] != "[Examplia CSIRT STIX]" {
		t.Errorf("names and who gives them: %v", names)
	}
	if b := string(r.Body); !strings.Contains(b, `"T1566.001"`) || !strings.Contains(b, `"ViperLoader"`) || !strings.Contains(b, `"Operation Monsoon Ledger"`) ||
		!strings.Contains(b, `"PK"`) || !strings.Contains(b, "Phishing campaign imitating the bank") || !strings.Contains(b, "Phishing campaign impersonating the State Bank") ||
		!strings.Contains(b, `"192.0.2.200"`) {
		t.Errorf("the profile misses techniques, related, targets, the attributed incident, the naming alert or the C2: %s", b)
	}
	if fmt.Sprint(a["sectors"]) != "[banking government]" {
		t.Errorf("sectors: %v", a["sectors"])
	}

	// BankCERT reads the GREEN cluster only.
	items = list(analyst, "?q=serpent")
	if len(items) != 1 || items[0]["id"] != id {
		t.Fatalf("BankCERT searching serpent: %v", items)
	}
	b := items[0]
	if b["name"] != "Monsoon Serpent" || slices.Contains(strs(b["aliases"]), "APT-C-99") || fmt.Sprint(b["sources"]) != "[Examplia CSIRT MISP]" || b["techniques"] != 0.0 {
		t.Errorf("BankCERT reads more than the GREEN claim: %v", b)
	}
	if got := list(analyst, "?q=apt-c-99"); len(got) != 0 {
		t.Errorf("an AMBER alias finds the profile for BankCERT: %v", got)
	}
	r = s.API("GET", "/api/v1/intel/actors/"+id, analyst, nil)
	if r.Status != http.StatusOK || strings.Contains(string(r.Body), "APT-C-99") || strings.Contains(string(r.Body), "192.0.2.200") || strings.Contains(string(r.Body), "T1566") {
		t.Errorf("BankCERT's profile: %d %s", r.Status, r.Body)
	}
	// The community's GREEN reaches every organisation, a vendor's too;
	// the AMBER campaign does not.
	if got := list(vendor, "?family=campaign"); len(got) != 0 {
		t.Errorf("a vendor reads the AMBER campaign: %v", got)
	}
	if r := s.API("GET", "/api/v1/intel/actors/"+id, vendor, nil); r.Status != http.StatusOK || strings.Contains(string(r.Body), "APT-C-99") {
		t.Errorf("a vendor reading the profile: %d %s", r.Status, r.Body)
	}

	// Attribution: BankCERT's analyst attributes the web-shell incident it
	// handles; once; not the telecom's, which it does not read.
	inc := func(title string) string {
		r := s.API("GET", "/api/v1/incidents?limit=100", coord, nil)
		for _, x := range r.JSON(t)["items"].([]any) {
			x := x.(map[string]any)
			if x["title"] == title {
				return x["number"].(string)
			}
		}
		t.Fatalf("no incident %q: %s", title, r.Body)
		return ""
	}
	shell, ddos := inc("Web shell found on the loan application server"), inc("Volumetric DDoS on the mobile core's DNS resolvers")
	path := "/api/v1/intel/actors/" + id + "/attributions"
	r = s.API("POST", path, analyst, map[string]any{"kind": "incident", "ref": shell, "note": "ViperLoader on the server"})
	if r.Status != http.StatusCreated || r.JSON(t)["ref"] != shell {
		t.Fatalf("attributing the web shell: %d %s", r.Status, r.Body)
	}
	if r := s.API("POST", path, analyst, map[string]any{"kind": "incident", "ref": shell}); r.Status != http.StatusConflict {
		t.Errorf("twice: %d %s", r.Status, r.Body)
	}
	if r := s.API("POST", path, analyst, map[string]any{"kind": "incident", "ref": ddos}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"ref"`) {
		t.Errorf("an incident BankCERT does not read: %d %s", r.Status, r.Body)
	}
	if r := s.Malformed().API("POST", path, analyst, map[string]any{"kind": "rumour", "ref": ""}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"kind"`) {
		t.Errorf("a bad kind: %d %s", r.Status, r.Body)
	}
	if r := s.API("POST", path, s.Token("ciso@firstbank.example"), map[string]any{"kind": "incident", "ref": shell}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("the bank attributing Crescent's incident: %d %s", r.Status, r.Body)
	}
	if r := s.API("POST", path, s.Token("soc@firstbank.example"), map[string]any{"kind": "incident", "ref": shell}); r.Status != http.StatusForbidden {
		t.Errorf("a member (not an analyst) attributing: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", "/api/v1/intel/actors/"+id, coord, nil); !strings.Contains(string(r.Body), "ViperLoader on the server") {
		t.Errorf("the attribution is not on the profile: %s", r.Body)
	}
	if r := s.API("DELETE", path+"/incident/"+url.PathEscape(shell), analyst, nil); r.Status != http.StatusNoContent {
		t.Errorf("withdrawing: %d %s", r.Status, r.Body)
	}
	if r := s.API("DELETE", path+"/incident/"+url.PathEscape(shell), analyst, nil); r.Status != http.StatusNotFound {
		t.Errorf("withdrawing twice: %d %s", r.Status, r.Body)
	}
}
