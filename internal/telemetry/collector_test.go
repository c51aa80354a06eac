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
