package actors

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Profile is one actor, campaign or piece of software as the reader may
// read it: what each source claims, folded, and what it links to.
type Profile struct {
	Summary
	Names       []Named     `json:"names"`
	Motivations []Named     `json:"motivations"`
	Techniques  []Named     `json:"attack_techniques"`
	Origins     []Named     `json:"origins"`
	Related     []string    `json:"related"`
	Claims      []ClaimView `json:"claims"`
	Observables []LinkedOb  `json:"indicators_linked"`
	// ObservablesTotal counts them all; Observables lists the most
	// recently seen 200.
	ObservablesTotal int       `json:"indicators_total"`
	Constituents     int       `json:"constituents_concerned"`
	Attributions     []Record  `json:"attributed"`
	Advisories       []Record  `json:"advisories"`
	Timeline         []Month   `json:"timeline"`
	SectorsBy        []Named   `json:"-"`
	claimNums        []int64   // the claims read
	readerAt         time.Time // for the timeline's end
}

// Named is a value with the sources that state it.
type Named struct {
	Value   string   `json:"value"`
	Sources []string `json:"sources"`
}

// ClaimView is one source's claim.
type ClaimView struct {
	Source      string     `json:"source"`
	SourceID    string     `json:"source_id"`
	StixID      string     `json:"stix_id"`
	StixType    string     `json:"stix_type"`
	Name        string     `json:"name"`
	Aliases     []string   `json:"aliases"`
	Description string     `json:"description,omitempty"`
	Sectors     []string   `json:"sectors"`
	Countries   []string   `json:"countries"`
	TLP         string     `json:"tlp"`
	Version     string     `json:"version,omitempty"`
	FirstSeen   *time.Time `json:"first_seen,omitempty"`
	LastSeen    *time.Time `json:"last_seen,omitempty"`
}

// LinkedOb is an observable a claim ties to the profile, with what its
// source saw of it and how many constituents' space it concerns.
type LinkedOb struct {
	ID           int64     `json:"observable_id"`
	Type         string    `json:"type"`
	Value        string    `json:"value"`
	Source       string    `json:"source"`
	FirstSeen    time.Time `json:"first_seen"`
	LastSeen     time.Time `json:"last_seen"`
	Count        int64     `json:"count"`
	Constituents int       `json:"constituents"`
}

// Month is one month of the timeline: observables first seen, sightings
// in constituents' space first made, incidents and cases attributed.
type Month struct {
	Month        string `json:"month"`
	Indicators   int    `json:"indicators"`
	Sightings    int    `json:"sightings"`
	Attributions int    `json:"attributed"`
}

// timelineMonths bounds the timeline.
const timelineMonths = 24

// Get answers the profile id as v (for id) reads it: errs.NotFound when v
// reads none of its claims.
func (st *Store) Get(ctx context.Context, v *access.Viewer, who *auth.Identity, id string) (Profile, error) {
	cs, err := st.readable(ctx, v, id)
	if err != nil {
		return Profile{}, err
	}
	act, err := st.activity(ctx, v, cs)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{Summary: summarise(id, cs, act), Names: []Named{}, Motivations: []Named{}, Techniques: []Named{}, Origins: []Named{},
		Related: []string{}, Claims: []ClaimView{}, Observables: []LinkedOb{}, Attributions: []Record{}, Advisories: []Record{},
		readerAt: st.now()}
	add := func(list *[]Named, value, source string) {
		if value == "" {
			return
		}
		for i := range *list {
			if strings.EqualFold((*list)[i].Value, value) {
				(*list)[i].Sources = union((*list)[i].Sources, []string{source})
				return
			}
		}
		*list = append(*list, Named{Value: value, Sources: []string{source}})
	}
	for _, c := range cs {
		p.claimNums = append(p.claimNums, c.num)
		for _, n := range append([]string{c.name}, lines(c.aliases)...) {
			add(&p.Names, n, c.srcName)
		}
		for _, m := range lines(c.motives) {
			add(&p.Motivations, m, c.srcName)
		}
		for _, t := range strings.Fields(c.techniques) {
			add(&p.Techniques, t, c.srcName)
		}
		for _, s := range strings.Fields(c.sectors) {
			add(&p.SectorsBy, s, c.srcName)
		}
		add(&p.Origins, c.origin, c.srcName)
		p.Related = union(p.Related, lines(c.related))
		cv := ClaimView{Source: c.srcName, SourceID: c.sourceID, StixID: c.stixID, StixType: c.typ, Name: c.name,
			Aliases: append([]string{}, lines(c.aliases)...), Description: c.description, Sectors: append([]string{}, strings.Fields(c.sectors)...),
			Countries: append([]string{}, lines(c.countries)...), TLP: c.tlp, Version: c.version}
		if c.first > 0 {
			t := time.Unix(c.first, 0).UTC()
			cv.FirstSeen = &t
		}
		if c.last > 0 {
			t := time.Unix(c.last, 0).UTC()
			cv.LastSeen = &t
		}
		p.Claims = append(p.Claims, cv)
	}
	slices.SortFunc(p.Techniques, func(a, b Named) int { return cmp.Compare(a.Value, b.Value) })
	slices.SortFunc(p.Names, func(a, b Named) int {
		return cmp.Or(cmp.Compare(len(b.Sources), len(a.Sources)), cmp.Compare(a.Value, b.Value))
	})
	var routed map[string]int
	if routed, err = st.linked(ctx, v, &p); err != nil {
		return Profile{}, err
	}
	if err := st.attributions(ctx, who, &p); err != nil {
		return Profile{}, err
	}
	if st.recs != nil {
		names := []string{}
		for _, n := range p.Names {
			if Key(n.Value) != "" && len(names) < 10 {
				names = append(names, n.Value)
			}
		}
		if p.Advisories, err = st.recs.Naming(ctx, who, names); err != nil {
			return Profile{}, err
		}
	}
	p.timeline(routed)
	return p, nil
}

// readable answers the claims of the reader's profile id (a stored
// profile, or a part of one: profiles): errs.NotFound when there are none.
func (st *Store) readable(ctx context.Context, v *access.Viewer, id string) ([]claimRow, error) {
	cs, err := st.visible(ctx, v, "c.actor_id = $1", baseID(id))
	if err != nil {
		return nil, err
	}
	if _, by := profiles(cs); len(by[id]) > 0 {
		return by[id], nil
	}
	return nil, errs.NotFound("no such actor profile")
}

// linked fills the observables the claims read tie to the profile, and
// answers the months (YYYY-MM) of the first sightings in constituents'
// space the reader may read.
func (st *Store) linked(ctx context.Context, v *access.Viewer, p *Profile) (map[string]int, error) {
	months := map[string]int{}
	if len(p.claimNums) == 0 {
		return months, nil
	}
	type ob struct {
		LinkedOb
		source, collection int64
		tlp                string
	}
	var obs []ob
	err := st.db.Read(ctx, func(q db.Querier) error {
		args := db.Args{}
		all, err := db.QueryAll(ctx, q, func(r db.Row) (ob, error) {
			var o ob
			var first, last int64
			err := r.Scan(&o.ID, &o.Type, &o.Value, &o.Source, &first, &last, &o.Count, &o.source, &o.collection, &o.tlp)
			o.FirstSeen, o.LastSeen = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
			return o, err
		}, `SELECT o.id, o.type, o.value, s.name, b.first_seen, b.last_seen, b.count, b.source_num, b.collection_num, b.tlp
			FROM intel_actor_indicators i JOIN intel_actor_claims c ON c.num = i.claim_num
			JOIN intel_observations b ON b.observable_id = i.observable_id AND b.source_num = c.source_num
			JOIN intel_observables o ON o.id = i.observable_id JOIN intel_sources s ON s.num = c.source_num
			WHERE i.claim_num IN (`+db.In(&args, p.claimNums)+`) ORDER BY b.last_seen DESC, o.id`, args...)
		if err != nil {
			return fmt.Errorf("intel: actors: linked: %w", err)
		}
		seen := map[int64]bool{}
		for _, o := range all {
			col, err := st.access.ByNum(ctx, q, o.collection)
			if err != nil {
				return err
			}
			if seen[o.ID] || !v.Reads(col, o.tlp, o.source) {
				continue
			}
			seen[o.ID] = true
			obs = append(obs, o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.ObservablesTotal = len(obs)
	ids := make([]int64, 0, len(obs))
	for _, o := range obs {
		ids = append(ids, o.ID)
		p.Timeline = append(p.Timeline, Month{Month: o.FirstSeen.Format("2006-01"), Indicators: 1})
	}
	perOb := map[int64]int{}
	orgs := map[string]bool{}
	for i := 0; i < len(ids); i += 500 {
		args := db.Args{}
		rows, err := st.db.Query(ctx, `SELECT observable_id, org_id, tlp, first_seen FROM intel_routes WHERE observable_id IN (`+
			db.In(&args, ids[i:min(i+500, len(ids))])+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("intel: actors: routes: %w", err)
		}
		for rows.Next() {
			var oid, first int64
			var org, label string
			if err := rows.Scan(&oid, &org, &label, &first); err != nil {
				rows.Close()
				return nil, err
			}
			if v.RoutedTo(org, label) {
				perOb[oid]++
				orgs[org] = true
				months[time.Unix(first, 0).UTC().Format("2006-01")]++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	p.Constituents = len(orgs)
	for i := range obs {
		obs[i].Constituents = perOb[obs[i].ID]
		if i < 200 {
			p.Observables = append(p.Observables, obs[i].LinkedOb)
		}
	}
	return months, nil
}

// attributions fills the incidents and cases attributed to the profile
// that who reads.
func (st *Store) attributions(ctx context.Context, who *auth.Identity, p *Profile) error {
	type att struct {
		kind, ref, note, by string
		at                  time.Time
	}
	list, err := db.QueryAll(ctx, st.db, func(r db.Row) (att, error) {
		var a att
		err := r.Scan(&a.kind, &a.ref, &a.note, &a.by, &a.at)
		return a, err
	}, `SELECT kind, ref, note, created_by, created_at FROM intel_actor_attributions WHERE actor_id = $1 ORDER BY created_at, kind, ref`, baseID(p.ID))
	if err != nil {
		return fmt.Errorf("intel: actors: attributions: %w", err)
	}
	for _, a := range list {
		if st.recs == nil || p.ID != baseID(p.ID) {
			break // a part of a profile the reader reads apart shows none
		}
		rec, ok, err := st.recs.Attributed(ctx, who, a.kind, a.ref)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		at := a.at.UTC()
		rec.Note, rec.By, rec.AttributedAt = a.note, a.by, &at
		p.Attributions = append(p.Attributions, rec)
	}
	return nil
}

// timeline folds the months of observables first seen (already listed
// one per observable), of sightings and of attributions into at most
// timelineMonths months ending with the reader's.
func (p *Profile) timeline(sightings map[string]int) {
	counts := map[string]*Month{}
	for _, m := range p.Timeline {
		if counts[m.Month] == nil {
			counts[m.Month] = &Month{Month: m.Month}
		}
		counts[m.Month].Indicators += m.Indicators
	}
	get := func(k string) *Month {
		if counts[k] == nil {
			counts[k] = &Month{Month: k}
		}
		return counts[k]
	}
	for k, n := range sightings {
		get(k).Sightings += n
	}
	for _, a := range p.Attributions {
		get(a.At.UTC().Format("2006-01")).Attributions++
	}
	end := time.Date(p.readerAt.Year(), p.readerAt.Month(), 1, 0, 0, 0, 0, time.UTC)
	start := end.AddDate(0, -(timelineMonths - 1), 0)
	// Start at the earliest activity when it is more recent.
	earliest := end
	for k := range counts {
		if t, err := time.Parse("2006-01", k); err == nil && t.Before(earliest) {
			earliest = t
		}
	}
	if p.FirstSeen != nil && p.FirstSeen.Before(earliest) {
		earliest = *p.FirstSeen
	}
	if earliest.After(start) {
		start = time.Date(earliest.Year(), earliest.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	}
	p.Timeline = []Month{}
	for t := start; !t.After(end); t = t.AddDate(0, 1, 0) {
		k := t.Format("2006-01")
		m := Month{Month: k}
		if c := counts[k]; c != nil {
			m = *c
		}
		p.Timeline = append(p.Timeline, m)
	}
}

// AttributionInput attributes an incident or case to a profile.
type AttributionInput struct {
	Kind string `json:"kind"` // incident | case
	Ref  string `json:"ref"`
	Note string `json:"note"`
}

// MayAttribute reports whether id may attribute incidents and cases: the
// center's staff and analysts (who must also read the incident or case).
func MayAttribute(id *auth.Identity) bool {
	return id != nil && (id.IsStaff() || access.WriterOrg(id) != "")
}

// Attribute records that in.Ref (which who must read) is attributed to
// the profile id (which v must read); audited.
func (st *Store) Attribute(ctx context.Context, v *access.Viewer, who *auth.Identity, id string, in AttributionInput) (Record, error) {
	if !MayAttribute(who) {
		return Record{}, errs.Forbidden("only analysts, coordinators and the center's staff attribute incidents and cases")
	}
	in.Kind, in.Ref, in.Note = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Ref), strings.TrimSpace(in.Note)
	var fe errs.Fields
	if in.Kind != "incident" && in.Kind != "case" {
		fe.Add("kind", "incident or case")
	}
	if in.Ref == "" {
		fe.Add("ref", "the incident's or case's number or id")
	}
	if len(in.Note) > 2000 {
		fe.Add("note", "at most 2,000 characters")
	}
	if len(fe) > 0 {
		return Record{}, fe.Err()
	}
	cs, err := st.readable(ctx, v, id)
	if err != nil {
		return Record{}, err
	}
	if st.recs == nil {
		return Record{}, errs.Invalid("incidents and cases cannot be attributed here")
	}
	rec, ok, err := st.recs.Attributed(ctx, who, in.Kind, in.Ref)
	if err != nil {
		return Record{}, err
	}
	if !ok {
		return Record{}, errs.InvalidField("ref", "no %s %s that you can read", in.Kind, in.Ref)
	}
	now := st.now().UTC()
	err = st.db.Write(ctx, func(tx *db.Tx) error {
		n, err := tx.Exec(ctx, `INSERT INTO intel_actor_attributions (actor_id, kind, ref, note, org_id, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (actor_id, kind, ref) DO NOTHING`,
			baseID(id), in.Kind, rec.Ref, in.Note, access.WriterOrg(who), who.Label(), now)
		if err != nil {
			return fmt.Errorf("intel: actors: attribute: %w", err)
		}
		if n == 0 {
			return errs.Conflict("%s %s is already attributed to %s", in.Kind, rec.Ref, cs[0].name)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "intel.actor.attribute", ObjectType: "intel_actor", ObjectID: baseID(id),
			OrgID: access.WriterOrg(who), Summary: fmt.Sprintf("attributed %s %s to %s", in.Kind, rec.Ref, cs[0].name)})
	})
	if err != nil {
		return Record{}, err
	}
	rec.Note, rec.By, rec.AttributedAt = in.Note, who.Label(), &now
	return rec, nil
}

// Unattribute removes an attribution: the center's staff, or an analyst
// of the organisation that made it who reads the record; audited.
func (st *Store) Unattribute(ctx context.Context, v *access.Viewer, who *auth.Identity, id, kind, ref string) error {
	if !MayAttribute(who) || st.recs == nil {
		return errs.Forbidden("only analysts, coordinators and the center's staff attribute incidents and cases")
	}
	cs, err := st.readable(ctx, v, id)
	if err != nil {
		return err
	}
	var org string
	err = st.db.QueryRow(ctx, `SELECT org_id FROM intel_actor_attributions WHERE actor_id = $1 AND kind = $2 AND ref = $3`, baseID(id), kind, ref).Scan(&org)
	if errors.Is(err, db.ErrNoRows) {
		return errs.NotFound("no such attribution")
	}
	if err != nil {
		return err
	}
	if _, ok, err := st.recs.Attributed(ctx, who, kind, ref); err != nil || !ok {
		return cmp.Or(err, errs.NotFound("no such attribution"))
	}
	if !who.IsStaff() && !who.RoleIn(org).AtLeast(auth.RoleAnalyst) {
		return errs.Forbidden("another organisation made this attribution: its analysts or the center's staff withdraw it")
	}
	now := st.now().UTC()
	return st.db.Write(ctx, func(tx *db.Tx) error {
		n, err := tx.Exec(ctx, `DELETE FROM intel_actor_attributions WHERE actor_id = $1 AND kind = $2 AND ref = $3`, baseID(id), kind, ref)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFound("no such attribution")
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "intel.actor.unattribute", ObjectType: "intel_actor", ObjectID: baseID(id),
			OrgID: access.WriterOrg(who), Summary: fmt.Sprintf("withdrew the attribution of %s %s to %s", kind, ref, cs[0].name)})
	})
}
