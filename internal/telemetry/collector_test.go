package telemetry_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/telemetry"
	"github.com/certhub/certhub/internal/telemetry/flows"
)

// TestCollector: flows exported by a gateway's router are summed into
// minutes and stored as its summaries (in and out by the bank's
// networks); packets from an address no gateway names, and packets that
// do not decode, are counted and dropped; two gateways cannot share an
// exporter.
func TestCollector(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
		s := telemetry.NewService(telemetry.Options{DB: d, Orgs: orgs{}, Now: func() time.Time { return now }})
		admin := person(auth.RoleAdmin, "bank")
		if _, err := s.RegisterGateway(ctx, admin, telemetry.GatewayInput{OrgID: "bank", Name: "Router", Exporter: "not an address"}); !errs.HasField(err, "exporter") {
			t.Errorf("a bad exporter: %v", err)
		}
		g, err := s.RegisterGateway(ctx, admin, telemetry.GatewayInput{OrgID: "bank", Name: "Router", Exporter: "198.51.100.1"})
		if err != nil || g.Exporter != "198.51.100.1" {
			t.Fatalf("register: %+v, %v", g, err)
		}
		if _, err := s.RegisterGateway(ctx, admin, telemetry.GatewayInput{OrgID: "bank", Name: "Twin", Exporter: "198.51.100.1"}); !errs.HasField(err, "exporter") {
			t.Errorf("a second gateway on one exporter: %v", err)
		}
		c := s.NewCollector()
		router := netip.MustParseAddr("198.51.100.1")
		fl := []flows.Flow{
			{Src: netip.MustParseAddr("203.0.113.9"), Dst: netip.MustParseAddr("198.51.100.10"), SrcPort: 51000, DstPort: 443, Proto: 6, Bytes: 900_000, Packets: 700},
			{Src: netip.MustParseAddr("198.51.100.10"), Dst: netip.MustParseAddr("192.0.2.200"), SrcPort: 49152, DstPort: 8443, Proto: 6, Bytes: 250_000, Packets: 200},
		}
		at := now.Add(-90 * time.Second)
		if err := c.Handle(ctx, router, flows.EncodeIPFIX(7, 1, at, true, fl), at); err != nil {
			t.Fatal(err)
		}
		if err := c.Handle(ctx, router, flows.EncodeIPFIX(7, 2, at, false, fl), at); err != nil {
			t.Fatal(err)
		}
		if err := c.Handle(ctx, netip.MustParseAddr("203.0.113.1"), flows.EncodeIPFIX(7, 1, at, true, fl), at); err == nil {
			t.Error("an unknown exporter's flows were taken")
		}
		if err := c.Handle(ctx, router, []byte{0, 10, 0, 200, 1, 2, 3}, at); err == nil {
			t.Error("a truncated packet decoded")
		}
		if c.Flows.Load() != 4 || c.Unknown.Load() != 1 || c.Undecodable.Load() != 1 || c.Packets.Load() != 4 {
			t.Errorf("counters: %d flows, %d unknown, %d undecodable, %d packets", c.Flows.Load(), c.Unknown.Load(), c.Undecodable.Load(), c.Packets.Load())
		}
		if err := c.Flush(ctx, now); err != nil {
			t.Fatal(err)
		}
		pts, err := s.Series(ctx, admin, g.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		last := pts[len(pts)-2] // the hour before now's
		if last.BytesIn != 1_800_000 || last.BytesOut != 500_000 {
			t.Errorf("the hour's traffic: %+v", last)
		}
		gw, _ := s.Gateway(ctx, admin, g.ID)
		if gw.LastSeenAt == nil {
			t.Error("the gateway was not seen")
		}
	})
}

// TestCollectorsOnTwoNodes: an exporter's packets spread over two nodes'
// collectors (on one PostgreSQL database): the node that was not sent the
// template decodes the data with the one the other saved, and the two
// nodes' sums of a minute add up to one summary of all its flows.
func TestCollectorsOnTwoNodes(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.DSN(t, db.Postgres)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	var nodes [2]*telemetry.Service
	for i := range nodes {
		d, err := db.Open(ctx, db.Options{DSN: dsn})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		nodes[i] = telemetry.NewService(telemetry.Options{DB: d, Orgs: orgs{}, Now: func() time.Time { return now }})
	}
	admin := person(auth.RoleAdmin, "bank")
	g, err := nodes[0].RegisterGateway(ctx, admin, telemetry.GatewayInput{OrgID: "bank", Name: "Router", Exporter: "198.51.100.1"})
	if err != nil {
		t.Fatal(err)
	}
	a, b := nodes[0].NewCollector(), nodes[1].NewCollector()
	router := netip.MustParseAddr("198.51.100.1")
	fl := []flows.Flow{
		{Src: netip.MustParseAddr("203.0.113.9"), Dst: netip.MustParseAddr("198.51.100.10"), SrcPort: 51000, DstPort: 443, Proto: 6, Bytes: 900_000, Packets: 700},
		{Src: netip.MustParseAddr("198.51.100.10"), Dst: netip.MustParseAddr("192.0.2.200"), SrcPort: 49152, DstPort: 8443, Proto: 6, Bytes: 250_000, Packets: 200},
	}
	at := now.Add(-90 * time.Second) // in the minute 09:58–09:59
	if err := a.Handle(ctx, router, flows.EncodeIPFIX(7, 1, at, true, fl), at); err != nil {
		t.Fatal(err)
	}
	// Data only, to the other node: decoded with the template A saved.
	if err := b.Handle(ctx, router, flows.EncodeIPFIX(7, 2, at, false, fl), at); err != nil {
		t.Fatalf("B could not decode the data: %v", err)
	}
	if b.Flows.Load() != 2 {
		t.Fatalf("B decoded %d flows", b.Flows.Load())
	}
	end := now.Add(-time.Minute)
	// Each flushes its share soon after the minute ends; the minute is
	// added up once every node has.
	for _, c := range []*telemetry.Collector{a, b} {
		if err := c.Flush(ctx, end.Add(10*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if pts, err := nodes[1].Series(ctx, admin, g.ID, 1); err != nil || pts[len(pts)-2].BytesIn != 0 {
		t.Fatalf("a summary before the parts were added up: %+v %v", pts, err)
	}
	if err := b.Flush(ctx, end.Add(40*time.Second)); err != nil {
		t.Fatal(err)
	}
	pts, err := nodes[0].Series(ctx, admin, g.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if last := pts[len(pts)-2]; last.BytesIn != 1_800_000 || last.BytesOut != 500_000 {
		t.Fatalf("the minute of both nodes: %+v, want 1,800,000 in and 500,000 out", last)
	}
}
