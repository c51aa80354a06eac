package vdp

import (
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
	"github.com/certhub/certhub/internal/vdp/timeline"
)

// ReminderArgs is the periodic job that chases silent vendors, escalates
// them, and warns of coming publication dates.
type ReminderArgs struct{}

// Kind names the job in the queue.
func (ReminderArgs) Kind() string { return "vdp.reminders" }

type reminderWorker struct {
	jobs.WorkerDefaults[ReminderArgs]
	s *Service
}

// Work sends the reminders that are due.
func (w *reminderWorker) Work(ctx context.Context, _ *jobs.Job[ReminderArgs]) error {
	n, err := w.s.Remind(ctx)
	if n > 0 {
		w.s.log.Info("disclosure reminders sent", "count", n)
	}
	return err
}

// Register adds the service's background work to q.
func (s *Service) Register(q *jobs.Queue) {
	jobs.AddWorker(q, &reminderWorker{s: s})
	q.Every("vdp.reminders", time.Hour, func() jobs.Args { return ReminderArgs{} })
}

// Remind sends what is due now: reminders to vendors notified but silent,
// escalation to the case owner after too many, and the deadline warning
// before a publication date. It returns how many messages it queued.
func (s *Service) Remind(ctx context.Context) (int, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	sent := 0
	ctx = audit.WithActor(ctx, audit.Actor{Email: "system: reminders"})
	// Silent vendors.
	type due struct {
		caseID, orgID string
	}
	var list []due
	rows, err := s.db.Query(ctx, `SELECT p.case_id, p.org_id FROM vdp_participants p JOIN vdp_cases c ON c.id = p.case_id
		WHERE p.role = 'vendor' AND p.notified_at IS NOT NULL AND p.acknowledged_at IS NULL AND p.escalated_at IS NULL
		AND c.status IN ('open', 'coordinating', 'remediation')`)
	if err != nil {
		return 0, fmt.Errorf("vdp: reminders: %w", err)
	}
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.caseID, &d.orgID); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	every := time.Duration(st.ReminderDays) * 24 * time.Hour
	for _, d := range list {
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			c, err := store.GetCase(ctx, tx, d.caseID)
			if err != nil {
				return err
			}
			parts, err := store.ListParticipants(ctx, tx, c.ID)
			if err != nil {
				return err
			}
			for _, p := range parts {
				if p.OrgID != d.orgID || p.NotifiedAt == nil || p.AcknowledgedAt != nil || p.EscalatedAt != nil {
					continue
				}
				last := *p.NotifiedAt
				if p.LastReminderAt != nil {
					last = *p.LastReminderAt
				}
				if now.Sub(last) < every {
					return nil
				}
				orgID := p.OrgID
				if p.OrgName, err = s.OrgName(ctx, orgID); err != nil {
					return err
				}
				if p.Reminders >= st.EscalateAfter {
					p.EscalatedAt = &now
					if err := store.SaveParticipant(ctx, tx, p); err != nil {
						return err
					}
					summary := fmt.Sprintf("%s has not answered %d reminders", p.OrgName, p.Reminders)
					if err := timeline.Add(ctx, tx, c.ID, "escalated", summary, model.VisibleInternal, &orgID, "system", "vendors", now); err != nil {
						return err
					}
					sent++
					return s.tellOrg(ctx, tx, c.OwnerOrgID, "["+c.Number+"] Escalation: "+p.OrgName+" is silent",
						summary+" since it was notified on "+p.NotifiedAt.Format("2006-01-02")+".\nDecide how to go on (another contact, "+
							"publication without the vendor):\n"+s.link("/console/cases/"+c.ID+"#vendors")+"\n", "case.escalate")
				}
				p.Reminders++
				p.LastReminderAt = &now
				if err := store.SaveParticipant(ctx, tx, p); err != nil {
					return err
				}
				if err := timeline.Add(ctx, tx, c.ID, "reminder", fmt.Sprintf("reminder %d sent to %s", p.Reminders, p.OrgName),
					model.VisibleInternal, &orgID, "system", "vendors", now); err != nil {
					return err
				}
				sent++
				return s.tellOrg(ctx, tx, p.OrgID, "["+c.Number+"] Reminder: a vulnerability report awaits your answer",
					fmt.Sprintf("We told you on %s about a vulnerability that may affect your products (case %s) and have not heard "+
						"back. Please sign in, acknowledge the case and tell us which products are affected:\n%s\n",
						p.NotifiedAt.Format("2006-01-02"), c.Number, s.link("/console/cases/"+c.ID)), "case.reminder")
			}
			return nil
		})
		if err != nil {
			return sent, err
		}
	}
	// Publication dates coming up.
	if st.DeadlineDays > 0 {
		rows, err := s.db.Query(ctx, `SELECT id FROM vdp_cases WHERE status IN ('open', 'coordinating', 'remediation')
			AND publication_at IS NOT NULL AND publication_at > $1 AND publication_at <= $2
			AND (deadline_warned_for IS NULL OR deadline_warned_for <> publication_at)`, now, now.Add(time.Duration(st.DeadlineDays)*24*time.Hour))
		if err != nil {
			return sent, fmt.Errorf("vdp: deadlines: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return sent, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			err := s.db.Write(ctx, func(tx *db.Tx) error {
				c, err := store.GetCase(ctx, tx, id)
				if err != nil {
					return err
				}
				parts, err := store.ListParticipants(ctx, tx, c.ID)
				if err != nil {
					return err
				}
				c.DeadlineWarnedFor = c.PublicationAt
				if err := store.SaveCase(ctx, tx, c); err != nil {
					return err
				}
				when := c.PublicationAt.Format("2006-01-02 15:04 UTC")
				body := fmt.Sprintf("Case %s (%s) is due to be published on %s. Make sure fixes and statements are ready:\n%s\n",
					c.Number, c.Title, when, s.link("/console/cases/"+c.ID+"#dates"))
				if err := timeline.Add(ctx, tx, c.ID, "deadline", "publication on "+when+" is near", model.VisibleParticipants, nil, "system", "dates", now); err != nil {
					return err
				}
				sent++
				if err := s.tellOrg(ctx, tx, c.OwnerOrgID, "["+c.Number+"] Publication on "+when, body, "case.deadline"); err != nil {
					return err
				}
				return s.tellParticipants(ctx, tx, c, parts, nil, "["+c.Number+"] Publication on "+when, body, "case.deadline")
			})
			if err != nil {
				return sent, err
			}
		}
	}
	return sent, nil
}
