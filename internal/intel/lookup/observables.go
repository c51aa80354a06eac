package lookup

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/asn"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/stix"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// Link is something elsewhere in certhub that concerns an observable: a
// vulnerability case or a publication naming its CVE ID.
type Link struct {
	Kind  string `json:"kind"` // case, advisory
	Title string `json:"title"`
	Label string `json:"label"` // a case's number, an advisory's tracking id
	URL   string `json:"url"`
}

// Related finds what names a CVE ID, as id may see it (wired by the app
// to the disclosure program and the advisories).
type Related func(ctx context.Context, id *auth.Identity, cve string) ([]Link, error)

// Sighting is what one source reported of an observable.
type Sighting struct {
	SourceID   string    `json:"source_id"`
	Source     string    `json:"source"`
	Collection string    `json:"collection"`
	TLP        string    `json:"tlp"`
	Confidence int       `json:"confidence"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	Count      int64     `json:"count"`
	Tags       []string  `json:"tags"`
}

// RouteView is an observable's route to a constituent.
type RouteView struct {
	OrgID      string     `json:"org_id"`
	Name       string     `json:"name"`
	TLP        string     `json:"tlp"`
	FirstSeen  time.Time  `json:"first_seen"`
	LastSeen   time.Time  `json:"last_seen"`
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
}

// ObservableView is everything the viewer may know of one observable:
// who reported it, under which marking, whom it concerns, what else in
// certhub names it.
type ObservableView struct {
	ID           int64           `json:"id"`
	Type         observable.Type `json:"type"`
	Value        string          `json:"value"`
	Pattern      string          `json:"pattern"`
	TLP          string          `json:"tlp"` // the least restrictive marking the viewer sees it under
	Score        int             `json:"score"`
	FirstSeen    time.Time       `json:"first_seen"`
	LastSeen     time.Time       `json:"last_seen"`
	Sightings    []Sighting      `json:"sightings"`
	Constituents []RouteView     `json:"constituents"`
	Related      []Link          `json:"related"`
	Events       []EventView     `json:"events"`
	Benign       string          `json:"benign,omitempty"` // the warninglist that now calls it benign
	// Origin is the AS announcing an address or network (and a URL's
	// address), as the loaded AS table says.
	Origin *asn.Origin `json:"origin,omitempty"`
}

// EventView is an event an observable was reported in (a MISP event), with
// others reported in it: correlation across events and sources.
type EventView struct {
	UUID        string                  `json:"uuid"`
	Info        string                  `json:"info"`
	Date        string                  `json:"date,omitempty"`
	SourceID    string                  `json:"source_id"`
	Source      string                  `json:"source"`
	Observables int                     `json:"observables"` // how many it named
	With        []observable.Observable `json:"with"`        // up to 10 others it named that the caller may see
	WithIDs     []int64                 `json:"with_ids"`    // their ids, in the same order
}

// Observable answers one observable as the caller may see it; one it may
// see nothing of is missing.
func (s *Service) Observable(ctx context.Context, id *auth.Identity, oid int64) (ObservableView, error) {
	v, err := s.access.Viewer(ctx, id)
	if err != nil {
		return ObservableView{}, err
	}
	var o ObservableView
	var first, last int64
	err = s.db.QueryRow(ctx, `SELECT id, type, value, first_seen, last_seen FROM intel_observables WHERE id = $1`, oid).
		Scan(&o.ID, &o.Type, &o.Value, &first, &last)
	if errors.Is(err, db.ErrNoRows) {
		return ObservableView{}, errs.NotFound("no such observable")
	}
	if err != nil {
		return ObservableView{}, fmt.Errorf("intel: observable: %w", err)
	}
	o.Sightings, o.Constituents, o.Related, o.Events = []Sighting{}, []RouteView{}, []Link{}, []EventView{}
	rows, err := s.db.Query(ctx, `SELECT src.id, src.name, b.source_num, b.collection_num, b.tlp, b.confidence,
		b.first_seen, b.last_seen, b.count, b.tags
		FROM intel_observations b JOIN intel_sources src ON src.num = b.source_num WHERE b.observable_id = $1 ORDER BY b.last_seen DESC`, oid)
	if err != nil {
		return ObservableView{}, fmt.Errorf("intel: observable: %w", err)
	}
	first, last = math.MaxInt64, 0
	var label tlp.Label
	see := func(l tlp.Label, f, la int64) {
		if label == "" || label.MoreRestrictive(l) {
			label = l
		}
		first, last = min(first, f), max(last, la)
	}
	conf := 0
	for rows.Next() {
		var sg Sighting
		var tags string
		var srcNum, col, f, la int64
		if err := rows.Scan(&sg.SourceID, &sg.Source, &srcNum, &col, &sg.TLP, &sg.Confidence, &f, &la, &sg.Count, &tags); err != nil {
			rows.Close()
			return ObservableView{}, err
		}
		c, err := s.access.ByNum(ctx, s.db, col)
		if err != nil {
			rows.Close()
			return ObservableView{}, err
		}
		if !v.Reads(c, sg.TLP, srcNum) {
			continue
		}
		sg.Collection, sg.FirstSeen, sg.LastSeen, sg.Tags = c.Alias, time.Unix(f, 0).UTC(), time.Unix(la, 0).UTC(), strings.Fields(tags)
		if sg.Tags == nil {
			sg.Tags = []string{}
		}
		o.Sightings = append(o.Sightings, sg)
		see(tlp.Label(sg.TLP), f, la)
		conf = max(conf, sg.Confidence)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ObservableView{}, err
	}
	routes, err := s.routesOf(ctx, v, []int64{oid})
	if err != nil {
		return ObservableView{}, err
	}
	for _, r := range routes[oid] {
		o.Constituents = append(o.Constituents, r)
		see(tlp.Label(r.TLP), r.FirstSeen.Unix(), r.LastSeen.Unix())
		if len(o.Sightings) == 0 {
			conf = max(conf, 50)
		}
	}
	if len(o.Sightings) == 0 && len(o.Constituents) == 0 {
		return ObservableView{}, errs.NotFound("no such observable")
	}
	o.TLP, o.FirstSeen, o.LastSeen = string(label), time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
	o.Score = Score(o.Type, conf, len(o.Sightings), o.LastSeen, s.now())
	o.Pattern = stix.Pattern(observable.Observable{Type: o.Type, Value: o.Value})
	warn, err := s.warn.Set(ctx)
	if err != nil {
		return ObservableView{}, err
	}
	o.Benign = warn.Match(observable.Observable{Type: o.Type, Value: o.Value})
	o.Origin = s.origins(ctx).Origin(observable.Observable{Type: o.Type, Value: o.Value})
	if o.Events, err = s.eventsOf(ctx, v, oid, o.Sightings); err != nil {
		return ObservableView{}, err
	}
	if o.Type == observable.CVE && s.related != nil {
		if o.Related, err = s.related(ctx, id, o.Value); err != nil {
			return ObservableView{}, err
		}
	}
	return o, nil
}

// maxEvents bounds the events an observable's page shows, newest first.
const maxEvents = 20

// eventsOf answers the events an observable was reported in by the
// sources whose sightings of it the viewer sees, each with up to ten other
// observables it named whose report by that source the viewer may read.
func (s *Service) eventsOf(ctx context.Context, v *access.Viewer, oid int64, seen []Sighting) ([]EventView, error) {
	out := []EventView{}
	if len(seen) == 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, `SELECT e.num, e.uuid, e.info, e.event_date, src.id, src.name, e.source_num,
		(SELECT COUNT(*) FROM intel_event_observables x WHERE x.event_num = e.num)
		FROM intel_event_observables l JOIN intel_events e ON e.num = l.event_num JOIN intel_sources src ON src.num = e.source_num
		WHERE l.observable_id = $1 ORDER BY e.last_seen DESC, e.num DESC`, oid)
	if err != nil {
		return nil, fmt.Errorf("intel: events: %w", err)
	}
	type event struct {
		EventView
		num, source int64
	}
	var events []event
	for rows.Next() {
		var e event
		if err := rows.Scan(&e.num, &e.UUID, &e.Info, &e.Date, &e.SourceID, &e.Source, &e.source, &e.Observables); err != nil {
			rows.Close()
			return nil, err
		}
		if slices.ContainsFunc(seen, func(sg Sighting) bool { return sg.SourceID == e.SourceID }) && len(events) < maxEvents {
			events = append(events, e)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("intel: events: %w", err)
	}
	for _, e := range events {
		rows, err := s.db.Query(ctx, `SELECT v.id, v.type, v.value, b.tlp, b.collection_num FROM intel_event_observables x
			JOIN intel_observables v ON v.id = x.observable_id
			JOIN intel_events e ON e.num = x.event_num
			JOIN intel_observations b ON b.observable_id = x.observable_id AND b.source_num = e.source_num
			WHERE x.event_num = $1 AND x.observable_id <> $2 ORDER BY v.type, v.value LIMIT 200`, e.num, oid)
		if err != nil {
			return nil, fmt.Errorf("intel: events: %w", err)
		}
		e.With, e.WithIDs = []observable.Observable{}, []int64{}
		for rows.Next() {
			var id int64
			var ob observable.Observable
			var label string
			var col int64
			if err := rows.Scan(&id, &ob.Type, &ob.Value, &label, &col); err != nil {
				rows.Close()
				return nil, err
			}
			if len(e.With) == 10 {
				continue
			}
			c, err := s.access.ByNum(ctx, s.db, col)
			if err != nil {
				rows.Close()
				return nil, err
			}
			if v.Reads(c, label, e.source) {
				e.With, e.WithIDs = append(e.With, ob), append(e.WithIDs, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("intel: events: %w", err)
		}
		out = append(out, e.EventView)
	}
	return out, nil
}

// routesOf answers the routes of the observables the viewer may see, by
// constituent name.
func (s *Service) routesOf(ctx context.Context, v *access.Viewer, ids []int64) (map[int64][]RouteView, error) {
	orgs, err := s.orgs.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	var a db.Args
	rows, err := s.db.Query(ctx, `SELECT observable_id, org_id, tlp, first_seen, last_seen, notified_at FROM intel_routes
		WHERE observable_id IN (`+db.In(&a, ids)+`)`, a...)
	if err != nil {
		return nil, fmt.Errorf("intel: routes: %w", err)
	}
	defer rows.Close()
	out := map[int64][]RouteView{}
	for rows.Next() {
		var oid, f, la int64
		var notified *int64
		var r RouteView
		if err := rows.Scan(&oid, &r.OrgID, &r.TLP, &f, &la, &notified); err != nil {
			return nil, err
		}
		if !v.RoutedTo(r.OrgID, r.TLP) {
			continue
		}
		r.Name, r.FirstSeen, r.LastSeen = orgName(orgs, r.OrgID), time.Unix(f, 0).UTC(), time.Unix(la, 0).UTC()
		if notified != nil {
			t := time.Unix(*notified, 0).UTC()
			r.NotifiedAt = &t
		}
		out[oid] = append(out[oid], r)
	}
	for _, rs := range out {
		slices.SortFunc(rs, func(a, b RouteView) int { return strings.Compare(a.Name, b.Name) })
	}
	return out, rows.Err()
}

// ObservableSummary is a line of the observables list.
type ObservableSummary struct {
	ID           int64           `json:"id"`
	Type         observable.Type `json:"type"`
	Value        string          `json:"value"`
	FirstSeen    time.Time       `json:"first_seen"`
	LastSeen     time.Time       `json:"last_seen"`
	Sightings    int64           `json:"sightings"`
	Constituents []RouteView     `json:"constituents"`
}

// ObservableFilter narrows the list.
type ObservableFilter struct {
	Value  string // an indicator, normalised (refanged, lower-cased…) before it is looked for
	Type   observable.Type
	Limit  int
	Cursor string
	// MostSighted lists the observables routed to a constituent (of those
	// the caller reads routes to) with the most sightings first, one page
	// without a cursor: the national picture's ranking.
	MostSighted bool
}

// Observables lists observables, newest first. The center's staff list the
// whole store; everyone else what was routed to their organisations (and,
// for a sectoral CERT, to its constituents) — their portal's view.
func (s *Service) Observables(ctx context.Context, id *auth.Identity, f ObservableFilter) ([]ObservableSummary, string, error) {
	v, err := s.access.Viewer(ctx, id)
	if err != nil {
		return nil, "", err
	}
	var a db.Args
	var conds []string
	if f.Value != "" {
		o, err := observable.Normalize(f.Value)
		if err != nil {
			var fe errs.Fields
			fe.Add("value", "%s", err.Error())
			return nil, "", fe.Err()
		}
		conds = append(conds, "v.type = "+a.Add(string(o.Type)), "v.value = "+a.Add(o.Value))
	}
	if f.Type != "" {
		if !slices.Contains(allTypes, f.Type) {
			var fe errs.Fields
			fe.Add("type", "one of %s", strings.Join(typeNames(), ", "))
			return nil, "", fe.Err()
		}
		conds = append(conds, "v.type = "+a.Add(string(f.Type)))
	}
	if f.Cursor != "" {
		parts, err := db.DecodeCursor(f.Cursor, 1)
		if err != nil || len(parts) != 1 {
			return nil, "", badCursor()
		}
		n, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return nil, "", badCursor()
		}
		conds = append(conds, "v.id < "+a.Add(n))
	}
	if !v.All() {
		orgs := v.RouteOrgs()
		if len(orgs) == 0 {
			return []ObservableSummary{}, "", nil
		}
		conds = append(conds, "v.id IN (SELECT observable_id FROM intel_routes WHERE org_id IN ("+db.In(&a, orgs)+"))")
	} else if f.MostSighted {
		conds = append(conds, "v.id IN (SELECT observable_id FROM intel_routes)")
	}
	q := `SELECT v.id, v.type, v.value, v.first_seen, v.last_seen, v.sightings FROM intel_observables v`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, " AND ")
	}
	limit := min(max(f.Limit, 1), 200)
	// A member's page is filtered by marking after the query, so it may be
	// short of limit; next_cursor still goes on from where it stopped.
	order := ` ORDER BY v.id DESC LIMIT ` + strconv.Itoa(limit+1)
	if f.MostSighted {
		// Filtered by marking after the query: read a few pages' worth.
		order = ` ORDER BY v.sightings DESC, v.id DESC LIMIT ` + strconv.Itoa(4*limit)
	}
	rows, err := s.db.Query(ctx, q+order, a...)
	if err != nil {
		return nil, "", fmt.Errorf("intel: observables: %w", err)
	}
	var out []ObservableSummary
	for rows.Next() {
		var o ObservableSummary
		var first, last int64
		if err := rows.Scan(&o.ID, &o.Type, &o.Value, &first, &last, &o.Sightings); err != nil {
			rows.Close()
			return nil, "", err
		}
		o.FirstSeen, o.LastSeen, o.Constituents = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC(), []RouteView{}
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if !f.MostSighted && len(out) > limit { // the ranking is one page, without a cursor
		out = out[:limit]
		next = db.EncodeCursor(strconv.FormatInt(out[limit-1].ID, 10))
	}
	if len(out) == 0 {
		return []ObservableSummary{}, next, nil
	}
	ids := make([]int64, len(out))
	for i, o := range out {
		ids[i] = o.ID
	}
	routes, err := s.routesOf(ctx, v, ids)
	if err != nil {
		return nil, "", err
	}
	kept := out[:0]
	for _, o := range out {
		o.Constituents = append(o.Constituents, routes[o.ID]...)
		if (v.All() && !f.MostSighted) || len(o.Constituents) > 0 { // a member sees what reached it under a marking it reads
			kept = append(kept, o)
		}
	}
	if f.MostSighted && len(kept) > limit {
		kept = kept[:limit]
	}
	return kept, next, nil
}

// allTypes are the observable types, in the order lists show them.
var allTypes = []observable.Type{observable.IPv4, observable.IPv6, observable.CIDR, observable.Domain, observable.URL, observable.Email, observable.MD5, observable.SHA1, observable.SHA256, observable.SHA512, observable.ASN, observable.CVE}

func typeNames() []string {
	out := make([]string, len(allTypes))
	for i, t := range allTypes {
		out[i] = string(t)
	}
	return out
}
