package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/procurement/proctest"
)

// TestEvaluationsAPI drives the demo through the API as its clients would:
// a vendor's request with its SBOM, acceptance and assignment by the
// center, the lab's verdicts, finding and PDF report (multipart), review
// and approval onto the public list; an advisory published for that
// product turns the entry under_review by the watch job within a minute,
// the center revokes it and the public list and its CSV show why. Another
// vendor and anonymous callers see none of the evaluation.
func TestEvaluationsAPI(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord, duty, vendor, lab := s.Token("coordinator@cc.example"), s.Token("duty@cc.example"), s.Token("psirt@examplesoft.example"), s.Token("evaluator@ncstl.example")
	other := s.Token("security@netforge.example")
	labID := s.OrgID("National Cyber Security Testing Lab")
	bad := s.Malformed().API("POST", "/api/v1/evaluations", vendor, `{"product": "", "version": "1", "category": "toasters",
		"sbom": {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", "name": "a", "bom-ref": "x"}, {"type": "library", "name": "b", "bom-ref": "x"}]}}`)
	for _, f := range []string{`"field":"product"`, `"field":"category"`, `"field":"sbom"`} {
		if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(string(bad.Body), f) {
			t.Errorf("bad request: %d %s, want %s", bad.Status, bad.Body, f)
		}
	}
	// A 50 MB SBOM, and one nested deeper than any product is.
	huge := `{"product": "x", "version": "1", "category": "firewall", "sbom": {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [` +
		strings.Repeat(`{"type": "library", "name": "padding-padding-padding-padding", "version": "1.0.0"},`, 50<<20/70) + `{"type": "library", "name": "z"}]}}`
	if r := s.Malformed().API("POST", "/api/v1/evaluations", vendor, huge); r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 50 MB SBOM: %d %.200s", r.Status, r.Body)
	}
	deep := `{"product": "x", "version": "1", "category": "firewall", "sbom": {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [` +
		strings.Repeat(`{"type": "library", "name": "n", "components": [`, 100) + strings.Repeat(`]}`, 100) + `]}}`
	if r := s.Malformed().API("POST", "/api/v1/evaluations", vendor, deep); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"field":"sbom"`) {
		t.Errorf("a deeply nested SBOM: %d %.300s", r.Status, r.Body)
	}
	if r := s.API("GET", "/api/v1/evaluations", vendor, nil); strings.Contains(string(r.Body), `"product":"x"`) {
		t.Errorf("a refused request was half-written: %s", r.Body)
	}
	r := s.API("POST", "/api/v1/evaluations", vendor, `{"product": "Edge Firewall", "version": "9.2 build 4411", "category": "firewall",
		"intended_use": "Branch perimeter", "sbom": `+proctest.GateBOM+`}`)
	if r.Status != http.StatusCreated || r.Header.Get("Location") == "" {
		t.Fatalf("request: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"].(string)
	for _, who := range []string{other, lab} {
		if r := s.API("GET", "/api/v1/evaluations/"+id, who, nil); r.Status != http.StatusNotFound {
			t.Errorf("another vendor, or a lab not yet assigned, reads it: %d", r.Status)
		}
	}
	if r := s.API("GET", "/api/v1/evaluations/"+id, "", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", r.Status)
	}
	step := func(token string, body string) map[string]any {
		t.Helper()
		r := s.API("POST", "/api/v1/evaluations/"+id+"/transitions", token, body)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", body, r.Status, r.Body)
		}
		return r.JSON(t)
	}
	step(coord, `{"action": "accept"}`)
	if r := s.API("POST", "/api/v1/evaluations/"+id+"/transitions", coord, `{"action": "assign", "lab_id": "`+s.OrgID("Examplesoft Ltd")+`"}`); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("assigned to a vendor: %d %s", r.Status, r.Body)
	}
	step(coord, `{"action": "assign", "lab_id": "`+labID+`"}`)
	step(lab, `{"action": "start"}`)
	for i := 1; i <= 20; i++ {
		if r := s.API("PUT", fmt.Sprintf("/api/v1/evaluations/%s/results/FW-%02d", id, i), lab, `{"verdict": "pass"}`); r.Status != http.StatusOK {
			t.Fatalf("result: %d %s", r.Status, r.Body)
		}
	}
	if r := s.API("POST", "/api/v1/evaluations/"+id+"/findings", lab, `{"title": "Verbose banner", "cvss_vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", "cwe": "CWE-200"}`); r.Status != http.StatusCreated {
		t.Fatalf("finding: %d %s", r.Status, r.Body)
	}
	upload := func(token, kind, name, content string) apptest.Response {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.WriteField("kind", kind)
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write([]byte(content))
		_ = mw.Close()
		req, _ := http.NewRequest("POST", s.URL+"/api/v1/evaluations/"+id+"/files", &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		return s.Do(http.DefaultClient, req)
	}
	if r := upload(lab, "report", "report.pdf", "MZ\x90\x00 an executable"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"field":"file"`) {
		t.Errorf("a report that is no PDF: %d %s", r.Status, r.Body)
	}
	if r := upload(lab, "report", "report.pdf", proctest.PDF); r.Status != http.StatusCreated {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	step(lab, `{"action": "submit"}`)
	step(coord, `{"action": "review"}`)
	ev := step(duty, `{"action": "decide", "decision": "approved", "guideline_url": "https://cert.example/guidelines/firewalls"}`)
	productID, _ := ev["product_id"].(string)
	if ev["state"] != "approved" || productID == "" {
		t.Fatalf("decided: %v", ev)
	}
	r = s.API("GET", "/api/v1/approved-products?vendor=Examplesoft+Ltd&category=firewall", "", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"certificate_id":"CH-`) || !strings.Contains(string(r.Body), `"lab":"National Cyber Security Testing Lab"`) {
		t.Fatalf("the public list: %d %s", r.Status, r.Body)
	}
	if r := s.Malformed().API("GET", "/api/v1/approved-products?valid_on=tomorrow", "", nil); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a bad date: %d", r.Status)
	}
	// An advisory names the product: the watch turns it under review.
	adv := map[string]any{"kind": "advisory", "tlp": "CLEAR", "content": map[string]any{
		"title": "Authentication bypass in Examplesoft Edge Firewall", "summary": "The management API skips authentication.",
		"products": []any{map[string]any{"vendor": "Examplesoft Ltd", "name": "Edge Firewall", "versions": "<9.3"}},
		"vulnerabilities": []any{map[string]any{"title": "Authentication bypass", "cwe": "CWE-306", "status": map[string]any{"CSAFPID-0001": "known_affected"},
			"remediations": []any{map[string]any{"category": "vendor_fix", "details": "Update to 9.3.", "product_ids": []any{"CSAFPID-0001"}}}}}}}
	r = s.API("POST", "/api/v1/advisories", coord, adv)
	if r.Status != http.StatusCreated {
		t.Fatalf("advisory: %d %s", r.Status, r.Body)
	}
	advID := r.JSON(t)["id"].(string)
	s.API("POST", "/api/v1/advisories/"+advID+"/submit", coord, nil)
	if r := s.API("POST", "/api/v1/advisories/"+advID+"/approve", duty, nil); r.Status != http.StatusOK {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	deadline := time.Now().Add(time.Minute)
	var entry map[string]any
	for {
		entry = s.API("GET", "/api/v1/approved-products/"+productID, "", nil).JSON(t)
		if entry["state"] == "under_review" || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if entry["state"] != "under_review" || !strings.HasPrefix(fmt.Sprint(entry["advisory_url"]), "/advisories/") ||
		!strings.Contains(fmt.Sprint(entry["reason"]), "Authentication bypass in Examplesoft Edge Firewall") {
		t.Fatalf("within a minute of the advisory: %v", entry)
	}
	if r := s.API("POST", "/api/v1/approved-products/"+productID+"/actions", vendor, `{"action": "clear"}`); r.Status != http.StatusForbidden {
		t.Errorf("the vendor cleared its product: %d", r.Status)
	}
	r = s.API("POST", "/api/v1/approved-products/"+productID+"/actions", coord, `{"action": "revoke", "reason": "Authentication bypass without a fix."}`)
	if r.Status != http.StatusOK || r.JSON(t)["state"] != "revoked" {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	r = s.API("GET", "/api/v1/approved-products/export?state=revoked", "", nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(r.Body), "Authentication bypass without a fix.") {
		t.Errorf("CSV: %d %s", r.Status, r.Body)
	}
	r = s.API("GET", "/api/v1/approved-products/export?format=json", "", nil)
	var all []map[string]any
	if err := json.Unmarshal(r.Body, &all); err != nil || len(all) == 0 {
		t.Errorf("JSON export: %v %s", err, r.Body)
	}
	// The vendor's view: the released findings only, no report.
	v := s.API("GET", "/api/v1/evaluations/"+id, vendor, nil).JSON(t)
	if f, _ := v["findings"].([]any); len(f) != 0 {
		t.Errorf("unreleased findings shown to the vendor: %v", f)
	}
	if fs, _ := v["files"].([]any); len(fs) != 0 {
		t.Errorf("the report shown to the vendor: %v", fs)
	}
}

// TestImportCommonCriteriaAPI: staff import the portal's CSV through the
// API; a vendor may not; a file that is not the list is named.
func TestImportCommonCriteriaAPI(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	data, err := os.ReadFile("../testdata/certified-products-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/approved-products/imports/common-criteria"
	if r := s.API("POST", path, s.Token("psirt@examplesoft.example"), apptest.TextBody(data)); r.Status != http.StatusForbidden {
		t.Errorf("a vendor imported: %d", r.Status)
	}
	coord := s.Token("coordinator@cc.example")
	if r := s.Malformed().API("POST", path, coord, apptest.TextBody("a,b\n1,2\n")); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"field":"file"`) {
		t.Errorf("another CSV: %d %s", r.Status, r.Body)
	}
	r := s.API("POST", path, coord, apptest.TextBody(data))
	if r.Status != http.StatusOK || r.JSON(t)["new"] != float64(2) {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	r = s.API("GET", "/api/v1/approved-products?q=gatekeeper", "", nil)
	if !strings.Contains(string(r.Body), `"scheme":"Common Criteria (DE)"`) || !strings.Contains(string(r.Body), `"recognised":true`) {
		t.Errorf("recognised on the list: %s", r.Body)
	}
}

// TestCaseNamesApprovedProduct: a vulnerability report naming an approved
// product, accepted into a case, turns the entry under review at the next
// watch, its reason naming the case's number and nothing of its content.
func TestCaseNamesApprovedProduct(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord := s.Token("coordinator@cc.example")
	r := s.API("POST", "/api/v1/public/reports", "", map[string]any{"title": "Secret: heap overflow in the IKE daemon",
		"description": "Details under embargo.", "vendor": "Examplesoft Ltd", "product": "Edge Firewall", "versions": "9.2"})
	if r.Status != http.StatusCreated {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	reportID := r.JSON(t)["id"].(string)
	r = s.API("POST", "/api/v1/reports/"+reportID+"/accept", coord, map[string]any{"title": "IKE overflow"})
	if r.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	if _, err := s.Procurement.Watch(t.Context()); err != nil {
		t.Fatal(err)
	}
	r = s.API("GET", "/api/v1/approved-products?q=edge+firewall&state=under_review", "", nil)
	body := string(r.Body)
	if !strings.Contains(body, `"product":"Edge Firewall"`) || !strings.Contains(body, "coordinated disclosure") ||
		strings.Contains(body, "IKE") || strings.Contains(body, "Secret") {
		t.Fatalf("under review without the case's content: %s", body)
	}
}
