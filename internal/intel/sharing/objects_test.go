package sharing

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/stix"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// orgs is a directory of two organisations: a bank under a sectoral CERT.
type orgs struct{}

func (orgs) Orgs(context.Context) (map[string]access.Org, error) {
	return map[string]access.Org{"bank": {Name: "Bank", Parent: "cert", Sector: "finance"}, "cert": {Name: "CERT"}}, nil
}

func (o orgs) Org(ctx context.Context, id string) (access.Org, bool, error) {
	m, _ := o.Orgs(ctx)
	org, ok := m[id]
	return org, ok, nil
}

func (orgs) SectorHasOrgs(_ context.Context, sector string) (bool, error) {
	return sector == "finance", nil
}

func member(org string, role auth.Role) *auth.Identity {
	return &auth.Identity{User: auth.User{ID: "u-" + org, Email: org + "@example.org"}, Method: auth.MethodToken,
		Memberships: []auth.Membership{{OrgID: org, Role: role}}}
}

func TestGeneratedIDs(t *testing.T) {
	t.Parallel()
	salt := [5]byte{1, 2, 3, 4, 5}
	for _, tt := range []idParts{{kindObservation, 1, 1}, {kindRoute, 1<<47 - 1, 1<<40 - 1}, {kindObservation, 123456789, 42}} {
		id := "indicator--" + generatedID(tt.kind, tt.observable, tt.key, salt)
		if !stix.ValidID(id) || id[11+14] != '4' {
			t.Errorf("%v: %s is not a version-4 STIX id", tt, id)
		}
		got, ok := parseGeneratedID(id, salt)
		if !ok || got != tt {
			t.Errorf("%s read back as %v %v, want %v", id, got, ok, tt)
		}
		if _, ok := parseGeneratedID(id, [5]byte{9, 9, 9, 9, 9}); ok {
			t.Errorf("%s was read with another installation's salt", id)
		}
	}
}

// TestPagePlan: SQLite pages a collection's indicators on its index's own
// range, after from_stix — not walking past the observations read from
// STIX objects, which took seconds a page at ten million (migration 0009).
func TestPagePlan(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	acc := access.NewStore(d, time.Now, orgs{})
	ctx := context.Background()
	if err := acc.EnsureBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	community, err := acc.Collection(ctx, "community")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []*auth.Identity{auth.System("test"), member("bank", auth.RoleViewer)} {
		v, err := acc.Viewer(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		q, args := observationsPage(v, community, Filter{After: 1, Limit: 1000}, nil)
		rows, err := d.Query(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		want := "SEARCH b USING INDEX intel_observations_page (collection_num=? AND from_stix=? AND added>?)"
		if !slices.Contains(plan, want) || slices.ContainsFunc(plan, func(p string) bool { return strings.Contains(p, "TEMP B-TREE") }) {
			t.Errorf("plan for %s:\n%s\nwant %q and no sorting", id.User.Email, strings.Join(plan, "\n"), want)
		}
	}
}
