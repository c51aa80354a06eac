package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/telemetry"
)

// demoC2 is the address the partner's feed lists as a C2 server.
const demoC2 = "192.0.2.200"

// loadTelemetry gives First Example Bank and Karakoram Telecom a gateway
// each with fifteen days of hourly summaries: the telecom's ordinary, the
// bank's with one hour, three hours ago, of traffic out to the C2 server
// the partner CERT's feed lists, which the detector raises (the volume
// out and the known indicator).
func loadTelemetry(ctx context.Context, c *app.Core, ids map[string]string) error {
	sys := auth.System("demo dataset")
	now := c.Cfg.Now().UTC()
	end := now.Truncate(time.Hour)         // the hour under way is not sent yet
	start := end.Add(-15 * 24 * time.Hour) // two weekends: any hour has three of its kind of day to learn from
	for _, gw := range []struct {
		org, name string
		scale     float64
		bad       bool
	}{
		{"firstbank", "Karachi head office edge", 4e9, true},
		{"karakoram", "Islamabad peering edge", 9e10, false},
	} {
		g, err := c.Telemetry.RegisterGateway(ctx, sys, telemetry.GatewayInput{OrgID: ids[gw.org], Name: gw.name})
		if err != nil {
			return fmt.Errorf("demo gateway %s: %w", gw.name, err)
		}
		var lines []string
		// The bad hour: three hours ago, so the board's last day shows it.
		badHour := end.Add(-3 * time.Hour)
		for at, i := start, 0; at.Before(end); at, i = at.Add(time.Hour), i+1 {
			f := 0.3 + 0.7*(0.5+0.5*math.Sin(float64(at.Hour()-8)/24*2*math.Pi))
			if at.Weekday() == time.Saturday || at.Weekday() == time.Sunday {
				f *= 0.6
			}
			f *= 1 + 0.05*math.Sin(float64(i)*1.7) // a little noise, the same every time
			in, out := int64(gw.scale*f), int64(gw.scale*f/5)
			peers := []telemetry.Count{{IP: "198.51.100.250", Bytes: in / 20}, {IP: "203.0.113.250", Bytes: in / 30}}
			if gw.bad && at.Equal(badHour) {
				out *= 7
				peers = append(peers, telemetry.Count{IP: demoC2, Bytes: out / 2})
			}
			s := telemetry.Summary{IntervalStart: at, IntervalSeconds: 3600, BytesIn: in, BytesOut: out, PacketsIn: in / 900, PacketsOut: out / 700,
				Flows: int64(20000 * f), CapacityBPS: 10_000_000_000,
				TopPorts:     []telemetry.Count{{Port: 443, Bytes: in / 2}, {Port: 80, Bytes: in / 6}, {Port: 53, Bytes: in / 50}, {Port: 25, Bytes: in / 60}, {Port: 993, Bytes: in / 80}},
				TopProtocols: []telemetry.Count{{Protocol: "tcp", Bytes: in * 9 / 10}, {Protocol: "udp", Bytes: in / 10}},
				TopASNs:      []telemetry.Count{{ASN: 64496, Bytes: in / 3}}, TopPeers: peers}
			b, err := json.Marshal(s)
			if err != nil {
				return err
			}
			lines = append(lines, string(b))
		}
		res, err := c.Telemetry.Ingest(ctx, g.Token, strings.NewReader(strings.Join(lines, "\n")))
		if err != nil || res.Rejected > 0 {
			return fmt.Errorf("demo telemetry %s: %v %v", gw.name, err, res.Errors)
		}
		if _, err := c.Telemetry.Judge(ctx, g.ID); err != nil {
			return fmt.Errorf("demo telemetry %s: %w", gw.name, err)
		}
	}
	return nil
}
