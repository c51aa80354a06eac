package flows_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/telemetry/flows"
)

var (
	exporter = netip.MustParseAddr("198.51.100.1")
	inside   = netip.MustParsePrefix("198.51.100.0/24")
	at       = time.Date(2026, 12, 7, 10, 0, 30, 0, time.UTC)
)

func sample() []flows.Flow {
	return []flows.Flow{
		{Src: netip.MustParseAddr("203.0.113.9"), Dst: netip.MustParseAddr("198.51.100.10"), SrcPort: 51000, DstPort: 443, Proto: 6, Bytes: 9000, Packets: 10, SrcAS: 64500},
		{Src: netip.MustParseAddr("198.51.100.10"), Dst: netip.MustParseAddr("192.0.2.200"), SrcPort: 49152, DstPort: 8443, Proto: 6, Bytes: 50000, Packets: 40, DstAS: 64511},
		{Src: netip.MustParseAddr("203.0.113.7"), Dst: netip.MustParseAddr("198.51.100.53"), SrcPort: 5353, DstPort: 53, Proto: 17, Bytes: 300, Packets: 3},
	}
}

// TestDecode: IPFIX and NetFlow v9 packets, templates first, decode to
// the flows that were encoded; data before its template is no flow.
func TestDecode(t *testing.T) {
	for name, enc := range map[string]func(uint32, uint32, time.Time, bool, []flows.Flow) []byte{"ipfix": flows.EncodeIPFIX, "v9": flows.EncodeNFv9} {
		d := flows.NewDecoder()
		if _, err := d.Decode(exporter, enc(1, 1, at, false, sample()), func(flows.Flow) {}); err == nil {
			t.Errorf("%s: data before its template decoded", name)
		}
		var got []flows.Flow
		n, err := d.Decode(exporter, enc(1, 2, at, true, sample()), func(f flows.Flow) { got = append(got, f) })
		if err != nil || n != 3 {
			t.Fatalf("%s: %d flows, %v", name, n, err)
		}
		for i, f := range sample() {
			if got[i] != f {
				t.Errorf("%s: flow %d: %+v, want %+v", name, i, got[i], f)
			}
		}
		// The template is remembered for the exporter, not for another.
		if n, err := d.Decode(exporter, enc(1, 3, at, false, sample()[:1]), func(flows.Flow) {}); err != nil || n != 1 {
			t.Errorf("%s: later data: %d, %v", name, n, err)
		}
		if _, err := d.Decode(netip.MustParseAddr("198.51.100.2"), enc(1, 3, at, false, sample()[:1]), func(flows.Flow) {}); err == nil {
			t.Errorf("%s: another exporter's data decoded with this one's template", name)
		}
	}
}

// TestHostile: truncated packets, lengths past the end, unknown versions
// and templates are errors, not panics.
func TestHostile(t *testing.T) {
	d := flows.NewDecoder()
	good := flows.EncodeIPFIX(1, 1, at, true, sample())
	for name, b := range map[string][]byte{
		"empty":     {},
		"version 5": {0, 5, 0, 0},
		"truncated": good[:len(good)-7],
		"long set":  append(append([]byte{}, good[:18]...), 0xff, 0xff),
		"header":    good[:10],
	} {
		if _, err := d.Decode(exporter, b, func(flows.Flow) {}); err == nil || errors.Is(err, flows.ErrNoFlows) && name != "truncated" {
			if err == nil {
				t.Errorf("%s: decoded", name)
			}
		}
	}
}

// TestEmptyTemplate: a template whose field has no length would make the
// decoder read its data set forever; it is refused and the data with it.
func TestEmptyTemplate(t *testing.T) {
	msg := []byte{0, 10, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, // header, length set below
		0, 2, 0, 12, 1, 0, 0, 1, 0, 1, 0, 0, // template 256: octetDeltaCount of length 0
		1, 0, 0, 8, 1, 2, 3, 4} // a data set for it
	msg[3] = byte(len(msg))
	done := make(chan error, 1)
	go func() {
		_, err := flows.NewDecoder().Decode(exporter, msg, func(flows.Flow) {})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a template of an empty field was taken")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the decoder loops on a template of an empty field")
	}
}

// TestAggregate: flows from inside count out, the others in; ports,
// peers, protocols and ASNs are ranked by bytes; an interval is flushed
// once it ended, and only then.
func TestAggregate(t *testing.T) {
	a := flows.NewAggregator(time.Minute)
	in := func(x netip.Addr) bool { return inside.Contains(x) }
	for _, f := range sample() {
		a.Add("gw", in, at, f)
	}
	a.Add("gw", in, at.Add(time.Minute), sample()[0])
	if got := a.Flush(at); len(got) != 0 {
		t.Errorf("flushed an interval under way: %v", got)
	}
	got := a.Flush(at.Add(time.Minute))["gw"]
	if len(got) != 1 {
		t.Fatalf("flushed %d intervals", len(got))
	}
	s := got[0]
	if !s.Start.Equal(at.Truncate(time.Minute)) || s.Seconds != 60 || s.BytesIn != 9300 || s.BytesOut != 50000 || s.PacketsIn != 13 || s.Flows != 3 {
		t.Errorf("summary %+v", s)
	}
	if s.Ports[0].Key != "8443" || s.Peers[0].Key != "192.0.2.200" || s.Protocols[0].Key != "tcp" || s.ASNs[0].Key != "64511" {
		t.Errorf("tops: %v %v %v %v", s.Ports, s.Peers, s.Protocols, s.ASNs)
	}
	if rest := a.Flush(at.Add(time.Hour))["gw"]; len(rest) != 1 {
		t.Errorf("the second minute: %v", rest)
	}
}

// FuzzDecode: any packet from any exporter decodes or is refused, never
// a panic.
func FuzzDecode(f *testing.F) {
	f.Add(flows.EncodeIPFIX(1, 1, at, true, sample()))
	f.Add(flows.EncodeNFv9(1, 1, at, true, sample()))
	d := flows.NewDecoder()
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = d.Decode(exporter, b, func(flows.Flow) {})
	})
}

// BenchmarkDecode decodes IPFIX messages of 30 flows and sums them into
// a gateway's minutes, on one goroutine, and reports flows a second.
//
//	go test ./internal/telemetry/flows -run '^$' -bench Decode -cpu 1
func BenchmarkDecode(b *testing.B) {
	d := flows.NewDecoder()
	a := flows.NewAggregator(time.Minute)
	var batch []flows.Flow
	for i := range 30 {
		f := sample()[i%3]
		f.SrcPort += uint16(i)
		batch = append(batch, f)
	}
	if _, err := d.Decode(exporter, flows.EncodeIPFIX(1, 0, at, true, nil), func(flows.Flow) {}); err != nil && !errors.Is(err, flows.ErrNoFlows) {
		b.Fatal(err)
	}
	packet := flows.EncodeIPFIX(1, 1, at, false, batch)
	in := func(x netip.Addr) bool { return inside.Contains(x) }
	total := 0
	for b.Loop() {
		n, err := d.Decode(exporter, packet, func(f flows.Flow) { a.Add("gw", in, at, f) })
		if err != nil || n != 30 {
			b.Fatal(n, err)
		}
		total += n
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "flows/s")
}
