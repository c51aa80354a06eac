package telemetry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/telemetry"
)

func ptr(s string) *string { return &s }

var dir = map[string]directory.Org{
	"bankcert": {ID: "bankcert", Name: "Banking CERT", Kind: directory.KindSectoralCERT},
	"bank": {ID: "bank", Name: "A Bank", Kind: directory.KindConstituent, Sector: "banking", ParentID: ptr("bankcert"),
		Constituency: directory.Constituency{CIDRs: []string{"198.51.100.0/24"}}},
	"shop": {ID: "shop", Name: "A Shop", Kind: directory.KindConstituent, Sector: "retail"},
}

type orgs struct{}

func (orgs) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	var out []directory.Org
	for _, id := range ids {
		if o, ok := dir[id]; ok {
			out = append(out, o)
		}
	}
	return out, nil
}

func (orgs) Members(_ context.Context, _ *auth.Identity, org string) ([]auth.Member, error) {
	return []auth.Member{{Membership: auth.Membership{UserID: "a-" + org, OrgID: org, Role: auth.RoleAnalyst}, Name: "Analyst", Email: "analyst@" + org + ".example"}}, nil
}

// c2 is the address threat intelligence knows.
const c2 = "203.0.113.66"

type indicators struct{}

// sighted are the sightings the service reported.
var sighted struct {
	sync.Mutex
	list []telemetry.Sighting
}

func (indicators) Sighted(_ context.Context, s []telemetry.Sighting) error {
	sighted.Lock()
	defer sighted.Unlock()
	sighted.list = append(sighted.list, s...)
	return nil
}

func (indicators) Known(_ context.Context, values []string) ([]telemetry.Indicator, error) {
	var out []telemetry.Indicator
	for _, v := range values {
		if v == c2 {
			out = append(out, telemetry.Indicator{Value: v, ObservableID: 42, Sources: []string{"abuse.ch Feodo Tracker"}})
		}
	}
	return out, nil
}

type outbox struct {
	mu   sync.Mutex
	mail []notify.Mail
}

func (o *outbox) Send(_ context.Context, _ *db.Tx, m notify.Mail) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mail = append(o.mail, m)
	return nil
}

func person(role auth.Role, org string) *auth.Identity {
	return &auth.Identity{User: auth.User{ID: string(role) + "-" + org, Name: string(role), Email: string(role) + "@" + org + ".example"},
		Memberships: []auth.Membership{{UserID: string(role) + "-" + org, OrgID: org, Role: role}}}
}

var staff = &auth.Identity{User: auth.User{ID: "staff", Name: "Staff", Email: "coordinator@cc.example", PlatformRole: auth.PlatformCoordinator}}

// line is one hour's summary as a gateway sends it.
func line(at time.Time, in, out int64, ports []int, peers ...string) string {
	s := map[string]any{"interval_start": at.Format(time.RFC3339), "interval_seconds": 3600, "bytes_in": in, "bytes_out": out,
		"packets_in": in / 800, "packets_out": out / 800, "flows": 1000, "drops": 0, "capacity_bps": 1_000_000_000}
	var tp []map[string]any
	for i, p := range ports {
		tp = append(tp, map[string]any{"port": p, "bytes": in / int64(2+i)})
	}
	s["top_ports"] = tp
	var pe []map[string]any
	for _, p := range peers {
		pe = append(pe, map[string]any{"ip": p, "bytes": 50000})
	}
	s["top_peers"] = pe
	b, _ := json.Marshal(s)
	return string(b)
}

// TestTelemetry: a gateway registered by the bank's administrator sends
// ten days of hourly summaries; bad lines are refused with their reasons
// counted and the rest kept; the hours are judged: a spike, a new port
// and a peer intel knows become anomalies the bank and its CERT are told
// of; a dismissed pattern is not raised again; outsiders read nothing.
func TestTelemetry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		start := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) // a Monday
		now := start.Add(10 * 24 * time.Hour)
		out := &outbox{}
		s := telemetry.NewService(telemetry.Options{DB: d, Orgs: orgs{}, Indicators: indicators{}, Outbox: out, Now: func() time.Time { return now }})

		if _, err := s.RegisterGateway(ctx, person(auth.RoleMember, "bank"), telemetry.GatewayInput{OrgID: "bank", Name: "Edge"}); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a member registered a gateway: %v", err)
		}
		if _, err := s.RegisterGateway(ctx, person(auth.RoleAdmin, "shop"), telemetry.GatewayInput{OrgID: "bank", Name: "Edge"}); !errs.HasField(err, "org_id") {
			t.Errorf("another organisation registered the bank's gateway: %v", err)
		}
		g, err := s.RegisterGateway(ctx, person(auth.RoleAdmin, "bank"), telemetry.GatewayInput{OrgID: "bank", Name: "Head office edge"})
		if err != nil || !strings.HasPrefix(g.Token, telemetry.TokenPrefix) {
			t.Fatalf("register: %+v, %v", g, err)
		}
		if _, err := s.Ingest(ctx, telemetry.TokenPrefix+"forged", strings.NewReader(line(start, 1, 1, nil))); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Errorf("an unknown token: %v", err)
		}

		// Ten days, with a bad line of each kind among them.
		var lines []string
		for h := range 10 * 24 {
			at := start.Add(time.Duration(h) * time.Hour)
			f := 0.3 + 0.7*(0.5+0.5*math.Sin(float64(at.Hour()-8)/24*2*math.Pi))
			in, outb := int64(4e9*f), int64(1e9*f)
			ports := []int{443, 80, 53, 25, 993}
			var peers []string
			switch h {
			case 9*24 + 14: // spike in, with traffic to the C2 and a port never seen
				in *= 8
				ports = []int{443, 4444, 80, 53, 25}
				peers = []string{c2, "198.51.100.7"}
			}
			lines = append(lines, line(at, in, outb, ports, peers...))
		}
		bad := []string{`{"interval_start": "yesterday", "interval_seconds": 3600}`, `not json`,
			line(now.Add(2*time.Hour), 1000, 1000, nil), strings.Replace(line(start, 5000, 5000, nil), `"bytes_in":5000`, `"bytes_in":-5`, 1),
			strings.Replace(line(start, 5000, 5000, nil), `"interval_seconds":3600`, `"interval_seconds":7`, 1), line(start, 5000, 5000, []int{70000})}
		body := strings.Join(slices.Concat(lines[:120], bad), "\n") + "\n\n" + strings.Join(lines[120:], "\n")
		res, err := s.Ingest(ctx, g.Token, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"bad_timestamp": 1, "malformed": 1, "future": 1, "counter_backwards": 1, "bad_interval": 1, "bad_field": 1, "duplicate": 0}
		for k, v := range want {
			if res.Reasons[k] != v {
				t.Errorf("reason %s: %d, want %d (%v)", k, res.Reasons[k], v, res.Reasons)
			}
		}
		if res.Accepted != 240 || res.Rejected != 6 || len(res.Errors) != 6 || res.Errors[0].Line != 121 {
			t.Errorf("ingest: %+v", res)
		}
		// The same lines again are duplicates, not kept twice.
		if again, _ := s.Ingest(ctx, g.Token, strings.NewReader(strings.Join(lines[:5], "\n"))); again.Accepted != 0 || again.Reasons["duplicate"] != 5 {
			t.Errorf("again: %+v", again)
		}

		sighted.Lock()
		before := len(sighted.list)
		sighted.Unlock()
		n, err := s.Judge(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The traffic with the C2 is a sighting in intel, once.
		sightings := func() []telemetry.Sighting {
			sighted.Lock()
			defer sighted.Unlock()
			return append([]telemetry.Sighting{}, sighted.list[before:]...)
		}
		if got := sightings(); len(got) != 1 || got[0].Value != c2 || got[0].OrgID != g.OrgID || got[0].Gateway != g.Name {
			t.Errorf("sightings: %+v", got)
		}
		list, err := s.Anomalies(ctx, person(auth.RoleViewer, "bank"), telemetry.AnomalyFilter{})
		if err != nil || n != len(list) {
			t.Fatalf("%d found, %d listed, %v", n, len(list), err)
		}
		kinds := map[string]telemetry.Anomaly{}
		for _, a := range list {
			kinds[a.Kind] = a
		}
		spikeAt := start.Add((9*24 + 14) * time.Hour)
		if a, ok := kinds["spike_in"]; !ok || !a.Hour.Equal(spikeAt) || a.Score < 6 {
			t.Errorf("spike: %+v (all %v)", a, kinds)
		}
		if a, ok := kinds["new_port"]; !ok || a.Subject != "4444" {
			t.Errorf("new port: %+v", a)
		}
		if a, ok := kinds["known_indicator"]; !ok || a.Subject != c2 || a.Observable() != 42 || !strings.Contains(a.Sources, "Feodo") {
			t.Errorf("known indicator: %+v", a)
		}
		if len(list) != 3 {
			t.Errorf("anomalies: %v", kinds)
		}
		if len(out.mail) != 1 || strings.Join(out.mail[0].To, ",") != "analyst@bank.example,analyst@bankcert.example" || !strings.Contains(out.mail[0].Text, "4444") {
			t.Errorf("mail: %+v", out.mail)
		}
		if again, _ := s.Judge(ctx, g.ID); again != 0 {
			t.Errorf("judged again: %d", again)
		}
		if got := sightings(); len(got) != 1 {
			t.Errorf("sightings after judging again: %+v", got)
		}

		// Who reads and decides.
		if got, _ := s.Anomalies(ctx, person(auth.RoleAdmin, "shop"), telemetry.AnomalyFilter{}); len(got) != 0 {
			t.Errorf("the shop reads %d of the bank's anomalies", len(got))
		}
		if _, _, err := s.Anomaly(ctx, person(auth.RoleAdmin, "shop"), kinds["spike_in"].ID); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("the shop read an anomaly: %v", err)
		}
		if got, _ := s.Anomalies(ctx, person(auth.RoleAnalyst, "bankcert"), telemetry.AnomalyFilter{Kind: "spike_in"}); len(got) != 1 {
			t.Errorf("the bank's CERT reads %d spikes", len(got))
		}
		a, pts, err := s.Anomaly(ctx, person(auth.RoleViewer, "bank"), kinds["spike_in"].ID)
		if err != nil || len(pts) != 73 || pts[48].BytesIn != int64(a.Observed) {
			t.Errorf("around the spike: %d points, %v", len(pts), err)
		}
		if _, err := s.Decide(ctx, person(auth.RoleViewer, "bank"), a.ID, telemetry.Decision{State: "dismissed", Note: "backup"}); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a viewer decided: %v", err)
		}
		if _, err := s.Decide(ctx, person(auth.RoleMember, "bank"), a.ID, telemetry.Decision{State: "dismissed"}); !errs.HasField(err, "note") {
			t.Errorf("a dismissal without a reason: %v", err)
		}
		if _, err := s.Decide(ctx, person(auth.RoleMember, "bank"), a.ID, telemetry.Decision{State: "dismissed", Note: "the monthly off-site backup"}); err != nil {
			t.Fatal(err)
		}
		// Another spike the next day is not raised again this week.
		now = now.Add(24 * time.Hour)
		var next []string
		for h := range 24 {
			at := start.Add(time.Duration(10*24+h) * time.Hour)
			f := 0.3 + 0.7*(0.5+0.5*math.Sin(float64(at.Hour()-8)/24*2*math.Pi))
			in := int64(4e9 * f)
			if h == 14 {
				in *= 8
			}
			next = append(next, line(at, in, int64(1e9*f), []int{443, 80, 53, 25, 993}))
		}
		if res, _ := s.Ingest(ctx, g.Token, strings.NewReader(strings.Join(next, "\n"))); res.Accepted != 24 {
			t.Fatalf("next day: %+v", res)
		}
		if n, err := s.Judge(ctx, g.ID); err != nil || n != 0 {
			t.Errorf("after the dismissal, %d anomalies (%v)", n, err)
		}

		gw, err := s.Gateway(ctx, person(auth.RoleViewer, "bank"), g.ID)
		if err != nil || gw.Rejected["duplicate"] != 5 || gw.Rejected["future"] != 1 || gw.LastSeenAt == nil {
			t.Errorf("gateway: %+v, %v", gw, err)
		}
		if err := s.RevokeGateway(ctx, person(auth.RoleAnalyst, "bankcert"), g.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Ingest(ctx, g.Token, strings.NewReader(line(now, 1, 1, nil))); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Errorf("a revoked gateway's token: %v", err)
		}
		_ = fmt.Sprint()
	})
}
