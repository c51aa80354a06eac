package vulns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/procurement/osv"
)

// saveOSV writes r unless the store has it already at the same or a
// later modified time; it answers whether it was new, replaced, or kept.
func saveOSV(ctx context.Context, tx *db.Tx, r osv.Record, now time.Time) (status string, err error) {
	var have time.Time
	switch err := tx.QueryRow(ctx, `SELECT modified FROM procurement_osv_records WHERE id = $1`, r.ID).Scan(&have); {
	case errors.Is(err, db.ErrNoRows):
		status = "new"
	case err != nil:
		return "", fmt.Errorf("procurement: osv %s: %w", r.ID, err)
	case !r.Modified.After(have):
		return "unchanged", nil
	default:
		status = "updated"
		if _, err := tx.Exec(ctx, `DELETE FROM procurement_osv_records WHERE id = $1`, r.ID); err != nil {
			return "", fmt.Errorf("procurement: osv %s: %w", r.ID, err)
		}
	}
	var published any
	if !r.Published.IsZero() {
		published = r.Published
	}
	if _, err := tx.Exec(ctx, `INSERT INTO procurement_osv_records (id, summary, severity, modified, published, withdrawn, loaded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, r.Summary, r.Severity, r.Modified, published, r.Withdrawn, now); err != nil {
		return "", fmt.Errorf("procurement: osv %s: %w", r.ID, err)
	}
	for _, a := range r.Aliases {
		if _, err := tx.Exec(ctx, `INSERT INTO procurement_osv_aliases (osv_id, alias) VALUES ($1, $2)`, r.ID, a); err != nil {
			return "", fmt.Errorf("procurement: osv %s: %w", r.ID, err)
		}
	}
	for i, a := range r.Affected {
		ranges, _ := json.Marshal(a.Ranges)
		versions, _ := json.Marshal(a.Versions)
		if _, err := tx.Exec(ctx, `INSERT INTO procurement_osv_affected (osv_id, position, ecosystem, name, ranges, versions)
			VALUES ($1, $2, $3, $4, $5, $6)`, r.ID, i, a.Ecosystem, a.Name, string(ranges), string(versions)); err != nil {
			return "", fmt.Errorf("procurement: osv %s: %w", r.ID, err)
		}
	}
	return status, nil
}

// knownAffected is one affected package of a record still in force.
type knownAffected struct {
	osv.Affected
	ID, Summary, Severity string
}

// affectedPackages answers the affected entries of records not withdrawn
// for the packages named (any ecosystem; the caller compares it).
func affectedPackages(ctx context.Context, q db.Querier, names []string) ([]knownAffected, error) {
	var out []knownAffected
	for start := 0; start < len(names); start += 500 {
		part := names[start:min(start+500, len(names))]
		var args db.Args
		rows, err := q.Query(ctx, `SELECT a.osv_id, r.summary, r.severity, a.ecosystem, a.name, a.ranges, a.versions
			FROM procurement_osv_affected a JOIN procurement_osv_records r ON r.id = a.osv_id
			WHERE a.name IN (`+db.In(&args, part)+`) AND NOT r.withdrawn`, args...)
		if err != nil {
			return nil, fmt.Errorf("procurement: known vulnerabilities: %w", err)
		}
		for rows.Next() {
			var k knownAffected
			var ranges, versions string
			if err := rows.Scan(&k.ID, &k.Summary, &k.Severity, &k.Ecosystem, &k.Name, &ranges, &versions); err != nil {
				rows.Close()
				return nil, err
			}
			if err := json.Unmarshal([]byte(ranges), &k.Ranges); err != nil {
				rows.Close()
				return nil, fmt.Errorf("procurement: osv %s ranges: %w", k.ID, err)
			}
			_ = json.Unmarshal([]byte(versions), &k.Versions)
			out = append(out, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// aliasesOf answers each record's aliases.
func aliasesOf(ctx context.Context, q db.Querier, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	for start := 0; start < len(ids); start += 500 {
		var args db.Args
		rows, err := q.Query(ctx, `SELECT osv_id, alias FROM procurement_osv_aliases WHERE osv_id IN (`+
			db.In(&args, ids[start:min(start+500, len(ids))])+`) ORDER BY osv_id, alias`, args...)
		if err != nil {
			return nil, fmt.Errorf("procurement: aliases: %w", err)
		}
		for rows.Next() {
			var id, alias string
			if err := rows.Scan(&id, &alias); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = append(out[id], alias)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LoadedSince answers the ids of the OSV records loaded after t (and not
// withdrawn), and the newest load time (t when there is none): what the
// approved-products watch matches against the entries.
func LoadedSince(ctx context.Context, q db.Querier, t time.Time) ([]string, time.Time, error) {
	rows, err := q.Query(ctx, `SELECT id, loaded_at FROM procurement_osv_records WHERE loaded_at > $1 AND NOT withdrawn
		ORDER BY loaded_at`, t)
	if err != nil {
		return nil, t, fmt.Errorf("procurement: osv since: %w", err)
	}
	defer rows.Close()
	var ids []string
	last := t
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			return nil, t, err
		}
		ids = append(ids, id)
		last = at
	}
	return ids, last, rows.Err()
}
