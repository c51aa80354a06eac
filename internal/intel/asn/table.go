package asn

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gaissmai/bart"

	"github.com/certhub/certhub/internal/intel/observable"
)

// Table maps addresses to the AS that originates their prefix, from a
// routing table dump (pyasn's "prefix/len<TAB>asn" or CAIDA's pfx2as
// "address<TAB>len<TAB>asn"): the enrichment of IP observables.
type Table struct {
	t    *bart.Table[uint32]
	asns int
}

// Load reads a routing table dump. Comment lines (";" or "#") and
// blank lines are skipped; a multi-origin AS ("13335_1234" or
// "{13335,1234}") keeps its first AS. A malformed line is an error naming it.
func Load(r io.Reader) (*Table, error) {
	return Read(r, nil)
}

// Read reads a dump into a table, handing each entry to emit too (when
// set): the form the store keeps it in.
func Read(r io.Reader, emit func(netip.Prefix, uint32) error) (*Table, error) {
	t := &Table{t: &bart.Table[uint32]{}}
	seen := map[uint32]struct{}{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == ';' || s[0] == '#' {
			continue
		}
		f := strings.Fields(s)
		var pfx, asField string
		switch len(f) {
		case 2:
			pfx, asField = f[0], f[1]
		case 3:
			pfx, asField = f[0]+"/"+f[1], f[2]
		default:
			return nil, &LineError{Line: line, Message: "want a prefix and an AS number"}
		}
		p, err := netip.ParsePrefix(pfx)
		if err != nil {
			return nil, &LineError{Line: line, Message: "not a network: " + err.Error()}
		}
		asField = strings.TrimLeft(asField, "{")
		if i := strings.IndexAny(asField, "_,}"); i >= 0 {
			asField = asField[:i]
		}
		asn, err := strconv.ParseUint(asField, 10, 32)
		if err != nil {
			return nil, &LineError{Line: line, Message: fmt.Sprintf("not an AS number: %q", f[len(f)-1])}
		}
		p = p.Masked()
		t.t.Insert(p, uint32(asn))
		seen[uint32(asn)] = struct{}{}
		if emit != nil {
			if err := emit(p, uint32(asn)); err != nil {
				return nil, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("intel: routing table: %w", err)
	}
	t.asns = len(seen)
	return t, nil
}

// LineError is a line of a dump that cannot be read.
type LineError struct {
	Line    int
	Message string
}

func (e *LineError) Error() string {
	return fmt.Sprintf("intel: routing table line %d: %s", e.Line, e.Message)
}

// Lookup returns the AS originating the most specific prefix that contains a.
func (t *Table) Lookup(a netip.Addr) (asn uint32, prefix netip.Prefix, ok bool) {
	prefix, asn, ok = t.t.LookupPrefixLPM(netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	return asn, prefix, ok
}

// LookupPrefix returns the AS originating the most specific announced
// prefix that holds all of p.
func (t *Table) LookupPrefix(p netip.Prefix) (asn uint32, prefix netip.Prefix, ok bool) {
	prefix, asn, ok = t.t.LookupPrefixLPM(p.Masked())
	return asn, prefix, ok
}

// Len is the number of prefixes.
func (t *Table) Len() int { return t.t.Size() }

// ASNs is the number of distinct origin ASes.
func (t *Table) ASNs() int { return t.asns }

// Origin is what the AS table says of an address or network: the AS that
// announces it and the prefix announced.
type Origin struct {
	ASN    uint32 `json:"asn"`
	Prefix string `json:"prefix"`
}

// Origin answers the origin of an address or network observable (nil for
// other types, or when the table has none).
func (t *Table) Origin(o observable.Observable) *Origin {
	if t == nil {
		return nil
	}
	var asn uint32
	var p netip.Prefix
	var ok bool
	switch o.Type {
	case observable.IPv4, observable.IPv6:
		if a, err := netip.ParseAddr(o.Value); err == nil {
			asn, p, ok = t.Lookup(a)
		}
	case observable.CIDR:
		if n, err := netip.ParsePrefix(o.Value); err == nil {
			asn, p, ok = t.LookupPrefix(n)
		}
	case observable.URL:
		if h := observable.URLHost(o.Value); h != "" {
			if a, err := netip.ParseAddr(h); err == nil {
				asn, p, ok = t.Lookup(a)
			}
		}
	}
	if !ok {
		return nil
	}
	return &Origin{ASN: asn, Prefix: p.String()}
}
