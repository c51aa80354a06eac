package telemetry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
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
	return &Collector{s: s, dec: flows.NewSharedDecoder(flowTemplates{s}), agg: flows.NewAggregator(FlowInterval), exporters: map[netip.Addr]exporter{}}
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

// mergeGrace is how long after an interval ends its parts wait for every
// node's collector to have flushed its share (each flushes every 15 s).
const mergeGrace = 30 * time.Second

// Flush keeps this collector's sums of the intervals that ended before t
// as parts, then adds up the parts of every node whose intervals ended
// mergeGrace before t into the gateways' summaries.
func (c *Collector) Flush(ctx context.Context, t time.Time) error {
	if err := c.keepParts(ctx, t); err != nil {
		return err
	}
	return c.s.MergeFlows(ctx, t.Add(-mergeGrace))
}

// keepParts writes this collector's sums of the intervals that ended
// before t, one part a gateway and interval.
func (c *Collector) keepParts(ctx context.Context, t time.Time) error {
	done := c.agg.Flush(t)
	if len(done) == 0 {
		return nil
	}
	now := c.s.now()
	return c.s.db.Write(ctx, func(tx *db.Tx) error {
		for gw, list := range done {
			for _, x := range list {
				body, err := json.Marshal(x)
				if err != nil {
					return err
				}
				if _, err := tx.ExecRepeated(ctx, `INSERT INTO telemetry_flow_parts (gateway_id, start_unix, ends_unix, body, created_at)
					VALUES ($1, $2, $3, $4, $5)`, gw, x.Start.Unix(), x.Start.Unix()+int64(x.Seconds), string(body), now); err != nil {
					return fmt.Errorf("telemetry: flow sums: %w", err)
				}
			}
		}
		return nil
	})
}

// MergeFlows adds up the collectors' parts of the intervals that ended by
// before into each gateway's summary of the interval, stored as its own
// summaries are, and deletes them, in one transaction (one merger at a
// time, whichever node).
func (s *Service) MergeFlows(ctx context.Context, before time.Time) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if err := tx.Lock(ctx, "telemetry.flow-merge"); err != nil {
			return err
		}
		type part struct {
			id  int64
			gw  string
			sum flows.Summary
		}
		parts, err := db.QueryAll(ctx, tx, func(r db.Row) (part, error) {
			var p part
			var body string
			if err := r.Scan(&p.id, &p.gw, &body); err != nil {
				return p, err
			}
			return p, json.Unmarshal([]byte(body), &p.sum)
		}, `SELECT id, gateway_id, body FROM telemetry_flow_parts WHERE ends_unix <= $1 ORDER BY gateway_id, start_unix, id`, before.Unix())
		if err != nil || len(parts) == 0 {
			return err
		}
		type key struct {
			gw    string
			start int64
		}
		grouped := map[key][]flows.Summary{}
		var order []key
		ids := make([]int64, 0, len(parts))
		for _, p := range parts {
			k := key{p.gw, p.sum.Start.Unix()}
			if grouped[k] == nil {
				order = append(order, k)
			}
			grouped[k] = append(grouped[k], p.sum)
			ids = append(ids, p.id)
		}
		byGateway := map[string][]Summary{}
		var gateways []string
		for _, k := range order {
			x := flows.Merge(grouped[k])
			if byGateway[k.gw] == nil {
				gateways = append(gateways, k.gw)
			}
			byGateway[k.gw] = append(byGateway[k.gw], summaryOf(x))
		}
		now := s.now().UTC()
		for _, gw := range gateways {
			if _, err := s.keep(ctx, tx, gw, byGateway[gw], now); err != nil {
				return err
			}
		}
		for batch := range slices.Chunk(ids, 500) {
			var a db.Args
			if _, err := tx.Exec(ctx, `DELETE FROM telemetry_flow_parts WHERE id IN (`+db.In(&a, batch)+`)`, a...); err != nil {
				return err
			}
		}
		return nil
	})
}

// summaryOf is a collector's sums as a gateway's summary.
func summaryOf(x flows.Summary) Summary {
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
	return s
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
				// What was summed so far, as parts: the rest of the minute
				// (from other nodes, or this one after a restart) adds to it.
				_ = c.keepParts(context.WithoutCancel(ctx), time.Now().Add(FlowInterval))
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
