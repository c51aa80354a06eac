package catalogue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Tables are an owner's catalogue tables. Catalogues has the columns
// (Key, version, title, notes, published_at, published_by); Requirements
// (Key, version, position, req_id, family, title, text, severity,
// applicability); Methods (Key, version, req_id, method); Clarifications
// (id, Key, version, req_id, text, issued_at, issued_by). Owner names the
// owner in errors.
type Tables struct {
	Owner, Key                                        string
	Catalogues, Requirements, Methods, Clarifications string
}

// sql fills the table names into a query: {c}, {r}, {m}, {cl} and {k}.
func (t Tables) sql(q string) string {
	for _, p := range [][2]string{{"{cl}", t.Clarifications}, {"{c}", t.Catalogues}, {"{r}", t.Requirements}, {"{m}", t.Methods}, {"{k}", t.Key}} {
		q = replaceAll(q, p[0], p[1])
	}
	return q
}

// Insert writes a new version of the catalogue c.Key, numbered after the
// last, with its requirements and their methods; it answers the number.
func (t Tables) Insert(ctx context.Context, tx *db.Tx, c Catalogue) (int, error) {
	var last int
	if err := tx.QueryRow(ctx, t.sql(`SELECT COALESCE(MAX(version), 0) FROM {c} WHERE {k} = $1`), c.Key).Scan(&last); err != nil {
		return 0, fmt.Errorf("%s: catalogue version: %w", t.Owner, err)
	}
	v := last + 1
	if _, err := tx.Exec(ctx, t.sql(`INSERT INTO {c} ({k}, version, title, notes, published_at, published_by)
		VALUES ($1, $2, $3, $4, $5, $6)`), c.Key, v, c.Title, c.Notes, c.PublishedAt, c.PublishedBy); err != nil {
		return 0, fmt.Errorf("%s: publish catalogue: %w", t.Owner, err)
	}
	for i, r := range c.Requirements {
		if _, err := tx.Exec(ctx, t.sql(`INSERT INTO {r} ({k}, version, position, req_id, family, title, text, severity, applicability)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`), c.Key, v, i+1, r.ID, r.Family, r.Title, r.Text, r.Severity, r.Applicability); err != nil {
			return 0, fmt.Errorf("%s: publish requirement %s: %w", t.Owner, r.ID, err)
		}
		for _, m := range r.Methods {
			if _, err := tx.Exec(ctx, t.sql(`INSERT INTO {m} ({k}, version, req_id, method) VALUES ($1, $2, $3, $4)`),
				c.Key, v, r.ID, m); err != nil {
				return 0, fmt.Errorf("%s: publish requirement %s: %w", t.Owner, r.ID, err)
			}
		}
	}
	return v, nil
}

// List answers the versions (of one catalogue, or the latest of each when
// key is ""), newest first, with their sizes.
func (t Tables) List(ctx context.Context, q db.Querier, key string) ([]Summary, error) {
	query := `SELECT c.{k}, c.version, c.title, c.published_at,
		(SELECT COUNT(*) FROM {r} r WHERE r.{k} = c.{k} AND r.version = c.version)
		FROM {c} c`
	var args []any
	if key != "" {
		query += ` WHERE c.{k} = $1 ORDER BY c.version DESC`
		args = append(args, key)
	} else {
		query += ` WHERE c.version = (SELECT MAX(l.version) FROM {c} l WHERE l.{k} = c.{k}) ORDER BY c.{k}`
	}
	out, err := db.QueryAll(ctx, q, func(row db.Row) (Summary, error) {
		var s Summary
		err := row.Scan(&s.Key, &s.Version, &s.Title, &s.PublishedAt, &s.Requirements)
		return s, err
	}, t.sql(query), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: catalogues: %w", t.Owner, err)
	}
	return out, nil
}

// Get answers one version whole (the latest when version is 0):
// requirements in their order with their methods, clarifications oldest
// first; errs.NotFound when there is none.
func (t Tables) Get(ctx context.Context, q db.Querier, key string, version int) (Catalogue, error) {
	c := Catalogue{Key: key, Requirements: []Requirement{}, Clarifications: []Clarification{}}
	row := q.QueryRow(ctx, t.sql(`SELECT version, title, notes, published_at, published_by FROM {c}
		WHERE {k} = $1 AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1`), key, version)
	if err := row.Scan(&c.Version, &c.Title, &c.Notes, &c.PublishedAt, &c.PublishedBy); errors.Is(err, db.ErrNoRows) {
		return Catalogue{}, errs.NotFound("no such catalogue")
	} else if err != nil {
		return Catalogue{}, fmt.Errorf("%s: catalogue: %w", t.Owner, err)
	}
	reqs, err := db.QueryAll(ctx, q, func(row db.Row) (Requirement, error) {
		r := Requirement{Methods: []string{}}
		err := row.Scan(&r.ID, &r.Family, &r.Title, &r.Text, &r.Severity, &r.Applicability)
		return r, err
	}, t.sql(`SELECT req_id, family, title, text, severity, applicability FROM {r} WHERE {k} = $1 AND version = $2 ORDER BY position`), key, c.Version)
	if err != nil {
		return Catalogue{}, fmt.Errorf("%s: requirements: %w", t.Owner, err)
	}
	c.Requirements = append(c.Requirements, reqs...)
	at := map[string]int{}
	for i, r := range c.Requirements {
		at[r.ID] = i
	}
	methods, err := db.QueryAll(ctx, q, func(row db.Row) ([2]string, error) {
		var m [2]string
		err := row.Scan(&m[0], &m[1])
		return m, err
	}, t.sql(`SELECT req_id, method FROM {m} WHERE {k} = $1 AND version = $2 ORDER BY req_id, method`), key, c.Version)
	if err != nil {
		return Catalogue{}, fmt.Errorf("%s: methods: %w", t.Owner, err)
	}
	for _, m := range methods {
		if i, ok := at[m[0]]; ok {
			c.Requirements[i].Methods = append(c.Requirements[i].Methods, m[1])
		}
	}
	cls, err := db.QueryAll(ctx, q, func(row db.Row) (Clarification, error) {
		var cl Clarification
		err := row.Scan(&cl.ID, &cl.Requirement, &cl.Text, &cl.IssuedAt, &cl.IssuedBy)
		return cl, err
	}, t.sql(`SELECT id, req_id, text, issued_at, issued_by FROM {cl} WHERE {k} = $1 AND version = $2 ORDER BY issued_at, id`), key, c.Version)
	if err != nil {
		return Catalogue{}, fmt.Errorf("%s: clarifications: %w", t.Owner, err)
	}
	c.Clarifications = append(c.Clarifications, cls...)
	return c, nil
}

// InsertClarification writes a clarification of a version.
func (t Tables) InsertClarification(ctx context.Context, tx *db.Tx, key string, version int, cl Clarification) error {
	if _, err := tx.Exec(ctx, t.sql(`INSERT INTO {cl} (id, {k}, version, req_id, text, issued_at, issued_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`), cl.ID, key, version, cl.Requirement, cl.Text, cl.IssuedAt, cl.IssuedBy); err != nil {
		return fmt.Errorf("%s: clarification: %w", t.Owner, err)
	}
	return nil
}

// Verdicts a checker gives a requirement: procurement's labs and
// governance's assessors each have their own words.

// Result is the verdict on one requirement of the catalogue version a
// piece of work (an evaluation, an assessment) is pinned to.
type Result struct {
	Requirement string `json:"requirement"`
	Verdict     string `json:"verdict"`
	// Severity is how much a shortfall matters (one of Severities, ""
	// when not said).
	Severity  string    `json:"severity,omitempty"`
	Notes     string    `json:"notes,omitempty"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ResultTable is an owner's table of results, with the columns (Subject,
// requirement, verdict, severity, notes, updated_by, updated_at) and the
// key (Subject, requirement).
type ResultTable struct{ Owner, Table, Subject string }

// Save writes (or replaces) the result of subject's requirement.
func (t ResultTable) Save(ctx context.Context, tx *db.Tx, subject string, r Result) error {
	q := replaceAll(replaceAll(`INSERT INTO {t} ({s}, requirement, verdict, severity, notes, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ({s}, requirement) DO UPDATE SET verdict = EXCLUDED.verdict,
		severity = EXCLUDED.severity, notes = EXCLUDED.notes, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`, "{t}", t.Table), "{s}", t.Subject)
	if _, err := tx.Exec(ctx, q, subject, r.Requirement, r.Verdict, r.Severity, r.Notes, r.UpdatedBy, r.UpdatedAt); err != nil {
		return fmt.Errorf("%s: result: %w", t.Owner, err)
	}
	return nil
}

// Of answers subject's results by requirement ID.
func (t ResultTable) Of(ctx context.Context, q db.Querier, subject string) ([]Result, error) {
	out, err := db.QueryAll(ctx, q, func(row db.Row) (Result, error) {
		var r Result
		err := row.Scan(&r.Requirement, &r.Verdict, &r.Severity, &r.Notes, &r.UpdatedBy, &r.UpdatedAt)
		return r, err
	}, replaceAll(replaceAll(`SELECT requirement, verdict, severity, notes, updated_by, updated_at FROM {t} WHERE {s} = $1 ORDER BY requirement`,
		"{t}", t.Table), "{s}", t.Subject), subject)
	if err != nil {
		return nil, fmt.Errorf("%s: results: %w", t.Owner, err)
	}
	return out, nil
}

var replaceAll = strings.ReplaceAll
