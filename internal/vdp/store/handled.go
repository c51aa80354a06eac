package store

import (
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
)

// CountHandled counts the vulnerability reports routed to orgID that
// arrived in [from, to), and the cases it owns opened then.
func CountHandled(ctx context.Context, q db.Querier, orgID string, from, to time.Time) (reports, cases int, err error) {
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM vdp_reports WHERE assigned_org_id = $1 AND received_at >= $2 AND received_at < $3`,
		orgID, from, to).Scan(&reports); err != nil {
		return 0, 0, fmt.Errorf("vdp: reports handled: %w", err)
	}
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM vdp_cases WHERE owner_org_id = $1 AND created_at >= $2 AND created_at < $3`,
		orgID, from, to).Scan(&cases); err != nil {
		return 0, 0, fmt.Errorf("vdp: cases handled: %w", err)
	}
	return reports, cases, nil
}
