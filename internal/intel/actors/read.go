package actors

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Records is what profiles need of the rest of certhub, wired in app: the
// incidents and cases analysts attribute, and the advisories that name an
// actor, each as the reader may read it.
type Records interface {
	// Attributed answers incident or case ref as id reads it; ok is
	// false when it does not exist or id does not read it.
	Attributed(ctx context.Context, id *auth.Identity, kind, ref string) (Record, bool, error)
	// Naming answers the advisories id reads that name any of names.
	Naming(ctx context.Context, id *auth.Identity, names []string) ([]Record, error)
}

// Record is an incident, case or advisory a profile links to.
type Record struct {
	Kind  string    `json:"kind"` // incident | case | advisory
	Ref   string    `json:"ref"`
	Title string    `json:"title"`
	URL   string    `json:"url"`
	At    time.Time `json:"at"`
	// Note, By and AttributedAt say who attributed it, for incidents and
	// cases.
	Note         string     `json:"note,omitempty"`
	By           string     `json:"attributed_by,omitempty"`
	AttributedAt *time.Time `json:"attributed_at,omitempty"`
}

// Active is how recent activity must be for the "active" filter.
const Active = 90 * 24 * time.Hour

// Filter narrows the list of profiles.
type Filter struct {
	Query  string // a name or alias, or part of one
	Family string
	Sector string // targeted
	Active bool   // activity within Active
	Limit  int
	Cursor string // from a previous page's Next
}

// Summary is a profile in the list.
type Summary struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Family     string     `json:"family"`
	Aliases    []string   `json:"aliases"`
	Sectors    []string   `json:"sectors"`
	Countries  []string   `json:"countries"`
	Sources    []string   `json:"sources"`
	Techniques int        `json:"techniques"`
	Indicators int        `json:"indicators"`
	FirstSeen  *time.Time `json:"first_seen,omitempty"`
	LastSeen   *time.Time `json:"last_seen,omitempty"`
}

// List is one page of profiles.
type List struct {
	Items []Summary
	Total int    // of all pages
	From  int    // the first item's position (0-based)
	Next  string // the next page's cursor; "" on the last
}

// claimRow is a claim as read, with its source.
type claimRow struct {
	num, source, collection int64
	actorID                 string
	family, stixID, typ     string
	name, sourceID, srcName string
	aliases, keys, sectors  string
	countries, techniques   string
	description, motives    string
	origin, related, tlp    string
	version                 string
	first, last             int64
}

const claimColumns = `c.num, c.source_num, c.collection_num, c.actor_id, c.family, c.stix_id, c.stix_type, c.name, s.id, s.name,
	c.aliases, c.name_keys, c.sectors, c.countries, c.techniques, c.description, c.motivations, c.origin, c.related, c.tlp, c.version,
	c.first_seen, c.last_seen`

func scanClaim(r db.Row) (claimRow, error) {
	var c claimRow
	err := r.Scan(&c.num, &c.source, &c.collection, &c.actorID, &c.family, &c.stixID, &c.typ, &c.name, &c.sourceID, &c.srcName,
		&c.aliases, &c.keys, &c.sectors, &c.countries, &c.techniques, &c.description, &c.motives, &c.origin, &c.related, &c.tlp, &c.version,
		&c.first, &c.last)
	return c, err
}

// visible reads claims by where and keeps those v reads.
func (st *Store) visible(ctx context.Context, v *access.Viewer, where string, args ...any) ([]claimRow, error) {
	var out []claimRow
	err := st.db.Read(ctx, func(q db.Querier) error {
		all, err := db.QueryAll(ctx, q, scanClaim, `SELECT `+claimColumns+` FROM intel_actor_claims c
			JOIN intel_sources s ON s.num = c.source_num WHERE `+where+` ORDER BY c.num`, args...)
		if err != nil {
			return fmt.Errorf("intel: actors: %w", err)
		}
		for _, c := range all {
			col, err := st.access.ByNum(ctx, q, c.collection)
			if err != nil {
				return err
			}
			if v.Reads(col, c.tlp, c.source) {
				out = append(out, c)
			}
		}
		return nil
	})
	return out, err
}

// activity answers, per claim of claims, the observables it ties to its
// actor whose observation by the claim's source v reads, and when that
// source last saw each.
func (st *Store) activity(ctx context.Context, v *access.Viewer, claims []claimRow) (map[int64]map[int64]int64, error) {
	out := map[int64]map[int64]int64{}
	nums := make([]int64, 0, len(claims))
	for _, c := range claims {
		nums = append(nums, c.num)
	}
	for i := 0; i < len(nums); i += 500 {
		args := db.Args{}
		err := st.db.Read(ctx, func(q db.Querier) error {
			rows, err := q.Query(ctx, `SELECT i.claim_num, i.observable_id, b.collection_num, b.tlp, b.source_num, b.last_seen
				FROM intel_actor_indicators i JOIN intel_actor_claims c ON c.num = i.claim_num
				JOIN intel_observations b ON b.observable_id = i.observable_id AND b.source_num = c.source_num
				WHERE i.claim_num IN (`+db.In(&args, nums[i:min(i+500, len(nums))])+`)`, args...)
			if err != nil {
				return fmt.Errorf("intel: actors: activity: %w", err)
			}
			type row struct {
				num, oid, col, src, last int64
				label                    string
			}
			var all []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.num, &r.oid, &r.col, &r.label, &r.src, &r.last); err != nil {
					rows.Close()
					return err
				}
				all = append(all, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, r := range all {
				col, err := st.access.ByNum(ctx, q, r.col)
				if err != nil {
					return err
				}
				if !v.Reads(col, r.label, r.src) {
					continue
				}
				if out[r.num] == nil {
					out[r.num] = map[int64]int64{}
				}
				out[r.num][r.oid] = r.last
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// profiles groups the claims a reader reads into the reader's profiles:
// those of one stored profile, merged again over these claims only, so
// two claims joined by a name only a claim the reader may not read gives
// are two profiles. The part with the most claims keeps the stored id;
// the others are named id~N (N: their first claim's number). Profiles
// come in the order of their first claim.
func profiles(claims []claimRow) (order []string, by map[string][]claimRow) {
	by = map[string][]claimRow{}
	var groups []string
	stored := map[string][]claimRow{}
	for _, c := range claims {
		if stored[c.actorID] == nil {
			groups = append(groups, c.actorID)
		}
		stored[c.actorID] = append(stored[c.actorID], c)
	}
	type part struct {
		id    string
		first int64
	}
	var parts []part
	for _, g := range groups {
		cs := stored[g]
		ms := make([]Member, len(cs))
		for i, c := range cs {
			ms[i] = Member{Num: c.num, Family: c.family, Keys: strings.Fields(c.keys)}
		}
		n := 0
		m := Merge(ms, func() string { n++; return strconv.Itoa(n) })
		split := map[string][]claimRow{}
		var labels []string
		for _, c := range cs {
			l := m.Assign[c.num]
			if split[l] == nil {
				labels = append(labels, l)
			}
			split[l] = append(split[l], c)
		}
		// The largest part (ties: the earliest) keeps the stored id.
		main := labels[0]
		for _, l := range labels {
			if len(split[l]) > len(split[main]) {
				main = l
			}
		}
		for _, l := range labels {
			id := g
			if l != main {
				id = g + "~" + strconv.FormatInt(split[l][0].num, 10)
			}
			by[id] = split[l]
			parts = append(parts, part{id, split[l][0].num})
		}
	}
	slices.SortFunc(parts, func(a, b part) int { return cmp.Compare(a.first, b.first) })
	for _, p := range parts {
		order = append(order, p.id)
	}
	return order, by
}

// baseID is the stored profile of a reader's profile id.
func baseID(id string) string {
	base, _, _ := strings.Cut(id, "~")
	return base
}

// List answers the profiles v reads something of, most recently active
// first; each is made of the claims v reads only.
func (st *Store) List(ctx context.Context, v *access.Viewer, f Filter) (List, error) {
	if f.Family != "" && !slices.Contains(Families, f.Family) {
		return List{}, errs.InvalidField("family", "one of %s", strings.Join(Families, ", "))
	}
	f.Limit = cmp.Or(f.Limit, 50)
	if f.Limit < 1 || f.Limit > 500 {
		return List{}, errs.InvalidField("limit", "from 1 to 500")
	}
	from := 0
	if f.Cursor != "" {
		n, err := strconv.Atoi(f.Cursor)
		if err != nil || n < 0 {
			return List{}, errs.InvalidField("cursor", "is not a cursor this server issued")
		}
		from = n
	}
	where, args := "1=1", db.Args{}
	if f.Family != "" {
		where += " AND c.family = " + args.Add(f.Family)
	}
	claims, err := st.visible(ctx, v, where, args...)
	if err != nil {
		return List{}, err
	}
	act, err := st.activity(ctx, v, claims)
	if err != nil {
		return List{}, err
	}
	order, byActor := profiles(claims)
	q, qk := strings.ToLower(strings.TrimSpace(f.Query)), Key(f.Query)
	cutoff := st.now().Add(-Active).Unix()
	var items []Summary
	for _, id := range order {
		cs := byActor[id]
		s := summarise(id, cs, act)
		if q != "" && !matches(cs, q, qk) {
			continue
		}
		if f.Sector != "" && !slices.Contains(s.Sectors, f.Sector) {
			continue
		}
		if f.Active && (s.LastSeen == nil || s.LastSeen.Unix() < cutoff) {
			continue
		}
		items = append(items, s)
	}
	slices.SortFunc(items, func(a, b Summary) int {
		var la, lb int64
		if a.LastSeen != nil {
			la = a.LastSeen.Unix()
		}
		if b.LastSeen != nil {
			lb = b.LastSeen.Unix()
		}
		return cmp.Or(cmp.Compare(lb, la), cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	out := List{Items: []Summary{}, Total: len(items), From: from}
	if from < len(items) {
		out.Items = items[from:min(from+f.Limit, len(items))]
	}
	if from+f.Limit < len(items) {
		out.Next = strconv.Itoa(from + f.Limit)
	}
	return out, nil
}

// matches reports whether any claim names the query: a part of a name or
// alias, or of its key ("apt 28" finds APT28).
func matches(cs []claimRow, q, qk string) bool {
	for _, c := range cs {
		if strings.Contains(strings.ToLower(c.name), q) || strings.Contains(strings.ToLower(c.aliases), q) ||
			(qk != "" && strings.Contains(c.keys, qk)) {
			return true
		}
	}
	return false
}

// summarise folds the claims v reads of one profile.
func summarise(id string, cs []claimRow, act map[int64]map[int64]int64) Summary {
	s := Summary{ID: id, Name: cs[0].name, Family: cs[0].family, Aliases: []string{}, Sectors: []string{}, Countries: []string{}, Sources: []string{}}
	tech := map[string]bool{}
	var first, last int64
	obs := map[int64]bool{}
	names := map[string]bool{}
	for _, c := range cs {
		for _, n := range append([]string{c.name}, lines(c.aliases)...) {
			if !names[strings.ToLower(n)] {
				names[strings.ToLower(n)] = true
				s.Aliases = append(s.Aliases, n)
			}
		}
		s.Sectors = union(s.Sectors, strings.Fields(c.sectors))
		s.Countries = union(s.Countries, lines(c.countries))
		s.Sources = union(s.Sources, []string{c.srcName})
		for _, t := range strings.Fields(c.techniques) {
			tech[t] = true
		}
		for oid, seen := range act[c.num] {
			obs[oid] = true
			last = max(last, seen)
		}
		first = minSet(first, c.first)
		last = max(last, c.last)
	}
	s.Techniques, s.Indicators = len(tech), len(obs)
	// The name: the one most of the claims read give (ties: the first
	// in order), never one from a claim the reader may not read.
	count := map[string]int{}
	for _, c := range cs {
		count[c.name]++
	}
	for _, c := range cs {
		if count[c.name] > count[s.Name] || (count[c.name] == count[s.Name] && c.name < s.Name) {
			s.Name = c.name
		}
	}
	s.Aliases = slices.DeleteFunc(s.Aliases, func(a string) bool { return strings.EqualFold(a, s.Name) })

	slices.Sort(s.Sectors)
	if first > 0 {
		t := time.Unix(first, 0).UTC()
		s.FirstSeen = &t
	}
	if last > 0 {
		t := time.Unix(last, 0).UTC()
		s.LastSeen = &t
	}
	return s
}

func minSet(a, b int64) int64 {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func union(a, b []string) []string {
	for _, x := range b {
		if x != "" && !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}
