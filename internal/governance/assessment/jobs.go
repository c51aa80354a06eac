package assessment

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
)

// How remediation actions are recalled: those due within a week (and the
// overdue), their owners once a week.
const (
	remindAhead = 7 * 24 * time.Hour
	remindEvery = 7 * 24 * time.Hour
)

// Sweep is the hourly round: it recalls remediation actions falling due
// to their owners, tells the CERT of each action gone overdue (once), and
// opens the re-assessments that have fallen due. It answers how many of
// each.
func (s *Service) Sweep(ctx context.Context) (reminded, escalated, reopened int, err error) {
	if reminded, err = s.remind(ctx); err != nil {
		return
	}
	if escalated, err = s.escalate(ctx); err != nil {
		return
	}
	reopened, err = s.reassess(ctx)
	return
}

func (s *Service) remind(ctx context.Context) (int, error) {
	now := s.now().UTC()
	var due []actions.Action
	if err := s.db.Read(ctx, func(q db.Querier) (err error) {
		due, err = plan.ToRemind(ctx, q, now, remindAhead, remindEvery, 200)
		return err
	}); err != nil || len(due) == 0 {
		return 0, err
	}
	byOrg := map[string][]actions.Action{}
	for _, a := range due {
		byOrg[a.OwnerOrgID] = append(byOrg[a.OwnerOrgID], a)
	}
	for org, list := range byOrg {
		to, err := s.emails(ctx, org)
		if err != nil {
			return 0, err
		}
		var lines []string
		ids := make([]string, len(list))
		for i, a := range list {
			state := "due " + a.DueOn
			if a.Overdue {
				state = "OVERDUE since " + a.DueOn
			}
			lines = append(lines, fmt.Sprintf("- %s (%s): %s/console/assessments/%s", a.Title, state, s.baseURL, a.ParentID))
			ids[i] = a.ID
		}
		err = s.db.Write(ctx, func(tx *db.Tx) error {
			if err := plan.Reminded(ctx, tx, ids, now); err != nil {
				return err
			}
			return s.mail(ctx, tx, to, "governance.assessment.reminder", "Remediation actions due",
				"Your organisation's remediation actions from its assessments:\n\n"+strings.Join(lines, "\n"))
		})
		if err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// escalate tells each overdue action's CERT (the CERT of the organisation
// assessed), once.
func (s *Service) escalate(ctx context.Context) (int, error) {
	now := s.now().UTC()
	var over [][2]string
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { over, err = toEscalate(ctx, q, now, 200); return err }); err != nil || len(over) == 0 {
		return 0, err
	}
	byParent := map[string][]string{}
	for _, o := range over {
		byParent[o[1]] = append(byParent[o[1]], o[0])
	}
	for parent, ids := range byParent {
		d, err := s.Get(ctx, system, parent)
		if err != nil {
			return 0, err
		}
		to, err := s.emails(ctx, d.CERTOrgID)
		if err != nil {
			return 0, err
		}
		var lines []string
		for _, p := range d.Plan {
			for _, id := range ids {
				if p.ID == id {
					lines = append(lines, fmt.Sprintf("- %s (owner %s, due %s)", p.Title, p.OwnerOrg, p.DueOn))
				}
			}
		}
		err = s.db.Write(ctx, func(tx *db.Tx) error {
			if err := escalated(ctx, tx, ids, now); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, now, audit.Event{Action: "governance.assessment.escalate", ObjectType: "assessment", ObjectID: d.ID,
				OrgID: d.CERTOrgID, Summary: fmt.Sprintf("%s: %d overdue remediation actions escalated to %s", d.Number, len(ids), d.CERT)}); err != nil {
				return err
			}
			return s.mail(ctx, tx, to, "governance.assessment.escalation", d.Number+": remediation overdue at "+d.Org,
				fmt.Sprintf("Remediation actions of %s's assessment %s are overdue:\n\n%s\n\n%s/console/assessments/%s",
					d.Org, d.Number, strings.Join(lines, "\n"), s.baseURL, d.ID))
		})
		if err != nil {
			return 0, err
		}
	}
	return len(over), nil
}

// reassess opens the re-assessments fallen due: the same organisation,
// assessor and scope against the baseline's latest version.
func (s *Service) reassess(ctx context.Context) (int, error) {
	due, err := s.Due(ctx, system, 0)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range due {
		_, err := s.open(ctx, system, Input{OrgID: a.OrgID, AssessorOrgID: a.AssessorOrgID, Baseline: a.Baseline, Scope: a.Scope,
			StartsOn: a.NextDueOn, ReassessMonths: a.ReassessMonths}, a.ID)
		if errs.KindOf(err) == errs.KindInvalid {
			// The assessor is no longer one (a lab's accreditation
			// lapsed): the CERT opens it by hand.
			s.log.Warn("re-assessment not opened", "assessment", a.Number, "err", err)
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// sweepArgs is the round's job.
type sweepArgs struct{}

func (sweepArgs) Kind() string { return "governance.assessment-sweep" }

type sweepWorker struct {
	jobs.WorkerDefaults[sweepArgs]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *jobs.Job[sweepArgs]) error {
	r, e, o, err := w.s.Sweep(ctx)
	if err == nil && r+e+o > 0 {
		w.s.log.Info("assessments swept", "reminded", r, "escalated", e, "reassessments", o)
	}
	return err
}

// Register adds the round's job, run every hour.
func (s *Service) Register(q *jobs.Queue) {
	jobs.AddWorker(q, &sweepWorker{s: s})
	q.Every("governance.assessment-sweep", time.Hour, func() jobs.Args { return sweepArgs{} })
}
