package incident

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/coordination/deadline"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/jobs"
)

// ClocksArgs is the job that tells of deadlines that have passed.
type ClocksArgs struct{}

// Kind names the job.
func (ClocksArgs) Kind() string { return "coordination.incident-clocks" }

type clocksWorker struct {
	jobs.WorkerDefaults[ClocksArgs]
	s *Service
}

func (w *clocksWorker) Work(ctx context.Context, _ *jobs.Job[ClocksArgs]) error {
	_, err := w.s.Tick(ctx)
	return err
}

// Register adds the clock job to the queue, every minute.
func (s *Service) Register(q *jobs.Queue) {
	jobs.AddWorker(q, &clocksWorker{s: s})
	q.Every("coordination.incident-clocks", ClocksEvery, func() jobs.Args { return ClocksArgs{} })
}

// ClocksEvery is how often the clock job looks for passed deadlines.
const ClocksEvery = time.Minute

// Tick tells of every deadline that has passed unmet since the last run
// (at most 200 incidents a run): a step of the reporter's to the reporter
// and the owning CERT; a step of the CERT's to the CERT, and the incident
// escalated to the CERT above it (the national CERT when there is none).
// Each is on the timeline and audited, once. It answers how many
// deadlines it told of.
func (s *Service) Tick(ctx context.Context) (int, error) {
	now := s.now().UTC()
	var ids []string
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		ids, err = db.QueryAll(ctx, q, func(r db.Row) (string, error) {
			var id string
			return id, r.Scan(&id)
		}, `SELECT id FROM coordination_incidents WHERE alarm_at <= $1 AND status <> 'closed' ORDER BY alarm_at, id LIMIT 200`, now)
		return err
	})
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	regimes, err := s.Regimes(ctx)
	if err != nil {
		return 0, err
	}
	d, err := s.directory(ctx)
	if err != nil {
		return 0, err
	}
	told := 0
	for _, incID := range ids {
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			in, err := getIncident(ctx, tx, incID)
			if err != nil {
				return err
			}
			inv, err := listInvolved(ctx, tx, in.ID)
			if err != nil {
				return err
			}
			steps, err := listSteps(ctx, tx, in.ID)
			if err != nil {
				return err
			}
			for _, c := range clocks(&in, regimes, steps, now) {
				if c.State != deadline.Overdue {
					continue
				}
				key := deadline.Key(c.Regime, c.Step)
				first, err := toldOverdue(ctx, tx, in.ID, key, *c.Due, now)
				if err != nil {
					return err
				}
				if !first {
					continue
				}
				told++
				summary := fmt.Sprintf("%s overdue since %s", c.Title, c.Due.UTC().Format("2006-01-02 15:04 UTC"))
				vis, tell := Reporter, []string{in.OwnerOrgID}
				if c.By == deadline.ByReporter {
					if in.ReporterOrgID != nil {
						tell = append(tell, *in.ReporterOrgID)
					}
				} else {
					vis = CERTs
					up := d.certAbove(in.OwnerOrgID)
					if up == "" && d.top() != in.OwnerOrgID {
						up = d.top()
					}
					if up != "" && !slices.Contains(orgsOf(inv), up) {
						if err := involve(ctx, tx, in.ID, up, ReasonEscalated, now); err != nil {
							return err
						}
						inv = append(inv, Involved{OrgID: up, Reason: ReasonEscalated})
						summary += "; escalated to " + d.name(up)
						tell = append(tell, up)
					}
				}
				if err := insertEvent(ctx, tx, in.ID, Event{At: now, Kind: "overdue", Visibility: vis, Actor: "certhub", Summary: summary}); err != nil {
					return err
				}
				if err := s.tell(ctx, tx, tell, in, "Deadline passed on "+in.Number, fmt.Sprintf("Incident %s: %s.", in.Number, summary)); err != nil {
					return err
				}
				if err := audit.Record(ctx, tx, now, audit.Event{Action: "coordination.incident.overdue", ObjectType: "incident", ObjectID: in.ID,
					OrgID: in.OwnerOrgID, Summary: in.Number + ": " + summary}); err != nil {
					return err
				}
			}
			steps, err = listSteps(ctx, tx, in.ID)
			if err != nil {
				return err
			}
			clocks(&in, regimes, steps, now)
			_, err = tx.Exec(ctx, `UPDATE coordination_incidents SET next_due_at = $2, alarm_at = $3 WHERE id = $1`, in.ID, in.NextDueAt, in.alarmAt)
			return err
		})
		if err != nil {
			return told, err
		}
	}
	return told, nil
}
