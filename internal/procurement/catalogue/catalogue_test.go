package catalogue_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/procurement/catalogue"
	"github.com/certhub/certhub/internal/procurement/proctest"
)

// TestParse: the demo's firewall catalogue reads; each kind of
// bad input is named by its field.
func TestParse(t *testing.T) {
	t.Parallel()
	fw, err := os.ReadFile("../testdata/firewall-catalogue.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalogue.Parse(fw)
	if err != nil || len(c.Requirements) != 20 || c.Requirements[0].ID != "FW-01" ||
		!slices.Equal(c.Requirements[0].Methods, []string{"document_review", "functional_test"}) || c.Requirements[15].Applicability == "" {
		t.Fatalf("the firewall catalogue: %d requirements, %+v (%v)", len(c.Requirements), c.Requirements[:1], err)
	}
	for _, tt := range []struct{ in, field string }{
		{`[]`, "catalogue"},
		{`{"title": "x", "requirements": []} {}`, "catalogue"},
		{`{"title": "", "requirements": [{"id": "A", "title": "t", "text": "x", "severity": "low", "methods": ["functional_test"]}]}`, "title"},
		{`{"title": "x", "requirements": []}`, "requirements"},
		{`{"title": "x", "requirements": [{"id": "has space", "title": "t", "text": "x", "severity": "low", "methods": ["functional_test"]}]}`, "requirements[0].id"},
		{`{"title": "x", "requirements": [{"id": "A", "title": "t", "text": "x", "severity": "low", "methods": ["functional_test"]},
			{"id": "a", "title": "t", "text": "x", "severity": "low", "methods": ["functional_test"]}]}`, "requirements[1].id"},
		{`{"title": "x", "requirements": [{"id": "A", "title": "t", "text": "", "severity": "low", "methods": ["functional_test"]}]}`, "requirements[0].text"},
		{`{"title": "x", "requirements": [{"id": "A", "title": "t", "text": "x", "severity": "urgent", "methods": ["functional_test"]}]}`, "requirements[0].severity"},
		{`{"title": "x", "requirements": [{"id": "A", "title": "t", "text": "x", "severity": "low", "methods": ["guessing"]}]}`, "requirements[0].methods"},
		{`{"title": "x", "requirements": [{"id": "A", "title": "t", "text": "x", "severity": "low"}]}`, "requirements[0].methods"},
		{`{"title": "x\u0000y", "requirements": [{"id": "A", "title": "t", "text": "x", "severity": "low", "methods": ["functional_test"]}]}`, "title"},
		{`{"title": "x", "requirements": [{"id": "A", "title": "` + strings.Repeat("t", 301) + `", "text": "x", "severity": "low", "methods": ["functional_test"]}]}`, "requirements[0].title"},
	} {
		_, err := catalogue.Parse([]byte(tt.in))
		if !errs.HasField(err, tt.field) {
			t.Errorf("%.60s: %v, want a problem with %s", tt.in, err, tt.field)
		}
	}
	if _, err := catalogue.Parse(make([]byte, catalogue.MaxBytes+1)); !errs.HasField(err, "catalogue") {
		t.Errorf("an oversized catalogue: %v", err)
	}
}

// TestCatalogues: proctest.Staff publish versions (each numbered after the last,
// earlier ones kept whole) and clarify a version; anyone reads them.
func TestCatalogues(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC)
		s := catalogue.New(d, func() time.Time { return now })
		fw, err := os.ReadFile("../testdata/firewall-catalogue.json")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Publish(ctx, proctest.Member("lab1", auth.RoleAdmin), "firewall", fw); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a lab published criteria: %v", err)
		}
		if _, err := s.Publish(ctx, proctest.Staff, "toasters", fw); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("an unknown category: %v", err)
		}
		v1, err := s.Publish(ctx, proctest.Staff, "firewall", fw)
		if err != nil || v1.Version != 1 || len(v1.Requirements) != 20 || v1.PublishedBy != "Coordinator" {
			t.Fatalf("version 1: %d, %d requirements (%v)", v1.Version, len(v1.Requirements), err)
		}
		smaller := `{"title": "Firewalls (2027)", "requirements": [{"id": "FW-01", "title": "Default deny", "text": "Denies what no rule permits.",
			"severity": "critical", "methods": ["functional_test"]}]}`
		v2, err := s.Publish(ctx, proctest.Staff, "firewall", []byte(smaller))
		if err != nil || v2.Version != 2 {
			t.Fatalf("version 2: %+v %v", v2, err)
		}
		if latest, err := s.Get(ctx, "firewall", 0); err != nil || latest.Version != 2 || len(latest.Requirements) != 1 {
			t.Errorf("latest: %d (%v)", latest.Version, err)
		}
		old, err := s.Get(ctx, "firewall", 1)
		if err != nil || len(old.Requirements) != 20 || old.Requirements[19].ID != "FW-20" || !slices.Equal(old.Requirements[7].Methods, []string{"functional_test", "source_review"}) {
			t.Errorf("version 1 kept: %d requirements (%v)", len(old.Requirements), err)
		}
		if _, err := s.Get(ctx, "firewall", 3); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("version 3: %v", err)
		}
		if _, err := s.Clarify(ctx, proctest.Staff, "firewall", 1, "FW-99", "x"); !errs.HasField(err, "requirement") {
			t.Errorf("an unknown requirement: %v", err)
		}
		if _, err := s.Clarify(ctx, proctest.Staff, "firewall", 1, "fw-16", ""); !errs.HasField(err, "text") {
			t.Errorf("an empty clarification: %v", err)
		}
		cl, err := s.Clarify(ctx, proctest.Staff, "firewall", 1, "fw-16", "A product whose VPN is licensed separately is evaluated with the licence.")
		if err != nil || cl.Requirement != "FW-16" {
			t.Fatalf("clarify: %+v %v", cl, err)
		}
		if old, _ := s.Get(ctx, "firewall", 1); len(old.Clarifications) != 1 || old.Clarifications[0].Requirement != "FW-16" {
			t.Errorf("version 1's clarifications: %+v", old.Clarifications)
		}
		if v2, _ := s.Get(ctx, "firewall", 2); len(v2.Clarifications) != 0 {
			t.Errorf("version 2 has version 1's clarifications: %+v", v2.Clarifications)
		}
		list, err := s.Latest(ctx)
		if err != nil || len(list) != 1 || list[0].Version != 2 || list[0].Requirements != 1 {
			t.Errorf("catalogues: %+v %v", list, err)
		}
		if vs, err := s.Versions(ctx, "firewall"); err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[1].Requirements != 20 {
			t.Errorf("versions: %+v %v", vs, err)
		}
	})
}
