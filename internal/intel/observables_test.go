package intel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/lookup"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

// TestObservablesAccess: the list and the observable page show each
// caller only what it reads — staff everything, a constituent what was
// routed to it, its sectoral CERT what it may read of that, others nothing.
func TestObservablesAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := markedIndicators(t, d)
		ctx := context.Background()
		values := func(id *auth.Identity, f lookup.ObservableFilter) []string {
			t.Helper()
			f.Limit = 100
			list, _, err := s.Lookup().Observables(ctx, id, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range list {
				out = append(out, o.Value)
			}
			slices.Sort(out)
			return out
		}
		if got := values(sys, lookup.ObservableFilter{}); len(got) != 10 {
			t.Fatalf("staff list %v", got)
		}
		bank := member("bank", auth.RoleViewer)
		if got := values(bank, lookup.ObservableFilter{}); !slices.Equal(got, []string{"198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"}) {
			t.Fatalf("the bank lists %v (RED is never routed)", got)
		}
		if got := values(member("cert", auth.RoleViewer), lookup.ObservableFilter{}); !slices.Equal(got, []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"}) {
			t.Fatalf("its sectoral CERT lists %v (not AMBER+STRICT)", got)
		}
		if got := values(member("ins", auth.RoleAdmin), lookup.ObservableFilter{}); len(got) != 0 {
			t.Fatalf("the insurer lists %v", got)
		}
		if got := values(bank, lookup.ObservableFilter{Value: "198[.]51[.]100[.]2"}); !slices.Equal(got, []string{"198.51.100.2"}) {
			t.Fatalf("the bank looks for one value: %v", got)
		}
		if _, _, err := s.Lookup().Observables(ctx, bank, lookup.ObservableFilter{Value: "not an indicator!"}); !hasField(errs.As(err), "value") {
			t.Fatalf("a bad value: %v", err)
		}
		if _, _, err := s.Lookup().Observables(ctx, bank, lookup.ObservableFilter{Type: "colour"}); !hasField(errs.As(err), "type") {
			t.Fatalf("a bad type: %v", err)
		}
		// Paging goes on where it stopped.
		page, next, err := s.Lookup().Observables(ctx, sys, lookup.ObservableFilter{Limit: 6})
		if err != nil || len(page) != 6 || next == "" {
			t.Fatalf("first page: %d %q %v", len(page), next, err)
		}
		rest, next, err := s.Lookup().Observables(ctx, sys, lookup.ObservableFilter{Limit: 6, Cursor: next})
		if err != nil || len(rest) != 4 || next != "" || rest[0].ID >= page[5].ID {
			t.Fatalf("second page: %d %q %v", len(rest), next, err)
		}

		// The ranking of the national picture: routed observables, the
		// most sighted first, what each reader reads of the routes.
		if _, err := d.Exec(ctx, `UPDATE intel_observables SET sightings = 9 WHERE value = '198.51.100.2'`); err != nil {
			t.Fatal(err)
		}
		for who, want := range map[*auth.Identity]int{sys: 4, bank: 4, member("cert", auth.RoleViewer): 3, member("ins", auth.RoleAdmin): 0} {
			top, next, err := s.Lookup().Observables(ctx, who, lookup.ObservableFilter{Limit: 10, MostSighted: true})
			if err != nil || len(top) != want || next != "" || (want > 0 && top[0].Value != "198.51.100.2") {
				t.Errorf("%v: the most sighted %+v %q %v", who.OrgIDs(), top, next, err)
			}
		}

		idOf := func(value string) int64 {
			var id int64
			if err := d.QueryRow(ctx, `SELECT id FROM intel_observables WHERE value = $1`, value).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		for _, c := range []struct {
			who               *auth.Identity
			value             string
			sightings, consts int
			tlp               string
		}{
			{sys, "198.51.100.5", 1, 0, "RED"},
			{sys, "198.51.100.3", 1, 1, "AMBER"},
			{bank, "198.51.100.4", 0, 1, "AMBER+STRICT"},
			{bank, "203.0.113.2", 1, 0, "GREEN"},
			{bank, "203.0.113.3", -1, 0, ""},
			{bank, "198.51.100.5", -1, 0, ""},
			{member("cert", auth.RoleViewer), "198.51.100.4", -1, 0, ""},
			{member("ins", auth.RoleAdmin), "198.51.100.1", 1, 0, "CLEAR"}, // the community's CLEAR, but not the bank's route
		} {
			o, err := s.Lookup().Observable(ctx, c.who, idOf(c.value))
			if c.sightings < 0 {
				if errs.KindOf(err) != errs.KindNotFound {
					t.Errorf("%v sees %s: %+v %v", c.who.OrgIDs(), c.value, o, err)
				}
				continue
			}
			if err != nil || len(o.Sightings) != c.sightings || len(o.Constituents) != c.consts || o.TLP != c.tlp || o.Pattern != "[ipv4-addr:value = '"+c.value+"']" {
				t.Errorf("%v sees %s as %+v %v", c.who.OrgIDs(), c.value, o, err)
			}
		}
	})
}

// TestMISPFeedExport: a collection as a MISP feed holds, for each reader,
// exactly the indicators it reads, tagged with their TLP (both engines).
func TestMISPFeedExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := markedIndicators(t, d)
		ctx := context.Background()
		attributes := func(id *auth.Identity, alias string) []string {
			t.Helper()
			v, err := s.Viewer(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			c, err := s.Access().Collection(ctx, alias)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := s.Sharing().WriteMISPManifest(ctx, v, c, &b); err != nil {
				t.Fatal(err)
			}
			var manifest map[string]map[string]any
			if err := json.Unmarshal([]byte(b.String()), &manifest); err != nil {
				t.Fatalf("manifest: %v\n%s", err, b.String())
			}
			var out []string
			for uuid := range manifest {
				var e strings.Builder
				if err := s.Sharing().WriteMISPEvent(ctx, v, c, uuid, &e); err != nil {
					t.Fatal(err)
				}
				var ev struct {
					Event struct {
						Attribute []struct {
							Type, Value string
							Tag         []struct{ Name string }
						}
					}
				}
				if err := json.Unmarshal([]byte(e.String()), &ev); err != nil {
					t.Fatalf("event: %v\n%s", err, e.String())
				}
				for _, a := range ev.Event.Attribute {
					out = append(out, a.Type+" "+a.Value+" "+a.Tag[0].Name)
				}
			}
			slices.Sort(out)
			return out
		}
		if got := attributes(sys, "community"); len(got) != 10 || got[0] != "ip-dst 198.51.100.1 tlp:clear" {
			t.Fatalf("staff's community feed: %v", got)
		}
		if got := attributes(member("bank", auth.RoleViewer), "community"); !slices.Equal(got, []string{"ip-dst 198.51.100.1 tlp:clear",
			"ip-dst 198.51.100.2 tlp:green", "ip-dst 203.0.113.1 tlp:clear", "ip-dst 203.0.113.2 tlp:green"}) {
			t.Fatalf("the bank's community feed: %v", got)
		}
		if got := attributes(member("cert", auth.RoleViewer), "org-bank"); !slices.Equal(got, []string{"ip-dst 198.51.100.1 tlp:clear",
			"ip-dst 198.51.100.2 tlp:green", "ip-dst 198.51.100.3 tlp:amber"}) {
			t.Fatalf("the bank's CERT reads the bank's feed: %v", got)
		}
		v, _ := s.Viewer(ctx, sys)
		c, _ := s.Access().Collection(ctx, "community")
		if err := s.Sharing().WriteMISPEvent(ctx, v, c, "00004e20-0000-4000-8000-000000000000", io.Discard); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("a made-up event: %v", err)
		}
	})
}

// TestEventCorrelation: an observable's page shows the MISP events it was
// reported in and what else each named — across events and sources —
// each caller only the events of sources it sees and the others it may
// read.
func TestEventCorrelation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgsForAccess(t, d)
		s := newService(t, d)
		ctx := context.Background()
		partner, err := s.EnsureSource(ctx, sys, "partner MISP", "GREEN", nil)
		if err != nil {
			t.Fatal(err)
		}
		closed, err := s.EnsureSource(ctx, sys, "closed group", "RED", nil)
		if err != nil {
			t.Fatal(err)
		}
		event := func(src Source, uuid, info, attrs string) {
			t.Helper()
			doc := `{"Event": {"uuid": "` + uuid + `", "info": "` + info + `", "date": "2026-11-20", "Attribute": [` + attrs + `]}}`
			if _, err := s.Ingest(ctx, sys, src, strings.NewReader(doc), IngestOptions{Format: ingest.MISP}); err != nil {
				t.Fatal(err)
			}
		}
		const shared = `{"type": "ip-dst", "category": "Network activity", "value": "203.0.113.10"}`
		event(partner, "5f0e7f5c-1a2b-4c3d-8e9f-000000000001", "Phishing wave", shared+`,
			{"type": "domain", "category": "Network activity", "value": "phish.example"},
			{"type": "sha256", "category": "Payload delivery", "value": "`+strings.Repeat("ab", 32)+`"}`)
		event(partner, "5f0e7f5c-1a2b-4c3d-8e9f-000000000002", "Botnet C2", shared+`,
			{"type": "domain", "category": "Network activity", "value": "c2.example", "Tag": [{"name": "tlp:amber"}]}`)
		event(closed, "5f0e7f5c-1a2b-4c3d-8e9f-000000000003", "Closed-group report", shared)
		// The same event loaded again is one event, not two.
		event(partner, "5f0e7f5c-1a2b-4c3d-8e9f-000000000001", "Phishing wave (updated)", shared)

		var oid int64
		if err := d.QueryRow(ctx, `SELECT id FROM intel_observables WHERE value = '203.0.113.10'`).Scan(&oid); err != nil {
			t.Fatal(err)
		}
		describe := func(id *auth.Identity) []string {
			t.Helper()
			o, err := s.Lookup().Observable(ctx, id, oid)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range o.Events {
				var with []string
				for _, w := range e.With {
					with = append(with, w.Value)
				}
				out = append(out, fmt.Sprintf("%s (%s, %d): %s", e.Info, e.Source, e.Observables, strings.Join(with, " ")))
			}
			slices.Sort(out)
			return out
		}
		if got, want := describe(sys), []string{
			"Botnet C2 (partner MISP, 2): c2.example",
			"Closed-group report (closed group, 1): ",
			"Phishing wave (updated) (partner MISP, 3): phish.example " + strings.Repeat("ab", 32),
		}; !slices.Equal(got, want) {
			t.Fatalf("staff:\n got %q\nwant %q", got, want)
		}
		// A constituent reads the community's GREEN: the partner's events,
		// without the AMBER domain; nothing of the closed group's RED.
		if got, want := describe(member("bank", auth.RoleViewer)), []string{
			"Botnet C2 (partner MISP, 2): ",
			"Phishing wave (updated) (partner MISP, 3): phish.example " + strings.Repeat("ab", 32),
		}; !slices.Equal(got, want) {
			t.Fatalf("a constituent:\n got %q\nwant %q", got, want)
		}
		var events int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM intel_events`).Scan(&events); err != nil || events != 3 {
			t.Fatalf("%d events (%v)", events, err)
		}
	})
}
