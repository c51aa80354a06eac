package intel

import (
	"bytes"
	"compress/gzip"
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/asn"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

// TestASNTableService: staff load, replace and delete the table; a line
// that cannot be read refuses the whole dump; ingest routes an address to
// the organisation that registered the AS announcing it; the observable's
// page and lookups show the origin; another process picks a new table up.
func TestASNTableService(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgsForAccess(t, d)
		ctx := context.Background()
		if _, err := d.Exec(ctx, `INSERT INTO org_asns (org_id, asn, position) VALUES ('ins', 64511, 0)`); err != nil {
			t.Fatal(err)
		}
		s := newService(t, d)
		staff := &auth.Identity{User: auth.User{ID: "u-staff", Email: "duty@cc.example", PlatformRole: auth.PlatformCoordinator}}
		dump := "# prefix\tlength\tAS\n192.0.2.0\t24\t64511\n198.51.100.0\t24\t64497\n2001:db8::\t32\t64511\n"

		if _, err := s.ASNTable().Info(ctx, staff); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("no table yet: %v", err)
		}
		if _, err := s.ASNTable().Load(ctx, member("bank", auth.RoleAdmin), "x", strings.NewReader(dump)); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a constituent loaded the table: %v", err)
		}
		if _, err := s.ASNTable().Load(ctx, nil, "x", strings.NewReader(dump)); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Fatalf("nobody loaded the table: %v", err)
		}
		for _, bad := range []struct{ name, body, field, message string }{
			{"bad.txt", "192.0.2.0/24 1\n192.0.2.0/24\n", "body", "line 2: want a prefix and an AS number"},
			{"bad.txt", "192.0.2.0/40 1\n", "body", "line 1: not a network"},
			{"bad.txt", "# nothing\n", "", "names no prefix"},
			{" ", dump, "name", "1 to 200 characters"},
		} {
			_, err := s.ASNTable().Load(ctx, staff, bad.name, strings.NewReader(bad.body))
			e := errs.As(err)
			if e == nil || e.Kind != errs.KindInvalid {
				t.Fatalf("%q: %v", bad.body, err)
			}
			msg := e.Message
			if bad.field != "" {
				if len(e.Fields) != 1 || e.Fields[0].Field != bad.field {
					t.Fatalf("%q: fields %v", bad.body, e.Fields)
				}
				msg = e.Fields[0].Message
			}
			if !strings.Contains(msg, bad.message) {
				t.Errorf("%q: %q, want %q", bad.body, msg, bad.message)
			}
		}
		// Gzip-compressed, as RouteViews serves it.
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte(dump))
		zw.Close()
		info, err := s.ASNTable().Load(ctx, staff, "routeviews-rv2-20261201.pfx2as.gz", &gz)
		if err != nil {
			t.Fatal(err)
		}
		if info.Prefixes != 3 || info.ASNs != 2 || info.LoadedBy != "duty@cc.example" {
			t.Fatalf("loaded %+v", info)
		}
		if got, err := s.ASNTable().Info(ctx, member("ins", auth.RoleAnalyst)); err != nil || got != info {
			t.Fatalf("the table as a member sees it: %+v %v, want %+v", got, err, info)
		}

		// The insurer registered AS64511 only: an address in 192.0.2.0/24
		// is routed to it, one in the bank's network to the bank alone
		// (AS64497 is nobody's).
		src, err := s.EnsureSource(ctx, sys, "sensors", "GREEN", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Ingest(ctx, sys, src, strings.NewReader("192.0.2.10\n198.51.100.10\n2001:db8::10\n"), IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		routed := map[string]string{}
		rows, err := d.Query(ctx, `SELECT o.value, r.org_id FROM intel_routes r JOIN intel_observables o ON o.id = r.observable_id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v, org string
			if err := rows.Scan(&v, &org); err != nil {
				t.Fatal(err)
			}
			routed[v] += org
		}
		rows.Close()
		if want := map[string]string{"192.0.2.10": "ins", "198.51.100.10": "bank", "2001:db8::10": "ins"}; !maps.Equal(routed, want) {
			t.Fatalf("routes %v, want %v", routed, want)
		}
		ins := member("ins", auth.RoleAnalyst)
		matches, err := s.Lookup().Lookup(ctx, ins, []string{"192.0.2.10"})
		if err != nil || len(matches) != 1 || matches[0].Origin == nil || *matches[0].Origin != (asn.Origin{ASN: 64511, Prefix: "192.0.2.0/24"}) {
			t.Fatalf("the insurer's lookup: %+v %v", matches, err)
		}
		view, err := s.Lookup().Observable(ctx, ins, matches[0].ObservableID)
		if err != nil || view.Origin == nil || view.Origin.ASN != 64511 || len(view.Constituents) != 1 {
			t.Fatalf("the observable's page: %+v %v", view, err)
		}
		origins, err := s.ASNTable().Lookup(ctx, ins, []string{"198.51.100.99", "hxxp://192.0.2.1/a", "203.0.113.1", "evil.example", "2001:db8::/48"})
		if err != nil {
			t.Fatal(err)
		}
		want := []asn.Lookup{
			{Value: "198.51.100.99", Type: observable.IPv4, ASN: 64497, Prefix: "198.51.100.0/24"},
			{Value: "hxxp://192.0.2.1/a", Type: observable.URL, ASN: 64511, Prefix: "192.0.2.0/24"},
			{Value: "203.0.113.1", Type: observable.IPv4},
			{Value: "evil.example", Type: observable.Domain, Invalid: "not an address or network"},
			{Value: "2001:db8::/48", Type: observable.CIDR, ASN: 64511, Prefix: "2001:db8::/32"},
		}
		if !slices.Equal(origins, want) {
			t.Fatalf("origins %+v\nwant %+v", origins, want)
		}

		// Another process (a second service on the store) reads the table
		// the first loaded, and a replacement once it looks again.
		other := newService(t, d)
		if o, err := other.ASNTable().Lookup(ctx, ins, []string{"192.0.2.1"}); err != nil || o[0].ASN != 64511 {
			t.Fatalf("the other process: %+v %v", o, err)
		}
		if _, err := s.ASNTable().Load(ctx, staff, "next.txt", strings.NewReader("192.0.2.0/25 64999\n")); err != nil {
			t.Fatal(err)
		}
		other.ASNTable().Forget() // as warnRecheck passing does
		if o, err := other.ASNTable().Lookup(ctx, ins, []string{"192.0.2.1", "198.51.100.1"}); err != nil || o[0].ASN != 64999 || o[1].ASN != 0 {
			t.Fatalf("the other process after the replacement: %+v %v", o, err)
		}
		// Deleted and loaded again: the other process, which read the
		// table before, sees the new one (revisions never repeat).
		if err := s.ASNTable().Delete(ctx, staff); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ASNTable().Load(ctx, staff, "again.txt", strings.NewReader("192.0.2.0/26 64777\n")); err != nil {
			t.Fatal(err)
		}
		other.ASNTable().Forget()
		if o, err := other.ASNTable().Lookup(ctx, ins, []string{"192.0.2.1"}); err != nil || o[0].ASN != 64777 {
			t.Fatalf("the other process after a delete and a load: %+v %v", o, err)
		}

		if err := s.ASNTable().Delete(ctx, ins); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a member deleted the table: %v", err)
		}
		if err := s.ASNTable().Delete(ctx, staff); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ASNTable().Lookup(ctx, ins, []string{"192.0.2.1"}); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("a lookup without a table: %v", err)
		}
		var actions []string
		rows, err = d.Query(ctx, `SELECT action FROM audit_log WHERE object_type = 'intel_asn_table' ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a string
			rows.Scan(&a)
			actions = append(actions, a)
		}
		rows.Close()
		if want := []string{"intel.asn_table.load", "intel.asn_table.load", "intel.asn_table.delete", "intel.asn_table.load", "intel.asn_table.delete"}; !slices.Equal(actions, want) {
			t.Errorf("audited %v, want %v", actions, want)
		}
	})
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }
