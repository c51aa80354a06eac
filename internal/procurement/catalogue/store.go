package catalogue

import (
	"context"
	"errors"
	"fmt"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Insert writes a new version of c.Category, numbered after the
// last, with its requirements and their methods; it answers the number.
func Insert(ctx context.Context, tx *db.Tx, c Catalogue) (int, error) {
	var last int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM procurement_catalogues WHERE category = $1`, c.Category).Scan(&last); err != nil {
		return 0, fmt.Errorf("procurement: catalogue version: %w", err)
	}
	v := last + 1
	if _, err := tx.Exec(ctx, `INSERT INTO procurement_catalogues (category, version, title, notes, published_at, published_by)
		VALUES ($1, $2, $3, $4, $5, $6)`, c.Category, v, c.Title, c.Notes, c.PublishedAt, c.PublishedBy); err != nil {
		return 0, fmt.Errorf("procurement: publish catalogue: %w", err)
	}
	for i, r := range c.Requirements {
		if _, err := tx.Exec(ctx, `INSERT INTO procurement_requirements (category, version, position, req_id, title, text, severity, applicability)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.Category, v, i+1, r.ID, r.Title, r.Text, r.Severity, r.Applicability); err != nil {
			return 0, fmt.Errorf("procurement: publish requirement %s: %w", r.ID, err)
		}
		for _, m := range r.Methods {
			if _, err := tx.Exec(ctx, `INSERT INTO procurement_requirement_methods (category, version, req_id, method) VALUES ($1, $2, $3, $4)`,
				c.Category, v, r.ID, m); err != nil {
				return 0, fmt.Errorf("procurement: publish requirement %s: %w", r.ID, err)
			}
		}
	}
	return v, nil
}

// List answers the versions (of one category, or the latest
// of each when category is ""), newest first, with their sizes.
func List(ctx context.Context, q db.Querier, category string) ([]Summary, error) {
	query := `SELECT c.category, c.version, c.title, c.published_at,
		(SELECT COUNT(*) FROM procurement_requirements r WHERE r.category = c.category AND r.version = c.version)
		FROM procurement_catalogues c`
	var args []any
	if category != "" {
		query += ` WHERE c.category = $1 ORDER BY c.version DESC`
		args = append(args, category)
	} else {
		query += ` WHERE c.version = (SELECT MAX(l.version) FROM procurement_catalogues l WHERE l.category = c.category) ORDER BY c.category`
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("procurement: catalogues: %w", err)
	}
	defer rows.Close()
	out := []Summary{}
	for rows.Next() {
		var s Summary
		if err := rows.Scan(&s.Category, &s.Version, &s.Title, &s.PublishedAt, &s.Requirements); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Get answers one version whole (the latest when version is 0):
// requirements in their order with their methods, clarifications oldest
// first; errs.NotFound when there is none.
func Get(ctx context.Context, q db.Querier, category string, version int) (Catalogue, error) {
	c := Catalogue{Category: category, Requirements: []Requirement{}, Clarifications: []Clarification{}}
	row := q.QueryRow(ctx, `SELECT version, title, notes, published_at, published_by FROM procurement_catalogues
		WHERE category = $1 AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1`, category, version)
	if err := row.Scan(&c.Version, &c.Title, &c.Notes, &c.PublishedAt, &c.PublishedBy); errors.Is(err, db.ErrNoRows) {
		return Catalogue{}, errs.NotFound("no such catalogue")
	} else if err != nil {
		return Catalogue{}, fmt.Errorf("procurement: catalogue: %w", err)
	}
	rows, err := q.Query(ctx, `SELECT req_id, title, text, severity, applicability FROM procurement_requirements
		WHERE category = $1 AND version = $2 ORDER BY position`, category, c.Version)
	if err != nil {
		return Catalogue{}, fmt.Errorf("procurement: requirements: %w", err)
	}
	at := map[string]int{}
	for rows.Next() {
		r := Requirement{Methods: []string{}}
		if err := rows.Scan(&r.ID, &r.Title, &r.Text, &r.Severity, &r.Applicability); err != nil {
			rows.Close()
			return Catalogue{}, err
		}
		at[r.ID] = len(c.Requirements)
		c.Requirements = append(c.Requirements, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Catalogue{}, err
	}
	rows, err = q.Query(ctx, `SELECT req_id, method FROM procurement_requirement_methods WHERE category = $1 AND version = $2 ORDER BY req_id, method`,
		category, c.Version)
	if err != nil {
		return Catalogue{}, fmt.Errorf("procurement: methods: %w", err)
	}
	for rows.Next() {
		var id, m string
		if err := rows.Scan(&id, &m); err != nil {
			rows.Close()
			return Catalogue{}, err
		}
		if i, ok := at[id]; ok {
			c.Requirements[i].Methods = append(c.Requirements[i].Methods, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Catalogue{}, err
	}
	rows, err = q.Query(ctx, `SELECT id, req_id, text, issued_at, issued_by FROM procurement_clarifications
		WHERE category = $1 AND version = $2 ORDER BY issued_at, id`, category, c.Version)
	if err != nil {
		return Catalogue{}, fmt.Errorf("procurement: clarifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cl Clarification
		if err := rows.Scan(&cl.ID, &cl.Requirement, &cl.Text, &cl.IssuedAt, &cl.IssuedBy); err != nil {
			return Catalogue{}, err
		}
		c.Clarifications = append(c.Clarifications, cl)
	}
	return c, rows.Err()
}

// InsertClarification writes a clarification of a version.
func InsertClarification(ctx context.Context, tx *db.Tx, category string, version int, cl Clarification) error {
	if _, err := tx.Exec(ctx, `INSERT INTO procurement_clarifications (id, category, version, req_id, text, issued_at, issued_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, cl.ID, category, version, cl.Requirement, cl.Text, cl.IssuedAt, cl.IssuedBy); err != nil {
		return fmt.Errorf("procurement: clarification: %w", err)
	}
	return nil
}
