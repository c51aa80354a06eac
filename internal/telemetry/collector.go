package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/telemetry/flows"
)

// FlowInterval is the interval the collector sums flows into.
const FlowInterval = time.Minute

// exporter is a gateway that exports flows, with its organisation's
// networks (a flow from inside them is traffic out).
type exporter struct {
	gateway  string
	prefixes []netip.Prefix
}

func (e exporter) inside(a netip.Addr) bool {
	for _, p := range e.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Collector takes NetFlow v9 and IPFIX packets from the gateways'
// exporters (each gateway names its exporter's address), sums the flows
// into one-minute summaries and stores them as a gateway's own summaries
// would be. Packets from an address no gateway names, and packets that do
// not decode, are counted and dropped.
type Collector struct {
	s         *Service
	dec       *flows.Decoder
	agg       *flows.Aggregator
	mu        sync.RWMutex
	exporters map[netip.Addr]exporter
	loaded    time.Time
	// Counters, for the metrics and the tests.
	Packets, Flows, Unknown, Undecodable atomic.Int64
}

// NewCollector makes the collector of s.
func (s *Service) NewCollector() *Collector {
	return &Collector{s: s, dec: flows.NewDecoder(), agg: flows.NewAggregator(FlowInterval), exporters: map[netip.Addr]exporter{}}
}

// refresh reloads the exporters at most every 30 seconds.
func (c *Collector) refresh(ctx context.Context) error {
	c.mu.RLock()
	fresh := time.Since(c.loaded) < 30*time.Second
	c.mu.RUnlock()
	if fresh {
		return nil
	}
	type row struct{ id, org, exporter string }
	var rows []row
	err := c.s.db.Read(ctx, func(q db.Querier) (err error) {
		rows, err = db.QueryAll(ctx, q, func(r db.Row) (row, error) {
			var x row
			return x, r.Scan(&x.id, &x.org, &x.exporter)
		}, `SELECT id, org_id, exporter FROM telemetry_gateways WHERE exporter <> '' AND revoked_at IS NULL`)
		return err
	})
	if err != nil {
		return err
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.org)
	}
	orgs, err := c.s.orgs.GetMany(ctx, system, ids)
	if err != nil {
		return err
	}
	nets := map[string][]netip.Prefix{}
	for _, o := range orgs {
		for _, v := range o.Constituency.CIDRs {
			if p, err := netip.ParsePrefix(v); err == nil {
				nets[o.ID] = append(nets[o.ID], p.Masked())
			}
		}
	}
	m := map[netip.Addr]exporter{}
	for _, r := range rows {
		if a, err := netip.ParseAddr(r.exporter); err == nil {
			m[a.Unmap()] = exporter{gateway: r.id, prefixes: nets[r.org]}
		}
	}
	c.mu.Lock()
	c.exporters, c.loaded = m, time.Now()
	c.mu.Unlock()
	return nil
}

// Handle takes one packet from an exporter's address at a time.
func (c *Collector) Handle(ctx context.Context, from netip.Addr, packet []byte, at time.Time) error {
	c.Packets.Add(1)
	if err := c.refresh(ctx); err != nil {
		return err
	}
	c.mu.RLock()
	e, ok := c.exporters[from.Unmap()]
	c.mu.RUnlock()
	if !ok {
		c.Unknown.Add(1)
		return fmt.Errorf("telemetry: flows from %s, which no gateway exports from", from)
	}
	n, err := c.dec.Decode(from.Unmap(), packet, func(f flows.Flow) { c.agg.Add(e.gateway, e.inside, at, f) })
	c.Flows.Add(int64(n))
	if err != nil && !errors.Is(err, flows.ErrNoFlows) {
		c.Undecodable.Add(1)
		return err
	}
	return nil
}

// Flush stores the intervals that ended before t.
func (c *Collector) Flush(ctx context.Context, t time.Time) error {
	for gw, list := range c.agg.Flush(t) {
		sums := make([]Summary, 0, len(list))
		for _, x := range list {
			s := Summary{IntervalStart: x.Start, IntervalSeconds: x.Seconds, BytesIn: x.BytesIn, BytesOut: x.BytesOut, PacketsIn: x.PacketsIn,
				PacketsOut: x.PacketsOut, Flows: x.Flows}
			for _, p := range x.Ports {
				n, _ := strconv.Atoi(p.Key)
				s.TopPorts = append(s.TopPorts, Count{Port: n, Bytes: p.Bytes})
			}
			for _, p := range x.Peers {
				s.TopPeers = append(s.TopPeers, Count{IP: p.Key, Bytes: p.Bytes})
			}
			for _, p := range x.Protocols {
				s.TopProtocols = append(s.TopProtocols, Count{Protocol: p.Key, Bytes: p.Bytes})
			}
			for _, p := range x.ASNs {
				n, _ := strconv.ParseInt(p.Key, 10, 64)
				s.TopASNs = append(s.TopASNs, Count{ASN: n, Bytes: p.Bytes})
			}
			sums = append(sums, s)
		}
		if err := c.s.store(ctx, gw, sums); err != nil {
			return err
		}
	}
	return nil
}

// Serve reads packets from conn until ctx ends, flushing every 15
// seconds; a packet that is refused is counted, never fatal.
func (c *Collector) Serve(ctx context.Context, conn net.PacketConn) error {
	go func() {
		<-ctx.Done()
		_ = conn.Close()
	}()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				if err := c.Flush(ctx, now); err != nil {
					c.s.log.Warn("telemetry: storing flow summaries failed", "err", err)
				}
			}
		}
	}()
	buf := make([]byte, 65535)
	for {
		n, addr, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				_ = c.Flush(context.WithoutCancel(ctx), time.Now().Add(FlowInterval)) // what was summed so far
				return nil
			}
			return err
		}
		ap, ok := addr.(*net.UDPAddr)
		if !ok {
			continue
		}
		from, _ := netip.AddrFromSlice(ap.IP)
		_ = c.Handle(ctx, from, buf[:n], time.Now())
	}
}

// store writes summaries of a gateway the collector made, as Ingest
// writes a gateway's own.
func (s *Service) store(ctx context.Context, gw string, list []Summary) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := s.keep(ctx, tx, gw, list, s.now().UTC())
		return err
	})
}
