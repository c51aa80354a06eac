package coordination

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

const alertColumns = `id, advisory_id, tracking_id, title, tlp, actions, act_by, audience, remind_after_hours, escalate_after_hours, created_by, created_at, updated_at`

func scanAlert(r db.Row) (Alert, error) {
	var a Alert
	var audience string
	if err := r.Scan(&a.ID, &a.AdvisoryID, &a.TrackingID, &a.Title, &a.TLP, &a.Actions, &a.ActBy, &audience, &a.RemindAfter, &a.EscalateAfter,
		&a.CreatedBy, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return Alert{}, err
	}
	if err := json.Unmarshal([]byte(audience), &a.Audience); err != nil {
		return Alert{}, fmt.Errorf("coordination: alert %s: audience: %w", a.ID, err)
	}
	return a, nil
}

// insertAlert writes a new alert with its recipients, each delivered at
// a.CreatedAt.
func insertAlert(ctx context.Context, tx *db.Tx, a Alert, recipients []Recipient) error {
	audience, err := json.Marshal(a.Audience)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO coordination_alerts (`+alertColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
		a.ID, a.AdvisoryID, a.TrackingID, a.Title, a.TLP, a.Actions, a.ActBy, string(audience), a.RemindAfter, a.EscalateAfter, a.CreatedBy, a.CreatedAt); err != nil {
		if db.IsUniqueViolation(err) {
			return errs.Conflict("%s already asks its audience to acknowledge it", a.TrackingID)
		}
		return fmt.Errorf("coordination: insert alert: %w", err)
	}
	remind := a.CreatedAt.Add(time.Duration(a.RemindAfter) * time.Hour)
	for _, r := range recipients {
		if _, err := tx.ExecRepeated(ctx, `INSERT INTO coordination_alert_recipients (alert_id, org_id, parent_id, state, delivered_at, next_step_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $5)`, a.ID, r.OrgID, r.ParentID, Delivered, a.CreatedAt, remind); err != nil {
			return fmt.Errorf("coordination: insert recipient: %w", err)
		}
	}
	return nil
}

// getAlert answers an alert by its ID, or by its publication's ID or
// tracking ID when byAdvisory.
func getAlert(ctx context.Context, q db.Querier, ref string, byAdvisory bool) (Alert, error) {
	cond := `id = $1`
	if byAdvisory {
		cond = `(advisory_id = $1 OR LOWER(tracking_id) = LOWER($1))`
	}
	a, err := scanAlert(q.QueryRow(ctx, `SELECT `+alertColumns+` FROM coordination_alerts WHERE `+cond, ref))
	if errors.Is(err, db.ErrNoRows) {
		return Alert{}, errs.NotFound("no such alert")
	}
	return a, err
}

const recipientColumns = `org_id, parent_id, state, outcome, note, delivered_at, read_at, acknowledged_at, answered_by, escalation, next_step_at`

func scanRecipient(r db.Row) (Recipient, error) {
	var x Recipient
	err := r.Scan(&x.OrgID, &x.ParentID, &x.State, &x.Outcome, &x.Note, &x.DeliveredAt, &x.ReadAt, &x.AcknowledgedAt, &x.AnsweredBy,
		&x.Escalation, &x.NextStepAt)
	x.NoAnswer = x.State != Acknowledged
	return x, err
}

// listRecipients answers an alert's recipients the reader sees, in the
// order of their organisations' IDs.
func listRecipients(ctx context.Context, q db.Querier, alertID string, rd reader) ([]Recipient, error) {
	args := db.Args{alertID}
	return db.QueryAll(ctx, q, scanRecipient, `SELECT `+recipientColumns+` FROM coordination_alert_recipients x
		WHERE x.alert_id = $1 AND `+rd.reach(&args)+` ORDER BY x.org_id`, args...)
}

// getRecipient answers one recipient's row, for an update.
func getRecipient(ctx context.Context, q db.Querier, alertID, orgID string) (Recipient, error) {
	x, err := scanRecipient(q.QueryRow(ctx, `SELECT `+recipientColumns+` FROM coordination_alert_recipients WHERE alert_id = $1 AND org_id = $2`,
		alertID, orgID))
	if errors.Is(err, db.ErrNoRows) {
		return Recipient{}, errs.NotFound("the organisation is not a recipient of the alert")
	}
	return x, err
}

// updateRecipient writes a recipient's answer.
func updateRecipient(ctx context.Context, tx *db.Tx, alertID string, x Recipient, now time.Time) error {
	// An answer ends the ladder.
	_, err := tx.Exec(ctx, `UPDATE coordination_alert_recipients SET state = $3, outcome = $4, note = $5, read_at = $6,
		acknowledged_at = $7, answered_by = $8, updated_at = $9,
		next_step_at = CASE WHEN $3 = 'acknowledged' THEN NULL ELSE next_step_at END WHERE alert_id = $1 AND org_id = $2`,
		alertID, x.OrgID, x.State, x.Outcome, x.Note, x.ReadAt, x.AcknowledgedAt, x.AnsweredBy, now)
	if err != nil {
		return fmt.Errorf("coordination: update recipient: %w", err)
	}
	_, err = tx.Exec(ctx, `UPDATE coordination_alerts SET updated_at = $2 WHERE id = $1`, alertID, now)
	return err
}

// insertEvent adds a line to an alert's timeline.
func insertEvent(ctx context.Context, tx *db.Tx, alertID string, e Event) error {
	var org *string
	if e.OrgID != "" {
		org = &e.OrgID
	}
	_, err := tx.Exec(ctx, `INSERT INTO coordination_alert_events (id, alert_id, org_id, at, kind, actor, summary)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, db.NewID(), alertID, org, e.At, e.Kind, e.Actor, e.Summary)
	return err
}

// listEvents answers an alert's timeline, oldest first.
func listEvents(ctx context.Context, q db.Querier, alertID string) ([]Event, error) {
	return db.QueryAll(ctx, q, func(r db.Row) (Event, error) {
		var e Event
		var org *string
		err := r.Scan(&e.At, &e.Kind, &org, &e.Actor, &e.Summary)
		if org != nil {
			e.OrgID = *org
		}
		return e, err
	}, `SELECT at, kind, org_id, actor, summary FROM coordination_alert_events WHERE alert_id = $1 ORDER BY at, id`, alertID)
}

// AlertSummary is an alert in a list, with its progress over the
// recipients the reader sees.
type AlertSummary struct {
	Alert
	Counts Counts `json:"counts"`
}

// listAlerts answers the alerts the reader sees, newest first, limit a
// page after the cursor, with their counts aggregated in SQL over the
// recipients the reader sees.
func listAlerts(ctx context.Context, q db.Querier, rd reader, limit int, cursor string) ([]AlertSummary, error) {
	args := db.Args{}
	where := rd.reach(&args)
	if after, err := db.Keyset(&args, cursor, "a.created_at", "a.id", true); err != nil {
		return nil, err
	} else if after != "" {
		where += ` AND ` + after
	}
	rows, err := q.Query(ctx, `SELECT a.id, a.advisory_id, a.tracking_id, a.title, a.tlp, a.actions, a.act_by, a.audience,
		a.remind_after_hours, a.escalate_after_hours, a.created_by, a.created_at, a.updated_at,
		COUNT(*), SUM(CASE WHEN x.state = 'acknowledged' THEN 1 ELSE 0 END), SUM(CASE WHEN x.state = 'read' THEN 1 ELSE 0 END),
		SUM(CASE WHEN x.outcome = 'affected' THEN 1 ELSE 0 END), SUM(CASE WHEN x.outcome = 'not_affected' THEN 1 ELSE 0 END),
		SUM(CASE WHEN x.outcome = 'mitigated' THEN 1 ELSE 0 END)
		FROM coordination_alerts a JOIN coordination_alert_recipients x ON x.alert_id = a.id
		WHERE `+where+`
		GROUP BY a.id, a.advisory_id, a.tracking_id, a.title, a.tlp, a.actions, a.act_by, a.audience, a.remind_after_hours,
			a.escalate_after_hours, a.created_by, a.created_at, a.updated_at
		ORDER BY a.created_at DESC, a.id DESC LIMIT `+args.Add(limit+1), args...)
	if err != nil {
		return nil, fmt.Errorf("coordination: list alerts: %w", err)
	}
	defer rows.Close()
	out := []AlertSummary{}
	for rows.Next() {
		var s AlertSummary
		var audience string
		c := &s.Counts
		if err := rows.Scan(&s.ID, &s.AdvisoryID, &s.TrackingID, &s.Title, &s.TLP, &s.Actions, &s.ActBy, &audience, &s.RemindAfter,
			&s.EscalateAfter, &s.CreatedBy, &s.CreatedAt, &s.UpdatedAt, &c.Recipients, &c.Acknowledged, &c.Read, &c.Affected, &c.NotAffected, &c.Mitigated); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(audience), &s.Audience); err != nil {
			return nil, err
		}
		c.NoAnswer = c.Recipients - c.Acknowledged
		out = append(out, s)
	}
	return out, rows.Err()
}

// countDelivered counts the alerts delivered in [from, to) to orgs and
// those acknowledged.
func countDelivered(ctx context.Context, q db.Querier, orgs []string, from, to time.Time) (delivered, acknowledged int, err error) {
	if len(orgs) == 0 {
		return 0, 0, nil
	}
	var a db.Args
	err = q.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'acknowledged' THEN 1 ELSE 0 END), 0)
		FROM coordination_alert_recipients WHERE org_id IN (`+db.In(&a, orgs)+`) AND delivered_at >= `+a.Add(from)+` AND delivered_at < `+a.Add(to), a...).
		Scan(&delivered, &acknowledged)
	if err != nil {
		return 0, 0, fmt.Errorf("coordination: alerts delivered: %w", err)
	}
	return delivered, acknowledged, nil
}
