package catalogue_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/catalogue"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

var (
	products = catalogue.Rules{Methods: []string{"document_review", "sbom_review"}, RequireMethods: true}
	controls = catalogue.Rules{Methods: []string{"interview", "document_review"}, RequireFamily: true}
)

const baseline = `{"title": "Baseline", "requirements": [
	{"id": "GV-1", "family": "Govern", "title": "Policy", "text": "A security policy is approved.", "severity": "high", "methods": ["interview"]},
	{"id": "PR-1", "family": "Protect", "title": "MFA", "text": "Remote access uses MFA.", "severity": "critical"},
	{"id": "PR-2", "family": "Protect", "title": "Backups", "text": "Backups are tested.", "severity": "medium", "methods": [" interview", "interview"]}]}`

// TestParse: each owner's rules are applied (methods demanded or not, a
// family demanded or not), and every bad field is named.
func TestParse(t *testing.T) {
	t.Parallel()
	c, err := catalogue.Parse([]byte(baseline), controls)
	if err != nil || len(c.Requirements) != 3 || c.Requirements[2].Methods[0] != "interview" || len(c.Requirements[2].Methods) != 1 ||
		len(c.Requirements[1].Methods) != 0 {
		t.Fatalf("the baseline: %+v (%v)", c.Requirements, err)
	}
	if fams := c.Families(); len(fams) != 2 || fams[0] != "Govern" || fams[1] != "Protect" {
		t.Errorf("families: %v", fams)
	}
	if r, ok := c.Find(" pr-2"); !ok || r.ID != "PR-2" {
		t.Errorf("find pr-2: %+v %v", r, ok)
	}
	if _, err := catalogue.Parse([]byte(baseline), products); !errs.HasField(err, "requirements[0].methods") || !errs.HasField(err, "requirements[1].methods") {
		t.Errorf("procurement's rules: %v", err)
	}
	for _, tt := range []struct{ in, field string }{
		{`[]`, "catalogue"},
		{`{"title": "x", "requirements": []} {}`, "catalogue"},
		{`{"title": "x", "requirements": []}`, "requirements"},
		{`{"title": "", "requirements": [{"id": "A", "family": "F", "title": "t", "text": "x", "severity": "low"}]}`, "title"},
		{`{"title": "x", "requirements": [{"id": "A", "title": "t", "text": "x", "severity": "low"}]}`, "requirements[0].family"},
		{`{"title": "x", "requirements": [{"id": "A b", "family": "F", "title": "t", "text": "x", "severity": "low"}]}`, "requirements[0].id"},
		{`{"title": "x", "requirements": [{"id": "A", "family": "F", "title": "t", "text": "x", "severity": "dire"}]}`, "requirements[0].severity"},
		{`{"title": "x", "requirements": [{"id": "A", "family": "F", "title": "t", "text": "x", "severity": "low", "methods": ["guess"]}]}`, "requirements[0].methods"},
		{`{"title": "x", "requirements": [{"id": "A", "family": "F", "title": "t", "text": "x", "severity": "low"},
			{"id": "a", "family": "F", "title": "t", "text": "x", "severity": "low"}]}`, "requirements[1].id"},
	} {
		if _, err := catalogue.Parse([]byte(tt.in), controls); !errs.HasField(err, tt.field) {
			t.Errorf("%.70s: %v, want a problem with %s", tt.in, err, tt.field)
		}
	}
	if _, err := catalogue.Parse(make([]byte, catalogue.MaxBytes+1), controls); !errs.HasField(err, "catalogue") {
		t.Errorf("an oversized catalogue: %v", err)
	}
}

// FuzzParse: any input is read or refused with a field error under
// either owner's rules; what is read writes back as JSON that reads again
// the same.
func FuzzParse(f *testing.F) {
	f.Add([]byte(baseline))
	f.Add([]byte(`{"title": "x", "requirements": [{"id": "A", "title": "t", "text": "x", "severity": "low", "methods": ["sbom_review"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, rules := range []catalogue.Rules{products, controls} {
			c, err := catalogue.Parse(data, rules)
			if err != nil {
				if e := errs.As(err); e == nil || len(e.Fields) == 0 {
					t.Fatalf("refused without naming a field: %v", err)
				}
				continue
			}
			out, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			again, err := catalogue.Parse(out, rules)
			if err != nil {
				t.Fatalf("its own export refused: %v\n%s", err, out)
			}
			if a, _ := json.Marshal(again); string(a) != string(out) {
				t.Fatalf("read back differently:\n%s\n%s", out, a)
			}
		}
	})
}

// TestStore: versions are numbered per catalogue and kept whole with their
// families, methods and clarifications. It runs over procurement's
// tables (the mechanism's first owner), which the whole schema has; the
// results are exercised by each owner's own tests.
func TestStore(t *testing.T) {
	tables := catalogue.Tables{Owner: "procurement", Key: "category", Catalogues: "procurement_catalogues", Requirements: "procurement_requirements",
		Methods: "procurement_requirement_methods", Clarifications: "procurement_clarifications"}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		c, err := catalogue.Parse([]byte(baseline), controls)
		if err != nil {
			t.Fatal(err)
		}
		c.Key, c.PublishedAt, c.PublishedBy = "firewall", now, "Staff"
		var v1, v2 int
		err = d.Write(ctx, func(tx *db.Tx) error {
			if v1, err = tables.Insert(ctx, tx, c); err != nil {
				return err
			}
			c.Requirements = c.Requirements[:1]
			if v2, err = tables.Insert(ctx, tx, c); err != nil {
				return err
			}
			return tables.InsertClarification(ctx, tx, "firewall", 1, catalogue.Clarification{ID: db.NewID(), Requirement: "PR-1", Text: "Hardware keys count.",
				IssuedAt: now, IssuedBy: "Staff"})
		})
		if err != nil || v1 != 1 || v2 != 2 {
			t.Fatalf("insert: %d %d %v", v1, v2, err)
		}
		got, err := tables.Get(ctx, d, "firewall", 1)
		if err != nil || len(got.Requirements) != 3 || got.Requirements[1].Family != "Protect" || len(got.Requirements[2].Methods) != 1 ||
			len(got.Clarifications) != 1 || got.Key != "firewall" {
			t.Fatalf("version 1: %+v %v", got, err)
		}
		if latest, err := tables.Get(ctx, d, "firewall", 0); err != nil || latest.Version != 2 || len(latest.Clarifications) != 0 {
			t.Errorf("latest: %+v %v", latest, err)
		}
		if _, err := tables.Get(ctx, d, "vpn_gateway", 0); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("no catalogue: %v", err)
		}
		if list, err := tables.List(ctx, d, ""); err != nil || len(list) != 1 || list[0].Version != 2 || list[0].Requirements != 1 {
			t.Errorf("latest of each: %+v %v", list, err)
		}
		if _, _, err := got.CheckClarification("XX-9", "x"); !errs.HasField(err, "requirement") {
			t.Errorf("clarifying an unknown requirement: %v", err)
		}
		if req, _, err := got.CheckClarification("gv-1", "x"); err != nil || req != "GV-1" {
			t.Errorf("clarifying gv-1: %q %v", req, err)
		}
	})
}
