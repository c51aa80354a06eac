package advisory_test

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/apptest"
)

// TestAdvisoryAPI goes through the publication API as clients use it:
// validation, the four-eyes rule, scheduling, the CSAF document, import,
// drafting from a case, subscriptions and security.txt.
func TestAdvisoryAPI(t *testing.T) {
	clk := apptest.NewClock()
	s := apptest.Start(t, apptest.Options{Demo: true, Now: clk.Now})
	coord, duty := s.Token("coordinator@cc.example"), s.Token("duty@cc.example")
	telco := s.Token("lead@telco-cert.example")

	if r := s.API("GET", "/api/v1/advisories", "", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("no credentials: %d", r.Status)
	}
	if f := apptest.InvalidFields(t, s.Malformed().API("POST", "/api/v1/advisories", coord, map[string]any{"kind": "advisory", "tlp": "PINK",
		"content": map[string]any{"title": "", "summary": "x"}})); !slices.Contains(f, "content.title") || !slices.Contains(f, "tlp") {
		t.Fatalf("fields %v", f)
	}
	in := map[string]any{"kind": "advisory", "tlp": "CLEAR", "content": map[string]any{
		"title": "Heap overflow in Beta ImageLib", "summary": "A crafted image overflows a heap buffer in ImageLib before 3.2.",
		"products": []any{map[string]any{"vendor": "Beta Corp", "name": "ImageLib", "versions": "<3.2"}},
		"vulnerabilities": []any{map[string]any{"cve": "CVE-2026-50001", "title": "Heap overflow in the PNG decoder", "cwe": "CWE-787",
			"cvss3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", "status": map[string]any{"CSAFPID-0001": "known_affected"},
			"remediations": []any{map[string]any{"category": "vendor_fix", "details": "Update to 3.2.", "product_ids": []any{"CSAFPID-0001"}}}}},
	}}
	if r := s.API("POST", "/api/v1/advisories", telco, in); r.Status != http.StatusForbidden {
		t.Fatalf("a sectoral CERT drafted: %d", r.Status)
	}
	r := s.API("POST", "/api/v1/advisories", coord, in)
	if r.Status != http.StatusCreated || !strings.HasPrefix(r.Header.Get("Location"), "/api/v1/advisories/") {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"].(string)
	tracking := r.JSON(t)["tracking_id"].(string)
	if r := s.API("GET", "/api/v1/advisories/"+id+"/csaf?preview=1", coord, nil); r.Status != 200 || r.Header.Get("X-CSAF-Problems") != "0" {
		t.Fatalf("preview: %d problems %s", r.Status, r.Header.Get("X-CSAF-Problems"))
	}
	if r := s.API("POST", "/api/v1/advisories/"+id+"/submit", coord, nil); r.Status != 200 || r.JSON(t)["status"] != "in_review" {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	if r := s.API("POST", "/api/v1/advisories/"+id+"/approve", coord, nil); r.Status != http.StatusForbidden {
		t.Fatalf("self-approval: %d %s", r.Status, r.Body)
	}
	at := clk.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	if r := s.API("POST", "/api/v1/advisories/"+id+"/approve", duty, map[string]any{"publish_at": at}); r.Status != 200 || r.JSON(t)["status"] != "approved" {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", "/api/v1/advisories/"+tracking+"/csaf", telco, nil); r.Status != http.StatusNotFound {
		t.Fatalf("the scheduled document is readable: %d", r.Status)
	}
	clk.Add(25 * time.Hour)
	if n, err := s.Advisory.PublishDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("publish due: %d %v", n, err)
	}
	r = s.API("GET", "/api/v1/advisories/"+tracking+"/csaf", telco, nil)
	if r.Status != 200 {
		t.Fatalf("csaf: %d", r.Status)
	}
	if p := advisory.ValidateCSAF(r.Body, advisory.FileName(tracking)); p != nil {
		t.Fatalf("published CSAF invalid: %v", p)
	}
	r = s.API("GET", "/api/v1/advisories?cve=CVE-2026-50001", telco, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), tracking) {
		t.Fatalf("listing by CVE: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", "/api/v1/advisories?status=all", telco, nil); r.Status != http.StatusForbidden {
		t.Fatalf("a sectoral CERT listed working copies: %d", r.Status)
	}
	if f := apptest.InvalidFields(t, s.API("GET", "/api/v1/advisories?from=yesterday", telco, nil)); !slices.Contains(f, "from") {
		t.Fatalf("bad date: %v", f)
	}

	// Import: media type, invalid documents with their reasons, a valid one.
	if r := s.Malformed().API("POST", "/api/v1/advisories/import", coord, "not json"); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("junk import: %d", r.Status)
	}
	bad, err := os.ReadFile("testdata/csaf/mandatory/oasis_csaf_tc-csaf_2_0-2021-6-1-01-01.json")
	if err != nil {
		t.Fatal(err)
	}
	if f := apptest.InvalidFields(t, s.API("POST", "/api/v1/advisories/import", coord, bad)); len(f) == 0 || !strings.HasPrefix(f[0], "csaf.") {
		t.Fatalf("invalid document fields %v", f)
	}
	good, err := os.ReadFile("testdata/csaf/examples/bsi-2022-0001.json")
	if err != nil {
		t.Fatal(err)
	}
	if r := s.API("POST", "/api/v1/advisories/import", coord, good); r.Status != http.StatusCreated || r.JSON(t)["imported"] != true {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}

	// Drafting from a case: the center's staff only.
	var caseID string
	if err := s.DB.QueryRow(context.Background(), `SELECT id FROM vdp_cases WHERE status = 'disclosed'`).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	if r := s.API("POST", "/api/v1/cases/"+caseID+"/advisory", s.Token("lead@bank-cert.example"), nil); r.Status != http.StatusForbidden {
		t.Fatalf("a sectoral CERT drafted from a case: %d", r.Status)
	}
	if r := s.API("POST", "/api/v1/cases/"+caseID+"/advisory", coord, nil); r.Status != http.StatusCreated || r.JSON(t)["case_id"] != caseID {
		t.Fatalf("draft from case: %d %s", r.Status, r.Body)
	}

	// Subscriptions: double opt-in by e-mail.
	if f := apptest.InvalidFields(t, s.Malformed().API("POST", "/api/v1/public/subscriptions", "", map[string]any{"email": "nope"})); !slices.Contains(f, "email") {
		t.Fatalf("subscription fields %v", f)
	}
	if r := s.API("POST", "/api/v1/public/subscriptions", "", map[string]any{"email": "soc@subscriber.example", "kinds": []string{"advisory"}}); r.Status != http.StatusAccepted {
		t.Fatalf("subscribe: %d %s", r.Status, r.Body)
	}
	m := s.SMTP.WaitFor(t, "soc@subscriber.example", "Confirm your subscription")
	if !strings.Contains(m.Body, "/subscribe/confirm?token=") {
		t.Fatalf("confirmation mail:\n%s", m.Body)
	}

	// security.txt: signed, with the CSAF field and an expiry in the future.
	st, _, txt := anonGet(t, s.URL+"/.well-known/security.txt")
	if st != 200 || !strings.HasPrefix(txt, "-----BEGIN PGP SIGNED MESSAGE-----") || !strings.Contains(txt, "CSAF: "+s.URL+"/.well-known/csaf/provider-metadata.json") {
		t.Fatalf("security.txt: %d\n%s", st, txt)
	}
	for _, line := range strings.Split(txt, "\n") {
		if v, ok := strings.CutPrefix(line, "Expires: "); ok {
			exp, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
			if err != nil || !exp.After(clk.Now()) {
				t.Fatalf("Expires %q: %v", v, err)
			}
		}
	}
}
