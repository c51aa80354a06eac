package intel

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gaissmai/bart"

	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/tlp"
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
	origins *ASNTable // nil: no AS table
}

// NewRoutes builds the table. Values that are not valid networks or host
// names are skipped (the directory validates them on entry).
func NewRoutes(cs []Constituency) *Routes {
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
func (r *Routes) WithOrigins(t *ASNTable) *Routes {
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

// routing answers the routing table of the directory as it is now (at
// most directoryTTL old), with the AS table.
func (s *Service) routing(ctx context.Context) (*Routes, error) {
	return s.routes.get(func() (*Routes, error) {
		var cs []Constituency
		if s.dir != nil {
			byOrg, err := s.dir.Constituencies(ctx, platform)
			if err != nil {
				return nil, fmt.Errorf("intel: routing table: %w", err)
			}
			cs = make([]Constituency, 0, len(byOrg))
			for org, d := range byOrg {
				c := Constituency{OrgID: org, Domains: d.Domains}
				for _, v := range d.CIDRs {
					if p, err := netip.ParsePrefix(v); err == nil {
						c.CIDRs = append(c.CIDRs, p)
					}
				}
				for _, n := range d.ASNs {
					if n > 0 && n <= math.MaxUint32 {
						c.ASNs = append(c.ASNs, uint32(n))
					}
				}
				cs = append(cs, c)
			}
		}
		return NewRoutes(cs).WithOrigins(s.origins(ctx)), nil
	})
}

// tlpRank orders markings in SQL from least to most restrictive.
const tlpRank = `CASE %s WHEN 'CLEAR' THEN 0 WHEN 'GREEN' THEN 1 WHEN 'AMBER' THEN 2 WHEN 'AMBER+STRICT' THEN 3 ELSE 4 END`

// route records, for every observable of a batch that concerns
// constituents, a route to each: an indicator in the organisation's own
// collection and a line of its next digest. TLP:RED goes to nobody.
func (s *Service) route(ctx context.Context, tx *db.Tx, in *inserter, aggs []*ingest.Agg, routes *Routes) error {
	type hit struct {
		a   *ingest.Agg
		org string
	}
	var hits []hit
	for _, a := range aggs {
		if tlp.Label(a.TLP) == tlp.Red {
			continue
		}
		for _, org := range routes.Route(observable.Observable{Type: a.Type, Value: a.Value}) {
			hits = append(hits, hit{a, org})
		}
	}
	if len(hits) == 0 {
		return nil
	}
	orgs, err := s.orgs(ctx)
	if err != nil {
		return err
	}
	// The orgs' collections and their next date_added.
	type place struct{ col, next int64 }
	places := map[string]*place{}
	for _, h := range hits {
		if places[h.org] != nil {
			continue
		}
		col, err := s.ensureCollection(ctx, tx, orgCollection(h.org, cmp.Or(orgs[h.org].name, h.org)))
		if err != nil {
			return err
		}
		next, err := nextAdded(ctx, tx, col.Num, s.now())
		if err != nil {
			return err
		}
		places[h.org] = &place{col: col.Num, next: next}
	}
	for i := 0; i < len(hits); i += chunk {
		in.start(`INSERT INTO intel_routes (observable_id, org_id, collection_num, added, first_seen, last_seen, tlp)`)
		for _, h := range hits[i:min(i+chunk, len(hits))] {
			p := places[h.org]
			in.row(h.a.ID, h.org, p.col, p.next, h.a.First, h.a.Last, h.a.TLP)
			p.next++
		}
		if _, err := in.tx.ExecRepeated(ctx, in.sql(` ON CONFLICT (observable_id, org_id) DO UPDATE SET
			first_seen = CASE WHEN excluded.first_seen < intel_routes.first_seen THEN excluded.first_seen ELSE intel_routes.first_seen END,
			last_seen = CASE WHEN excluded.last_seen > intel_routes.last_seen THEN excluded.last_seen ELSE intel_routes.last_seen END,
			tlp = CASE WHEN `+fmt.Sprintf(tlpRank, "excluded.tlp")+` < `+fmt.Sprintf(tlpRank, "intel_routes.tlp")+`
				THEN excluded.tlp ELSE intel_routes.tlp END`), in.args...); err != nil {
			return fmt.Errorf("intel: store routes: %w", err)
		}
	}
	return nil
}
