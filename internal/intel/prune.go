package intel

import (
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/jobs"
)

// DefaultRetention is how long ingest runs and TAXII status resources are
// kept when the operator says nothing (--intel-retention-days).
const DefaultRetention = 90 * 24 * time.Hour

// PruneArgs is the periodic job that forgets old runs and statuses.
type PruneArgs struct{}

func (PruneArgs) Kind() string { return "intel.prune" }

type pruneWorker struct {
	jobs.WorkerDefaults[PruneArgs]
	s *Service
}

func (w *pruneWorker) Work(ctx context.Context, _ *jobs.Job[PruneArgs]) error {
	runs, statuses, err := w.s.Prune(ctx)
	if runs+statuses > 0 {
		w.s.log.Info("forgot old ingest runs and TAXII statuses", "runs", runs, "statuses", statuses)
	}
	return err
}

// pruneBatch bounds one delete, so the writer is never held for long.
const pruneBatch = 5000

// Prune deletes the ingest runs that ended, and the TAXII status resources
// made, longer ago than the retention, a batch at a time. A run still
// queued or running is kept whatever its age, and so is each source's
// latest run (its page shows how it went last). It answers how many of
// each it deleted.
func (s *Service) Prune(ctx context.Context) (runs, statuses int64, err error) {
	before := s.now().Add(-s.retention)
	for _, p := range []struct {
		n   *int64
		sql string
	}{
		{&statuses, `DELETE FROM intel_taxii_status WHERE id IN (SELECT id FROM intel_taxii_status WHERE created_at < $1 LIMIT $2)`},
		{&runs, `DELETE FROM intel_runs WHERE id IN (SELECT r.id FROM intel_runs r WHERE r.finished_at < $1
			AND EXISTS (SELECT 1 FROM intel_runs n WHERE n.source_num = r.source_num AND n.created_at > r.created_at) LIMIT $2)`},
	} {
		for {
			var n int64
			err := s.db.Write(ctx, func(tx *db.Tx) error {
				var err error
				n, err = tx.Exec(ctx, p.sql, before, pruneBatch)
				return err
			})
			if err != nil {
				return runs, statuses, fmt.Errorf("intel: prune: %w", err)
			}
			*p.n += n
			if n < pruneBatch {
				break
			}
		}
	}
	return runs, statuses, nil
}
