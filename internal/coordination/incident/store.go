package incident

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

const incidentCols = `i.id, i.number, i.title, i.description, i.rsit_class, i.rsit_type, i.severity, i.tlp, i.status, i.channel,
	i.reporter_org_id, i.reporter_name, i.reporter_email, i.owner_org_id, i.assignee_id, i.assignee_name, i.sector, i.cii,
	i.cross_border, i.affected_users, i.impact_hours, i.systems, i.indicators, i.regimes, i.detected_at, i.aware_at,
	i.reported_at, i.first_response_at, i.closed_at, i.resolution, i.root_cause, i.next_due_at, i.created_at, i.updated_at`

func scanIncident(r db.Row) (Incident, error) {
	var in Incident
	var inds, regimes string
	err := r.Scan(&in.ID, &in.Number, &in.Title, &in.Description, &in.Class, &in.Type, &in.Severity, &in.TLP, &in.Status, &in.Channel,
		&in.ReporterOrgID, &in.ReporterName, &in.ReporterEmail, &in.OwnerOrgID, &in.AssigneeID, &in.AssigneeName, &in.Sector, &in.CII,
		&in.CrossBorder, &in.AffectedUsers, &in.ImpactHours, &in.Systems, &inds, &regimes, &in.DetectedAt, &in.AwareAt,
		&in.ReportedAt, &in.FirstResponse, &in.ClosedAt, &in.Resolution, &in.RootCause, &in.NextDueAt, &in.CreatedAt, &in.UpdatedAt)
	if err != nil {
		return in, err
	}
	in.Indicators = []string{}
	if inds != "" {
		in.Indicators = strings.Split(inds, "\n")
	}
	if err := json.Unmarshal([]byte(regimes), &in.Regimes); err != nil {
		return in, fmt.Errorf("incident %s: regimes: %w", in.ID, err)
	}
	return in, nil
}

func regimesJSON(ids []string) string {
	if ids == nil {
		ids = []string{}
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

func insertIncident(ctx context.Context, tx *db.Tx, in Incident, followHash *string) error {
	_, err := tx.Exec(ctx, `INSERT INTO coordination_incidents (id, number, title, description, rsit_class, rsit_type, severity, tlp,
		status, channel, reporter_org_id, reporter_name, reporter_email, owner_org_id, assignee_id, assignee_name, sector, cii, cross_border,
		affected_users, impact_hours, systems, indicators, regimes, detected_at, aware_at, reported_at, first_response_at, closed_at,
		resolution, root_cause, next_due_at, alarm_at, follow_hash, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26,
		$27, $28, $29, $30, $31, $32, $33, $34, $35, $36)`,
		in.ID, in.Number, in.Title, in.Description, in.Class, in.Type, in.Severity, in.TLP, in.Status, in.Channel, in.ReporterOrgID,
		in.ReporterName, in.ReporterEmail, in.OwnerOrgID, in.AssigneeID, in.AssigneeName, in.Sector, in.CII, in.CrossBorder,
		in.AffectedUsers, in.ImpactHours, in.Systems, strings.Join(in.Indicators, "\n"), regimesJSON(in.Regimes), in.DetectedAt, in.AwareAt,
		in.ReportedAt, in.FirstResponse, in.ClosedAt, in.Resolution, in.RootCause, in.NextDueAt, in.alarmAt, followHash, in.CreatedAt, in.UpdatedAt)
	if err != nil {
		return fmt.Errorf("incident: insert: %w", err)
	}
	return nil
}

// updateIncident writes the handling fields of in back.
func updateIncident(ctx context.Context, tx *db.Tx, in Incident) error {
	_, err := tx.Exec(ctx, `UPDATE coordination_incidents SET rsit_class = $2, rsit_type = $3, severity = $4, status = $5,
		owner_org_id = $6, assignee_id = $7, assignee_name = $8, regimes = $9, aware_at = $10, first_response_at = $11, closed_at = $12,
		resolution = $13, root_cause = $14, next_due_at = $15, alarm_at = $16, updated_at = $17 WHERE id = $1`,
		in.ID, in.Class, in.Type, in.Severity, in.Status, in.OwnerOrgID, in.AssigneeID, in.AssigneeName, regimesJSON(in.Regimes),
		in.AwareAt, in.FirstResponse, in.ClosedAt, in.Resolution, in.RootCause, in.NextDueAt, in.alarmAt, in.UpdatedAt)
	if err != nil {
		return fmt.Errorf("incident: update: %w", err)
	}
	return nil
}

// getIncident answers an incident by ID or number.
func getIncident(ctx context.Context, q db.Querier, ref string) (Incident, error) {
	in, err := scanIncident(q.QueryRow(ctx, `SELECT `+incidentCols+` FROM coordination_incidents i WHERE i.id = $1 OR i.number = $1`, ref))
	if errors.Is(err, db.ErrNoRows) {
		return in, errs.NotFound("no such incident")
	}
	return in, err
}

// byFollowHash answers the incident a public follow link opens.
func byFollowHash(ctx context.Context, q db.Querier, hash string) (Incident, error) {
	in, err := scanIncident(q.QueryRow(ctx, `SELECT `+incidentCols+` FROM coordination_incidents i WHERE i.follow_hash = $1`, hash))
	if errors.Is(err, db.ErrNoRows) {
		return in, errs.NotFound("no incident report for this link: check that the whole link was copied")
	}
	return in, err
}

func listInvolved(ctx context.Context, q db.Querier, incidentID string) ([]Involved, error) {
	return db.QueryAll(ctx, q, func(r db.Row) (Involved, error) {
		var v Involved
		err := r.Scan(&v.OrgID, &v.Reason, &v.AddedAt)
		return v, err
	}, `SELECT org_id, reason, added_at FROM coordination_incident_certs WHERE incident_id = $1 ORDER BY added_at, org_id`, incidentID)
}

// involve adds a CERT to those the incident involves (changing the reason
// of one already there).
func involve(ctx context.Context, tx *db.Tx, incidentID, orgID, reason string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO coordination_incident_certs (incident_id, org_id, reason, added_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (incident_id, org_id) DO UPDATE SET reason = excluded.reason`, incidentID, orgID, reason, now)
	if err != nil {
		return fmt.Errorf("incident: involve: %w", err)
	}
	return nil
}

func uninvolve(ctx context.Context, tx *db.Tx, incidentID, orgID string) error {
	_, err := tx.Exec(ctx, `DELETE FROM coordination_incident_certs WHERE incident_id = $1 AND org_id = $2`, incidentID, orgID)
	return err
}

func listNotes(ctx context.Context, q db.Querier, incidentID string) ([]Note, error) {
	return db.QueryAll(ctx, q, func(r db.Row) (Note, error) {
		var n Note
		err := r.Scan(&n.ID, &n.Visibility, &n.Body, &n.AuthorName, &n.AuthorOrgID, &n.CreatedAt)
		return n, err
	}, `SELECT id, visibility, body, author_name, author_org_id, created_at FROM coordination_incident_notes
		WHERE incident_id = $1 ORDER BY created_at, id`, incidentID)
}

func insertNote(ctx context.Context, tx *db.Tx, incidentID string, n Note) error {
	_, err := tx.Exec(ctx, `INSERT INTO coordination_incident_notes (id, incident_id, visibility, body, author_name, author_org_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, n.ID, incidentID, n.Visibility, n.Body, n.AuthorName, n.AuthorOrgID, n.CreatedAt)
	if err != nil {
		return fmt.Errorf("incident: note: %w", err)
	}
	return nil
}

func listTasks(ctx context.Context, q db.Querier, incidentID string, now time.Time) ([]Task, error) {
	return db.QueryAll(ctx, q, func(r db.Row) (Task, error) {
		var t Task
		err := r.Scan(&t.ID, &t.Title, &t.OwnerOrgID, &t.DueAt, &t.DoneAt, &t.DoneBy, &t.CreatedAt)
		t.Overdue = t.DoneAt == nil && t.DueAt != nil && now.After(*t.DueAt)
		return t, err
	}, `SELECT id, title, owner_org_id, due_at, done_at, done_by, created_at FROM coordination_incident_tasks
		WHERE incident_id = $1 ORDER BY created_at, id`, incidentID)
}

func insertTask(ctx context.Context, tx *db.Tx, incidentID string, t Task) error {
	_, err := tx.Exec(ctx, `INSERT INTO coordination_incident_tasks (id, incident_id, title, owner_org_id, due_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, incidentID, t.Title, t.OwnerOrgID, t.DueAt, t.CreatedAt)
	if err != nil {
		return fmt.Errorf("incident: task: %w", err)
	}
	return nil
}

// finishTask marks a task done; false when it is not the incident's or
// was done already.
func finishTask(ctx context.Context, tx *db.Tx, incidentID, taskID, by string, now time.Time) (bool, error) {
	n, err := tx.Exec(ctx, `UPDATE coordination_incident_tasks SET done_at = $3, done_by = $4
		WHERE id = $1 AND incident_id = $2 AND done_at IS NULL`, taskID, incidentID, now, by)
	return n == 1, err
}

func listLinks(ctx context.Context, q db.Querier, incidentID string) ([]Link, error) {
	return db.QueryAll(ctx, q, func(r db.Row) (Link, error) {
		var l Link
		err := r.Scan(&l.Kind, &l.Ref, &l.AddedAt)
		return l, err
	}, `SELECT kind, ref, added_at FROM coordination_incident_links WHERE incident_id = $1 ORDER BY added_at, kind, ref`, incidentID)
}

func insertLink(ctx context.Context, tx *db.Tx, incidentID string, l Link) (bool, error) {
	n, err := tx.Exec(ctx, `INSERT INTO coordination_incident_links (incident_id, kind, ref, added_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (incident_id, kind, ref) DO NOTHING`, incidentID, l.Kind, l.Ref, l.AddedAt)
	return n == 1, err
}

// stepRow is a deadline step's record.
type stepRow struct {
	key       string
	done, due *time.Time
	doneBy    string
	overdueAt *time.Time
}

func listSteps(ctx context.Context, q db.Querier, incidentID string) ([]stepRow, error) {
	return db.QueryAll(ctx, q, func(r db.Row) (stepRow, error) {
		var s stepRow
		err := r.Scan(&s.key, &s.done, &s.due, &s.doneBy, &s.overdueAt)
		return s, err
	}, `SELECT step_key, done_at, due_at, done_by, overdue_told_at FROM coordination_incident_steps WHERE incident_id = $1`, incidentID)
}

// markStep records a step done (keeping when it was due then); false
// when it was done already.
func markStep(ctx context.Context, tx *db.Tx, incidentID, key string, done time.Time, due *time.Time, by string) (bool, error) {
	n, err := tx.Exec(ctx, `INSERT INTO coordination_incident_steps (incident_id, step_key, done_at, due_at, done_by) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (incident_id, step_key) DO UPDATE SET done_at = excluded.done_at, due_at = excluded.due_at, done_by = excluded.done_by
		WHERE coordination_incident_steps.done_at IS NULL`, incidentID, key, done, due, by)
	return n == 1, err
}

// toldOverdue records that an overdue step was told of; false when
// another run did.
func toldOverdue(ctx context.Context, tx *db.Tx, incidentID, key string, due, now time.Time) (bool, error) {
	n, err := tx.Exec(ctx, `INSERT INTO coordination_incident_steps (incident_id, step_key, due_at, overdue_told_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (incident_id, step_key) DO UPDATE SET overdue_told_at = excluded.overdue_told_at
		WHERE coordination_incident_steps.overdue_told_at IS NULL AND coordination_incident_steps.done_at IS NULL`, incidentID, key, due, now)
	return n == 1, err
}

func listEvents(ctx context.Context, q db.Querier, incidentID string) ([]Event, error) {
	return db.QueryAll(ctx, q, func(r db.Row) (Event, error) {
		var e Event
		err := r.Scan(&e.ID, &e.At, &e.Kind, &e.Visibility, &e.Actor, &e.Summary)
		return e, err
	}, `SELECT id, at, kind, visibility, actor, summary FROM coordination_incident_events WHERE incident_id = $1 ORDER BY at, id`, incidentID)
}

func insertEvent(ctx context.Context, tx *db.Tx, incidentID string, e Event) error {
	if e.ID == "" {
		e.ID = db.NewID()
	}
	_, err := tx.Exec(ctx, `INSERT INTO coordination_incident_events (id, incident_id, at, kind, visibility, actor, summary)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.ID, incidentID, e.At, e.Kind, e.Visibility, e.Actor, e.Summary)
	if err != nil {
		return fmt.Errorf("incident: event: %w", err)
	}
	return nil
}

// Summary is an incident in the queue.
type Summary struct {
	ID         string `json:"id"`
	Number     string `json:"number"`
	Title      string `json:"title"`
	Class      string `json:"rsit_class"`
	Type       string `json:"rsit_type"`
	Severity   string `json:"severity"`
	TLP        string `json:"tlp"`
	Status     string `json:"status"`
	OwnerOrgID string `json:"owner_org_id"`
	OwnerOrg   string `json:"owner_org"`
	// ReporterOrg is the reporting organisation's name (a citizen's own
	// name when there is none).
	ReporterOrgID *string    `json:"reporter_org_id"`
	ReporterOrg   string     `json:"reporter_org"`
	AssigneeName  string     `json:"assignee_name"`
	ReportedAt    time.Time  `json:"reported_at"`
	NextDueAt     *time.Time `json:"next_due_at"`
	Overdue       bool       `json:"overdue"`
}

// listIncidents answers a page of the incidents the reader sees that
// match f: newest first, or (f.Sort "due") soonest deadline first; the
// cursor is the last row's sort key.
func listIncidents(ctx context.Context, q db.Querier, rd reader, f Filter, limit int, cursor string, now time.Time) ([]Summary, string, error) {
	args := db.Args{}
	where := []string{rd.reach(&args)}
	switch {
	case f.Status == "active":
		where = append(where, `i.status <> 'closed'`)
	case f.Status != "":
		where = append(where, `i.status = `+args.Add(f.Status))
	}
	if f.Severity != "" {
		where = append(where, `i.severity = `+args.Add(f.Severity))
	}
	if f.Class != "" {
		where = append(where, `i.rsit_class = `+args.Add(f.Class))
	}
	if f.OwnerID != "" {
		where = append(where, `i.owner_org_id = `+args.Add(f.OwnerID))
	}
	if f.Overdue {
		where = append(where, `i.next_due_at < `+args.Add(now))
	}
	if text := strings.TrimSpace(f.Query); text != "" {
		if up := strings.ToUpper(text); strings.HasPrefix(up, "INC-") {
			// A number, or its start: a range of the unique index.
			where = append(where, `i.number >= `+args.Add(up)+` AND i.number < `+args.Add(up+"\uffff"))
		} else {
			// Case-insensitive: SQLite's LIKE is, for ASCII (and cheaper
			// than LOWER on every row); PostgreSQL's ILIKE.
			like := "LIKE"
			if q.Engine() == db.Postgres {
				like = "ILIKE"
			}
			where = append(where, `i.title `+like+` `+args.Add("%"+db.EscapeLike(text)+"%")+` ESCAPE '\'`)
		}
	}
	order := `i.created_at DESC, i.id DESC`
	if f.Sort == "due" {
		// Soonest deadline first; those without one after, newest first.
		where = append(where, `i.next_due_at IS NOT NULL`)
		order = `i.next_due_at, i.id`
	}
	col, desc := "i.created_at", true
	if f.Sort == "due" {
		col, desc = "i.next_due_at", false
	}
	if after, err := db.Keyset(&args, cursor, col, "i.id", desc); err != nil {
		return nil, "", err
	} else if after != "" {
		where = append(where, after)
	}
	rows, err := q.Query(ctx, `SELECT i.id, i.number, i.title, i.rsit_class, i.rsit_type, i.severity, i.tlp, i.status, i.owner_org_id,
		i.reporter_org_id, i.reporter_name, i.assignee_name, i.reported_at, i.next_due_at, i.created_at
		FROM coordination_incidents i WHERE `+strings.Join(where, " AND ")+` ORDER BY `+order+` LIMIT `+args.Add(limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("incident: list: %w", err)
	}
	defer rows.Close()
	out := []Summary{}
	var created []time.Time
	for rows.Next() {
		var s Summary
		var c time.Time
		if err := rows.Scan(&s.ID, &s.Number, &s.Title, &s.Class, &s.Type, &s.Severity, &s.TLP, &s.Status, &s.OwnerOrgID,
			&s.ReporterOrgID, &s.ReporterOrg, &s.AssigneeName, &s.ReportedAt, &s.NextDueAt, &c); err != nil {
			return nil, "", err
		}
		s.Overdue = s.NextDueAt != nil && now.After(*s.NextDueAt)
		out = append(out, s)
		created = append(created, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out, created = out[:limit], created[:limit]
		last := out[limit-1]
		key := created[limit-1]
		if f.Sort == "due" {
			key = *last.NextDueAt
		}
		next = db.TimeCursor(key, last.ID)
	}
	return out, next, nil
}
