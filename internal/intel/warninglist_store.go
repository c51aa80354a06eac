package intel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/warninglist"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The center's staff manage the warninglists (migration 0010): the
// built-in ones can be disabled, lists in MISP's format loaded, replaced
// (by name) and deleted. Ingest matches against the enabled lists, which
// every process reloads within a few seconds of a change (the command
// line may load while the server runs).

// WarninglistInfo is a list as the API and the console show it.
type WarninglistInfo struct {
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

// warnCache holds the matcher of the enabled lists and what it was built
// from, checked against the table at most every warnRecheck.
type warnCache struct {
	mu      sync.Mutex
	lists   *warninglist.Set
	stamp   string
	checked time.Time
}

const warnRecheck = 3 * time.Second

// warninglists answers the matcher of the enabled lists.
func (s *Service) warninglists(ctx context.Context) (*warninglist.Set, error) {
	c := &s.warn
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lists != nil && time.Since(c.checked) < warnRecheck {
		return c.lists, nil
	}
	if err := s.ensureBuiltinLists(ctx); err != nil {
		return nil, err
	}
	// The stamp: every list's id, revision and switch, in one small query.
	var b strings.Builder
	rows, err := s.db.Query(ctx, `SELECT id, revision, enabled FROM intel_warninglists ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("intel: warninglists: %w", err)
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
		return nil, fmt.Errorf("intel: warninglists: %w", err)
	}
	if c.lists != nil && b.String() == c.stamp {
		c.checked = time.Now()
		return c.lists, nil
	}
	var lists []warninglist.List
	for _, l := range warninglist.Builtin() {
		if slices.Contains(enabled, l.ID) {
			lists = append(lists, l)
		}
	}
	if err := s.loadedLists(ctx, enabled, func(l warninglist.List) { lists = append(lists, l) }); err != nil {
		return nil, err
	}
	w, err := warninglist.New(lists...)
	if err != nil {
		return nil, fmt.Errorf("intel: warninglists: %w", err) // checked when loaded
	}
	c.lists, c.stamp, c.checked = w, b.String(), time.Now()
	return w, nil
}

// forgetWarninglists makes the next use reload the lists (after a change).
func (s *Service) forgetWarninglists() {
	s.warn.mu.Lock()
	s.warn.checked = time.Time{}
	s.warn.mu.Unlock()
}

// loadedLists reads the loaded lists among ids with their values.
func (s *Service) loadedLists(ctx context.Context, ids []string, fn func(warninglist.List)) error {
	if len(ids) == 0 {
		return nil
	}
	var a db.Args
	rows, err := s.db.Query(ctx, `SELECT id, name, type, entries FROM intel_warninglists WHERE NOT builtin AND id IN (`+a.In(anys(ids)...)+`)`, a...)
	if err != nil {
		return fmt.Errorf("intel: warninglists: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l warninglist.List
		var entries string
		if err := rows.Scan(&l.ID, &l.Name, &l.Type, &entries); err != nil {
			return err
		}
		l.List = strings.Split(entries, "\n")
		fn(l)
	}
	return rows.Err()
}

// ensureBuiltinLists gives each built-in list its row (enabled) once. A
// built-in list's row is never deleted, so a process checks only until it
// has seen them all.
func (s *Service) ensureBuiltinLists(ctx context.Context) error {
	if s.builtinLists.Load() {
		return nil
	}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM intel_warninglists WHERE builtin`).Scan(&n); err != nil {
		return fmt.Errorf("intel: warninglists: %w", err)
	}
	if n == len(warninglist.Builtin()) {
		s.builtinLists.Store(true)
		return nil
	}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		now := s.now()
		for _, l := range warninglist.Builtin() {
			if _, err := tx.Exec(ctx, `INSERT INTO intel_warninglists (id, name, name_key, type, entry_count, builtin, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6) ON CONFLICT (id) DO NOTHING`,
				l.ID, l.Name, strings.ToLower(l.Name), l.Type, len(l.List), now); err != nil {
				return fmt.Errorf("intel: warninglists: %w", err)
			}
		}
		return nil
	})
	if err == nil {
		s.builtinLists.Store(true)
	}
	return err
}

const warninglistColumns = `id, name, description, type, version, entry_count, builtin, enabled, created_at, updated_at`

// scanWarninglist reads warninglistColumns, then into extra the columns
// the query selects after them.
func scanWarninglist(r interface{ Scan(...any) error }, extra ...any) (WarninglistInfo, error) {
	var w WarninglistInfo
	err := r.Scan(append([]any{&w.ID, &w.Name, &w.Description, &w.Type, &w.Version, &w.Entries, &w.Builtin, &w.Enabled, &w.CreatedAt, &w.UpdatedAt}, extra...)...)
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	return w, err
}

// Warninglists lists every list, built-in first, then by name. Anyone
// signed in may read them: they say what certhub does not store.
func (s *Service) Warninglists(ctx context.Context, id *auth.Identity) ([]WarninglistInfo, error) {
	if id == nil {
		return nil, errs.Unauthenticated("sign in to see the warninglists")
	}
	if err := s.ensureBuiltinLists(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+warninglistColumns+` FROM intel_warninglists ORDER BY builtin DESC, name_key`)
	if err != nil {
		return nil, fmt.Errorf("intel: warninglists: %w", err)
	}
	defer rows.Close()
	out := []WarninglistInfo{}
	for rows.Next() {
		w, err := scanWarninglist(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// GetWarninglist answers one list with its values.
func (s *Service) GetWarninglist(ctx context.Context, id *auth.Identity, key string) (WarninglistInfo, error) {
	if id == nil {
		return WarninglistInfo{}, errs.Unauthenticated("sign in to see the warninglists")
	}
	if err := s.ensureBuiltinLists(ctx); err != nil {
		return WarninglistInfo{}, err
	}
	return getWarninglist(ctx, s.db, key, true)
}

func getWarninglist(ctx context.Context, q db.Querier, key string, values bool) (WarninglistInfo, error) {
	var entries string
	w, err := scanWarninglist(q.QueryRow(ctx, `SELECT `+warninglistColumns+`, entries FROM intel_warninglists WHERE id = $1`, key), &entries)
	if errors.Is(err, db.ErrNoRows) {
		return w, errs.NotFound("no such warninglist")
	}
	if err != nil {
		return w, fmt.Errorf("intel: warninglist: %w", err)
	}
	if values {
		if w.Builtin {
			for _, l := range warninglist.Builtin() {
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

// staffOnly answers whether id may manage what (the center's own
// settings of the intelligence store: warninglists, the AS table).
func staffOnly(id *auth.Identity, what string) error {
	if id == nil {
		return errs.Unauthenticated("sign in to manage %s", what)
	}
	if !id.IsSystem() && !id.IsStaff() {
		return errs.Forbidden("only the coordination center's staff manage %s", what)
	}
	return nil
}

// PutWarninglist loads a list in MISP's format: a new one, or new values
// for the loaded list of that name (created says which). A built-in
// list's name is refused.
func (s *Service) PutWarninglist(ctx context.Context, id *auth.Identity, l warninglist.List) (w WarninglistInfo, created bool, err error) {
	if err := staffOnly(id, "the warninglists"); err != nil {
		return w, false, err
	}
	if err := l.Check(); err != nil {
		return w, false, err
	}
	if err := s.ensureBuiltinLists(ctx); err != nil {
		return w, false, err
	}
	version := ""
	if l.Version != nil {
		version = fmt.Sprint(l.Version)
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		now := s.now()
		var key string
		var isBuiltin bool
		switch err := tx.QueryRow(ctx, `SELECT id, builtin FROM intel_warninglists WHERE name_key = $1`, strings.ToLower(l.Name)).Scan(&key, &isBuiltin); {
		case errors.Is(err, db.ErrNoRows):
			key, created = db.NewID(), true
		case err != nil:
			return fmt.Errorf("intel: warninglist: %w", err)
		case isBuiltin:
			return &errs.Error{Kind: errs.KindConflict, Message: "a built-in list has that name",
				Fields: []errs.FieldError{{Field: "name", Message: "a built-in list has that name: choose another"}}}
		}
		var before WarninglistInfo
		if !created {
			if before, err = getWarninglist(ctx, tx, key, false); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO intel_warninglists (id, name, name_key, description, type, version, entries, entry_count, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, type = excluded.type,
				version = excluded.version, entries = excluded.entries, entry_count = excluded.entry_count, updated_at = excluded.updated_at,
				revision = intel_warninglists.revision + 1`,
			key, l.Name, strings.ToLower(l.Name), l.Description, l.Type, version, strings.Join(l.List, "\n"), len(l.List), now); err != nil {
			return fmt.Errorf("intel: warninglist: %w", err)
		}
		if w, err = getWarninglist(ctx, tx, key, false); err != nil {
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
		return audit.Record(ctx, tx, now, ev)
	})
	if err == nil {
		s.forgetWarninglists()
	}
	return w, created, err
}

// SetWarninglistEnabled switches a list on or off.
func (s *Service) SetWarninglistEnabled(ctx context.Context, id *auth.Identity, key string, enabled bool) (WarninglistInfo, error) {
	if err := staffOnly(id, "the warninglists"); err != nil {
		return WarninglistInfo{}, err
	}
	if err := s.ensureBuiltinLists(ctx); err != nil {
		return WarninglistInfo{}, err
	}
	var w WarninglistInfo
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		before, err := getWarninglist(ctx, tx, key, false)
		if err != nil {
			return err
		}
		if before.Enabled == enabled {
			w = before
			return nil
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE intel_warninglists SET enabled = $2, updated_at = $3, revision = revision + 1 WHERE id = $1`, key, enabled, now); err != nil {
			return fmt.Errorf("intel: warninglist: %w", err)
		}
		w = before
		w.Enabled, w.UpdatedAt = enabled, now.UTC()
		action, summary := "intel.warninglist.enable", "enabled warninglist "+w.Name
		if !enabled {
			action, summary = "intel.warninglist.disable", "disabled warninglist "+w.Name
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: action, ObjectType: "intel_warninglist", ObjectID: key, Summary: summary,
			Before: before, After: w})
	})
	if err == nil {
		s.forgetWarninglists()
	}
	return w, err
}

// DeleteWarninglist removes a loaded list; built-in lists are disabled
// instead.
func (s *Service) DeleteWarninglist(ctx context.Context, id *auth.Identity, key string) error {
	if err := staffOnly(id, "the warninglists"); err != nil {
		return err
	}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		before, err := getWarninglist(ctx, tx, key, false)
		if err != nil {
			return err
		}
		if before.Builtin {
			return errs.Conflict("a built-in list cannot be deleted: disable it")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM intel_warninglists WHERE id = $1`, key); err != nil {
			return fmt.Errorf("intel: warninglist: %w", err)
		}
		return audit.Record(ctx, tx, s.now(), audit.Event{Action: "intel.warninglist.delete", ObjectType: "intel_warninglist", ObjectID: key,
			Summary: "deleted warninglist " + before.Name, Before: before})
	})
	if err == nil {
		s.forgetWarninglists()
	}
	return err
}

// valuesRequest answers whether id may ask what of values: one signed
// in, at most 1,000 values.
func valuesRequest(id *auth.Identity, values []string, what string) error {
	if id == nil {
		return errs.Unauthenticated("sign in to %s", what)
	}
	if len(values) > 1000 {
		var f errs.Fields
		f.Add("values", "at most 1000 values a request")
		return f.Err()
	}
	return nil
}

// WarninglistCheck is one value checked: its normalised form and the
// enabled list that calls it benign (none: not benign), or why it is not an
// indicator at all.
type WarninglistCheck struct {
	Value   string          `json:"value"`
	Type    observable.Type `json:"type,omitempty"`
	Normal  string          `json:"normalized,omitempty"`
	List    string          `json:"warninglist,omitempty"`
	Invalid string          `json:"invalid,omitempty"`
}

// CheckValues tells which of values the enabled lists call benign.
func (s *Service) CheckValues(ctx context.Context, id *auth.Identity, values []string) ([]WarninglistCheck, error) {
	if err := valuesRequest(id, values, "check values"); err != nil {
		return nil, err
	}
	w, err := s.warninglists(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]WarninglistCheck, 0, len(values))
	for _, v := range values {
		c := WarninglistCheck{Value: v}
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
