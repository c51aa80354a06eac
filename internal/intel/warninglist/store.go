package warninglist

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Store keeps the warninglists in the database (intel_warninglists,
// migration 0010): the center's staff disable built-in lists, load lists
// in MISP's format, replace them (by name) and delete them. Ingest matches
// against the enabled lists (Set), which every process reloads within a
// few seconds of a change (the command line may load while the server
// runs).
type Store struct {
	db      *db.DB
	now     func() time.Time
	cache   cache
	builtin atomic.Bool // the built-in lists have their rows
}

// Topic is announced (db.Tx.Announce) when a list changes: every
// process drops its copy.
const Topic = "intel.warninglists"

// NewStore makes the store of d, with now as its clock.
func NewStore(d *db.DB, now func() time.Time) *Store {
	st := &Store{db: d, now: now}
	d.Watch(Topic, st.Forget)
	return st
}

// Info is a list as the API and the console show it.
type Info struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Type        string    `json:"type"`
	Version     string    `json:"version,omitempty"`
	Entries     int       `json:"entries"`
	Builtin     bool      `json:"builtin"`
	Enabled     bool      `json:"enabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// List holds the values when one list is asked for.
	List []string `json:"list,omitempty"`
}

// cache holds the matcher of the enabled lists and what it was built
// from, checked against the table at most every recheck.
type cache struct {
	mu      sync.Mutex
	lists   *Set
	stamp   string
	checked time.Time
}

const recheck = 3 * time.Second

// Set answers the matcher of the enabled lists.
func (st *Store) Set(ctx context.Context) (*Set, error) {
	c := &st.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lists != nil && time.Since(c.checked) < recheck {
		return c.lists, nil
	}
	if err := st.ensureBuiltin(ctx); err != nil {
		return nil, err
	}
	// The stamp: every list's id, revision and switch, in one small query.
	var b strings.Builder
	rows, err := st.db.Query(ctx, `SELECT id, revision, enabled FROM intel_warninglists ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("warninglist: %w", err)
	}
	var enabled []string
	for rows.Next() {
		var id string
		var rev int64
		var on bool
		if err := rows.Scan(&id, &rev, &on); err != nil {
			rows.Close()
			return nil, err
		}
		fmt.Fprintf(&b, "%s@%d:%t;", id, rev, on)
		if on {
			enabled = append(enabled, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("warninglist: %w", err)
	}
	if c.lists != nil && b.String() == c.stamp {
		c.checked = time.Now()
		return c.lists, nil
	}
	var lists []List
	for _, l := range Builtin() {
		if slices.Contains(enabled, l.ID) {
			lists = append(lists, l)
		}
	}
	if err := st.loadedLists(ctx, enabled, func(l List) { lists = append(lists, l) }); err != nil {
		return nil, err
	}
	w, err := New(lists...)
	if err != nil {
		return nil, fmt.Errorf("warninglist: %w", err) // checked when loaded
	}
	c.lists, c.stamp, c.checked = w, b.String(), time.Now()
	return w, nil
}

// Forget makes the next use read the table again, as it does within
// recheck of a change made elsewhere (another process, another Store);
// a change through st does it itself.
func (st *Store) Forget() {
	st.cache.mu.Lock()
	st.cache.checked = time.Time{}
	st.cache.mu.Unlock()
}

// loadedLists reads the loaded lists among ids with their values.
func (st *Store) loadedLists(ctx context.Context, ids []string, fn func(List)) error {
	if len(ids) == 0 {
		return nil
	}
	var a db.Args
	rows, err := st.db.Query(ctx, `SELECT id, name, type, entries FROM intel_warninglists WHERE NOT builtin AND id IN (`+db.In(&a, ids)+`)`, a...)
	if err != nil {
		return fmt.Errorf("warninglist: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l List
		var entries string
		if err := rows.Scan(&l.ID, &l.Name, &l.Type, &entries); err != nil {
			return err
		}
		l.List = strings.Split(entries, "\n")
		fn(l)
	}
	return rows.Err()
}

// ensureBuiltin gives each built-in list its row (enabled) once. A
// built-in list's row is never deleted, so a process checks only until it
// has seen them all.
func (st *Store) ensureBuiltin(ctx context.Context) error {
	if st.builtin.Load() {
		return nil
	}
	var n int
	if err := st.db.QueryRow(ctx, `SELECT COUNT(*) FROM intel_warninglists WHERE builtin`).Scan(&n); err != nil {
		return fmt.Errorf("warninglist: %w", err)
	}
	if n == len(Builtin()) {
		st.builtin.Store(true)
		return nil
	}
	err := st.db.Write(ctx, func(tx *db.Tx) error {
		now := st.now()
		for _, l := range Builtin() {
			if _, err := tx.Exec(ctx, `INSERT INTO intel_warninglists (id, name, name_key, type, entry_count, builtin, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6) ON CONFLICT (id) DO NOTHING`,
				l.ID, l.Name, strings.ToLower(l.Name), l.Type, len(l.List), now); err != nil {
				return fmt.Errorf("warninglist: %w", err)
			}
		}
		return nil
	})
	if err == nil {
		st.builtin.Store(true)
	}
	return err
}

const columns = `id, name, description, type, version, entry_count, builtin, enabled, created_at, updated_at`

// scanWarninglist reads columns, then into extra the columns
// the query selects after them.
func scan(r interface{ Scan(...any) error }, extra ...any) (Info, error) {
	var w Info
	err := r.Scan(append([]any{&w.ID, &w.Name, &w.Description, &w.Type, &w.Version, &w.Entries, &w.Builtin, &w.Enabled, &w.CreatedAt, &w.UpdatedAt}, extra...)...)
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	return w, err
}

// All lists every list, built-in first, then by name. Anyone
// signed in may read them: they say what certhub does not store.
func (st *Store) All(ctx context.Context, id *auth.Identity) ([]Info, error) {
	if err := mayRead(id); err != nil {
		return nil, err
	}
	if err := st.ensureBuiltin(ctx); err != nil {
		return nil, err
	}
	rows, err := st.db.Query(ctx, `SELECT `+columns+` FROM intel_warninglists ORDER BY builtin DESC, name_key`)
	if err != nil {
		return nil, fmt.Errorf("warninglist: %w", err)
	}
	defer rows.Close()
	out := []Info{}
	for rows.Next() {
		w, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// Get answers one list with its values.
func (st *Store) Get(ctx context.Context, id *auth.Identity, key string) (Info, error) {
	if err := mayRead(id); err != nil {
		return Info{}, err
	}
	if err := st.ensureBuiltin(ctx); err != nil {
		return Info{}, err
	}
	return get(ctx, st.db, key, true)
}

func get(ctx context.Context, q db.Querier, key string, values bool) (Info, error) {
	var entries string
	w, err := scan(q.QueryRow(ctx, `SELECT `+columns+`, entries FROM intel_warninglists WHERE id = $1`, key), &entries)
	if errors.Is(err, db.ErrNoRows) {
		return w, errs.NotFound("no such warninglist")
	}
	if err != nil {
		return w, fmt.Errorf("warninglist: %w", err)
	}
	if values {
		if w.Builtin {
			for _, l := range Builtin() {
				if l.ID == w.ID {
					w.List = l.List
				}
			}
		} else {
			w.List = strings.Split(entries, "\n")
		}
	}
	return w, nil
}

// Put loads a list in MISP's format: a new one, or new values
// for the loaded list of that name (created says which). A built-in
// list's name is refused.
func (st *Store) Put(ctx context.Context, id *auth.Identity, l List) (w Info, created bool, err error) {
	if err := mayManage(id); err != nil {
		return w, false, err
	}
	if err := l.Check(); err != nil {
		return w, false, err
	}
	if err := st.ensureBuiltin(ctx); err != nil {
		return w, false, err
	}
	version := ""
	if l.Version != nil {
		version = fmt.Sprint(l.Version)
	}
	err = st.db.Write(ctx, func(tx *db.Tx) error {
		now := st.now()
		var key string
		var isBuiltin bool
		switch err := tx.QueryRow(ctx, `SELECT id, builtin FROM intel_warninglists WHERE name_key = $1`, strings.ToLower(l.Name)).Scan(&key, &isBuiltin); {
		case errors.Is(err, db.ErrNoRows):
			key, created = db.NewID(), true
		case err != nil:
			return fmt.Errorf("warninglist: %w", err)
		case isBuiltin:
			return &errs.Error{Kind: errs.KindConflict, Message: "a built-in list has that name",
				Fields: []errs.FieldError{{Field: "name", Message: "a built-in list has that name: choose another"}}}
		}
		var before Info
		if !created {
			if before, err = get(ctx, tx, key, false); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO intel_warninglists (id, name, name_key, description, type, version, entries, entry_count, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, type = excluded.type,
				version = excluded.version, entries = excluded.entries, entry_count = excluded.entry_count, updated_at = excluded.updated_at,
				revision = intel_warninglists.revision + 1`,
			key, l.Name, strings.ToLower(l.Name), l.Description, l.Type, version, strings.Join(l.List, "\n"), len(l.List), now); err != nil {
			return fmt.Errorf("warninglist: %w", err)
		}
		if w, err = get(ctx, tx, key, false); err != nil {
			return err
		}
		action, summary := "intel.warninglist.load", "loaded warninglist "+l.Name
		if !created {
			action, summary = "intel.warninglist.replace", "replaced the values of warninglist "+l.Name
		}
		ev := audit.Event{Action: action, ObjectType: "intel_warninglist", ObjectID: key, Summary: summary, After: w}
		if !created {
			ev.Before = before
		}
		if err := tx.Announce(ctx, Topic); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, ev)
	})
	return w, created, err
}

// SetEnabled switches a list on or off.
func (st *Store) SetEnabled(ctx context.Context, id *auth.Identity, key string, enabled bool) (Info, error) {
	if err := mayManage(id); err != nil {
		return Info{}, err
	}
	if err := st.ensureBuiltin(ctx); err != nil {
		return Info{}, err
	}
	var w Info
	err := st.db.Write(ctx, func(tx *db.Tx) error {
		before, err := get(ctx, tx, key, false)
		if err != nil {
			return err
		}
		if before.Enabled == enabled {
			w = before
			return nil
		}
		now := st.now()
		if _, err := tx.Exec(ctx, `UPDATE intel_warninglists SET enabled = $2, updated_at = $3, revision = revision + 1 WHERE id = $1`, key, enabled, now); err != nil {
			return fmt.Errorf("warninglist: %w", err)
		}
		w = before
		w.Enabled, w.UpdatedAt = enabled, now.UTC()
		action, summary := "intel.warninglist.enable", "enabled warninglist "+w.Name
		if !enabled {
			action, summary = "intel.warninglist.disable", "disabled warninglist "+w.Name
		}
		if err := tx.Announce(ctx, Topic); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: action, ObjectType: "intel_warninglist", ObjectID: key, Summary: summary,
			Before: before, After: w})
	})
	return w, err
}

// Delete removes a loaded list; built-in lists are disabled
// instead.
func (st *Store) Delete(ctx context.Context, id *auth.Identity, key string) error {
	if err := mayManage(id); err != nil {
		return err
	}
	err := st.db.Write(ctx, func(tx *db.Tx) error {
		before, err := get(ctx, tx, key, false)
		if err != nil {
			return err
		}
		if before.Builtin {
			return errs.Conflict("a built-in list cannot be deleted: disable it")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM intel_warninglists WHERE id = $1`, key); err != nil {
			return fmt.Errorf("warninglist: %w", err)
		}
		if err := tx.Announce(ctx, Topic); err != nil {
			return err
		}
		return audit.Record(ctx, tx, st.now(), audit.Event{Action: "intel.warninglist.delete", ObjectType: "intel_warninglist", ObjectID: key,
			Summary: "deleted warninglist " + before.Name, Before: before})
	})
	return err
}

// ValueCheck is one value checked: its normalised form and the
// enabled list that calls it benign (none: not benign), or why it is not an
// indicator at all.
type ValueCheck struct {
	Value   string          `json:"value"`
	Type    observable.Type `json:"type,omitempty"`
	Normal  string          `json:"normalized,omitempty"`
	List    string          `json:"warninglist,omitempty"`
	Invalid string          `json:"invalid,omitempty"`
}

// Check tells which of values the enabled lists call benign.
func (st *Store) Check(ctx context.Context, id *auth.Identity, values []string) ([]ValueCheck, error) {
	if err := mayCheck(id, values); err != nil {
		return nil, err
	}
	w, err := st.Set(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ValueCheck, 0, len(values))
	for _, v := range values {
		c := ValueCheck{Value: v}
		o, err := observable.Normalize(v)
		if err != nil {
			c.Invalid = observable.Reason(err)
		} else {
			c.Type, c.Normal, c.List = o.Type, o.Value, w.Match(o)
		}
		out = append(out, c)
	}
	return out, nil
}
