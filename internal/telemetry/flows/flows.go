// Package flows turns NetFlow v9 and IPFIX export packets into the
// interval summaries gateways otherwise send themselves: packets decoded
// by goflow2's decoders (templates kept per exporter), each flow added to
// its gateway's interval (in or out by whether its source is inside the
// organisation's networks), top ports, protocols, ASNs and peers kept;
// raw flows are not kept. It knows no database.
package flows

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/netsampler/goflow2/v2/decoders/netflow"
)

// Flow is one decoded flow.
type Flow struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8
	Bytes, Packets   uint64
	SrcAS, DstAS     uint32
}

// The information elements read (IANA IPFIX numbers; NetFlow v9 shares
// them for these).
const (
	ieOctets   = 1
	iePackets  = 2
	ieProto    = 4
	ieSrcPort  = 7
	ieSrc4     = 8
	ieDstPort  = 11
	ieDst4     = 12
	ieSrcAS    = 16
	ieDstAS    = 17
	ieSrc6     = 27
	ieDst6     = 28
	ieOctets64 = 85 // octetTotalCount, some exporters send it instead
)

// ErrNoFlows is a packet that held no data records (templates only, or
// data for a template not yet seen).
var ErrNoFlows = errors.New("flows: no data records")

// Decoder decodes export packets, keeping each exporter's templates.
type Decoder struct {
	mu        sync.Mutex
	templates map[netip.Addr]netflow.NetFlowTemplateSystem
	shared    SharedTemplates
}

// SharedTemplates keeps exporters' templates where every collector reads
// them (the database, with several nodes): an exporter sends its
// templates to whichever node its packets reach, and its data, later, may
// reach another. Save is told of each template an exporter sends; Load
// answers one this collector has not seen (nil, nil: none anywhere).
type SharedTemplates interface {
	Save(exporter netip.Addr, version uint16, domain uint32, id uint16, template any) error
	Load(exporter netip.Addr, version uint16, domain uint32, id uint16) (any, error)
}

// NewDecoder makes a decoder that keeps templates in memory.
func NewDecoder() *Decoder {
	return &Decoder{templates: map[netip.Addr]netflow.NetFlowTemplateSystem{}}
}

// NewSharedDecoder makes a decoder that also saves the templates it is
// sent to shared, and looks there for those it was not.
func NewSharedDecoder(shared SharedTemplates) *Decoder {
	d := NewDecoder()
	d.shared = shared
	return d
}

func (d *Decoder) system(exporter netip.Addr) netflow.NetFlowTemplateSystem {
	d.mu.Lock()
	defer d.mu.Unlock()
	ts, ok := d.templates[exporter]
	if !ok {
		ts = guardedTemplates{netflow.CreateTemplateSystem()}
		if d.shared != nil {
			ts = &sharedSystem{NetFlowTemplateSystem: ts, shared: d.shared, exporter: exporter, misses: map[templateKey]time.Time{}}
		}
		d.templates[exporter] = ts
	}
	return ts
}

// sharedSystem is an exporter's templates in memory, saved to and read
// from the shared store. A template found nowhere is not asked for again
// for missRetry: data that keeps coming for an unknown template (an
// exporter restarted, or spoofed packets) costs one query a few seconds,
// not one a packet.
type sharedSystem struct {
	netflow.NetFlowTemplateSystem
	shared   SharedTemplates
	exporter netip.Addr
	mu       sync.Mutex
	misses   map[templateKey]time.Time
}

type templateKey struct {
	version uint16
	domain  uint32
	id      uint16
}

const missRetry = 5 * time.Second

func (s *sharedSystem) AddTemplate(version uint16, domain uint32, id uint16, t interface{}) error {
	if old, err := s.NetFlowTemplateSystem.GetTemplate(version, domain, id); err == nil && reflect.DeepEqual(old, t) {
		return nil // sent again unchanged (exporters repeat them): nothing to save
	}
	if err := s.NetFlowTemplateSystem.AddTemplate(version, domain, id, t); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.misses, templateKey{version, domain, id})
	s.mu.Unlock()
	return s.shared.Save(s.exporter, version, domain, id, t)
}

func (s *sharedSystem) GetTemplate(version uint16, domain uint32, id uint16) (interface{}, error) {
	t, err := s.NetFlowTemplateSystem.GetTemplate(version, domain, id)
	if err == nil {
		return t, nil
	}
	k := templateKey{version, domain, id}
	s.mu.Lock()
	missed, ok := s.misses[k]
	s.mu.Unlock()
	if ok && time.Since(missed) < missRetry {
		return nil, err
	}
	found, lerr := s.shared.Load(s.exporter, version, domain, id)
	if lerr != nil || found == nil {
		s.mu.Lock()
		if len(s.misses) >= maxTemplates {
			clear(s.misses)
		}
		s.misses[k] = time.Now()
		s.mu.Unlock()
		return nil, err
	}
	if aerr := s.NetFlowTemplateSystem.AddTemplate(version, domain, id, found); aerr != nil {
		return nil, aerr
	}
	return found, nil
}

// Decode decodes one packet from exporter and hands each flow to emit; it
// answers how many. A truncated or hostile packet is an error, never a
// panic (the decoders are fuzzed here).
func (d *Decoder) Decode(exporter netip.Addr, packet []byte, emit func(Flow)) (n int, err error) {
	defer func() {
		if r := recover(); r != nil { // the decoder is outside input's first reader: contain it
			n, err = 0, fmt.Errorf("flows: the packet could not be decoded: %v", r)
		}
	}()
	if len(packet) < 4 {
		return 0, errors.New("flows: shorter than a header")
	}
	if v := binary.BigEndian.Uint16(packet); v == 10 {
		if l := int(binary.BigEndian.Uint16(packet[2:])); l != len(packet) {
			return 0, fmt.Errorf("flows: the IPFIX message says %d bytes and has %d", l, len(packet))
		}
	}
	var v9 netflow.NFv9Packet
	var ipfix netflow.IPFIXPacket
	if err := netflow.DecodeMessageVersion(bytes.NewBuffer(packet), d.system(exporter), &v9, &ipfix); err != nil {
		return 0, fmt.Errorf("flows: %w", err)
	}
	sets := v9.FlowSets
	if ipfix.Version == 10 {
		sets = ipfix.FlowSets
	}
	for _, s := range sets {
		ds, ok := s.(netflow.DataFlowSet)
		if !ok {
			continue
		}
		for _, r := range ds.Records {
			emit(flowOf(r.Values))
			n++
		}
	}
	if n == 0 {
		return 0, ErrNoFlows
	}
	return n, nil
}

func uintOf(v any) uint64 {
	b, _ := v.([]byte)
	if len(b) == 0 || len(b) > 8 {
		return 0
	}
	var x [8]byte
	copy(x[8-len(b):], b)
	return binary.BigEndian.Uint64(x[:])
}

func addrOf(v any) netip.Addr {
	b, _ := v.([]byte)
	a, _ := netip.AddrFromSlice(b) // 4 or 16 bytes, else the zero address
	return a.Unmap()
}

func flowOf(fields []netflow.DataField) Flow {
	var f Flow
	for _, x := range fields {
		if x.PenProvided {
			continue
		}
		switch x.Type {
		case ieOctets:
			f.Bytes = uintOf(x.Value)
		case ieOctets64:
			if f.Bytes == 0 {
				f.Bytes = uintOf(x.Value)
			}
		case iePackets:
			f.Packets = uintOf(x.Value)
		case ieProto:
			f.Proto = uint8(uintOf(x.Value))
		case ieSrcPort:
			f.SrcPort = uint16(uintOf(x.Value))
		case ieDstPort:
			f.DstPort = uint16(uintOf(x.Value))
		case ieSrc4, ieSrc6:
			f.Src = addrOf(x.Value)
		case ieDst4, ieDst6:
			f.Dst = addrOf(x.Value)
		case ieSrcAS:
			f.SrcAS = uint32(uintOf(x.Value))
		case ieDstAS:
			f.DstAS = uint32(uintOf(x.Value))
		}
	}
	return f
}

// Summary is one interval of a gateway's flows, summed.
type Summary struct {
	Start                                    time.Time
	Seconds                                  int
	BytesIn, BytesOut, PacketsIn, PacketsOut int64
	Flows                                    int64
	Ports, Peers, Protocols, ASNs            []Top // the largest first
}

// Merge adds up summaries of one gateway's interval that several
// collectors made, each from the packets that reached it; the top lists
// are added key by key and cut as one collector's are. (A key below one
// collector's cut is counted only where it made the cut: the lists stay
// approximate at their tails, as any top list of flows is.)
func Merge(parts []Summary) Summary {
	if len(parts) == 0 {
		return Summary{}
	}
	out := Summary{Start: parts[0].Start, Seconds: parts[0].Seconds}
	ports, peers, protocols, asns := map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, p := range parts {
		out.BytesIn += p.BytesIn
		out.BytesOut += p.BytesOut
		out.PacketsIn += p.PacketsIn
		out.PacketsOut += p.PacketsOut
		out.Flows += p.Flows
		for _, l := range []struct {
			m    map[string]int64
			list []Top
		}{{ports, p.Ports}, {peers, p.Peers}, {protocols, p.Protocols}, {asns, p.ASNs}} {
			for _, t := range l.list {
				l.m[t.Key] += t.Bytes
			}
		}
	}
	out.Ports, out.Peers, out.Protocols, out.ASNs = top(ports, topPorts), top(peers, topPeers), top(protocols, topProtocols), top(asns, topASNs)
	return out
}

// How many of each a summary's top lists keep.
const (
	topPorts     = 10
	topPeers     = 20
	topProtocols = 5
	topASNs      = 10
)

// Top is a value with its bytes.
type Top struct {
	Key   string
	Bytes int64
}

// bucket is a gateway's interval being summed.
type bucket struct {
	s                             Summary
	ports, peers, protocols, asns map[string]int64
}

// Aggregator sums flows into per-gateway intervals.
type Aggregator struct {
	mu       sync.Mutex
	interval time.Duration
	buckets  map[string]map[int64]*bucket // gateway → interval start (unix) → sums
}

// NewAggregator sums into intervals of d (60 s to an hour, dividing it).
func NewAggregator(d time.Duration) *Aggregator {
	return &Aggregator{interval: d, buckets: map[string]map[int64]*bucket{}}
}

var protoNames = map[uint8]string{1: "icmp", 6: "tcp", 17: "udp", 47: "gre", 50: "esp", 58: "ipv6-icmp"}

// Add adds a flow seen at a time to a gateway's interval; inside tells
// the organisation's own addresses (a flow from inside is out).
func (a *Aggregator) Add(gw string, inside func(netip.Addr) bool, at time.Time, f Flow) {
	start := at.Truncate(a.interval).Unix()
	a.mu.Lock()
	defer a.mu.Unlock()
	g := a.buckets[gw]
	if g == nil {
		g = map[int64]*bucket{}
		a.buckets[gw] = g
	}
	b := g[start]
	if b == nil {
		b = &bucket{s: Summary{Start: time.Unix(start, 0).UTC(), Seconds: int(a.interval / time.Second)},
			ports: map[string]int64{}, peers: map[string]int64{}, protocols: map[string]int64{}, asns: map[string]int64{}}
		g[start] = b
	}
	bytes, pkts := int64(min(f.Bytes, 1<<50)), int64(min(f.Packets, 1<<50))
	out := inside(f.Src)
	peer, port, as := f.Src, f.SrcPort, f.SrcAS
	if out {
		b.s.BytesOut += bytes
		b.s.PacketsOut += pkts
		peer, port, as = f.Dst, f.DstPort, f.DstAS
	} else {
		b.s.BytesIn += bytes
		b.s.PacketsIn += pkts
		port = f.DstPort // the service port reached inside
	}
	b.s.Flows++
	if port != 0 {
		b.ports[fmt.Sprint(port)] += bytes
	}
	if peer.IsValid() {
		b.peers[peer.String()] += bytes
	}
	if as != 0 {
		b.asns[fmt.Sprint(as)] += bytes
	}
	b.protocols[cmp.Or(protoNames[f.Proto], fmt.Sprint(f.Proto))] += bytes
}

func top(m map[string]int64, n int) []Top {
	out := make([]Top, 0, len(m))
	for k, v := range m {
		out = append(out, Top{Key: k, Bytes: v})
	}
	slices.SortFunc(out, func(a, b Top) int { return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), cmp.Compare(a.Key, b.Key)) })
	return out[:min(n, len(out))]
}

// Flush answers the intervals that ended before t, by gateway, and
// forgets them.
func (a *Aggregator) Flush(t time.Time) map[string][]Summary {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string][]Summary{}
	for gw, g := range a.buckets {
		for start, b := range g {
			if time.Unix(start, 0).Add(a.interval).After(t) {
				continue
			}
			s := b.s
			s.Ports, s.Peers, s.Protocols, s.ASNs = top(b.ports, topPorts), top(b.peers, topPeers), top(b.protocols, topProtocols), top(b.asns, topASNs)
			out[gw] = append(out[gw], s)
			delete(g, start)
		}
		slices.SortFunc(out[gw], func(x, y Summary) int { return x.Start.Compare(y.Start) })
		if len(g) == 0 {
			delete(a.buckets, gw)
		}
	}
	return out
}

// maxTemplates bounds the templates one exporter may hold.
const maxTemplates = 1024

// guardedTemplates is goflow2's template store refusing the templates
// that would make its decoder loop forever on a data set (no field, or a
// field of no length, so a record consumes no byte) and bounding how many
// an exporter keeps.
type guardedTemplates struct {
	netflow.NetFlowTemplateSystem
}

// consumes reports whether a record of fields reads at least one byte
// and no field is empty.
func consumes(fields ...[]netflow.Field) bool {
	n := 0
	for _, fs := range fields {
		for _, f := range fs {
			if f.Length == 0 {
				return false
			}
			n++
		}
	}
	return n > 0
}

func (g guardedTemplates) AddTemplate(version uint16, domain uint32, id uint16, t interface{}) error {
	ok := false
	switch t := t.(type) {
	case netflow.TemplateRecord:
		ok = consumes(t.Fields)
	case netflow.IPFIXOptionsTemplateRecord:
		ok = consumes(t.Scopes, t.Options)
	case netflow.NFv9OptionsTemplateRecord:
		ok = consumes(t.Scopes, t.Options)
	}
	if !ok {
		return fmt.Errorf("flows: template %d has an empty field or none", id)
	}
	if len(g.GetTemplates()) >= maxTemplates {
		return fmt.Errorf("flows: more than %d templates from one exporter", maxTemplates)
	}
	return g.NetFlowTemplateSystem.AddTemplate(version, domain, id, t)
}
