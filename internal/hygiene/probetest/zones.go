// Package probetest runs, on loopback, the internet the hygiene checks
// look at: an authoritative DNS server (which also answers as the
// resolvers) with signed, broken and unsigned zones under a test trust
// anchor, name servers that do and do not resolve for anyone or transfer
// zones, web servers with good, expired, wrong-name and self-signed
// certificates, and mail exchangers with and without STARTTLS. Every
// address the zones publish is fictional and mapped by Net.Addr to a
// listener on 127.0.0.1.
package probetest

import (
	"crypto"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// zone is one zone's records, signed or not.
type zone struct {
	name   string
	key    *dns.DNSKEY
	signer crypto.Signer
	// expire is when signatures expire.
	expire time.Time
	rrs    map[string][]dns.RR // by "name type"
	names  map[string]bool
}

func rrKey(name string, t uint16) string {
	return strings.ToLower(dns.Fqdn(name)) + " " + dns.TypeToString[t]
}

func newZone(name string) *zone {
	return &zone{name: dns.Fqdn(name), rrs: map[string][]dns.RR{}, names: map[string]bool{}}
}

// add adds records in zone-file syntax.
func (z *zone) add(lines ...string) *zone {
	for _, l := range lines {
		rr, err := dns.NewRR("$TTL 300\n" + l)
		if err != nil {
			panic(fmt.Sprintf("probetest: %q: %v", l, err))
		}
		k := rrKey(rr.Header().Name, rr.Header().Rrtype)
		z.rrs[k] = append(z.rrs[k], rr)
		z.names[strings.ToLower(rr.Header().Name)] = true
	}
	return z
}

// sign gives the zone a key of algorithm alg and signatures that expire at
// expire.
func (z *zone) sign(alg uint8, bits int, expire time.Time) *zone {
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: z.name, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 300},
		Flags: 257, Protocol: 3, Algorithm: alg}
	priv, err := k.Generate(bits)
	if err != nil {
		panic(err)
	}
	z.key, z.signer, z.expire = k, priv.(crypto.Signer), expire
	z.rrs[rrKey(z.name, dns.TypeDNSKEY)] = []dns.RR{k}
	return z
}

// ds is the DS record of the zone's key.
func (z *zone) ds() string { return z.key.ToDS(dns.SHA256).String() }

// sigs signs one RRset (nil when the zone is unsigned).
func (z *zone) sigs(set []dns.RR) []dns.RR {
	if z.key == nil || len(set) == 0 {
		return nil
	}
	h := set[0].Header()
	s := &dns.RRSIG{Hdr: dns.RR_Header{Name: h.Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: h.Ttl},
		TypeCovered: h.Rrtype, Algorithm: z.key.Algorithm, Labels: uint8(dns.CountLabel(h.Name)), OrigTtl: h.Ttl,
		Expiration: uint32(z.expire.Unix()), Inception: uint32(z.expire.Add(-60 * 24 * time.Hour).Unix()),
		KeyTag: z.key.KeyTag(), SignerName: z.name}
	if err := s.Sign(z.signer, set); err != nil {
		panic(err)
	}
	return []dns.RR{s}
}

// zones are every zone, found by the longest suffix.
type zones struct {
	mu   sync.Mutex
	list []*zone
	memo map[string][]dns.RR // signatures made once per RRset
}

// find answers the zone holding name; for DS, the parent of a zone apex.
func (zs *zones) find(name string, qtype uint16) *zone {
	name = strings.ToLower(dns.Fqdn(name))
	var best *zone
	for _, z := range zs.list {
		if qtype == dns.TypeDS && name == z.name {
			continue
		}
		if dns.IsSubDomain(z.name, name) && (best == nil || len(z.name) > len(best.name)) {
			best = z
		}
	}
	return best
}

func (zs *zones) signed(z *zone, key string, set []dns.RR) []dns.RR {
	zs.mu.Lock()
	defer zs.mu.Unlock()
	if s, ok := zs.memo[z.name+"|"+key]; ok {
		return s
	}
	s := z.sigs(set)
	zs.memo[z.name+"|"+key] = s
	return s
}
