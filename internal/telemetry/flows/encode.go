package flows

import (
	"encoding/binary"
	"time"
)

// template is the flow record the encoders write: IPv4 addresses, ports,
// protocol, 64-bit counters and AS numbers.
var template = []struct{ id, length uint16 }{
	{ieSrc4, 4}, {ieDst4, 4}, {ieSrcPort, 2}, {ieDstPort, 2}, {ieProto, 1}, {ieOctets, 8}, {iePackets, 8}, {ieSrcAS, 4}, {ieDstAS, 4},
}

const templateID = 256

func recordLen() int {
	n := 0
	for _, f := range template {
		n += int(f.length)
	}
	return n
}

func appendRecord(b []byte, f Flow) []byte {
	s, d := f.Src.As4(), f.Dst.As4()
	b = append(b, s[:]...)
	b = append(b, d[:]...)
	b = binary.BigEndian.AppendUint16(b, f.SrcPort)
	b = binary.BigEndian.AppendUint16(b, f.DstPort)
	b = append(b, f.Proto)
	b = binary.BigEndian.AppendUint64(b, f.Bytes)
	b = binary.BigEndian.AppendUint64(b, f.Packets)
	b = binary.BigEndian.AppendUint32(b, f.SrcAS)
	return binary.BigEndian.AppendUint32(b, f.DstAS)
}

func appendTemplate(b []byte, setID uint16) []byte {
	b = binary.BigEndian.AppendUint16(b, setID)
	b = binary.BigEndian.AppendUint16(b, uint16(4+4+4*len(template)))
	b = binary.BigEndian.AppendUint16(b, templateID)
	b = binary.BigEndian.AppendUint16(b, uint16(len(template)))
	for _, f := range template {
		b = binary.BigEndian.AppendUint16(b, f.id)
		b = binary.BigEndian.AppendUint16(b, f.length)
	}
	return b
}

func appendData(b []byte, flows []Flow) []byte {
	b = binary.BigEndian.AppendUint16(b, templateID)
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(flows)*recordLen()))
	for _, f := range flows {
		b = appendRecord(b, f)
	}
	return b
}

// EncodeIPFIX writes an IPFIX message of IPv4 flows (with its template
// first when withTemplate): what an exporter sends, for tests, benchmarks
// and load generators.
func EncodeIPFIX(domain, seq uint32, at time.Time, withTemplate bool, flows []Flow) []byte {
	b := make([]byte, 16, 16+64+len(flows)*recordLen())
	binary.BigEndian.PutUint16(b[0:], 10)
	binary.BigEndian.PutUint32(b[4:], uint32(at.Unix()))
	binary.BigEndian.PutUint32(b[8:], seq)
	binary.BigEndian.PutUint32(b[12:], domain)
	if withTemplate {
		b = appendTemplate(b, 2)
	}
	if len(flows) > 0 {
		b = appendData(b, flows)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}

// EncodeNFv9 writes a NetFlow v9 packet of IPv4 flows, as EncodeIPFIX.
func EncodeNFv9(source, seq uint32, at time.Time, withTemplate bool, flows []Flow) []byte {
	b := make([]byte, 20, 20+64+len(flows)*recordLen())
	count := len(flows)
	if withTemplate {
		count++
	}
	binary.BigEndian.PutUint16(b[0:], 9)
	binary.BigEndian.PutUint16(b[2:], uint16(count))
	binary.BigEndian.PutUint32(b[4:], 1000)
	binary.BigEndian.PutUint32(b[8:], uint32(at.Unix()))
	binary.BigEndian.PutUint32(b[12:], seq)
	binary.BigEndian.PutUint32(b[16:], source)
	if withTemplate {
		b = appendTemplate(b, 0)
	}
	if len(flows) > 0 {
		b = appendData(b, flows)
	}
	return b
}
