package cverec

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/platform/errs"
)

func TestBuild(t *testing.T) {
	v3, err := cvss.Parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	if err != nil {
		t.Fatal(err)
	}
	in := Input{CVEID: "CVE-2026-12345", Title: "SQL injection in the portal", CWE: "CWE-89", CVSS3: &v3,
		CNAOrgID: "0b0c0a6e-4f56-4a2e-9b61-3c2c1e0d9a11", CNAShortName: "certhub",
		Updated: time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC),
		Affected: []Affected{
			{Vendor: "Acme", Product: "Portal", Status: "fixed", FixedVersions: "4.3.1, 4.4"},
			{Vendor: "Acme", Product: "Gateway", Status: "unknown"},
		},
		References: []string{"https://acme.example/advisory", "https://acme.example/advisory"},
		Credits:    []string{" Ada ", ""}}
	b, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Containers struct {
			CNA struct {
				Descriptions []struct{ Value string }
				Affected     []struct {
					Product       string
					DefaultStatus string
					Versions      []struct{ Version string }
				}
				References []struct{ URL string }
				Credits    []struct{ Value string }
			}
		}
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	cna := rec.Containers.CNA
	if cna.Descriptions[0].Value != in.Title {
		t.Errorf("description %q: the title stands in for an empty description", cna.Descriptions[0].Value)
	}
	if len(cna.Affected) != 1 || cna.Affected[0].DefaultStatus != "affected" || len(cna.Affected[0].Versions) != 2 {
		t.Errorf("affected %+v: want the fixed portal with two fixed versions, not the unstated gateway", cna.Affected)
	}
	if len(cna.References) != 1 || len(cna.Credits) != 1 || cna.Credits[0].Value != "Ada" {
		t.Errorf("references %+v, credits %+v: want one of each", cna.References, cna.Credits)
	}

	in.Affected, in.Named = nil, nil
	if _, err := Build(in); errs.KindOf(err) != errs.KindConflict {
		t.Errorf("no product known: %v, want a conflict", err)
	}
	in.Named, in.References = &Product{Vendor: "Acme"}, nil
	if _, err := Build(in); errs.KindOf(err) != errs.KindConflict {
		t.Errorf("no reference: %v, want a conflict", err)
	}
}

func TestValidID(t *testing.T) {
	for s, want := range map[string]bool{"CVE-2026-12345": true, "CVE-2026-123": false, "cve-2026-12345": false, "CVE-2026-1234567890123456789": true} {
		if ValidID(s) != want {
			t.Errorf("ValidID(%q) = %v", s, !want)
		}
	}
}
