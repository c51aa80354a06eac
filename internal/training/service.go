package training

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// Orgs is what training needs of the directory.
type Orgs interface {
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error)
	Members(ctx context.Context, id *auth.Identity, orgID string) ([]auth.Member, error)
}

// Outbox sends mail in the transaction of the change it tells of.
type Outbox interface {
	Send(ctx context.Context, tx *db.Tx, m notify.Mail) error
}

// Signer clear-signs a certificate's statement with the center's key.
type Signer interface {
	ClearSign(text []byte) ([]byte, error)
}

// Options are the service's dependencies; Outbox may be nil (no mail).
type Options struct {
	DB     *db.DB
	Orgs   Orgs
	Outbox Outbox
	Signer Signer
	Now    func() time.Time
	Log    *slog.Logger
	// BaseURL is the server's public address, printed on certificates
	// and in mail; CenterName issues the certificates.
	BaseURL, CenterName string
}

// Service runs the center's training.
type Service struct {
	db                  *db.DB
	orgs                Orgs
	outbox              Outbox
	signer              Signer
	now                 func() time.Time
	log                 *slog.Logger
	baseURL, centerName string
}

// NewService makes the service.
func NewService(o Options) *Service {
	now, log := o.Now, o.Log
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: o.DB, orgs: o.Orgs, outbox: o.Outbox, signer: o.Signer, now: now, log: log,
		baseURL: strings.TrimRight(o.BaseURL, "/"), centerName: cmp.Or(o.CenterName, "The coordination center")}
}

var system = auth.System("training")

// Courses lists the courses.
func (s *Service) Courses(ctx context.Context, id *auth.Identity, f CourseFilter) ([]Course, error) {
	if err := signedIn(id); err != nil {
		return nil, err
	}
	var out []Course
	err := s.db.Read(ctx, func(q db.Querier) (err error) { out, err = listCourses(ctx, q, f); return err })
	return out, err
}

// Course answers one course.
func (s *Service) Course(ctx context.Context, id *auth.Identity, courseID string) (Course, error) {
	if err := signedIn(id); err != nil {
		return Course{}, err
	}
	var c Course
	err := s.db.Read(ctx, func(q db.Querier) (err error) { c, err = getCourse(ctx, q, courseID); return err })
	return c, err
}

// CreateCourse adds a course (staff). Audited.
func (s *Service) CreateCourse(ctx context.Context, id *auth.Identity, in CourseInput) (Course, error) {
	if err := mayKeep(id); err != nil {
		return Course{}, err
	}
	if err := in.check(); err != nil {
		return Course{}, err
	}
	now := s.now().UTC()
	c := courseOf(in)
	c.ID, c.CreatedAt, c.UpdatedAt = db.NewID(), now, now
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		if err := insertCourse(ctx, tx, c, id.Label()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "training.course.create", ObjectType: "course", ObjectID: c.ID,
			Summary: "added course " + c.Title, After: c})
	})
	return c, err
}

// UpdateCourse changes a course (staff); sessions already held keep
// what they were. Audited.
func (s *Service) UpdateCourse(ctx context.Context, id *auth.Identity, courseID string, in CourseInput) (Course, error) {
	if err := mayKeep(id); err != nil {
		return Course{}, err
	}
	if err := in.check(); err != nil {
		return Course{}, err
	}
	var c Course
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		before, err := getCourse(ctx, tx, courseID)
		if err != nil {
			return err
		}
		c = courseOf(in)
		c.ID, c.CreatedAt, c.UpdatedAt = before.ID, before.CreatedAt, s.now().UTC()
		if err := updateCourse(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, c.UpdatedAt, audit.Event{Action: "training.course.update", ObjectType: "course", ObjectID: c.ID,
			Summary: "changed course " + c.Title, Before: before, After: c})
	})
	return c, err
}

func courseOf(in CourseInput) Course {
	return Course{Title: in.Title, Topic: in.Topic, Level: in.Level, Audience: in.Audience, DurationHours: in.DurationHours,
		Description: in.Description, Materials: append([]string{}, in.Materials...), Prerequisites: in.Prerequisites, PassMark: in.PassMark,
		Retired: in.Retired}
}

// Sessions lists sessions by start.
func (s *Service) Sessions(ctx context.Context, id *auth.Identity, f SessionFilter, limit int, cursor string) ([]Session, string, error) {
	if err := signedIn(id); err != nil {
		return nil, "", err
	}
	var out []Session
	var next string
	err := s.db.Read(ctx, func(q db.Querier) (err error) { out, next, err = listSessions(ctx, q, f, limit, cursor); return err })
	return out, next, err
}

// Session answers one session.
func (s *Service) Session(ctx context.Context, id *auth.Identity, sessionID string) (Session, error) {
	if err := signedIn(id); err != nil {
		return Session{}, err
	}
	var out Session
	err := s.db.Read(ctx, func(q db.Querier) (err error) { out, err = getSession(ctx, q, sessionID); return err })
	return out, err
}

// CreateSession schedules a session of a course that is not retired
// (staff). Audited.
func (s *Service) CreateSession(ctx context.Context, id *auth.Identity, in SessionInput, loc *time.Location) (Session, error) {
	if err := mayKeep(id); err != nil {
		return Session{}, err
	}
	start, end, err := in.check(loc)
	var f errs.Fields
	if e := errs.As(err); e != nil {
		f = e.Fields
	}
	if in.Status != Scheduled && !f.Has("status") {
		f.Add("status", "a new session is scheduled")
	}
	now := s.now().UTC()
	var out Session
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		c, err := getCourse(ctx, tx, strings.TrimSpace(in.CourseID))
		switch {
		case errs.KindOf(err) == errs.KindNotFound:
			f.Add("course_id", "no such course")
		case err != nil:
			return err
		case c.Retired:
			f.Add("course_id", "the course is retired")
		}
		if err := f.Err(); err != nil {
			return err
		}
		ses := Session{ID: db.NewID(), CourseID: c.ID, StartsAt: start, EndsAt: end, Place: in.Place, Online: in.Online, Seats: in.Seats,
			Trainers: in.Trainers, Status: Scheduled, CreatedAt: now, UpdatedAt: now}
		if err := insertSession(ctx, tx, ses, id.Label()); err != nil {
			return err
		}
		if out, err = getSession(ctx, tx, ses.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "training.session.create", ObjectType: "session", ObjectID: ses.ID,
			Summary: fmt.Sprintf("scheduled %s on %s", c.Title, start.Format("2006-01-02")), After: out})
	})
	return out, err
}

// UpdateSession changes a session (staff): more seats move the waiting
// list up; fewer never unseat anyone; cancelling it cancels every live
// enrolment and tells the people. Audited.
func (s *Service) UpdateSession(ctx context.Context, id *auth.Identity, sessionID string, in SessionInput, loc *time.Location) (Session, error) {
	if err := mayKeep(id); err != nil {
		return Session{}, err
	}
	start, end, err := in.check(loc)
	var f errs.Fields
	if e := errs.As(err); e != nil {
		f = e.Fields
	}
	now := s.now().UTC()
	var out Session
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := tx.Lock(ctx, "training.session."+sessionID); err != nil {
			return err
		}
		before, err := getSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if before.Status == SessionCanceled && !f.Has("status") {
			f.Add("status", "the session was cancelled; schedule a new one")
		}
		if in.Seats < before.Taken && !f.Has("seats") {
			f.Add("seats", "%d people hold a seat: at least %d", before.Taken, before.Taken)
		}
		if err := f.Err(); err != nil {
			return err
		}
		ses := before
		ses.StartsAt, ses.EndsAt, ses.Place, ses.Online, ses.Seats, ses.Trainers, ses.Status, ses.UpdatedAt =
			start, end, in.Place, in.Online, in.Seats, in.Trainers, in.Status, now
		if err := updateSession(ctx, tx, ses); err != nil {
			return err
		}
		if ses.Status == SessionCanceled {
			if err := s.cancelAll(ctx, tx, ses, now); err != nil {
				return err
			}
		} else if err := s.fill(ctx, tx, ses.ID, now); err != nil {
			return err
		}
		if out, err = getSession(ctx, tx, ses.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "training.session.update", ObjectType: "session", ObjectID: ses.ID,
			Summary: fmt.Sprintf("changed the session of %s on %s (%s)", ses.CourseTitle, start.Format("2006-01-02"), ses.Status),
			Before:  before, After: out})
	})
	return out, err
}

// mail queues a message when there is an outbox.
func (s *Service) mail(ctx context.Context, tx *db.Tx, to []string, tag, subject, body string) error {
	if s.outbox == nil || len(to) == 0 {
		return nil
	}
	return s.outbox.Send(ctx, tx, notify.Mail{To: to, Tag: tag, Subject: subject,
		Text: body + "\n\n-- \n" + s.centerName + "\n"})
}

// WithClock is the service reading time from now (the demo enrols people
// in sessions already held).
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = now
	return &c
}
