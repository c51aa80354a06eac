package training

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The SQL of training: its own tables only.

const courseCols = `id, title, topic, level, audience, duration_hours, description, materials, prerequisites, pass_mark, retired, created_at, updated_at`

func scanCourse(r db.Row) (Course, error) {
	var c Course
	var mats string
	if err := r.Scan(&c.ID, &c.Title, &c.Topic, &c.Level, &c.Audience, &c.DurationHours, &c.Description, &mats, &c.Prerequisites,
		&c.PassMark, &c.Retired, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return Course{}, err
	}
	c.Materials = []string{}
	for _, m := range strings.Split(mats, "\n") {
		if m != "" {
			c.Materials = append(c.Materials, m)
		}
	}
	return c, nil
}

func insertCourse(ctx context.Context, tx *db.Tx, c Course, by string) error {
	_, err := tx.Exec(ctx, `INSERT INTO training_courses (`+courseCols+`, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		c.ID, c.Title, c.Topic, c.Level, c.Audience, c.DurationHours, c.Description, strings.Join(c.Materials, "\n"), c.Prerequisites,
		c.PassMark, c.Retired, c.CreatedAt, c.UpdatedAt, by)
	if err != nil {
		return fmt.Errorf("training: insert course: %w", err)
	}
	return nil
}

func updateCourse(ctx context.Context, tx *db.Tx, c Course) error {
	_, err := tx.Exec(ctx, `UPDATE training_courses SET title = $2, topic = $3, level = $4, audience = $5, duration_hours = $6,
		description = $7, materials = $8, prerequisites = $9, pass_mark = $10, retired = $11, updated_at = $12 WHERE id = $1`,
		c.ID, c.Title, c.Topic, c.Level, c.Audience, c.DurationHours, c.Description, strings.Join(c.Materials, "\n"), c.Prerequisites,
		c.PassMark, c.Retired, c.UpdatedAt)
	if err != nil {
		return fmt.Errorf("training: update course: %w", err)
	}
	return nil
}

func getCourse(ctx context.Context, q db.Querier, id string) (Course, error) {
	c, err := scanCourse(q.QueryRow(ctx, `SELECT `+courseCols+` FROM training_courses WHERE id = $1`, id))
	if errors.Is(err, db.ErrNoRows) {
		return Course{}, errs.NotFound("no such course")
	}
	if err != nil {
		return Course{}, fmt.Errorf("training: course: %w", err)
	}
	return c, nil
}

// CourseFilter narrows the list of courses.
type CourseFilter struct {
	Topic, Level string
	Retired      bool // include retired courses
}

func listCourses(ctx context.Context, q db.Querier, f CourseFilter) ([]Course, error) {
	var a db.Args
	where := []string{"1 = 1"}
	if f.Topic != "" {
		where = append(where, "topic = "+a.Add(f.Topic))
	}
	if f.Level != "" {
		where = append(where, "level = "+a.Add(f.Level))
	}
	if !f.Retired {
		where = append(where, "NOT retired")
	}
	out, err := db.QueryAll(ctx, q, scanCourse, `SELECT `+courseCols+` FROM training_courses WHERE `+strings.Join(where, " AND ")+
		` ORDER BY title, id`, a...)
	if err != nil {
		return nil, fmt.Errorf("training: courses: %w", err)
	}
	return out, nil
}

// seatHeld are the statuses that hold a seat.
const seatHeld = `('enrolled', 'completed', 'not_completed')`

const sessionCols = `s.id, s.course_id, c.title, c.topic, c.level, s.starts_at, s.ends_at, s.place, s.online, s.seats, s.trainers, s.status,
	(SELECT COUNT(*) FROM training_enrolments e WHERE e.session_id = s.id AND e.status IN ` + seatHeld + `),
	(SELECT COUNT(*) FROM training_enrolments e WHERE e.session_id = s.id AND e.status = 'waiting'),
	s.created_at, s.updated_at`

func scanSession(r db.Row) (Session, error) {
	var s Session
	err := r.Scan(&s.ID, &s.CourseID, &s.CourseTitle, &s.Topic, &s.Level, &s.StartsAt, &s.EndsAt, &s.Place, &s.Online, &s.Seats, &s.Trainers,
		&s.Status, &s.Taken, &s.WaitingCount, &s.CreatedAt, &s.UpdatedAt)
	return s, err
}

func insertSession(ctx context.Context, tx *db.Tx, s Session, by string) error {
	_, err := tx.Exec(ctx, `INSERT INTO training_sessions (id, course_id, starts_at, ends_at, place, online, seats, trainers, status,
		created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		s.ID, s.CourseID, s.StartsAt, s.EndsAt, s.Place, s.Online, s.Seats, s.Trainers, s.Status, by, s.CreatedAt, s.UpdatedAt)
	if err != nil {
		return fmt.Errorf("training: insert session: %w", err)
	}
	return nil
}

func updateSession(ctx context.Context, tx *db.Tx, s Session) error {
	_, err := tx.Exec(ctx, `UPDATE training_sessions SET starts_at = $2, ends_at = $3, place = $4, online = $5, seats = $6, trainers = $7,
		status = $8, updated_at = $9 WHERE id = $1`, s.ID, s.StartsAt, s.EndsAt, s.Place, s.Online, s.Seats, s.Trainers, s.Status, s.UpdatedAt)
	if err != nil {
		return fmt.Errorf("training: update session: %w", err)
	}
	return nil
}

func getSession(ctx context.Context, q db.Querier, id string) (Session, error) {
	s, err := scanSession(q.QueryRow(ctx, `SELECT `+sessionCols+` FROM training_sessions s JOIN training_courses c ON c.id = s.course_id
		WHERE s.id = $1`, id))
	if errors.Is(err, db.ErrNoRows) {
		return Session{}, errs.NotFound("no such session")
	}
	if err != nil {
		return Session{}, fmt.Errorf("training: session: %w", err)
	}
	return s, nil
}

// SessionFilter narrows the list of sessions.
type SessionFilter struct {
	CourseID string
	// From lists sessions ending at or after it (zero: all).
	From  time.Time
	Topic string
}

// listSessions answers sessions by start, then ID; cursor is the last
// row's.
func listSessions(ctx context.Context, q db.Querier, f SessionFilter, limit int, cursor string) ([]Session, string, error) {
	var a db.Args
	where := []string{"1 = 1"}
	if f.CourseID != "" {
		where = append(where, "s.course_id = "+a.Add(f.CourseID))
	}
	if !f.From.IsZero() {
		where = append(where, "s.ends_at >= "+a.Add(f.From))
	}
	if f.Topic != "" {
		where = append(where, "c.topic = "+a.Add(f.Topic))
	}
	if after, err := db.Keyset(&a, cursor, "s.starts_at", "s.id", false); err != nil {
		return nil, "", err
	} else if after != "" {
		where = append(where, after)
	}
	out, err := db.QueryAll(ctx, q, scanSession, `SELECT `+sessionCols+` FROM training_sessions s JOIN training_courses c ON c.id = s.course_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY s.starts_at, s.id LIMIT `+a.Add(limit+1), a...)
	if err != nil {
		return nil, "", fmt.Errorf("training: sessions: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[len(out)-1]
		next = db.TimeCursor(last.StartsAt, last.ID)
	}
	return out, next, nil
}

const enrolmentCols = `e.id, e.session_id, s.course_id, c.title, s.starts_at, e.user_id, e.org_id, e.name, e.email, e.status, e.requested_at,
	e.decided_by, e.decided_at, e.reason, e.attended, e.score, e.completed_at, COALESCE(t.code, ''), e.updated_at,
	CASE WHEN e.status = 'waiting' THEN (SELECT COUNT(*) FROM training_enrolments w WHERE w.session_id = e.session_id AND w.status = 'waiting'
		AND (w.queued_at < e.queued_at OR (w.queued_at = e.queued_at AND w.id <= e.id))) ELSE 0 END`

const enrolmentFrom = ` FROM training_enrolments e JOIN training_sessions s ON s.id = e.session_id JOIN training_courses c ON c.id = s.course_id
	LEFT JOIN training_certificates t ON t.enrolment_id = e.id`

func scanEnrolment(r db.Row) (Enrolment, error) {
	var e Enrolment
	err := r.Scan(&e.ID, &e.SessionID, &e.CourseID, &e.CourseTitle, &e.StartsAt, &e.UserID, &e.OrgID, &e.Name, &e.Email, &e.Status,
		&e.RequestedAt, &e.DecidedBy, &e.DecidedAt, &e.Reason, &e.Attended, &e.Score, &e.CompletedAt, &e.Certificate, &e.UpdatedAt, &e.Position)
	return e, err
}

func insertEnrolment(ctx context.Context, tx *db.Tx, e Enrolment, queuedAt *time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO training_enrolments (id, session_id, user_id, org_id, name, email, status, requested_at, decided_by,
		decided_at, queued_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.ID, e.SessionID, e.UserID, e.OrgID, e.Name, e.Email, e.Status, e.RequestedAt, e.DecidedBy, e.DecidedAt, queuedAt, e.UpdatedAt)
	if db.IsUniqueViolation(err) {
		return errs.Conflict("already enrolled in this session (or asked to be)")
	}
	if err != nil {
		return fmt.Errorf("training: enrol: %w", err)
	}
	return nil
}

func getEnrolment(ctx context.Context, q db.Querier, id string) (Enrolment, error) {
	e, err := scanEnrolment(q.QueryRow(ctx, `SELECT `+enrolmentCols+enrolmentFrom+` WHERE e.id = $1`, id))
	if errors.Is(err, db.ErrNoRows) {
		return Enrolment{}, errs.NotFound("no such enrolment")
	}
	if err != nil {
		return Enrolment{}, fmt.Errorf("training: enrolment: %w", err)
	}
	return e, nil
}

// EnrolmentFilter narrows a list of enrolments.
type EnrolmentFilter struct {
	SessionID, OrgID, Status, UserID string
}

// listEnrolments answers the enrolments rd may read, newest request
// first.
func listEnrolments(ctx context.Context, q db.Querier, rd reader, f EnrolmentFilter, limit int, cursor string) ([]Enrolment, string, error) {
	var a db.Args
	where := []string{rd.where(&a)}
	if f.SessionID != "" {
		where = append(where, "e.session_id = "+a.Add(f.SessionID))
	}
	if f.OrgID != "" {
		where = append(where, "e.org_id = "+a.Add(f.OrgID))
	}
	if f.UserID != "" {
		where = append(where, "e.user_id = "+a.Add(f.UserID))
	}
	if f.Status != "" {
		where = append(where, "e.status = "+a.Add(f.Status))
	}
	if after, err := db.Keyset(&a, cursor, "e.requested_at", "e.id", true); err != nil {
		return nil, "", err
	} else if after != "" {
		where = append(where, after)
	}
	out, err := db.QueryAll(ctx, q, scanEnrolment, `SELECT `+enrolmentCols+enrolmentFrom+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY e.requested_at DESC, e.id DESC LIMIT `+a.Add(limit+1), a...)
	if err != nil {
		return nil, "", fmt.Errorf("training: enrolments: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[len(out)-1]
		next = db.TimeCursor(last.RequestedAt, last.ID)
	}
	return out, next, nil
}

// setStatus moves an enrolment on.
func setStatus(ctx context.Context, tx *db.Tx, e Enrolment, queuedAt *time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE training_enrolments SET status = $2, decided_by = $3, decided_at = $4, reason = $5, attended = $6,
		score = $7, completed_at = $8, updated_at = $9, queued_at = COALESCE($10, queued_at) WHERE id = $1`,
		e.ID, e.Status, e.DecidedBy, e.DecidedAt, e.Reason, e.Attended, e.Score, e.CompletedAt, e.UpdatedAt, queuedAt)
	if err != nil {
		return fmt.Errorf("training: enrolment %s: %w", e.ID, err)
	}
	return nil
}

// setResult records attendance and score.
func setResult(ctx context.Context, tx *db.Tx, e Enrolment, by string) error {
	_, err := tx.Exec(ctx, `UPDATE training_enrolments SET status = $2, attended = $3, score = $4, completed_at = $5, result_by = $6,
		updated_at = $7 WHERE id = $1`, e.ID, e.Status, e.Attended, e.Score, e.CompletedAt, by, e.UpdatedAt)
	if err != nil {
		return fmt.Errorf("training: result %s: %w", e.ID, err)
	}
	return nil
}

// nextWaiting answers the IDs of the first n people waiting for a seat.
func nextWaiting(ctx context.Context, q db.Querier, sessionID string, n int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	return db.QueryAll(ctx, q, func(r db.Row) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT id FROM training_enrolments WHERE session_id = $1 AND status = 'waiting' ORDER BY queued_at, id LIMIT $2`, sessionID, n)
}

func insertCertificate(ctx context.Context, tx *db.Tx, enrolmentID string, c Certificate, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO training_certificates (code, enrolment_id, holder_name, course_title, completed_on, signed, issued_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.Code, enrolmentID, c.HolderName, c.CourseTitle, c.CompletedOn, c.Signed, at)
	if err != nil {
		return fmt.Errorf("training: certificate: %w", err)
	}
	return nil
}

func getCertificate(ctx context.Context, q db.Querier, code string) (Certificate, string, error) {
	var c Certificate
	var enrolment string
	err := q.QueryRow(ctx, `SELECT code, enrolment_id, holder_name, course_title, completed_on, signed, revoked_at, revoked_reason
		FROM training_certificates WHERE code = $1`, code).Scan(&c.Code, &enrolment, &c.HolderName, &c.CourseTitle, &c.CompletedOn, &c.Signed,
		&c.RevokedAt, &c.Revoked)
	if errors.Is(err, db.ErrNoRows) {
		return Certificate{}, "", errs.NotFound("no certificate has this code")
	}
	if err != nil {
		return Certificate{}, "", fmt.Errorf("training: certificate: %w", err)
	}
	c.Valid = c.RevokedAt == nil
	return c, enrolment, nil
}

func revokeCertificate(ctx context.Context, tx *db.Tx, code, reason string, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE training_certificates SET revoked_at = $2, revoked_reason = $3 WHERE code = $1 AND revoked_at IS NULL`, code, at, reason)
	if err != nil {
		return fmt.Errorf("training: revoke certificate: %w", err)
	}
	return nil
}
