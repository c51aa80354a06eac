package warninglist_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/warninglist"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

var sys = auth.System("test")

func member(org string, role auth.Role) *auth.Identity {
	return &auth.Identity{User: auth.User{ID: "u-" + org, Email: org + "@example.org"}, Method: auth.MethodToken,
		Memberships: []auth.Membership{{OrgID: org, Role: role}}}
}

// hasField reports whether e names field among its fields.
func hasField(e *errs.Error, field string) bool {
	return e != nil && errs.Fields(e.Fields).Has(field)
}

// TestStore: staff switch built-in lists off and on, load MISP lists,
// replace and delete them; the matcher (what ingest asks) follows at once,
// another process's (the command line's) on its next check; every change
// is audited.
func TestStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := warninglist.NewStore(d, time.Now)
		ctx := context.Background()
		staff := &auth.Identity{User: auth.User{ID: "u-staff", PlatformRole: auth.PlatformCoordinator}}
		ingest := func(s *warninglist.Store, value string) string {
			t.Helper()
			set, err := s.Set(ctx)
			if err != nil {
				t.Fatal(err)
			}
			o, err := observable.Normalize(value)
			if err != nil {
				t.Fatal(err)
			}
			if name := set.Match(o); name != "" {
				return value + ": known benign (" + name + ")"
			}
			return "stored"
		}
		lists, err := s.All(ctx, member("bank", auth.RoleViewer))
		if err != nil || len(lists) != 3 || !lists[0].Builtin || !lists[0].Enabled || lists[0].Entries == 0 {
			t.Fatalf("lists %+v (%v)", lists, err)
		}
		if got := ingest(s, "8.8.8.8"); !strings.Contains(got, "known benign (public DNS resolvers)") {
			t.Fatalf("8.8.8.8: %s", got)
		}

		// Only staff change them.
		if _, err := s.SetEnabled(ctx, member("bank", auth.RoleAdmin), "public-resolvers", false); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a constituent switched a list: %v", err)
		}
		if _, err := s.SetEnabled(ctx, staff, "public-resolvers", false); err != nil {
			t.Fatal(err)
		}
		if got := ingest(s, "8.8.4.4"); got != "stored" {
			t.Fatalf("8.8.4.4 with the resolvers' list off: %s", got)
		}
		if err := s.Delete(ctx, staff, "public-resolvers"); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("a built-in list was deleted: %v", err)
		}

		// Loading: checked, a built-in's name refused, then replaced by name.
		cdn := warninglist.List{Name: "Our CDN", Type: "cidr", Version: 3, List: []string{"192.0.2.128/25", "2001:db8:cd::1"}}
		bad := cdn
		bad.List = []string{"192.0.2.128/25", "not-a-network"}
		if _, _, err := s.Put(ctx, staff, bad); !hasField(errs.As(err), "list[1]") {
			t.Fatalf("a bad value was accepted: %v", err)
		}
		clash := cdn
		clash.Name = "Public DNS resolvers"
		if _, _, err := s.Put(ctx, staff, clash); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("a built-in list's name was taken: %v", err)
		}
		if _, _, err := s.Put(ctx, member("bank", auth.RoleAdmin), cdn); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a constituent loaded a list: %v", err)
		}
		w, created, err := s.Put(ctx, staff, cdn)
		if err != nil || !created || w.Entries != 2 || w.Version != "3" || w.Builtin {
			t.Fatalf("loaded %+v %v (%v)", w, created, err)
		}
		if got := ingest(s, "192.0.2.130"); !strings.Contains(got, "known benign (Our CDN)") {
			t.Fatalf("192.0.2.130: %s", got)
		}
		cdn.List = []string{"192.0.2.0/26"}
		cdn.Name = "our cdn" // the same list: names are matched without case
		w2, created, err := s.Put(ctx, staff, cdn)
		if err != nil || created || w2.ID != w.ID || w2.Entries != 1 {
			t.Fatalf("replaced %+v %v (%v)", w2, created, err)
		}
		if got := ingest(s, "192.0.2.131"); got != "stored" {
			t.Fatalf("192.0.2.131 after the list changed: %s", got)
		}
		one, err := s.Get(ctx, member("bank", auth.RoleViewer), w.ID)
		if err != nil || !slices.Equal(one.List, []string{"192.0.2.0/26"}) {
			t.Fatalf("the list's values %v (%v)", one.List, err)
		}
		checks, err := s.Check(ctx, staff, []string{"192.0.2[.]7", "8.8.8.8", "10.1.1.1", "not a value"})
		if err != nil || checks[0].List != "our cdn" || checks[0].Normal != "192.0.2.7" || checks[1].List != "" ||
			checks[2].List != "private and special-purpose networks" || checks[3].Invalid == "" {
			t.Fatalf("checks %+v (%v)", checks, err)
		}

		// Another process (the command line) loads a list: this one sees
		// it at its next check.
		other := warninglist.NewStore(d, time.Now)
		if _, _, err := other.Put(ctx, sys, warninglist.List{Name: "partner sinkholes", Type: "string", List: []string{"sinkhole.partner.example"}}); err != nil {
			t.Fatal(err)
		}
		s.Forget() // as if a few seconds had passed
		if got := ingest(s, "sinkhole.partner.example"); !strings.Contains(got, "partner sinkholes") {
			t.Fatalf("the other process's list: %s", got)
		}

		if err := s.Delete(ctx, staff, w.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, staff, w.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("a deleted list: %v", err)
		}
		var actions []string
		rows, err := d.Query(ctx, `SELECT action FROM audit_log WHERE object_type = 'intel_warninglist' ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				t.Fatal(err)
			}
			actions = append(actions, a)
		}
		rows.Close()
		want := []string{"intel.warninglist.disable", "intel.warninglist.load", "intel.warninglist.replace", "intel.warninglist.load", "intel.warninglist.delete"}
		if !slices.Equal(actions, want) {
			t.Fatalf("audit %v, want %v", actions, want)
		}
	})
}
