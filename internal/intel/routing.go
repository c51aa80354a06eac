package intel

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/netip"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/routing"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// routing answers the routing table of the directory as it is now (at
// most directoryTTL old), with the AS table.
func (s *Service) routing(ctx context.Context) (*routing.Routes, error) {
	return s.routes.get(func() (*routing.Routes, error) {
		var cs []routing.Constituency
		if s.dir != nil {
			byOrg, err := s.dir.Constituencies(ctx, platform)
			if err != nil {
				return nil, fmt.Errorf("intel: routing table: %w", err)
			}
			cs = make([]routing.Constituency, 0, len(byOrg))
			for org, d := range byOrg {
				c := routing.Constituency{OrgID: org, Domains: d.Domains}
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
		return routing.New(cs).WithOrigins(s.Origins(ctx)), nil
	})
}

// tlpRank orders markings in SQL from least to most restrictive.
const tlpRank = `CASE %s WHEN 'CLEAR' THEN 0 WHEN 'GREEN' THEN 1 WHEN 'AMBER' THEN 2 WHEN 'AMBER+STRICT' THEN 3 ELSE 4 END`

// route records, for every observable of a batch that concerns
// constituents, a route to each: an indicator in the organisation's own
// collection and a line of its next digest. TLP:RED goes to nobody.
func (s *Service) route(ctx context.Context, tx *db.Tx, in *inserter, aggs []*ingest.Agg, routes *routing.Routes) error {
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
		col, err := s.access.Ensure(ctx, tx, access.OrgCollection(h.org, cmp.Or(orgs[h.org].Name, h.org)))
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
