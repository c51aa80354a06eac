package vulns_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/procurement/proctest"
	"github.com/certhub/certhub/internal/procurement/vulns"
)

// TestLoadAndCheck: proctest.Staff load OSV records (a newer one replaces, an
// older or equal one is kept out); an SBOM's components are matched by
// package and version, those that cannot be are listed as unchecked; a
// withdrawn record no longer matches.
func TestLoadAndCheck(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := vulns.New(d, func() time.Time { return time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC) })
		load := `[` + proctest.OSVRecord("GHSA-aaaa-0001", "2024-01-01T00:00:00Z", "left-pad", "1.3.0", "CVE-2024-0001") + `,` +
			proctest.OSVRecord("GHSA-aaaa-0002", "2024-01-01T00:00:00Z", "@acme/core", "2.0.0", "CVE-2024-0002") + `]`
		if _, err := s.Load(ctx, proctest.Member("lab1", auth.RoleAdmin), []byte(load)); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a lab loaded OSV records: %v", err)
		}
		res, err := s.Load(ctx, proctest.Staff, []byte(load))
		if err != nil || res.New != 2 || res.Records != 2 {
			t.Fatalf("load: %+v %v", res, err)
		}
		// Newer: left-pad is fixed later; older: ignored.
		res, err = s.Load(ctx, proctest.Staff, []byte(`[`+proctest.OSVRecord("GHSA-aaaa-0001", "2024-06-01T00:00:00Z", "left-pad", "1.4.0", "CVE-2024-0001")+`,`+
			proctest.OSVRecord("GHSA-aaaa-0002", "2023-01-01T00:00:00Z", "@acme/core", "9.0.0", "CVE-2024-0002")+`]`))
		if err != nil || res.Updated != 1 || res.Unchanged != 1 {
			t.Fatalf("reload: %+v %v", res, err)
		}
		bom := `{"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {"component": {"type": "device", "name": "Gate 7", "version": "3.1"}},
			"components": [
			{"type": "library", "name": "left-pad", "version": "1.3.5", "purl": "pkg:npm/left-pad@1.3.5"},
			{"type": "library", "name": "core", "version": "1.9.0", "purl": "pkg:npm/%40acme/core@1.9.0"},
			{"type": "library", "name": "core", "version": "2.0.0", "purl": "pkg:npm/%40acme/core@2.0.0"},
			{"type": "library", "name": "openssl", "version": "3.0.0", "cpe": "cpe:2.3:a:openssl:openssl:3.0.0:*:*:*:*:*:*:*"},
			{"type": "library", "name": "odd", "version": "???", "purl": "pkg:npm/left-pad@%3F%3F%3F"},
			{"type": "library", "name": "firmware-blob"}]}`
		if _, err := s.CheckSBOM(ctx, nil, strings.NewReader(bom)); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Errorf("anonymous check: %v", err)
		}
		c, err := s.CheckSBOM(ctx, proctest.Member("vendor", auth.RoleViewer), strings.NewReader(bom))
		if err != nil {
			t.Fatal(err)
		}
		var vulnerable []string
		for _, v := range c.Vulnerable {
			vulnerable = append(vulnerable, v.PURL+" "+v.Vulnerabilities[0].ID+" "+strings.Join(v.Vulnerabilities[0].Aliases, ","))
		}
		want := []string{"pkg:npm/left-pad@1.3.5 GHSA-aaaa-0001 CVE-2024-0001", "pkg:npm/%40acme/core@1.9.0 GHSA-aaaa-0002 CVE-2024-0002"}
		if strings.Join(vulnerable, "|") != strings.Join(want, "|") {
			t.Errorf("vulnerable:\n%s\nwant\n%s", strings.Join(vulnerable, "\n"), strings.Join(want, "\n"))
		}
		var unchecked []string
		for _, u := range c.Unchecked {
			unchecked = append(unchecked, u.Name)
		}
		if strings.Join(unchecked, ",") != "openssl,odd,firmware-blob" || c.Components != 6 || c.Checked != 3 || c.Product != "Gate 7 3.1" {
			t.Errorf("unchecked %v, %d of %d checked, product %q", unchecked, c.Checked, c.Components, c.Product)
		}
		withdrawn := strings.Replace(proctest.OSVRecord("GHSA-aaaa-0002", "2025-01-01T00:00:00Z", "@acme/core", "2.0.0", "CVE-2024-0002"), `"summary"`, `"withdrawn": "2025-01-01T00:00:00Z", "summary"`, 1)
		if res, err := s.Load(ctx, proctest.Staff, []byte(withdrawn)); err != nil || res.Updated != 1 {
			t.Fatalf("withdraw: %+v %v", res, err)
		}
		if c, _ := s.CheckSBOM(ctx, proctest.Staff, strings.NewReader(bom)); len(c.Vulnerable) != 1 {
			t.Errorf("a withdrawn record still matches: %+v", c.Vulnerable)
		}
		if _, err := s.Load(ctx, proctest.Staff, []byte(`{"id": "X"}`)); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("a record without modified time: %v", err)
		}
	})
}
