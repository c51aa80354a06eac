package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
)

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

// Org is what the access rule needs of an organisation.
type Org struct {
	Name, Parent, Sector string
}

// Directory answers the organisations; intel wires the directory in
// (through a short-lived copy).
type Directory interface {
	// Orgs answers every organisation by ID (a copy a few seconds old at
	// most).
	Orgs(ctx context.Context) (map[string]Org, error)
	// Org answers one organisation as the directory has it now (a
	// collection named just after it was registered must be found).
	Org(ctx context.Context, id string) (Org, bool, error)
	// SectorHasOrgs answers whether any organisation is of the sector.
	SectorHasOrgs(ctx context.Context, sector string) (bool, error)
}

// Store keeps the collections and works out viewers.
type Store struct {
	db   *db.DB
	now  func() time.Time
	dir  Directory
	cols cache
}

// NewStore makes the store.
func NewStore(d *db.DB, now func() time.Time, dir Directory) *Store {
	return &Store{db: d, now: now, dir: dir}
}

// Viewer works out what id may read; nil (anonymous) reads nothing.
func (st *Store) Viewer(ctx context.Context, id *auth.Identity) (*Viewer, error) {
	if id == nil {
		return &Viewer{}, nil
	}
	if id.IsSystem() || id.IsStaff() {
		return &Viewer{all: true}, nil
	}
	orgs, err := st.dir.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	v := &Viewer{orgs: id.OrgIDs(), children: map[string]bool{}}
	for _, o := range v.orgs {
		if sec := orgs[o].Sector; sec != "" && !slices.Contains(v.sectors, sec) {
			v.sectors = append(v.sectors, sec)
		}
	}
	for oid, o := range orgs {
		if o.Parent != "" && slices.Contains(v.orgs, o.Parent) {
			v.children[oid] = true
		}
	}
	var args db.Args
	q := `SELECT num, FALSE FROM intel_sources WHERE owner_org_id IN (` + db.In(&args, v.orgs) + `)
		UNION ALL SELECT source_num, TRUE FROM intel_source_readers WHERE user_id = ` + args.Add(id.User.ID)
	if len(v.orgs) == 0 {
		q = `SELECT source_num, TRUE FROM intel_source_readers WHERE user_id = $1`
		args = db.Args{id.User.ID}
	}
	rows, err := st.db.Query(ctx, q, args...)
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
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return v, st.peer(ctx, v, id.User.ID)
}

// peer applies the links of the instances id's account reads for: the
// lowest ceiling of them, and none of what they sent.
func (st *Store) peer(ctx context.Context, v *Viewer, userID string) error {
	rows, err := st.db.Query(ctx, `SELECT ceiling, source_num FROM intel_peers WHERE user_id = $1`, userID)
	if err != nil {
		return fmt.Errorf("intel: the viewer's links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ceiling string
		var source *int64
		if err := rows.Scan(&ceiling, &source); err != nil {
			return err
		}
		l := tlp.Label(ceiling)
		if !l.Valid() {
			l = tlp.Clear // fail closed
		}
		if v.ceiling == "" || v.ceiling.MoreRestrictive(l) {
			v.ceiling = l
		}
		if source != nil {
			v.echo = append(v.echo, *source)
		}
	}
	return rows.Err()
}

// Built-in collections.
var builtins = []Collection{
	{Alias: AudienceCenter, Audience: AudienceCenter, Title: "Coordination center",
		Description: "Everything the center holds, for its staff."},
	{Alias: AudienceCommunity, Audience: AudienceCommunity, Title: "Community",
		Description: "Threat intelligence shared with every member organisation, as each object's TLP marking allows."},
}

// cache maps aliases and ids to collections; rows never change once made,
// so entries live as long as the process.
type cache struct {
	mu   sync.Mutex
	byID map[string]Collection // by alias, id and "#num"
}

func (c *cache) get(key string) (Collection, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	col, ok := c.byID[key]
	return col, ok
}

func (c *cache) put(col Collection) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[string]Collection{}
	}
	c.byID[col.Alias] = col
	c.byID[col.ID] = col
	c.byID[fmt.Sprintf("#%d", col.Num)] = col
}

const columns = `num, id, alias, title, description, audience, sector, COALESCE(org_id, '')`

func scan(r interface{ Scan(...any) error }) (Collection, error) {
	var c Collection
	err := r.Scan(&c.Num, &c.ID, &c.Alias, &c.Title, &c.Description, &c.Audience, &c.Sector, &c.OrgID)
	return c, err
}

// ByNum answers a collection by its compact key (rows store the number).
func (st *Store) ByNum(ctx context.Context, q db.Querier, num int64) (Collection, error) {
	if c, ok := st.cols.get(fmt.Sprintf("#%d", num)); ok {
		return c, nil
	}
	c, err := scan(q.QueryRow(ctx, `SELECT `+columns+` FROM intel_collections WHERE num = $1`, num))
	if err != nil {
		return Collection{}, fmt.Errorf("intel: collection %d: %w", num, err)
	}
	st.cols.put(c)
	return c, nil
}

// Collection answers a collection by its id or alias (db.ErrNoRows when
// there is none). It checks no viewer: Readable does.
func (st *Store) Collection(ctx context.Context, key string) (Collection, error) {
	if c, ok := st.cols.get(key); ok {
		return c, nil
	}
	c, err := scan(st.db.QueryRow(ctx, `SELECT `+columns+` FROM intel_collections WHERE id = $1 OR alias = $1`, key))
	if err != nil {
		return Collection{}, err
	}
	st.cols.put(c)
	return c, nil
}

// Readable answers the collection of that id or alias if the viewer reads
// it; one it does not read is as missing as one that does not exist.
func (st *Store) Readable(ctx context.Context, v *Viewer, key string) (Collection, error) {
	c, err := st.Collection(ctx, key)
	if errors.Is(err, db.ErrNoRows) || (err == nil && !v.ReadsCollection(c)) {
		return Collection{}, errs.NotFound("no such collection")
	}
	return c, err
}

// Ensure returns the collection of the template's alias, making it from
// the template (in tx) when it does not exist yet.
func (st *Store) Ensure(ctx context.Context, tx *db.Tx, tmpl Collection) (Collection, error) {
	if c, ok := st.cols.get(tmpl.Alias); ok {
		return c, nil
	}
	c, err := scan(tx.QueryRow(ctx, `SELECT `+columns+` FROM intel_collections WHERE alias = $1`, tmpl.Alias))
	if err == nil {
		st.cols.put(c)
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
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING num`, c.ID, c.Alias, c.Title, c.Description, c.Audience, c.Sector, org, st.now()).Scan(&c.Num); err != nil {
		return Collection{}, fmt.Errorf("intel: make collection %s: %w", tmpl.Alias, err)
	}
	// Cached once the transaction commits: a rollback would leave a
	// number that does not exist.
	tx.AfterCommit(func() { st.cols.put(c) })
	return c, nil
}

// OrgCollection is the template of an organisation's own collection.
func OrgCollection(orgID, name string) Collection {
	return Collection{Alias: "org-" + orgID, Audience: AudienceOrg, OrgID: orgID, Title: "Routed to " + name,
		Description: "Indicators that concern " + name + "'s networks, AS numbers and domains."}
}

// SectorCollection is the template of a sector's collection.
func SectorCollection(sector string) Collection {
	return Collection{Alias: "sector-" + sector, Audience: AudienceSector, Sector: sector, Title: "Sector: " + sector,
		Description: "Threat intelligence shared with the organisations of the " + sector + " sector."}
}

// EnsureBuiltins makes the center's and the community's collections the
// first time anything asks for collections.
func (st *Store) EnsureBuiltins(ctx context.Context) error {
	if _, ok := st.cols.get(AudienceCenter); ok {
		if _, ok := st.cols.get(AudienceCommunity); ok {
			return nil
		}
	}
	return st.db.Write(ctx, func(tx *db.Tx) error {
		for _, tmpl := range builtins {
			if _, err := st.Ensure(ctx, tx, tmpl); err != nil {
				return err
			}
		}
		return nil
	})
}

// List lists the collections the viewer reads: the built-in ones first,
// then sectors and organisations by title.
func (st *Store) List(ctx context.Context, v *Viewer) ([]Collection, error) {
	if err := st.EnsureBuiltins(ctx); err != nil {
		return nil, err
	}
	rows, err := st.db.Query(ctx, `SELECT `+columns+` FROM intel_collections ORDER BY num`)
	if err != nil {
		return nil, fmt.Errorf("intel: collections: %w", err)
	}
	defer rows.Close()
	var out []Collection
	for rows.Next() {
		c, err := scan(rows)
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

// Scope answers the collection a source may share into, by alias or id,
// making a built-in, sector or organisation collection the first time one
// is named. ok is false when the name means none.
func (st *Store) Scope(ctx context.Context, tx *db.Tx, key string) (c Collection, ok bool, err error) {
	for _, tmpl := range builtins {
		if key == tmpl.Alias {
			c, err = st.Ensure(ctx, tx, tmpl)
			return c, err == nil, err
		}
	}
	if c, err := scan(tx.QueryRow(ctx, `SELECT `+columns+` FROM intel_collections WHERE id = $1 OR alias = $1`, key)); err == nil {
		return c, true, nil
	} else if !errors.Is(err, db.ErrNoRows) {
		return Collection{}, false, err
	}
	var tmpl Collection
	switch {
	case strings.HasPrefix(key, "org-"):
		id := strings.TrimPrefix(key, "org-")
		org, ok, err := st.dir.Org(ctx, id)
		if err != nil || !ok {
			return Collection{}, false, err
		}
		tmpl = OrgCollection(id, org.Name)
	case strings.HasPrefix(key, "sector-"):
		ok, err := st.dir.SectorHasOrgs(ctx, strings.TrimPrefix(key, "sector-"))
		if err != nil || !ok {
			return Collection{}, false, err
		}
		tmpl = SectorCollection(strings.TrimPrefix(key, "sector-"))
	default:
		return Collection{}, false, nil
	}
	c, err = st.Ensure(ctx, tx, tmpl)
	return c, err == nil, err
}

// Community is the template of the community's collection (Ensure makes
// it).
func Community() Collection { return builtins[1] }
