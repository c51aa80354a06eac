package procurement

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
)

// The store: SQL over procurement's own tables only.

const accreditationColumns = `org_id, state, valid_from, valid_until, reason, updated_at`

// listAccreditations answers every accreditation (one, when orgID is not
// ""), with their categories, in no particular order.
func listAccreditations(ctx context.Context, q db.Querier, orgID string) ([]Accreditation, error) {
	query, args := `SELECT `+accreditationColumns+` FROM procurement_accreditations`, []any{}
	if orgID != "" {
		query, args = query+` WHERE org_id = $1`, append(args, orgID)
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("procurement: accreditations: %w", err)
	}
	var out []Accreditation
	byOrg := map[string]int{}
	for rows.Next() {
		var a Accreditation
		if err := rows.Scan(&a.OrgID, &a.State, &a.ValidFrom, &a.ValidUntil, &a.Reason, &a.UpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		a.Categories = []string{}
		byOrg[a.OrgID] = len(out)
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("procurement: accreditations: %w", err)
	}
	query = `SELECT org_id, category FROM procurement_accreditation_categories`
	if orgID != "" {
		query += ` WHERE org_id = $1`
	}
	rows, err = q.Query(ctx, query+` ORDER BY org_id, category`, args...)
	if err != nil {
		return nil, fmt.Errorf("procurement: categories: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var org, cat string
		if err := rows.Scan(&org, &cat); err != nil {
			return nil, err
		}
		if i, ok := byOrg[org]; ok {
			out[i].Categories = append(out[i].Categories, cat)
		}
	}
	return out, rows.Err()
}

// saveAccreditation writes a's row and categories whole and records the
// change by actor.
func saveAccreditation(ctx context.Context, tx *db.Tx, a Accreditation, actor string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO procurement_accreditations (`+accreditationColumns+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (org_id) DO UPDATE SET state = EXCLUDED.state, valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until,
		reason = EXCLUDED.reason, updated_at = EXCLUDED.updated_at`,
		a.OrgID, a.State, a.ValidFrom, a.ValidUntil, a.Reason, a.UpdatedAt); err != nil {
		return fmt.Errorf("procurement: save accreditation: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM procurement_accreditation_categories WHERE org_id = $1`, a.OrgID); err != nil {
		return fmt.Errorf("procurement: save accreditation: %w", err)
	}
	for _, c := range a.Categories {
		if _, err := tx.Exec(ctx, `INSERT INTO procurement_accreditation_categories (org_id, category) VALUES ($1, $2)`, a.OrgID, c); err != nil {
			return fmt.Errorf("procurement: save accreditation: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO procurement_accreditation_events (org_id, at, actor, state, categories, valid_from, valid_until, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.OrgID, a.UpdatedAt, actor, a.State, strings.Join(a.Categories, " "),
		a.ValidFrom, a.ValidUntil, a.Reason); err != nil {
		return fmt.Errorf("procurement: record the change: %w", err)
	}
	return nil
}

// history answers a lab's changes, newest first.
func history(ctx context.Context, q db.Querier, orgID string) ([]Change, error) {
	rows, err := q.Query(ctx, `SELECT at, actor, state, categories, valid_from, valid_until, reason
		FROM procurement_accreditation_events WHERE org_id = $1 ORDER BY id DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("procurement: history: %w", err)
	}
	defer rows.Close()
	out := []Change{}
	for rows.Next() {
		var c Change
		var cats string
		if err := rows.Scan(&c.At, &c.Actor, &c.State, &cats, &c.ValidFrom, &c.ValidUntil, &c.Reason); err != nil {
			return nil, err
		}
		c.Categories = strings.Fields(cats)
		out = append(out, c)
	}
	return out, rows.Err()
}

// labsFor answers the labs whose accreditation covers category at t
// (the ones an evaluation of that category may be assigned to).
func labsFor(ctx context.Context, q db.Querier, category string, t time.Time) ([]string, error) {
	day := t.UTC().Truncate(24 * time.Hour)
	rows, err := q.Query(ctx, `SELECT a.org_id FROM procurement_accreditations a
		JOIN procurement_accreditation_categories c ON c.org_id = a.org_id
		WHERE c.category = $1 AND a.state = 'active' AND a.valid_from <= $2 AND a.valid_until >= $3`, category, t, day)
	if err != nil {
		return nil, fmt.Errorf("procurement: labs for %s: %w", category, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	sort.Strings(out)
	return out, rows.Err()
}
