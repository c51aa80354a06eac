package access

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// viewers: staff; a bank under the banking CERT owning source 7; the CERT
// itself; an insurer named to read source 9's RED; nobody.
func viewers() map[string]*Viewer {
	return map[string]*Viewer{
		"staff":   {all: true},
		"bank":    {orgs: []string{"bank"}, sectors: []string{"banking"}, children: map[string]bool{}, owned: []int64{7}},
		"cert":    {orgs: []string{"cert"}, sectors: []string{"banking"}, children: map[string]bool{"bank": true}},
		"insurer": {orgs: []string{"ins"}, sectors: []string{"insurance"}, children: map[string]bool{}, named: []int64{9}},
		"nobody":  {},
	}
}

var (
	community = Collection{Num: 1, Alias: "community", Audience: AudienceCommunity}
	banking   = Collection{Num: 2, Alias: "sector-banking", Audience: AudienceSector, Sector: "banking"}
	bankOwn   = Collection{Num: 3, Alias: "org-bank", Audience: AudienceOrg, OrgID: "bank"}
	center    = Collection{Num: 4, Alias: "center", Audience: AudienceCenter}
)

// TestReads: who reads an object, by collection, marking and source — the
// rule the package comment states, case by case.
func TestReads(t *testing.T) {
	t.Parallel()
	vs := viewers()
	for _, tt := range []struct {
		viewer string
		c      Collection
		source int64
		want   []tlp.Label // the labels read
	}{
		{"staff", center, 1, tlp.Labels},
		{"staff", bankOwn, 0, tlp.Labels},
		{"bank", community, 1, []tlp.Label{tlp.Clear, tlp.Green}},
		{"bank", community, 7, []tlp.Label{tlp.Clear, tlp.Green, tlp.Amber, tlp.AmberStrict}}, // its own source
		{"bank", banking, 1, []tlp.Label{tlp.Clear, tlp.Green}},
		{"bank", bankOwn, 0, []tlp.Label{tlp.Clear, tlp.Green, tlp.Amber, tlp.AmberStrict}},
		{"bank", center, 1, nil},
		{"cert", bankOwn, 0, []tlp.Label{tlp.Clear, tlp.Green, tlp.Amber}}, // its constituent's: not STRICT
		{"cert", community, 7, []tlp.Label{tlp.Clear, tlp.Green}},
		{"insurer", banking, 1, nil},
		{"insurer", community, 9, tlp.Labels}, // named
		{"insurer", bankOwn, 0, nil},
		{"nobody", community, 1, nil},
	} {
		var got []tlp.Label
		for _, l := range tlp.Labels {
			if vs[tt.viewer].Reads(tt.c, string(l), tt.source) {
				got = append(got, l)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s in %s from source %d reads %v, want %v", tt.viewer, tt.c.Alias, tt.source, got, tt.want)
		}
	}
	if vs["bank"].Reads(community, "PURPLE", 7) || !vs["staff"].Reads(community, "PURPLE", 1) {
		t.Error("an unknown marking is read by staff only")
	}
}

// TestRoutesAndWriting: what reaches whom of the routes, and who may add
// to a collection.
func TestRoutesAndWriting(t *testing.T) {
	t.Parallel()
	vs := viewers()
	if !vs["cert"].RoutedTo("bank", "AMBER") || vs["cert"].RoutedTo("bank", "AMBER+STRICT") || !vs["bank"].RoutedTo("bank", "AMBER+STRICT") ||
		vs["insurer"].RoutedTo("bank", "CLEAR") || vs["bank"].RoutedTo("bank", "RED") || !vs["staff"].RoutedTo("bank", "RED") {
		t.Error("RoutedTo does not follow membership and the parent CERT")
	}
	if got := vs["cert"].RouteOrgs(); !slices.Equal(got, []string{"bank", "cert"}) {
		t.Errorf("the CERT reads routes of %v", got)
	}
	if vs["staff"].RouteOrgs() != nil || !vs["cert"].Covers("bank") || vs["insurer"].Covers("bank") {
		t.Error("Covers / RouteOrgs for staff and outsiders")
	}
	analyst := &auth.Identity{User: auth.User{ID: "u"}, Memberships: []auth.Membership{{OrgID: "bank", Role: auth.RoleAnalyst}}}
	viewer := &auth.Identity{User: auth.User{ID: "v"}, Memberships: []auth.Membership{{OrgID: "bank", Role: auth.RoleViewer}}}
	for _, tt := range []struct {
		v    string
		id   *auth.Identity
		c    Collection
		want bool
	}{
		{"staff", auth.System("t"), bankOwn, true},
		{"bank", analyst, community, true},
		{"bank", analyst, banking, true},
		{"bank", analyst, bankOwn, false}, // routes are the center's to write
		{"bank", viewer, community, false},
		{"insurer", analyst, banking, false},
	} {
		if got := MayWrite(vs[tt.v], tt.id, tt.c); got != tt.want {
			t.Errorf("%s (%s) writes %s: %v, want %v", tt.v, tt.id.User.ID, tt.c.Alias, got, tt.want)
		}
	}
}

// TestWhereIsReads: the SQL form of the rule keeps exactly the rows Reads
// keeps, on both engines, for every viewer, collection, marking and source.
func TestWhereIsReads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for name, v := range viewers() {
			for _, c := range []Collection{community, banking, bankOwn, center} {
				for _, source := range []int64{0, 1, 7, 9} {
					for _, l := range append(slices.Clone(tlp.Labels), "PURPLE") {
						args := db.Args{string(l), source}
						srcCol := "src"
						if source == 0 {
							srcCol = "" // a route
						}
						q := `SELECT COUNT(*) FROM (SELECT CAST($1 AS TEXT) AS label, CAST($2 AS BIGINT) AS src) r`
						if cond := v.Where(c, "r.label", srcCol, &args); cond != "" {
							q += " WHERE " + cond
						}
						var n int
						if err := d.QueryRow(ctx, q, args...).Scan(&n); err != nil {
							t.Fatalf("%s: %v", q, err)
						}
						if want := v.Reads(c, string(l), source); (n == 1) != want {
							t.Errorf("%s in %s, %s from %d: SQL keeps %v, Reads %v (%s)", name, c.Alias, l, source, n == 1, want, fmt.Sprint(args...))
						}
					}
				}
			}
		}
	})
}
