package procurement_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/procurement"
	"github.com/certhub/certhub/internal/procurement/proctest"
)

// orgs: two labs and a vendor.
type orgs map[string]directory.Org

func (o orgs) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	var out []directory.Org
	for _, id := range ids {
		if org, ok := o[id]; ok {
			out = append(out, org)
		}
	}
	return out, nil
}

func (o orgs) All(_ context.Context, _ *auth.Identity, f directory.Filter) ([]directory.Summary, error) {
	var out []directory.Summary
	for _, org := range o {
		if f.Kind == "" || org.Kind == f.Kind {
			out = append(out, directory.Summary{ID: org.ID, Name: org.Name, Kind: org.Kind})
		}
	}
	slices.SortFunc(out, func(a, b directory.Summary) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

var dir = orgs{
	"lab1":   {ID: "lab1", Name: "Alpha Test Lab", Kind: directory.KindLab},
	"lab2":   {ID: "lab2", Name: "Beta Evaluations", Kind: directory.KindLab},
	"vendor": {ID: "vendor", Name: "Examplesoft", Kind: directory.KindVendor},
}

func setup(t *testing.T, d *db.DB, now func() time.Time) *procurement.Service {
	t.Helper()
	for id, o := range dir {
		if _, err := d.Exec(context.Background(), `INSERT INTO orgs (id, name, name_key, kind, sector, created_at, updated_at)
			VALUES ($1, $2, $1, $3, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, id, o.Name, string(o.Kind)); err != nil {
			t.Fatal(err)
		}
	}
	return procurement.NewService(procurement.Options{DB: d, Orgs: dir, Now: now})
}

var member, staff = proctest.Member, proctest.Staff

// TestAccreditation: staff accredit a lab for categories and dates; each
// bad field is named; only a lab is accredited; a suspension needs its
// reason and hides the lab from everyone but staff and its own members,
// who see its history; the labs an evaluation may go to follow the
// categories, the state and the dates (the last day included).
func TestAccreditation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC)
		s := setup(t, d, func() time.Time { return now })
		good := procurement.AccreditationInput{Categories: []string{"firewall", "vpn_gateway", "firewall"}, State: "active",
			ValidFrom: "2026-01-01", ValidUntil: "2028-12-31"}
		if labs, err := s.Unaccredited(ctx, staff); err != nil || len(labs) != 2 || labs[0].ID != "lab1" {
			t.Errorf("labs to accredit: %+v %v", labs, err)
		}
		if _, err := s.Unaccredited(ctx, member("lab1", auth.RoleAdmin)); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a lab lists the labs to accredit: %v", err)
		}
		if _, err := s.SetAccreditation(ctx, member("lab1", auth.RoleAdmin), "lab1", good); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a lab accredited itself: %v", err)
		}
		if _, err := s.SetAccreditation(ctx, staff, "vendor", good); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("a vendor was accredited: %v", err)
		}
		if _, err := s.SetAccreditation(ctx, staff, "ghost", good); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("an unknown organisation: %v", err)
		}
		_, err := s.SetAccreditation(ctx, staff, "lab1", procurement.AccreditationInput{Categories: []string{"toasters"}, State: "pending",
			ValidFrom: "2026-13-01", ValidUntil: "yesterday"})
		e := errs.As(err)
		for _, f := range []string{"categories", "state", "valid_from", "valid_until"} {
			if e == nil || !errs.Fields(e.Fields).Has(f) {
				t.Errorf("%s not refused: %v", f, err)
			}
		}
		for _, in := range []procurement.AccreditationInput{
			{Categories: []string{"firewall"}, State: "active", ValidFrom: "2027-01-01", ValidUntil: "2026-01-01"},
			{Categories: []string{"firewall"}, State: "active", ValidFrom: "2026-01-01", ValidUntil: "2040-01-01"},
			{Categories: []string{"firewall"}, State: "suspended", ValidFrom: "2026-01-01", ValidUntil: "2027-01-01"},
			{State: "active", ValidFrom: "2026-01-01", ValidUntil: "2027-01-01"},
		} {
			if _, err := s.SetAccreditation(ctx, staff, "lab1", in); errs.KindOf(err) != errs.KindInvalid {
				t.Errorf("%+v accepted: %v", in, err)
			}
		}
		a, err := s.SetAccreditation(ctx, staff, "lab1", good)
		if err != nil {
			t.Fatal(err)
		}
		if a.Lab != "Alpha Test Lab" || !slices.Equal(a.Categories, []string{"firewall", "vpn_gateway"}) || !a.Standing || len(a.History) != 1 ||
			a.History[0].Actor != "Coordinator" {
			t.Errorf("accredited: %+v", a)
		}
		if _, err := s.SetAccreditation(ctx, staff, "lab2", procurement.AccreditationInput{Categories: []string{"firewall"}, State: "active",
			ValidFrom: "2025-01-01", ValidUntil: "2026-12-06"}); err != nil {
			t.Fatal(err)
		}
		labs := func(category string, at time.Time) []string {
			t.Helper()
			got, err := s.LabsFor(ctx, category, at)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := labs("firewall", now); !slices.Equal(got, []string{"lab1", "lab2"}) {
			t.Errorf("firewall labs on the last day of lab2: %v", got)
		}
		if got := labs("firewall", now.Add(10*time.Hour)); !slices.Equal(got, []string{"lab1"}) {
			t.Errorf("firewall labs the day after: %v", got)
		}
		if got := labs("web_application", now); len(got) != 0 {
			t.Errorf("web application labs: %v", got)
		}
		if _, err := s.LabsFor(ctx, "toasters", now); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("an unknown category: %v", err)
		}
		suspended := good
		suspended.State, suspended.Reason = "suspended", "the lab's auditor left; re-assessment pending"
		if _, err := s.SetAccreditation(ctx, staff, "lab1", suspended); err != nil {
			t.Fatal(err)
		}
		if got := labs("vpn_gateway", now); len(got) != 0 {
			t.Errorf("a suspended lab may be assigned: %v", got)
		}
		for _, tt := range []struct {
			who   string
			id    *auth.Identity
			names []string
		}{
			{"anonymous", nil, []string{"Beta Evaluations"}},
			{"a vendor", member("vendor", auth.RoleAdmin), []string{"Beta Evaluations"}},
			{"the suspended lab", member("lab1", auth.RoleViewer), []string{"Alpha Test Lab", "Beta Evaluations"}},
			{"staff", staff, []string{"Alpha Test Lab", "Beta Evaluations"}},
		} {
			list, err := s.Labs(ctx, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, a := range list {
				names = append(names, a.Lab)
				if a.OrgID == "lab1" && (a.Reason == "" || a.Standing) {
					t.Errorf("%s: the suspension without its reason: %+v", tt.who, a)
				}
			}
			if !slices.Equal(names, tt.names) {
				t.Errorf("%s lists %v, want %v", tt.who, names, tt.names)
			}
			one, err := s.Lab(ctx, tt.id, "lab1")
			if slices.Contains(tt.names, "Alpha Test Lab") {
				if err != nil || len(one.History) != 2 || one.History[0].State != "suspended" || one.History[1].State != "active" {
					t.Errorf("%s reads the lab: %+v %v", tt.who, one, err)
				}
			} else if errs.KindOf(err) != errs.KindNotFound {
				t.Errorf("%s reads a suspended lab: %+v %v", tt.who, one, err)
			}
		}
		if beta, err := s.Lab(ctx, nil, "lab2"); err != nil || beta.History != nil || beta.Reason != "" {
			t.Errorf("the public reads the history: %+v %v", beta, err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'procurement.accreditation'`).Scan(&n); err != nil || n != 3 {
			t.Errorf("%d changes audited (%v), want 3", n, err)
		}
	})
}
