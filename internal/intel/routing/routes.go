package routing

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gaissmai/bart"

	"github.com/certhub/certhub/internal/intel/asn"
	"github.com/certhub/certhub/internal/intel/observable"
)

// Constituency is what one organisation owns, as the directory records it.
type Constituency struct {
	OrgID   string
	CIDRs   []netip.Prefix
	ASNs    []uint32
	Domains []string // registered domains; every host name below them is theirs
}

// Routes answers which organisations an observable concerns: longest-prefix
// match of addresses against the registered networks (bart's compressed
// multibit trie), AS numbers — those reported, and, with an AS table, the
// AS that announces a reported address or network — and the longest
// registered suffix of host names. It is built once from the directory and
// read concurrently; a change in the directory builds a new one.
type Routes struct {
	nets    *bart.Table[[]string]
	asns    map[uint32][]string
	domains map[string][]string
	origins *asn.Table // nil: no AS table
}

// New builds the table. Values that are not valid networks or host
// names are skipped (the directory validates them on entry).
func New(cs []Constituency) *Routes {
	r := &Routes{nets: &bart.Table[[]string]{}, asns: map[uint32][]string{}, domains: map[string][]string{}}
	for _, c := range cs {
		for _, p := range c.CIDRs {
			if !p.IsValid() {
				continue
			}
			p = p.Masked()
			r.nets.Modify(p, func(owners []string, _ bool) ([]string, bool) {
				return appendOnce(owners, c.OrgID), false
			})
		}
		for _, a := range c.ASNs {
			r.asns[a] = appendOnce(r.asns[a], c.OrgID)
		}
		for _, d := range c.Domains {
			if h, err := observable.NormalizeHost(d); err == nil {
				r.domains[h] = appendOnce(r.domains[h], c.OrgID)
			}
		}
	}
	return r
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(slices.Clip(list), s)
}

// WithOrigins answers routes that also reach the organisations that
// registered the AS announcing an address or network, as t says.
func (r *Routes) WithOrigins(t *asn.Table) *Routes {
	c := *r
	c.origins = t
	return &c
}

// IP returns the owners of the most specific registered network that
// contains a, and those of the AS that announces it: the network's owner
// and its provider both hear of it.
func (r *Routes) IP(a netip.Addr) []string {
	owners, _ := r.nets.Lookup(a.Unmap())
	if r.origins != nil && len(r.asns) > 0 {
		if asn, _, ok := r.origins.Lookup(a); ok {
			owners = union(owners, r.asns[asn])
		}
	}
	return owners
}

// union adds to owners those of more it lacks, copying owners only when
// it must (the tables' own slices are shared).
func union(owners, more []string) []string {
	for _, o := range more {
		owners = appendOnce(owners, o)
	}
	return owners
}

// Network returns who a reported network concerns: the owners of the most
// specific registered network containing it, and of every registered
// network inside it.
func (r *Routes) Network(p netip.Prefix) []string {
	p = p.Masked()
	var out []string
	if _, owners, ok := r.nets.LookupPrefixLPM(p); ok {
		out = append(out, owners...)
	}
	for _, owners := range r.nets.Subnets(p) {
		out = union(out, owners)
	}
	if r.origins != nil && len(r.asns) > 0 {
		if asn, _, ok := r.origins.LookupPrefix(p); ok {
			out = union(out, r.asns[asn])
		}
	}
	return out
}

// ASN returns the organisations that registered an AS number.
func (r *Routes) ASN(n uint32) []string { return r.asns[n] }

// Host returns the owners of the longest registered domain that host is
// or lies below ("a.b.example.org" belongs to whoever registered
// "example.org" unless someone registered "b.example.org").
func (r *Routes) Host(host string) []string {
	for h := host; h != ""; {
		if owners, ok := r.domains[h]; ok {
			return owners
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return nil
}

// Route returns the organisations a normalised observable concerns.
// Hashes and CVE IDs concern nobody in particular.
func (r *Routes) Route(o observable.Observable) []string {
	switch o.Type {
	case observable.IPv4, observable.IPv6:
		if a, err := netip.ParseAddr(o.Value); err == nil {
			return r.IP(a)
		}
	case observable.CIDR:
		if p, err := netip.ParsePrefix(o.Value); err == nil {
			return r.Network(p)
		}
	case observable.Domain:
		return r.Host(o.Value)
	case observable.Email:
		if _, domain, ok := strings.Cut(o.Value, "@"); ok {
			return r.Host(domain)
		}
	case observable.URL:
		if h := observable.URLHost(o.Value); h != "" {
			if a, err := netip.ParseAddr(h); err == nil {
				return r.IP(a)
			}
			return r.Host(h)
		}
	case observable.ASN:
		if n, err := strconv.ParseUint(strings.TrimPrefix(o.Value, "AS"), 10, 32); err == nil {
			return r.ASN(uint32(n))
		}
	}
	return nil
}
