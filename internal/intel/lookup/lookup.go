package lookup

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/asn"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// refresh indexes the observables stored since the last refresh (by this
// process or another: the command line loads while the server runs).
func (s *Service) refreshIndex(ctx context.Context) error {
	from := s.index.Newest()
	for {
		rows, err := s.db.Query(ctx, `SELECT id, type, value FROM intel_observables WHERE id > $1 ORDER BY id LIMIT 100000`, from)
		if err != nil {
			return fmt.Errorf("intel: index: %w", err)
		}
		n := 0
		err = s.index.Batch(func(add func(int64, observable.Observable)) error {
			for rows.Next() {
				var id int64
				var o observable.Observable
				if err := rows.Scan(&id, &o.Type, &o.Value); err != nil {
					return err
				}
				add(id, o)
				from, n = id, n+1
			}
			return nil
		})
		rows.Close()
		if err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("intel: index: %w", err)
		}
		if n < 100000 {
			return nil
		}
	}
}

// MaxLookup bounds the values of one lookup.
const MaxLookup = 100_000

// Match is what a lookup knows of one value (API.md's shape).
type Match struct {
	Value        string          `json:"value"`
	Type         observable.Type `json:"type"`
	ObservableID int64           `json:"observable_id"`
	Matched      string          `json:"matched,omitempty"` // the network that contains the value, when that is the match
	FirstSeen    time.Time       `json:"first_seen"`
	LastSeen     time.Time       `json:"last_seen"`
	Score        int             `json:"score"`
	TLP          string          `json:"tlp"`
	Sources      []string        `json:"sources"`
	Constituents []string        `json:"constituents"`
	Origin       *asn.Origin     `json:"origin,omitempty"` // the AS announcing the address (with an AS table)
}

// halfLife is how fast an observable's score decays with age, by type:
// addresses change hands in weeks, names in months, files never.
var halfLife = map[observable.Type]time.Duration{
	observable.IPv4: 30 * 24 * time.Hour, observable.IPv6: 30 * 24 * time.Hour, observable.CIDR: 60 * 24 * time.Hour, observable.URL: 60 * 24 * time.Hour,
	observable.Domain: 120 * 24 * time.Hour, observable.Email: 180 * 24 * time.Hour, observable.ASN: 365 * 24 * time.Hour,
}

// Score is an observable's weight now: the best confidence a visible
// source gives it, halved every half-life of its type since it was last
// seen, and raised a little by how many sources report it.
func Score(t observable.Type, confidence int, sources int, lastSeen, now time.Time) int {
	score := float64(confidence)
	if hl, ok := halfLife[t]; ok && now.After(lastSeen) {
		score *= math.Pow(0.5, float64(now.Sub(lastSeen))/float64(hl))
	}
	score *= 1 + 0.1*float64(max(min(sources, 5)-1, 0))
	return int(math.Round(min(score, 100)))
}

// normalizeAll normalises values, leaving out those that are not
// indicators: raws[i] was read as obs[i].
func normalizeAll(values []string) (raws []string, obs []observable.Observable) {
	for _, raw := range values {
		if o, err := observable.Normalize(raw); err == nil {
			raws, obs = append(raws, raw), append(obs, o)
		}
	}
	return raws, obs
}

// Lookup answers the values that match what the store holds and the
// caller may see; values without a visible match are left out.
func (s *Service) Lookup(ctx context.Context, id *auth.Identity, values []string) ([]Match, error) {
	if id == nil {
		return nil, errs.Unauthenticated("sign in to look up indicators")
	}
	if len(values) > MaxLookup {
		var f errs.Fields
		f.Add("values", "at most %d values a request", MaxLookup)
		return nil, f.Err()
	}
	v, err := s.access.Viewer(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.refreshIndex(ctx); err != nil {
		return nil, err
	}
	raws, obs := normalizeAll(values)
	byID := map[int64][]int{} // observable → the values (indexes of raws and obs) that found it
	var ids []int64
	s.index.FindAll(obs, func(i int, oid int64) {
		if byID[oid] == nil {
			ids = append(ids, oid)
		}
		byID[oid] = append(byID[oid], i)
	})
	if len(ids) == 0 {
		return []Match{}, nil
	}
	details, err := s.details(ctx, v, ids)
	if err != nil {
		return nil, err
	}
	origins := s.origins(ctx)
	now := s.now()
	out := []Match{}
	for _, oid := range ids {
		d, ok := details[oid]
		if !ok || (len(d.sources) == 0 && len(d.constituents) == 0) {
			continue
		}
		for _, i := range byID[oid] {
			m := Match{Value: raws[i], Type: obs[i].Type, ObservableID: oid, FirstSeen: time.Unix(d.first, 0).UTC(), LastSeen: time.Unix(d.last, 0).UTC(),
				TLP: string(d.label), Sources: d.sources, Constituents: d.constituents}
			if d.obs != obs[i] {
				if d.obs.Type != observable.CIDR {
					continue // a hash collision
				}
				m.Matched = d.obs.Value
			}
			m.Score = Score(d.obs.Type, d.confidence, len(d.sources), time.Unix(d.last, 0), now)
			m.Origin = origins.Origin(obs[i])
			out = append(out, m)
		}
	}
	return out, nil
}

// detail is what the caller may see of one observable.
type detail struct {
	obs                   observable.Observable
	first, last           int64
	confidence            int
	label                 tlp.Label // the least restrictive visible marking
	sources, constituents []string
}

// details loads the matched observables with their observations and
// routes, keeping what the viewer may see.
func (s *Service) details(ctx context.Context, v *access.Viewer, ids []int64) (map[int64]*detail, error) {
	out := map[int64]*detail{}
	see := func(d *detail, label tlp.Label) {
		if d.label == "" || d.label.MoreRestrictive(label) {
			d.label = label
		}
	}
	for i := 0; i < len(ids); i += 500 {
		part := ids[i:min(i+500, len(ids))]
		var args db.Args
		in := db.In(&args, part)
		rows, err := s.db.Query(ctx, `SELECT v.id, v.type, v.value, b.first_seen, b.last_seen, b.tlp, b.confidence, src.name,
			b.source_num, b.collection_num
			FROM intel_observables v JOIN intel_observations b ON b.observable_id = v.id JOIN intel_sources src ON src.num = b.source_num
			WHERE v.id IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("intel: lookup: %w", err)
		}
		for rows.Next() {
			var id, first, last, srcNum, col int64
			var o observable.Observable
			var label, source string
			var conf int
			if err := rows.Scan(&id, &o.Type, &o.Value, &first, &last, &label, &conf, &source, &srcNum, &col); err != nil {
				rows.Close()
				return nil, err
			}
			d := out[id]
			if d == nil {
				d = &detail{obs: o, first: math.MaxInt64, sources: []string{}, constituents: []string{}}
				out[id] = d
			}
			c, err := s.access.ByNum(ctx, s.db, col)
			if err != nil {
				rows.Close()
				return nil, err
			}
			if !v.Reads(c, label, srcNum) {
				continue
			}
			d.first, d.last = min(d.first, first), max(d.last, last)
			d.confidence = max(d.confidence, conf)
			if !slices.Contains(d.sources, source) {
				d.sources = append(d.sources, source)
			}
			see(d, tlp.Label(label))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("intel: lookup: %w", err)
		}
		routes, err := s.routesOf(ctx, v, part)
		if err != nil {
			return nil, fmt.Errorf("intel: lookup: %w", err)
		}
		for id, rs := range routes {
			d := out[id]
			if d == nil {
				continue
			}
			for _, r := range rs {
				d.first, d.last = min(d.first, r.FirstSeen.Unix()), max(d.last, r.LastSeen.Unix())
				d.constituents = append(d.constituents, r.Name)
				see(d, tlp.Label(r.TLP))
				if len(d.sources) == 0 {
					d.confidence = max(d.confidence, 50) // routed to the caller: what the center judged worth telling it
				}
			}
		}
	}
	for _, d := range out {
		slices.Sort(d.sources)
		slices.Sort(d.constituents)
	}
	return out, nil
}

func orgName(orgs map[string]access.Org, id string) string {
	if o, ok := orgs[id]; ok && strings.TrimSpace(o.Name) != "" {
		return o.Name
	}
	return id
}
