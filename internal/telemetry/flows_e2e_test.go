package telemetry_test

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/telemetry/flows"
)

// The real server with its flow collector on a UDP port: BankCERT
// registers a gateway for Crescent exporting from 127.0.0.1, the router
// sends IPFIX (template, then data) and a hostile packet; the flows are
// summed into the gateway's traffic, read through the API.
func TestFlowCollectorE2E(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true, Configure: func(c *app.Config) { c.FlowListen = "127.0.0.1:0" }})
	cert := s.Token("analyst@bank-cert.example")
	r := s.API("POST", "/api/v1/telemetry/gateways", cert, map[string]any{"org_id": s.OrgID("Crescent Microfinance"), "name": "Branch router", "exporter": "127.0.0.1"})
	if r.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	gw := r.JSON(t)["id"].(string)
	conn, err := net.Dial("udp", s.FlowAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	now := time.Now().UTC()
	fl := []flows.Flow{{Src: netip.MustParseAddr("203.0.113.9"), Dst: netip.MustParseAddr("198.51.100.40"), SrcPort: 51000, DstPort: 443, Proto: 6, Bytes: 1_000_000, Packets: 800}}
	for i, p := range [][]byte{flows.EncodeIPFIX(1, 1, now, true, nil), {0, 10, 0, 99, 1}, flows.EncodeIPFIX(1, 2, now, false, fl), flows.EncodeIPFIX(1, 3, now, false, fl)} {
		if _, err := conn.Write(p); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		time.Sleep(20 * time.Millisecond) // UDP on loopback keeps order; let the template land first
	}
	c := s.FlowCollector()
	for deadline := time.Now().Add(10 * time.Second); c.Flows.Load() < 2 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
	}
	if c.Flows.Load() != 2 || c.Undecodable.Load() != 1 {
		t.Fatalf("the collector took %d flows, %d undecodable packets", c.Flows.Load(), c.Undecodable.Load())
	}
	if err := c.Flush(context.Background(), now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	pts := s.API("GET", "/api/v1/telemetry/gateways/"+gw+"/series?days=1", cert, nil).JSON(t)["items"].([]any)
	var in float64
	for _, p := range pts {
		in += p.(map[string]any)["bytes_in"].(float64)
	}
	if in != 2_000_000 {
		t.Errorf("bytes in over the day: %v", in)
	}
}
