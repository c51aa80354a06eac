package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
)

// TestLabsAPI: the demo's lab is listed for anyone; staff suspend it with
// a reason, after which it is gone for the public and a vendor while its
// own evaluator reads the suspension and its history; a constituent
// cannot change it; bad input is named field by field.
func TestLabsAPI(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord, lab, bank := s.Token("coordinator@cc.example"), s.Token("evaluator@ncstl.example"), s.Token("ciso@firstbank.example")
	labID := s.OrgID("National Cyber Security Testing Lab")
	r := s.API("GET", "/api/v1/labs", "", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"lab":"National Cyber Security Testing Lab"`) ||
		!strings.Contains(string(r.Body), `"firewall"`) || strings.Contains(string(r.Body), `"history"`) {
		t.Fatalf("the public list: %d %s", r.Status, r.Body)
	}
	body := `{"categories": ["firewall", "vpn_gateway"], "state": "suspended", "valid_from": "2026-01-01", "valid_until": "2028-12-31",
		"reason": "Re-assessment after the lab moved."}`
	if r := s.API("PUT", "/api/v1/labs/"+labID+"/accreditation", bank, body); r.Status != http.StatusForbidden {
		t.Fatalf("a constituent changed the accreditation: %d %s", r.Status, r.Body)
	}
	if r := s.API("PUT", "/api/v1/labs/"+labID+"/accreditation", "", body); r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d %s", r.Status, r.Body)
	}
	bad := s.Malformed().API("PUT", "/api/v1/labs/"+labID+"/accreditation", coord, `{"categories": ["toasters"], "state": "suspended", "valid_from": "2026-01-01", "valid_until": "2025-01-01"}`)
	for _, f := range []string{`"field":"categories"`, `"field":"reason"`, `"field":"valid_until"`} {
		if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(string(bad.Body), f) {
			t.Errorf("bad input: %d %s, want %s", bad.Status, bad.Body, f)
		}
	}
	if r := s.API("PUT", "/api/v1/labs/"+labID+"/accreditation", coord, body); r.Status != http.StatusOK ||
		!strings.Contains(string(r.Body), `"state":"suspended"`) || !strings.Contains(string(r.Body), `"standing":false`) {
		t.Fatalf("suspend: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", "/api/v1/labs/"+labID, "", nil); r.Status != http.StatusNotFound {
		t.Errorf("the public reads a suspended lab: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", "/api/v1/labs", s.Token("psirt@examplesoft.example"), nil); strings.Contains(string(r.Body), labID) {
		t.Errorf("a vendor lists a suspended lab: %s", r.Body)
	}
	r = s.API("GET", "/api/v1/labs/"+labID, lab, nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Re-assessment after the lab moved.") ||
		strings.Count(string(r.Body), `"actor"`) != 2 {
		t.Errorf("the lab reads its own: %d %s", r.Status, r.Body)
	}
}

// TestCataloguesAPI: the demo's firewall catalogue is public; staff
// publish a version and clarify it through the API, a vendor may not;
// what GET answers publishes again as it is (the export is the import).
func TestCataloguesAPI(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord, vendor := s.Token("coordinator@cc.example"), s.Token("psirt@examplesoft.example")
	r := s.API("GET", "/api/v1/catalogues", "", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"category":"firewall"`) || !strings.Contains(string(r.Body), `"requirements":20`) {
		t.Fatalf("catalogues: %d %s", r.Status, r.Body)
	}
	r = s.API("GET", "/api/v1/catalogues/firewall", "", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"id":"FW-20"`) {
		t.Fatalf("the firewall catalogue: %d %.300s", r.Status, r.Body)
	}
	export := string(r.Body)
	if r := s.API("POST", "/api/v1/catalogues/firewall/versions", vendor, export); r.Status != http.StatusForbidden {
		t.Fatalf("a vendor published criteria: %d %s", r.Status, r.Body)
	}
	if r := s.Malformed().API("POST", "/api/v1/catalogues/firewall/versions", coord, `{"title": "x", "requirements": [{"id": "A"}]}`); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(r.Body), `"field":"requirements[0].severity"`) {
		t.Fatalf("a bad catalogue: %d %s", r.Status, r.Body)
	}
	r = s.API("POST", "/api/v1/catalogues/firewall/versions", coord, export)
	if r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"version":2`) {
		t.Fatalf("publish the export again: %d %.300s", r.Status, r.Body)
	}
	if r := s.API("POST", "/api/v1/catalogues/firewall/versions/1/clarifications", coord, `{"requirement": "FW-02", "text": "A one-time password printed on the device counts as no shared default."}`); r.Status != http.StatusCreated {
		t.Fatalf("clarify: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", "/api/v1/catalogues/firewall?version=1", "", nil); !strings.Contains(string(r.Body), "one-time password") {
		t.Fatalf("version 1 without its clarification: %.300s", r.Body)
	}
	if r := s.API("GET", "/api/v1/catalogues/firewall/versions", "", nil); strings.Count(string(r.Body), `"version"`) != 2 {
		t.Fatalf("versions: %s", r.Body)
	}
	if r := s.Malformed().API("GET", "/api/v1/catalogues/firewall?version=zero", "", nil); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad version: %d %s", r.Status, r.Body)
	}
	if r := s.Malformed().API("GET", "/api/v1/catalogues/toasters", "", nil); r.Status != http.StatusNotFound {
		t.Fatalf("an unknown category: %d %s", r.Status, r.Body)
	}
}

// TestSBOMCheckAPI: staff load an OSV record; a constituent checks an SBOM
// against it; bad input is refused with its reason.
func TestSBOMCheckAPI(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord, bank := s.Token("coordinator@cc.example"), s.Token("ciso@firstbank.example")
	rec := `{"id": "GHSA-jfh8-c2jp-5v3q", "modified": "2024-02-01T00:00:00Z", "aliases": ["CVE-2021-44228"], "summary": "Remote code injection in Log4j",
		"affected": [{"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
		"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.13.0"}, {"fixed": "2.15.0"}]}]}]}`
	if r := s.API("POST", "/api/v1/osv", bank, rec); r.Status != http.StatusForbidden {
		t.Fatalf("a constituent loaded OSV: %d %s", r.Status, r.Body)
	}
	if r := s.API("POST", "/api/v1/osv", coord, rec); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"new":1`) {
		t.Fatalf("load: %d %s", r.Status, r.Body)
	}
	if r := s.Malformed().API("POST", "/api/v1/osv", coord, `{"id": "X"}`); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "modified") {
		t.Fatalf("a bad record: %d %s", r.Status, r.Body)
	}
	bom := `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
		{"type": "library", "name": "log4j-core", "version": "2.14.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
		{"type": "library", "name": "log4j-api", "version": "2.14.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-api@2.14.1"},
		{"type": "firmware", "name": "bootloader"}]}`
	r := s.API("POST", "/api/v1/sbom-checks", bank, bom)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"CVE-2021-44228"`) || !strings.Contains(string(r.Body), `"checked":2`) ||
		!strings.Contains(string(r.Body), `"unchecked":[{"ref":"","name":"bootloader"}]`) {
		t.Fatalf("check: %d %s", r.Status, r.Body)
	}
	if r := s.API("POST", "/api/v1/sbom-checks", "", bom); r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", r.Status)
	}
	if r := s.Malformed().API("POST", "/api/v1/sbom-checks", bank, `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", "name": "a", "bom-ref": "x"}, {"type": "library", "name": "b", "bom-ref": "x"}]}`); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "two components") {
		t.Fatalf("duplicate bom-refs: %d %s", r.Status, r.Body)
	}
}
