package routing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
)

// List returns the routing rules in order, without the CERTs' names:
// those are the directory's.
func List(ctx context.Context, q db.Querier) ([]Rule, error) {
	rows, err := q.Query(ctx, `SELECT id, vendor, product, sector, cii, org_id FROM vdp_routing_rules ORDER BY position`)
	if err != nil {
		return nil, fmt.Errorf("vdp: rules: %w", err)
	}
	defer rows.Close()
	out := []Rule{}
	for rows.Next() {
		var r Rule
		if err := rows.Scan(&r.ID, &r.Vendor, &r.Product, &r.Sector, &r.CII, &r.OrgID); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Replace puts rules, in that order and with new IDs, in place of the
// routing rules, in the caller's transaction, and returns them as stored.
func Replace(ctx context.Context, tx *db.Tx, rules []Rule, now time.Time) ([]Rule, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM vdp_routing_rules`); err != nil {
		return nil, fmt.Errorf("vdp: rules: %w", err)
	}
	for i, r := range rules {
		if _, err := tx.Exec(ctx, `INSERT INTO vdp_routing_rules (id, position, vendor, product, sector, cii, org_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, db.NewID(), i, strings.TrimSpace(r.Vendor), strings.TrimSpace(r.Product),
			r.Sector, r.CII, r.OrgID, now); err != nil {
			return nil, fmt.Errorf("vdp: rules: %w", err)
		}
	}
	return List(ctx, tx)
}
