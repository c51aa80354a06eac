package coordination

import (
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// The ladder a silent recipient climbs, one step at a time.
const (
	stepReminded = 1 // its contacts reminded, with a fresh link
	stepCERT     = 2 // the CERT above it told
	stepNational = 3 // the national CERT told: the top
)

// EscalateEvery is how often the escalation job looks for what is due.
const EscalateEvery = time.Minute

// EscalateArgs is the job that takes silent recipients a step up the
// ladder.
type EscalateArgs struct{}

// Kind names the job.
func (EscalateArgs) Kind() string { return "coordination.escalate" }

type escalateWorker struct {
	jobs.WorkerDefaults[EscalateArgs]
	s *Service
}

func (w *escalateWorker) Work(ctx context.Context, _ *jobs.Job[EscalateArgs]) error {
	_, err := w.s.Escalate(ctx)
	return err
}

// Register adds coordination's jobs to the queue: the escalation, every
// EscalateEvery.
func (s *Service) Register(q *jobs.Queue) {
	jobs.AddWorker(q, &escalateWorker{s: s})
	q.Every("coordination.escalate", EscalateEvery, func() jobs.Args { return EscalateArgs{} })
}

// due is a recipient whose next step is due.
type due struct {
	alertID, orgID string
	parentID       *string
	escalation     int
}

// Escalate takes every silent recipient whose next step is due one step
// up the ladder (at most 200 a run): its contacts are reminded with a
// fresh link; then the CERT above it is told; then the national CERT.
// Each step is on the alert's timeline and in the audit log. It answers
// how many steps it took.
func (s *Service) Escalate(ctx context.Context) (int, error) {
	now := s.now().UTC()
	var list []due
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		list, err = db.QueryAll(ctx, q, func(r db.Row) (due, error) {
			var d due
			err := r.Scan(&d.alertID, &d.orgID, &d.parentID, &d.escalation)
			return d, err
		}, `SELECT alert_id, org_id, parent_id, escalation FROM coordination_alert_recipients
			WHERE next_step_at <= $1 AND state <> 'acknowledged' ORDER BY next_step_at, alert_id, org_id LIMIT 200`, now)
		return err
	})
	if err != nil || len(list) == 0 {
		return 0, err
	}
	all, err := s.orgs.All(ctx, system, directory.Filter{})
	if err != nil {
		return 0, err
	}
	var national []string
	names := map[string]string{}
	for _, o := range all {
		names[o.ID] = o.Name
		if o.Kind == directory.KindNationalCERT {
			national = append(national, o.ID)
		}
	}
	alerts := map[string]Alert{}
	steps := 0
	for _, d := range list {
		a, ok := alerts[d.alertID]
		if !ok {
			if err := s.db.Read(ctx, func(q db.Querier) error {
				var err error
				a, err = getAlert(ctx, q, d.alertID, false)
				return err
			}); err != nil {
				return steps, err
			}
			alerts[d.alertID] = a
		}
		done, err := s.step(ctx, a, d, names, national, now)
		if err != nil {
			return steps, err
		}
		if done {
			steps++
		}
	}
	return steps, nil
}

// step takes one recipient one step up; false when another run took it
// meanwhile (or it answered).
func (s *Service) step(ctx context.Context, a Alert, d due, names map[string]string, national []string, now time.Time) (bool, error) {
	next := d.escalation + 1
	org := names[d.orgID]
	var summary string
	var mails []delivery
	var tell []string // organisations told of the silence
	switch next {
	case stepReminded:
		summary = fmt.Sprintf("%s reminded: no answer to %s yet", org, a.TrackingID)
		ds, err := s.deliveries(ctx, a, []Recipient{{OrgID: d.orgID, Org: org}})
		if err != nil {
			return false, err
		}
		for i := range ds {
			ds[i].subject = "Reminder: " + ds[i].subject
		}
		mails = ds
	case stepCERT:
		if d.parentID == nil {
			summary = fmt.Sprintf("%s has no CERT above it to tell of its silence on %s", org, a.TrackingID)
			break
		}
		summary = fmt.Sprintf("%s told: %s has not answered %s", names[*d.parentID], org, a.TrackingID)
		tell = []string{*d.parentID}
	default:
		var told []string
		for _, n := range national {
			if d.parentID == nil || n != *d.parentID { // told at the step before
				tell = append(tell, n)
				told = append(told, names[n])
			}
		}
		summary = fmt.Sprintf("%s has not answered %s: the national CERT told", org, a.TrackingID)
		if len(told) == 0 {
			summary = fmt.Sprintf("%s has not answered %s: the top of the ladder", org, a.TrackingID)
		}
	}
	var escalations []notify.Mail
	if len(tell) > 0 && s.outbox != nil {
		orgs, err := s.orgs.GetMany(ctx, system, tell)
		if err != nil {
			return false, err
		}
		for _, o := range orgs {
			to := o.Addresses()
			if len(to) == 0 {
				continue
			}
			escalations = append(escalations, notify.Mail{To: to, Tag: "coordination.escalation",
				Subject: fmt.Sprintf("[%s] %s has not acknowledged the alert", a.TrackingID, org),
				Text: fmt.Sprintf("%s was asked to acknowledge %s on %s and has not answered.\n\nSee who has answered: %s/console/alerts/%s\n\n-- \n%s\n",
					org, a.TrackingID, a.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), s.baseURL, a.ID, s.centerName)})
		}
	}
	var nextAt *time.Time
	switch next {
	case stepReminded:
		t := a.CreatedAt.Add(time.Duration(a.EscalateAfter) * time.Hour)
		nextAt = &t
	case stepCERT:
		t := a.CreatedAt.Add(2 * time.Duration(a.EscalateAfter) * time.Hour)
		nextAt = &t
	}
	took := false
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE coordination_alert_recipients SET escalation = $4, next_step_at = $5, updated_at = $6
			WHERE alert_id = $1 AND org_id = $2 AND escalation = $3 AND state <> 'acknowledged'`, a.ID, d.orgID, d.escalation, next, nextAt, now)
		if err != nil || n == 0 {
			return err
		}
		took = true
		if err := s.sendDeliveries(ctx, tx, a, mails); err != nil {
			return err
		}
		for _, m := range escalations {
			if err := s.outbox.Send(ctx, tx, m); err != nil {
				return err
			}
		}
		kind := "escalated"
		if next == stepReminded {
			kind = "reminded"
		}
		if err := insertEvent(ctx, tx, a.ID, Event{At: now, Kind: kind, OrgID: d.orgID, Actor: "certhub", Summary: summary}); err != nil {
			return err
		}
		return audit.Record(auth.WithIdentity(ctx, system), tx, now, audit.Event{Action: "coordination.alert." + kind, ObjectType: "alert",
			ObjectID: a.ID, OrgID: d.orgID, Summary: summary})
	})
	return took, err
}

// ladder names the steps, for pages.
var ladder = []string{"not yet", "reminded", "its CERT told", "the national CERT told"}

// LadderStep names a recipient's escalation.
func LadderStep(n int) string {
	if n < 0 || n >= len(ladder) {
		return ""
	}
	return ladder[n]
}
