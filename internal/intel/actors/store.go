package actors

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/stix"
	"github.com/certhub/certhub/internal/platform/db"
)

// Store keeps the claims and profiles.
type Store struct {
	db     *db.DB
	now    func() time.Time
	access *access.Store
	recs   Records
}

// NewStore makes the store; recs answers the incidents, cases and
// advisories profiles link to (nil: none).
func NewStore(d *db.DB, now func() time.Time, acc *access.Store, recs Records) *Store {
	return &Store{db: d, now: now, access: acc, recs: recs}
}

// Refresh rebuilds the claims of the source numbered source from the
// objects it keeps (the newest version of each) and re-merges the
// profiles. Reading happens outside the write transaction.
func (st *Store) Refresh(ctx context.Context, source int64) error {
	newest, err := st.newest(ctx, st.db, source)
	if err != nil {
		return err
	}
	objs, err := st.objects(ctx, source)
	if err != nil {
		return err
	}
	claims := Extract(objs)
	links, err := st.indicators(ctx, source, claims)
	if err != nil {
		return err
	}
	return st.db.Write(ctx, func(tx *db.Tx) error {
		if err := tx.Lock(ctx, "intel.actors"); err != nil {
			return err
		}
		// Objects kept since the reading: a later run's refresh, which
		// reads them, writes its claims; these would be older.
		if now, err := st.newest(ctx, tx, source); err != nil || now != newest {
			return err
		}
		if err := st.replace(ctx, tx, source, claims, links); err != nil {
			return err
		}
		return st.merge(ctx, tx)
	})
}

// newest is the sequence number of the source's last kept object.
func (st *Store) newest(ctx context.Context, q db.Querier, source int64) (int64, error) {
	var n *int64
	if err := q.QueryRow(ctx, `SELECT MAX(seq) FROM intel_objects WHERE source_num = $1`, source).Scan(&n); err != nil {
		return 0, fmt.Errorf("intel: actors: %w", err)
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// objects reads the newest version of each object of the types claims are
// made from.
func (st *Store) objects(ctx context.Context, source int64) ([]Object, error) {
	args := db.Args{}
	where := `source_num = ` + args.Add(source) + ` AND stix_type IN (` + db.In(&args, Types) + `)`
	rows, err := st.db.Query(ctx, `SELECT stix_id, stix_type, version, tlp, collection_num, body FROM intel_objects WHERE `+where+
		` ORDER BY stix_id, version`, args...)
	if err != nil {
		return nil, fmt.Errorf("intel: actors: %w", err)
	}
	defer rows.Close()
	var out []Object
	for rows.Next() {
		var o Object
		var body string
		if err := rows.Scan(&o.ID, &o.Type, &o.Version, &o.TLP, &o.Collection, &body); err != nil {
			return nil, err
		}
		o.Body = []byte(body)
		if n := len(out); n > 0 && out[n-1].ID == o.ID {
			out[n-1] = o // a newer version
			continue
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// indicators answers, per claim (by STIX id), the observables it ties to
// its actor: those of the indicators that indicate it, and for a MISP
// cluster those the source reported in events tagged with it.
func (st *Store) indicators(ctx context.Context, source int64, claims []Claim) (map[string][]int64, error) {
	out := map[string][]int64{}
	byIndicator := map[string][]string{}
	byTag := map[string][]string{}
	for _, c := range claims {
		for _, ind := range c.Indicators {
			byIndicator[ind] = append(byIndicator[ind], c.StixID)
		}
		if c.MISPTag != "" {
			tag := strings.ReplaceAll(c.MISPTag, " ", "_") // as ingest stores tags
			byTag[tag] = append(byTag[tag], c.StixID)
		}
	}
	ids := make([]string, 0, len(byIndicator))
	for id := range byIndicator {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	obsOf := map[observable.Observable][]string{} // observable → claims
	for i := 0; i < len(ids); i += 500 {
		args := db.Args{}
		rows, err := st.db.Query(ctx, `SELECT stix_id, body FROM intel_objects WHERE source_num = `+args.Add(source)+
			` AND stix_type = 'indicator' AND stix_id IN (`+db.In(&args, ids[i:min(i+500, len(ids))])+`) ORDER BY stix_id, version`, args...)
		if err != nil {
			return nil, fmt.Errorf("intel: actors: indicators: %w", err)
		}
		newest := map[string]string{} // the last version of each
		var order []string
		for rows.Next() {
			var id, body string
			if err := rows.Scan(&id, &body); err != nil {
				rows.Close()
				return nil, err
			}
			if _, ok := newest[id]; !ok {
				order = append(order, id)
			}
			newest[id] = body
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, id := range order {
			body := newest[id]
			var head struct {
				Revoked bool `json:"revoked"`
			}
			if json.Unmarshal([]byte(body), &head) != nil || head.Revoked {
				continue
			}
			_ = stix.Parse(strings.NewReader(`{"objects":[`+body+`]}`), func(r observable.Record) error {
				for _, c := range byIndicator[id] {
					if !slices.Contains(obsOf[r.Observable], c) {
						obsOf[r.Observable] = append(obsOf[r.Observable], c)
					}
				}
				return nil
			}, func(observable.Rejection) {}, nil)
		}
	}
	values := make([]string, 0, len(obsOf))
	for o := range obsOf {
		values = append(values, o.Value)
	}
	slices.Sort(values)
	values = slices.Compact(values)
	for i := 0; i < len(values); i += 500 {
		args := db.Args{}
		rows, err := st.db.Query(ctx, `SELECT id, type, value FROM intel_observables WHERE value IN (`+db.In(&args, values[i:min(i+500, len(values))])+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("intel: actors: indicators: %w", err)
		}
		for rows.Next() {
			var id int64
			var o observable.Observable
			if err := rows.Scan(&id, &o.Type, &o.Value); err != nil {
				rows.Close()
				return nil, err
			}
			for _, c := range obsOf[o] {
				out[c] = append(out[c], id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if len(byTag) > 0 {
		rows, err := st.db.Query(ctx, `SELECT observable_id, tags FROM intel_observations WHERE source_num = $1 AND tags LIKE '%misp-galaxy:%'`, source)
		if err != nil {
			return nil, fmt.Errorf("intel: actors: tagged: %w", err)
		}
		for rows.Next() {
			var id int64
			var tags string
			if err := rows.Scan(&id, &tags); err != nil {
				rows.Close()
				return nil, err
			}
			for _, t := range strings.Fields(tags) {
				for _, c := range byTag[t] {
					out[c] = append(out[c], id)
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for c, ids := range out {
		slices.Sort(ids)
		out[c] = slices.Compact(ids)
	}
	return out, nil
}

// replace writes the source's claims: new ones added, changed ones
// rewritten, gone ones removed with their links.
func (st *Store) replace(ctx context.Context, tx *db.Tx, source int64, claims []Claim, links map[string][]int64) error {
	type known struct {
		num    int64
		digest string
	}
	have := map[string]known{}
	rows, err := tx.Query(ctx, `SELECT num, stix_id, digest FROM intel_actor_claims WHERE source_num = $1`, source)
	if err != nil {
		return fmt.Errorf("intel: actors: %w", err)
	}
	for rows.Next() {
		var k known
		var id string
		if err := rows.Scan(&k.num, &id, &k.digest); err != nil {
			rows.Close()
			return err
		}
		have[id] = k
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := st.now().UTC()
	lines := func(l []string) string { return strings.Join(l, "\n") }
	for _, c := range claims {
		k, ok := have[c.StixID]
		delete(have, c.StixID)
		sum := digest(c, links[c.StixID])
		if ok && k.digest == sum {
			continue // unchanged: its profile is re-merged all the same
		}
		var num int64
		err := tx.QueryRow(ctx, `INSERT INTO intel_actor_claims (actor_id, source_num, collection_num, stix_id, stix_type, family, name, aliases,
			name_keys, description, motivations, sectors, countries, origin, techniques, related, first_seen, last_seen, tlp, version, updated_at, digest)
			VALUES ('', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
			ON CONFLICT (source_num, stix_id) DO UPDATE SET collection_num = excluded.collection_num, stix_type = excluded.stix_type,
			family = excluded.family, name = excluded.name, aliases = excluded.aliases, name_keys = excluded.name_keys,
			description = excluded.description, motivations = excluded.motivations, sectors = excluded.sectors,
			countries = excluded.countries, origin = excluded.origin, techniques = excluded.techniques, related = excluded.related,
			first_seen = excluded.first_seen, last_seen = excluded.last_seen, tlp = excluded.tlp, version = excluded.version,
			updated_at = excluded.updated_at, digest = excluded.digest
			RETURNING num`,
			source, c.Collection, c.StixID, c.StixType, c.Family, c.Name, lines(c.Aliases), padded(c.Keys), c.Description,
			lines(c.Motivations), padded(c.Sectors), lines(c.Countries), c.Origin, strings.Join(c.Techniques, " "), lines(c.Related),
			c.FirstSeen, c.LastSeen, c.TLP, c.Version, now, sum).Scan(&num)
		if err != nil {
			return fmt.Errorf("intel: actors: claim %s: %w", c.StixID, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM intel_actor_indicators WHERE claim_num = $1`, num); err != nil {
			return err
		}
		for _, oid := range links[c.StixID] {
			if _, err := tx.ExecRepeated(ctx, `INSERT INTO intel_actor_indicators (claim_num, observable_id) VALUES ($1, $2)`, num, oid); err != nil {
				return fmt.Errorf("intel: actors: indicator: %w", err)
			}
		}
	}
	gone := make([]int64, 0, len(have))
	for _, k := range have {
		gone = append(gone, k.num)
	}
	for i := 0; i < len(gone); i += 500 {
		args := db.Args{}
		in := db.In(&args, gone[i:min(i+500, len(gone))])
		if _, err := tx.Exec(ctx, `DELETE FROM intel_actor_indicators WHERE claim_num IN (`+in+`)`, args...); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM intel_actor_claims WHERE num IN (`+in+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// digest sums what a claim's row and links hold.
func digest(c Claim, links []int64) string {
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(struct {
		C Claim
		L []int64
	}{c, links})
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// padded joins words with a space on either side, so " key " finds a
// whole word with LIKE.
func padded(words []string) string {
	if len(words) == 0 {
		return ""
	}
	return " " + strings.Join(words, " ") + " "
}

// merge re-merges every claim into profiles (Merge), writes the claims
// that moved, the profiles' names, moves the attributions of profiles
// merged away and forgets profiles left with nothing.
func (st *Store) merge(ctx context.Context, tx *db.Tx) error {
	type row struct {
		Member
		name string
	}
	rows, err := tx.Query(ctx, `SELECT num, actor_id, family, name_keys, name FROM intel_actor_claims ORDER BY num`)
	if err != nil {
		return fmt.Errorf("intel: actors: merge: %w", err)
	}
	var all []row
	for rows.Next() {
		var r row
		var keys string
		if err := rows.Scan(&r.Num, &r.ActorID, &r.Family, &keys, &r.name); err != nil {
			rows.Close()
			return err
		}
		r.Keys = strings.Fields(keys)
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ms := make([]Member, len(all))
	for i, r := range all {
		ms[i] = r.Member
	}
	m := Merge(ms, db.NewID)
	now := st.now().UTC()
	type profile struct {
		family string
		names  map[string]int
		first  string
	}
	profiles := map[string]*profile{}
	for _, r := range all {
		id := m.Assign[r.Num]
		if id != r.ActorID {
			if _, err := tx.ExecRepeated(ctx, `UPDATE intel_actor_claims SET actor_id = $2 WHERE num = $1`, r.Num, id); err != nil {
				return err
			}
		}
		p := profiles[id]
		if p == nil {
			p = &profile{family: r.Family, names: map[string]int{}, first: r.name}
			profiles[id] = p
		}
		p.names[r.name]++
	}
	known := map[string][2]string{}
	rows, err = tx.Query(ctx, `SELECT id, family, name FROM intel_actors`)
	if err != nil {
		return fmt.Errorf("intel: actors: merge: %w", err)
	}
	for rows.Next() {
		var id, fam, name string
		if err := rows.Scan(&id, &fam, &name); err != nil {
			rows.Close()
			return err
		}
		known[id] = [2]string{fam, name}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for id, p := range profiles {
		name := p.first
		for n, c := range p.names {
			if c > p.names[name] || (c == p.names[name] && n < name) {
				name = n
			}
		}
		if k, ok := known[id]; ok && k == [2]string{p.family, name} {
			continue
		}
		if _, err := tx.ExecRepeated(ctx, `INSERT INTO intel_actors (id, family, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (id) DO UPDATE SET family = excluded.family, name = excluded.name, updated_at = excluded.updated_at`,
			id, p.family, name, now); err != nil {
			return fmt.Errorf("intel: actors: profile: %w", err)
		}
	}
	for from, to := range m.Into {
		if _, err := tx.Exec(ctx, `INSERT INTO intel_actor_attributions (actor_id, kind, ref, note, org_id, created_by, created_at)
			SELECT $2, kind, ref, note, org_id, created_by, created_at FROM intel_actor_attributions WHERE actor_id = $1
			ON CONFLICT (actor_id, kind, ref) DO NOTHING`, from, to); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM intel_actor_attributions WHERE actor_id = $1`, from); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `DELETE FROM intel_actors WHERE NOT EXISTS (SELECT 1 FROM intel_actor_claims c WHERE c.actor_id = intel_actors.id)
		AND NOT EXISTS (SELECT 1 FROM intel_actor_attributions a WHERE a.actor_id = intel_actors.id)`)
	return err
}
