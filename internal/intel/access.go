package intel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// The access rule of threat intelligence, in one place. A collection is an
// audience; within it each object's TLP marking narrows who reads it. The
// viewer's reach to an object decides, by tlp.Allows:
//
//   - the coordination center's staff, and the people named as recipients
//     of the object's source: Named (everything, RED included);
//   - members of the organisation that owns the object's source:
//     RecipientOrg (all it reported but RED);
//   - in an organisation's own collection (what was routed to it because
//     it concerns its networks or domains): its members RecipientOrg, its
//     parent CERT's members Constituent (AMBER: the recipients and their
//     constituency, as TLP 2.0 has it);
//   - in the community's and a sector's collections, the organisations
//     the audience holds: Community (CLEAR and GREEN);
//   - anyone else: nothing (threat intelligence is never public here).
//
// TLP:RED is never routed. Lookups, pages, exports, digests and TAXII all
// ask the viewer below.

// Audiences of collections.
const (
	AudienceCenter    = "center"
	AudienceCommunity = "community"
	AudienceSector    = "sector"
	AudienceOrg       = "org"
)

// Collection is a TAXII collection and a sharing scope.
type Collection struct {
	Num         int64  `json:"-"`
	ID          string `json:"id"`
	Alias       string `json:"alias"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Audience    string `json:"audience"`
	Sector      string `json:"sector,omitempty"`
	OrgID       string `json:"org_id,omitempty"`
}

// OrgNames answers the organisations' names by ID, as the directory has
// them (at most directoryTTL old), for pages that name an owner or offer
// a choice of organisations. Names only: who may see what is decided by
// the methods that answer the data.
func (s *Service) OrgNames(ctx context.Context) (map[string]string, error) {
	orgs, err := s.orgs(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(orgs))
	for id, o := range orgs {
		out[id] = o.name
	}
	return out, nil
}

// orgInfo is what access needs of an organisation.
type orgInfo struct {
	name, parent, sector string
}

// orgs answers the organisations' names, parents and sectors (at most
// directoryTTL old).
func (s *Service) orgs(ctx context.Context) (map[string]orgInfo, error) {
	return s.orgTable.get(func() (map[string]orgInfo, error) {
		m := map[string]orgInfo{}
		if s.dir == nil {
			return m, nil
		}
		all, err := s.dir.All(ctx, platform, directory.Filter{})
		if err != nil {
			return nil, fmt.Errorf("intel: organisations: %w", err)
		}
		for _, o := range all {
			m[o.ID] = orgInfo{name: o.Name, parent: deref(o.ParentID), sector: o.Sector}
		}
		return m, nil
	})
}

// Viewer is what one caller may read, worked out once per request.
type Viewer struct {
	all     bool
	orgs    []string // the caller's organisations
	sectors []string // their sectors
	// children: organisations whose parent is one of the caller's (a
	// sectoral CERT reads what was routed to its constituents).
	children map[string]bool
	owned    []int64 // sources the caller's organisations own
	named    []int64 // sources whose RED the caller is named to read
}

// Viewer works out what id may read; nil (anonymous) reads nothing.
func (s *Service) Viewer(ctx context.Context, id *auth.Identity) (*Viewer, error) {
	if id == nil {
		return &Viewer{}, nil
	}
	if id.IsSystem() || id.IsStaff() {
		return &Viewer{all: true}, nil
	}
	orgs, err := s.orgs(ctx)
	if err != nil {
		return nil, err
	}
	v := &Viewer{orgs: id.OrgIDs(), children: map[string]bool{}}
	for _, o := range v.orgs {
		if sec := orgs[o].sector; sec != "" && !slices.Contains(v.sectors, sec) {
			v.sectors = append(v.sectors, sec)
		}
	}
	for oid, o := range orgs {
		if o.parent != "" && slices.Contains(v.orgs, o.parent) {
			v.children[oid] = true
		}
	}
	var args db.Args
	q := `SELECT num, FALSE FROM intel_sources WHERE owner_org_id IN (` + args.In(anys(v.orgs)...) + `)
		UNION ALL SELECT source_num, TRUE FROM intel_source_readers WHERE user_id = ` + args.Add(id.User.ID)
	if len(v.orgs) == 0 {
		q = `SELECT source_num, TRUE FROM intel_source_readers WHERE user_id = $1`
		args = db.Args{id.User.ID}
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("intel: the viewer's sources: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var num int64
		var named bool
		if err := rows.Scan(&num, &named); err != nil {
			return nil, err
		}
		if named {
			v.named = append(v.named, num)
		} else {
			v.owned = append(v.owned, num)
		}
	}
	return v, rows.Err()
}

// All reports whether the viewer reads everything (staff).
func (v *Viewer) All() bool { return v.all }

// Member reports whether the viewer belongs to org.
func (v *Viewer) Member(org string) bool { return org != "" && slices.Contains(v.orgs, org) }

// ReadsCollection reports whether c's audience holds the viewer.
func (v *Viewer) ReadsCollection(c Collection) bool {
	_, ok := v.collectionReach(c)
	return ok
}

// collectionReach is how close the viewer stands to what c holds as one of
// its audience; ok is false when the audience does not hold it.
func (v *Viewer) collectionReach(c Collection) (tlp.Reach, bool) {
	switch {
	case v.all:
		return tlp.Named, true
	case len(v.orgs) == 0:
		return 0, false
	}
	switch c.Audience {
	case AudienceCommunity:
		return tlp.Community, true
	case AudienceSector:
		return tlp.Community, slices.Contains(v.sectors, c.Sector)
	case AudienceOrg:
		switch {
		case v.Member(c.OrgID):
			return tlp.RecipientOrg, true
		case v.children[c.OrgID]:
			return tlp.Constituent, true
		}
	}
	return 0, false
}

// Reads reports whether the viewer reads an object marked label in c,
// reported by the source numbered source (0 when none: a route).
func (v *Viewer) Reads(c Collection, label string, source int64) bool {
	if v.all || (source != 0 && slices.Contains(v.named, source)) {
		return true
	}
	if source != 0 && slices.Contains(v.owned, source) && tlp.Allows(tlp.Label(label), tlp.RecipientOrg) {
		return true
	}
	r, ok := v.collectionReach(c)
	return ok && tlp.Allows(tlp.Label(label), r)
}

// reaches is Reads as SQL conditions for tlp.Where, over rows of c whose
// source number is in sourceCol ("" for rows without one: routes).
func (v *Viewer) reaches(c Collection, sourceCol string, args *db.Args) tlp.Reaches {
	out := tlp.Reaches{}
	or := func(r tlp.Reach, cond string) {
		if out[r] != "" {
			cond = out[r] + " OR " + cond
		}
		out[r] = cond
	}
	if r, ok := v.collectionReach(c); ok {
		or(r, "TRUE")
	}
	if sourceCol != "" && len(v.owned) > 0 {
		or(tlp.RecipientOrg, sourceCol+" IN ("+args.In(anys(v.owned)...)+")")
	}
	if sourceCol != "" && len(v.named) > 0 {
		or(tlp.Named, sourceCol+" IN ("+args.In(anys(v.named)...)+")")
	}
	return out
}

// RoutedTo reports whether the viewer reads what was routed to org under
// label: as a member of org (RecipientOrg), or of its parent CERT
// (Constituent).
func (v *Viewer) RoutedTo(org, label string) bool {
	reach := tlp.Reach(-1)
	switch {
	case v.all:
		reach = tlp.Named
	case v.Member(org):
		reach = tlp.RecipientOrg
	case v.children[org]:
		reach = tlp.Constituent
	}
	return reach >= 0 && tlp.Allows(tlp.Label(label), reach)
}

// Built-in collections.
var builtinCollections = []Collection{
	{Alias: AudienceCenter, Audience: AudienceCenter, Title: "Coordination center",
		Description: "Everything the center holds, for its staff."},
	{Alias: AudienceCommunity, Audience: AudienceCommunity, Title: "Community",
		Description: "Threat intelligence shared with every member organisation, as each object's TLP marking allows."},
}

// collectionCache maps aliases and ids to collections; rows never change
// once made, so entries live as long as the process.
type collectionCache struct {
	mu   sync.Mutex
	byID map[string]Collection // by alias, id and "#num"
}

func (c *collectionCache) get(key string) (Collection, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	col, ok := c.byID[key]
	return col, ok
}

func (c *collectionCache) put(col Collection) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[string]Collection{}
	}
	c.byID[col.Alias] = col
	c.byID[col.ID] = col
	c.byID[fmt.Sprintf("#%d", col.Num)] = col
}

const collectionColumns = `num, id, alias, title, description, audience, sector, COALESCE(org_id, '')`

func scanCollection(r interface{ Scan(...any) error }) (Collection, error) {
	var c Collection
	err := r.Scan(&c.Num, &c.ID, &c.Alias, &c.Title, &c.Description, &c.Audience, &c.Sector, &c.OrgID)
	return c, err
}

// collectionByNum answers a collection by its compact key.
func (s *Service) collectionByNum(ctx context.Context, q db.Querier, num int64) (Collection, error) {
	if c, ok := s.cols.get(fmt.Sprintf("#%d", num)); ok {
		return c, nil
	}
	c, err := scanCollection(q.QueryRow(ctx, `SELECT `+collectionColumns+` FROM intel_collections WHERE num = $1`, num))
	if err != nil {
		return Collection{}, fmt.Errorf("intel: collection %d: %w", num, err)
	}
	s.cols.put(c)
	return c, nil
}

// Collection answers a collection by its id or alias (db.ErrNoRows when
// there is none).
func (s *Service) Collection(ctx context.Context, key string) (Collection, error) {
	if c, ok := s.cols.get(key); ok {
		return c, nil
	}
	c, err := scanCollection(s.db.QueryRow(ctx, `SELECT `+collectionColumns+` FROM intel_collections WHERE id = $1 OR alias = $1`, key))
	if err != nil {
		return Collection{}, err
	}
	s.cols.put(c)
	return c, nil
}

// ReadableCollection answers the collection of that id or alias if the
// viewer reads it; one it does not read is as missing as one that does
// not exist.
func (s *Service) ReadableCollection(ctx context.Context, v *Viewer, key string) (Collection, error) {
	c, err := s.Collection(ctx, key)
	if errors.Is(err, db.ErrNoRows) || (err == nil && !v.ReadsCollection(c)) {
		return Collection{}, errs.NotFound("no such collection")
	}
	return c, err
}

// ensureCollection returns the collection of that alias, making it from
// the template when it does not exist yet.
func (s *Service) ensureCollection(ctx context.Context, tx *db.Tx, tmpl Collection) (Collection, error) {
	if c, ok := s.cols.get(tmpl.Alias); ok {
		return c, nil
	}
	c, err := scanCollection(tx.QueryRow(ctx, `SELECT `+collectionColumns+` FROM intel_collections WHERE alias = $1`, tmpl.Alias))
	if err == nil {
		s.cols.put(c)
		return c, nil
	}
	if !errors.Is(err, db.ErrNoRows) {
		return Collection{}, fmt.Errorf("intel: collection %s: %w", tmpl.Alias, err)
	}
	var org any
	if tmpl.OrgID != "" {
		org = tmpl.OrgID
	}
	c = tmpl
	c.ID = db.NewID()
	if err := tx.QueryRow(ctx, `INSERT INTO intel_collections (id, alias, title, description, audience, sector, org_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING num`, c.ID, c.Alias, c.Title, c.Description, c.Audience, c.Sector, org, s.now()).Scan(&c.Num); err != nil {
		return Collection{}, fmt.Errorf("intel: make collection %s: %w", tmpl.Alias, err)
	}
	// Cached once the transaction commits: a rollback would leave a
	// number that does not exist.
	tx.AfterCommit(func() { s.cols.put(c) })
	return c, nil
}

// orgCollection is the template of an organisation's own collection.
func orgCollection(orgID, name string) Collection {
	return Collection{Alias: "org-" + orgID, Audience: AudienceOrg, OrgID: orgID, Title: "Routed to " + name,
		Description: "Indicators that concern " + name + "'s networks, AS numbers and domains."}
}

// sectorCollection is the template of a sector's collection.
func sectorCollection(sector string) Collection {
	return Collection{Alias: "sector-" + sector, Audience: AudienceSector, Sector: sector, Title: "Sector: " + sector,
		Description: "Threat intelligence shared with the organisations of the " + sector + " sector."}
}

// ensureBuiltins makes the center's and the community's collections the
// first time anything asks for collections.
func (s *Service) ensureBuiltins(ctx context.Context) error {
	if _, ok := s.cols.get(AudienceCenter); ok {
		if _, ok := s.cols.get(AudienceCommunity); ok {
			return nil
		}
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		for _, tmpl := range builtinCollections {
			if _, err := s.ensureCollection(ctx, tx, tmpl); err != nil {
				return err
			}
		}
		return nil
	})
}

// Collections lists the collections the viewer reads: the built-in ones
// first, then sectors and organisations by title.
func (s *Service) Collections(ctx context.Context, v *Viewer) ([]Collection, error) {
	if err := s.ensureBuiltins(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+collectionColumns+` FROM intel_collections ORDER BY num`)
	if err != nil {
		return nil, fmt.Errorf("intel: collections: %w", err)
	}
	defer rows.Close()
	var out []Collection
	for rows.Next() {
		c, err := scanCollection(rows)
		if err != nil {
			return nil, err
		}
		if v.ReadsCollection(c) {
			out = append(out, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rank := map[string]int{AudienceCenter: 0, AudienceCommunity: 1, AudienceSector: 2, AudienceOrg: 3}
	slices.SortStableFunc(out, func(a, b Collection) int {
		if d := rank[a.Audience] - rank[b.Audience]; d != 0 {
			return d
		}
		return strings.Compare(a.Title, b.Title)
	})
	return out, nil
}

// scopeCollection answers the collection a source may share into, by
// alias or id, making a built-in, sector or organisation collection the
// first time one is named. ok is false when the name means none.
func (s *Service) scopeCollection(ctx context.Context, tx *db.Tx, key string) (c Collection, ok bool, err error) {
	for _, tmpl := range builtinCollections {
		if key == tmpl.Alias {
			c, err = s.ensureCollection(ctx, tx, tmpl)
			return c, err == nil, err
		}
	}
	if c, err := scanCollection(tx.QueryRow(ctx, `SELECT `+collectionColumns+` FROM intel_collections WHERE id = $1 OR alias = $1`, key)); err == nil {
		return c, true, nil
	} else if !errors.Is(err, db.ErrNoRows) {
		return Collection{}, false, err
	}
	var tmpl Collection
	switch {
	case strings.HasPrefix(key, "org-"):
		org, ok, err := s.orgByID(ctx, strings.TrimPrefix(key, "org-"))
		if err != nil || !ok {
			return Collection{}, false, err
		}
		tmpl = orgCollection(org.ID, org.Name)
	case strings.HasPrefix(key, "sector-"):
		ok, err := s.sectorHasOrgs(ctx, strings.TrimPrefix(key, "sector-"))
		if err != nil || !ok {
			return Collection{}, false, err
		}
		tmpl = sectorCollection(strings.TrimPrefix(key, "sector-"))
	default:
		return Collection{}, false, nil
	}
	c, err = s.ensureCollection(ctx, tx, tmpl)
	return c, err == nil, err
}
