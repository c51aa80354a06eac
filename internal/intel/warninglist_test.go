package intel

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/intel/warninglist"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

func TestIngestSuppressesWarninglisted(t *testing.T) {
	s := newService(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	src, err := s.EnsureSource(ctx, sys, "noisy", "GREEN", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Ingest(ctx, sys, src, strings.NewReader("10.0.0.5\n8.8.8.8\n198.51.100.7\n"), IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 1 || res.Rejected != 2 || !strings.Contains(res.Errors[0].Message, "known benign (private") {
		t.Fatalf("%+v", res)
	}
}

// TestWarninglistManagement: staff switch built-in lists off and on, load
// MISP lists, replace and delete them; ingest follows at once, another
// process (the command line) on its next check; every change is audited.
func TestWarninglistManagement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgsForAccess(t, d)
		s := newService(t, d)
		ctx := context.Background()
		staff := &auth.Identity{User: auth.User{ID: "u-staff", PlatformRole: auth.PlatformCoordinator}}
		src, err := s.EnsureSource(ctx, sys, "sensors", "GREEN", nil)
		if err != nil {
			t.Fatal(err)
		}
		ingest := func(s *Service, value string) string {
			t.Helper()
			res, err := s.Ingest(ctx, sys, src, strings.NewReader(value+"\n"), IngestOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Errors) > 0 {
				return res.Errors[0].Message
			}
			return "stored"
		}
		lists, err := s.Warninglists(ctx, member("bank", auth.RoleViewer))
		if err != nil || len(lists) != 3 || !lists[0].Builtin || !lists[0].Enabled || lists[0].Entries == 0 {
			t.Fatalf("lists %+v (%v)", lists, err)
		}
		if got := ingest(s, "8.8.8.8"); !strings.Contains(got, "known benign (public DNS resolvers)") {
			t.Fatalf("8.8.8.8: %s", got)
		}

		// Only staff change them.
		if _, err := s.SetWarninglistEnabled(ctx, member("bank", auth.RoleAdmin), "public-resolvers", false); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a constituent switched a list: %v", err)
		}
		if _, err := s.SetWarninglistEnabled(ctx, staff, "public-resolvers", false); err != nil {
			t.Fatal(err)
		}
		if got := ingest(s, "8.8.4.4"); got != "stored" {
			t.Fatalf("8.8.4.4 with the resolvers' list off: %s", got)
		}
		if err := s.DeleteWarninglist(ctx, staff, "public-resolvers"); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("a built-in list was deleted: %v", err)
		}

		// Loading: checked, a built-in's name refused, then replaced by name.
		cdn := warninglist.List{Name: "Our CDN", Type: "cidr", Version: 3, List: []string{"192.0.2.128/25", "2001:db8:cd::1"}}
		bad := cdn
		bad.List = []string{"192.0.2.128/25", "not-a-network"}
		if _, _, err := s.PutWarninglist(ctx, staff, bad); !hasField(errs.As(err), "list[1]") {
			t.Fatalf("a bad value was accepted: %v", err)
		}
		clash := cdn
		clash.Name = "Public DNS resolvers"
		if _, _, err := s.PutWarninglist(ctx, staff, clash); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("a built-in list's name was taken: %v", err)
		}
		if _, _, err := s.PutWarninglist(ctx, member("bank", auth.RoleAdmin), cdn); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a constituent loaded a list: %v", err)
		}
		w, created, err := s.PutWarninglist(ctx, staff, cdn)
		if err != nil || !created || w.Entries != 2 || w.Version != "3" || w.Builtin {
			t.Fatalf("loaded %+v %v (%v)", w, created, err)
		}
		if got := ingest(s, "192.0.2.130"); !strings.Contains(got, "known benign (Our CDN)") {
			t.Fatalf("192.0.2.130: %s", got)
		}
		cdn.List = []string{"192.0.2.0/26"}
		cdn.Name = "our cdn" // the same list: names are matched without case
		w2, created, err := s.PutWarninglist(ctx, staff, cdn)
		if err != nil || created || w2.ID != w.ID || w2.Entries != 1 {
			t.Fatalf("replaced %+v %v (%v)", w2, created, err)
		}
		if got := ingest(s, "192.0.2.131"); got != "stored" {
			t.Fatalf("192.0.2.131 after the list changed: %s", got)
		}
		one, err := s.GetWarninglist(ctx, member("bank", auth.RoleViewer), w.ID)
		if err != nil || !slices.Equal(one.List, []string{"192.0.2.0/26"}) {
			t.Fatalf("the list's values %v (%v)", one.List, err)
		}
		checks, err := s.CheckValues(ctx, staff, []string{"192.0.2[.]7", "8.8.8.8", "10.1.1.1", "not a value"})
		if err != nil || checks[0].List != "our cdn" || checks[0].Normal != "192.0.2.7" || checks[1].List != "" ||
			checks[2].List != "private and special-purpose networks" || checks[3].Invalid == "" {
			t.Fatalf("checks %+v (%v)", checks, err)
		}

		// Another process (the command line) loads a list: this one sees
		// it at its next check.
		other := newService(t, d)
		if _, _, err := other.PutWarninglist(ctx, sys, warninglist.List{Name: "partner sinkholes", Type: "string", List: []string{"sinkhole.partner.example"}}); err != nil {
			t.Fatal(err)
		}
		s.warn.mu.Lock()
		s.warn.checked = time.Time{} // as if warnRecheck had passed
		s.warn.mu.Unlock()
		if got := ingest(s, "sinkhole.partner.example"); !strings.Contains(got, "partner sinkholes") {
			t.Fatalf("the other process's list: %s", got)
		}

		if err := s.DeleteWarninglist(ctx, staff, w.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetWarninglist(ctx, staff, w.ID); errs.KindOf(err) != errs.KindNotFound {
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
