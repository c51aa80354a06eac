package intel

import (
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
)

// Shared counts, for a periodic report, the indicators first seen in
// [from, to) in the sources orgID owns (what it shared), and those routed
// in that time to the organisations given (the CERT and its
// constituents: what reached them).
func (s *Service) Shared(ctx context.Context, orgID string, orgs []string, from, to time.Time) (shared, routed int, err error) {
	err = s.db.Read(ctx, func(q db.Querier) error {
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM intel_observations o JOIN intel_sources s ON s.num = o.source_num
			WHERE s.owner_org_id = $1 AND o.first_seen >= $2 AND o.first_seen < $3`, orgID, from.Unix(), to.Unix()).Scan(&shared); err != nil {
			return fmt.Errorf("intel: shared: %w", err)
		}
		if len(orgs) == 0 {
			return nil
		}
		var a db.Args
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM intel_routes WHERE org_id IN (`+db.In(&a, orgs)+`) AND first_seen >= `+a.Add(from.Unix())+
			` AND first_seen < `+a.Add(to.Unix()), a...).Scan(&routed); err != nil {
			return fmt.Errorf("intel: routed: %w", err)
		}
		return nil
	})
	return shared, routed, err
}
