package training

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// EnrolInput asks for a place in a session for a member of an
// organisation: the caller, or (for the organisation's administrators) a
// member named by UserID.
type EnrolInput struct {
	OrgID  string `json:"org_id"`
	UserID string `json:"user_id"`
}

// Decision is an organisation's answer to an enrolment request.
type Decision struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason"`
}

// Enrol asks for a place in a session. The person must be a member of
// the organisation; an administrator of it (or the center's staff)
// approves at once, anyone else waits for them. Approved, the person
// takes a free seat or joins the waiting list. Audited; the
// organisation's administrators are told of a request.
func (s *Service) Enrol(ctx context.Context, id *auth.Identity, sessionID string, in EnrolInput) (Enrolment, error) {
	if err := signedIn(id); err != nil {
		return Enrolment{}, err
	}
	in.OrgID, in.UserID = strings.TrimSpace(in.OrgID), strings.TrimSpace(in.UserID)
	if in.OrgID == "" {
		if len(id.Memberships) != 1 {
			return Enrolment{}, errs.InvalidField("org_id", "the organisation you enrol for")
		}
		in.OrgID = id.Memberships[0].OrgID
	}
	self := in.UserID == "" || in.UserID == id.User.ID
	approver := id.IsStaff() || id.RoleIn(in.OrgID) == auth.RoleAdmin
	if self && id.RoleIn(in.OrgID) == "" {
		return Enrolment{}, errs.InvalidField("org_id", "you are not a member of this organisation")
	}
	if !self && !approver {
		return Enrolment{}, errs.Forbidden("only your organisation's administrators enrol someone else")
	}
	members, err := s.orgs.Members(ctx, system, in.OrgID)
	if err != nil {
		return Enrolment{}, err
	}
	who := id.User.ID
	if !self {
		who = in.UserID
	}
	i := slices.IndexFunc(members, func(m auth.Member) bool { return m.UserID == who && !m.Disabled })
	if i < 0 {
		return Enrolment{}, errs.InvalidField("user_id", "not an active member of this organisation")
	}
	person := members[i]
	now := s.now().UTC()
	e := Enrolment{ID: db.NewID(), SessionID: sessionID, UserID: person.UserID, OrgID: in.OrgID, Name: cmpName(person), Email: person.Email,
		Status: Requested, RequestedAt: now, UpdatedAt: now}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := tx.Lock(ctx, "training.session."+sessionID); err != nil {
			return err
		}
		ses, err := getSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if err := open(ses, now); err != nil {
			return err
		}
		var queued *time.Time
		if approver {
			e.DecidedBy, e.DecidedAt, queued = id.Label(), &now, &now
			e.Status = seatOrWait(ses)
		}
		if err := insertEnrolment(ctx, tx, e, queued); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "training.enrol", ObjectType: "enrolment", ObjectID: e.ID, OrgID: e.OrgID,
			Summary: fmt.Sprintf("%s asked for a place in %s on %s (%s)", e.Name, ses.CourseTitle, ses.StartsAt.Format("2006-01-02"), e.Status),
			After:   e}); err != nil {
			return err
		}
		if e.Status == Requested {
			var to []string
			for _, m := range members {
				if m.Role == auth.RoleAdmin && !m.Disabled {
					to = append(to, m.Email)
				}
			}
			return s.mail(ctx, tx, to, "training.request", "Approve training: "+e.Name+" for "+ses.CourseTitle,
				fmt.Sprintf("%s asks to attend %s on %s.\n\nApprove or refuse: %s/console/training/sessions/%s", e.Name, ses.CourseTitle,
					ses.StartsAt.Format("2 January 2006"), s.baseURL, ses.ID))
		}
		return s.tellSeat(ctx, tx, e, ses)
	})
	if err != nil {
		return Enrolment{}, err
	}
	return s.Enrolment(ctx, id, e.ID)
}

func cmpName(m auth.Member) string {
	if n := strings.TrimSpace(m.Name); n != "" {
		return n
	}
	return m.Email
}

// open refuses enrolment in a session that was cancelled or has begun.
func open(ses Session, now time.Time) error {
	if ses.Status == SessionCanceled {
		return errs.Conflict("the session was cancelled")
	}
	if !now.Before(ses.StartsAt) {
		return errs.Conflict("the session has begun: enrolment is closed")
	}
	return nil
}

// seatOrWait is where an approved person goes: a free seat, or the
// waiting list behind those already on it.
func seatOrWait(ses Session) string {
	if ses.WaitingCount == 0 && ses.Taken < ses.Seats {
		return Enrolled
	}
	return Waiting
}

// tellSeat tells the person where an approval put them.
func (s *Service) tellSeat(ctx context.Context, tx *db.Tx, e Enrolment, ses Session) error {
	when := ses.StartsAt.Format("2 January 2006 15:04 MST")
	where := ses.Place
	if ses.Online {
		where = "online"
	}
	switch e.Status {
	case Enrolled:
		return s.mail(ctx, tx, []string{e.Email}, "training.enrolled", "Enrolled: "+ses.CourseTitle,
			fmt.Sprintf("You have a seat in %s, %s, %s.\n\nDetails: %s/console/training/sessions/%s", ses.CourseTitle, when, where, s.baseURL, ses.ID))
	case Waiting:
		return s.mail(ctx, tx, []string{e.Email}, "training.waiting", "On the waiting list: "+ses.CourseTitle,
			fmt.Sprintf("%s on %s is full; you are on its waiting list and will be told when a seat frees.\n\nDetails: %s/console/training/sessions/%s",
				ses.CourseTitle, when, s.baseURL, ses.ID))
	}
	return nil
}

// Decide approves or refuses a request for the organisation (its
// administrators, or the center's staff). Audited; the person is told.
func (s *Service) Decide(ctx context.Context, id *auth.Identity, enrolmentID string, d Decision) (Enrolment, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Enrolment{}, err
	}
	d.Reason = strings.TrimSpace(d.Reason)
	if utf8.RuneCountInString(d.Reason) > 2000 || strings.ContainsRune(d.Reason, 0) {
		return Enrolment{}, errs.InvalidField("reason", "at most 2000 characters")
	}
	if !d.Approve && d.Reason == "" {
		return Enrolment{}, errs.InvalidField("reason", "say why, for the person asking")
	}
	now := s.now().UTC()
	err = s.change(ctx, rd, enrolmentID, func(tx *db.Tx, e *Enrolment, ses Session) error {
		if !rd.decides(*e) {
			return errs.Forbidden("only the organisation's administrators approve its staff's training")
		}
		if e.Status != Requested {
			return errs.Conflict("already decided: %s", e.Status)
		}
		e.DecidedBy, e.DecidedAt, e.Reason = id.Label(), &now, d.Reason
		if !d.Approve {
			e.Status = Refused
			if err := setStatus(ctx, tx, *e, nil); err != nil {
				return err
			}
			return s.mail(ctx, tx, []string{e.Email}, "training.refused", "Training not approved: "+ses.CourseTitle,
				fmt.Sprintf("Your organisation did not approve your place in %s on %s.\n\nReason: %s", ses.CourseTitle,
					ses.StartsAt.Format("2 January 2006"), d.Reason))
		}
		if err := open(ses, now); err != nil {
			return err
		}
		e.Status = seatOrWait(ses)
		if err := setStatus(ctx, tx, *e, &now); err != nil {
			return err
		}
		return s.tellSeat(ctx, tx, *e, ses)
	}, "training.decide", func(e Enrolment) string { return "decided " + e.Name + "'s request: " + e.Status })
	if err != nil {
		return Enrolment{}, err
	}
	return s.Enrolment(ctx, id, enrolmentID)
}

// Cancel withdraws an enrolment (the person, their organisation's
// administrators, the center's staff) before its result is recorded; a
// seat it held goes to the first on the waiting list. Audited.
func (s *Service) Cancel(ctx context.Context, id *auth.Identity, enrolmentID, reason string) (Enrolment, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Enrolment{}, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 2000 || strings.ContainsRune(reason, 0) {
		return Enrolment{}, errs.InvalidField("reason", "at most 2000 characters")
	}
	now := s.now().UTC()
	err = s.change(ctx, rd, enrolmentID, func(tx *db.Tx, e *Enrolment, ses Session) error {
		if !rd.cancels(*e) {
			return errs.Forbidden("only the person, their organisation's administrators or the center withdraw an enrolment")
		}
		if e.Status != Requested && e.Status != Waiting && e.Status != Enrolled {
			return errs.Conflict("cannot withdraw: %s", e.Status)
		}
		held := e.Status == Enrolled
		e.Status, e.Reason = Cancelled, reason
		if err := setStatus(ctx, tx, *e, nil); err != nil {
			return err
		}
		if held {
			return s.fill(ctx, tx, ses.ID, now)
		}
		return nil
	}, "training.cancel", func(e Enrolment) string { return "withdrew " + e.Name + "'s enrolment" })
	if err != nil {
		return Enrolment{}, err
	}
	return s.Enrolment(ctx, id, enrolmentID)
}

// Record records attendance and the assessment's score after the
// session has begun (staff): attended and at or above the course's pass
// mark (or attended, when it has none) completes the course and issues
// a certificate; otherwise not completed. A result not yet completed may
// be recorded again. Audited; the person is told.
func (s *Service) Record(ctx context.Context, id *auth.Identity, enrolmentID string, r Result) (Enrolment, error) {
	if err := mayKeep(id); err != nil {
		return Enrolment{}, err
	}
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Enrolment{}, err
	}
	if r.Score != nil && (*r.Score < 0 || *r.Score > 100) {
		return Enrolment{}, errs.InvalidField("score", "a score from 0 to 100")
	}
	now := s.now().UTC()
	err = s.change(ctx, rd, enrolmentID, func(tx *db.Tx, e *Enrolment, ses Session) error {
		if now.Before(ses.StartsAt) {
			return errs.Conflict("the session has not begun")
		}
		if e.Status != Enrolled && e.Status != NotCompleted {
			return errs.Conflict("results are recorded for people holding a seat, not %s", e.Status)
		}
		c, err := getCourse(ctx, tx, ses.CourseID)
		if err != nil {
			return err
		}
		if c.PassMark != nil && r.Attended && r.Score == nil {
			return errs.InvalidField("score", "the course's assessment has a pass mark of %d: the score", *c.PassMark)
		}
		attended := r.Attended
		e.Attended, e.Score = &attended, r.Score
		passed := attended && (c.PassMark == nil || (r.Score != nil && *r.Score >= *c.PassMark))
		e.Status, e.CompletedAt = NotCompleted, nil
		if passed {
			// Completed the day the session ended (or now, recorded
			// before its end).
			done := ses.EndsAt
			if done.After(now) {
				done = now
			}
			e.Status, e.CompletedAt = Completed, &done
		}
		if err := setResult(ctx, tx, *e, id.Label()); err != nil {
			return err
		}
		if !passed {
			return nil
		}
		cert, err := s.issue(ctx, tx, *e, c, *e.CompletedAt)
		if err != nil {
			return err
		}
		return s.mail(ctx, tx, []string{e.Email}, "training.completed", "Completed: "+c.Title,
			fmt.Sprintf("You completed %s. Your certificate: %s/certificates/%s/certificate.pdf\nAnyone may verify it at %s/certificates/%s",
				c.Title, s.baseURL, cert.Code, s.baseURL, cert.Code))
	}, "training.result", func(e Enrolment) string { return "recorded " + e.Name + "'s result: " + e.Status })
	if err != nil {
		return Enrolment{}, err
	}
	return s.Enrolment(ctx, id, enrolmentID)
}

// change runs fn on an enrolment the reader may read, under its
// session's lock, and audits it.
func (s *Service) change(ctx context.Context, rd reader, enrolmentID string, fn func(tx *db.Tx, e *Enrolment, ses Session) error,
	action string, summary func(Enrolment) string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		e, err := getEnrolment(ctx, tx, enrolmentID)
		if err != nil {
			return err
		}
		if !rd.reads(e) {
			return errs.NotFound("no such enrolment")
		}
		if err := tx.Lock(ctx, "training.session."+e.SessionID); err != nil {
			return err
		}
		ses, err := getSession(ctx, tx, e.SessionID)
		if err != nil {
			return err
		}
		before := e
		e.UpdatedAt = s.now().UTC()
		if err := fn(tx, &e, ses); err != nil {
			return err
		}
		return audit.Record(ctx, tx, e.UpdatedAt, audit.Event{Action: action, ObjectType: "enrolment", ObjectID: e.ID, OrgID: e.OrgID,
			Summary: summary(e), Before: before, After: e})
	})
}

// fill gives the free seats of a session to the first people waiting,
// and tells them.
func (s *Service) fill(ctx context.Context, tx *db.Tx, sessionID string, now time.Time) error {
	ses, err := getSession(ctx, tx, sessionID)
	if err != nil {
		return err
	}
	if ses.Status == SessionCanceled || !now.Before(ses.EndsAt) {
		return nil
	}
	ids, err := nextWaiting(ctx, tx, sessionID, ses.Free())
	if err != nil {
		return err
	}
	for _, eid := range ids {
		e, err := getEnrolment(ctx, tx, eid)
		if err != nil {
			return err
		}
		e.Status, e.UpdatedAt = Enrolled, now
		if err := setStatus(ctx, tx, e, nil); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "training.promote", ObjectType: "enrolment", ObjectID: e.ID, OrgID: e.OrgID,
			Summary: e.Name + " moved up from the waiting list", After: e}); err != nil {
			return err
		}
		if err := s.tellSeat(ctx, tx, e, ses); err != nil {
			return err
		}
	}
	return nil
}

// cancelAll cancels a cancelled session's live enrolments and tells the people.
func (s *Service) cancelAll(ctx context.Context, tx *db.Tx, ses Session, now time.Time) error {
	live, _, err := listEnrolments(ctx, tx, reader{staff: true}, EnrolmentFilter{SessionID: ses.ID}, maxSeats*4, "")
	if err != nil {
		return err
	}
	for _, e := range live {
		if e.Status != Requested && e.Status != Waiting && e.Status != Enrolled {
			continue
		}
		e.Status, e.Reason, e.UpdatedAt = Cancelled, "the session was cancelled", now
		if err := setStatus(ctx, tx, e, nil); err != nil {
			return err
		}
		if err := s.mail(ctx, tx, []string{e.Email}, "training.cancelled", "Cancelled: "+ses.CourseTitle,
			fmt.Sprintf("The session of %s on %s was cancelled.", ses.CourseTitle, ses.StartsAt.Format("2 January 2006"))); err != nil {
			return err
		}
	}
	return nil
}

// Enrolments lists the enrolments id may read.
func (s *Service) Enrolments(ctx context.Context, id *auth.Identity, f EnrolmentFilter, limit int, cursor string) ([]Enrolment, string, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return nil, "", errs.InvalidField("status", "one of %s", strings.Join(Statuses, ", "))
	}
	var out []Enrolment
	var next string
	err = s.db.Read(ctx, func(q db.Querier) (err error) {
		out, next, err = listEnrolments(ctx, q, rd, f, limit, cursor)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, s.name(ctx, out)
}

// Enrolment answers one enrolment id may read (404 otherwise).
func (s *Service) Enrolment(ctx context.Context, id *auth.Identity, enrolmentID string) (Enrolment, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Enrolment{}, err
	}
	var e Enrolment
	err = s.db.Read(ctx, func(q db.Querier) (err error) { e, err = getEnrolment(ctx, q, enrolmentID); return err })
	if err != nil {
		return Enrolment{}, err
	}
	if !rd.reads(e) {
		return Enrolment{}, errs.NotFound("no such enrolment")
	}
	list := []Enrolment{e}
	err = s.name(ctx, list)
	return list[0], err
}

// name fills in the organisations' names.
func (s *Service) name(ctx context.Context, list []Enrolment) error {
	var ids []string
	for _, e := range list {
		ids = append(ids, e.OrgID)
	}
	names, err := directory.Names(ctx, s.orgs, system, ids)
	if err != nil {
		return err
	}
	for i := range list {
		list[i].OrgName = names[list[i].OrgID]
	}
	return nil
}

// Decides reports whether id approves enrolments for e's organisation
// (for pages deciding which buttons to show).
func (s *Service) Decides(ctx context.Context, id *auth.Identity, e Enrolment) bool {
	rd, err := s.readerOf(ctx, id)
	return err == nil && rd.decides(e)
}

// Cancels reports whether id may withdraw e.
func (s *Service) Cancels(ctx context.Context, id *auth.Identity, e Enrolment) bool {
	rd, err := s.readerOf(ctx, id)
	return err == nil && rd.cancels(e)
}
