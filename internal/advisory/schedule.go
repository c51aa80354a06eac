package advisory

import (
	"context"
	"time"

	"github.com/certhub/certhub/internal/platform/jobs"
)

// PublishArgs is the periodic job that publishes approved publications whose
// time has come.
type PublishArgs struct{}

func (PublishArgs) Kind() string { return "advisory.publish_due" }

type publishWorker struct {
	jobs.WorkerDefaults[PublishArgs]
	s *Service
}

func (w *publishWorker) Work(ctx context.Context, _ *jobs.Job[PublishArgs]) error {
	n, err := w.s.PublishDue(ctx)
	if n > 0 {
		w.s.log.Info("scheduled publications published", "count", n)
	}
	return err
}

// Register adds the scheduler to q: every minute, so a publication goes
// out within a minute of its time.
func (s *Service) Register(q *jobs.Queue) {
	jobs.AddWorker(q, &publishWorker{s: s})
	jobs.AddWorker(q, &notifyWorker{s: s})
	q.Every("advisory.publish_due", time.Minute, func() jobs.Args { return PublishArgs{} })
}
