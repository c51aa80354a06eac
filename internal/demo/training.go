package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/training"
)

// loadTraining adds two courses, each with a session already held (with
// completions, certificates and one person below the pass mark) and one
// to come: its two seats taken, someone on the waiting list and a
// request waiting for First Example Bank's approval.
func loadTraining(ctx context.Context, c *app.Core) error {
	sys := auth.System("demo dataset")
	as := func(email string) (*auth.Identity, error) {
		u, err := c.Auth.UserByEmail(ctx, email)
		if err != nil {
			return nil, err
		}
		return c.Auth.Identity(ctx, u.ID)
	}
	now := c.Cfg.Now().UTC()
	day := func(d int, hour int) string {
		t := now.AddDate(0, 0, d)
		return time.Date(t.Year(), t.Month(), t.Day(), hour, 0, 0, 0, time.UTC).Format(time.RFC3339)
	}
	seventy := 70
	handling, err := c.Training.CreateCourse(ctx, sys, training.CourseInput{Title: "Incident handling foundations", Topic: "incident_response",
		Level: "foundation", Audience: "Constituents' security and IT teams; the incident contact of every CII operator", DurationHours: 16,
		Description:   "Two days on detecting, reporting and containing incidents: the national reporting rules and their deadlines, first response, evidence to keep, working with your sectoral CERT.",
		Prerequisites: "None.", Materials: []string{"https://www.first.org/standards/frameworks/csirts/csirt_services_framework_v2.1", "Course handbook (handed out on the first day)"}})
	if err != nil {
		return fmt.Errorf("demo course: %w", err)
	}
	forensics, err := c.Training.CreateCourse(ctx, sys, training.CourseInput{Title: "Digital forensics for first responders", Topic: "digital_forensics",
		Level: "intermediate", Audience: "CERT analysts", DurationHours: 24, PassMark: &seventy,
		Description:   "Acquiring and preserving evidence from Windows and Linux hosts, memory and logs; a practical assessment on the last day.",
		Prerequisites: "Incident handling foundations, or a year of incident handling."})
	if err != nil {
		return fmt.Errorf("demo course: %w", err)
	}
	// held is a session already over: people enrolled before it began,
	// and their results recorded after it.
	held := func(course training.Course, start, days int, place string, people []string, scores map[string]*int, absent string) error {
		before := c.Training.WithClock(func() time.Time { return now.AddDate(0, 0, start-10) })
		ses, err := before.CreateSession(ctx, sys, training.SessionInput{CourseID: course.ID, StartsAt: day(start, 9), EndsAt: day(start+days-1, 17),
			Place: place, Seats: 16, Trainers: "Bilal Duty Officer, Ayesha Analyst"}, time.UTC)
		if err != nil {
			return fmt.Errorf("demo session: %w", err)
		}
		for _, email := range people {
			id, err := as(email)
			if err != nil {
				return err
			}
			e, err := before.Enrol(ctx, id, ses.ID, training.EnrolInput{})
			if err != nil {
				return fmt.Errorf("demo enrolment %s: %w", email, err)
			}
			if e.Status == training.Requested {
				if _, err := before.Decide(ctx, sys, e.ID, training.Decision{Approve: true}); err != nil {
					return err
				}
			}
			res := training.Result{Attended: email != absent, Score: scores[email]}
			if _, err := c.Training.Record(ctx, sys, e.ID, res); err != nil {
				return fmt.Errorf("demo result %s: %w", email, err)
			}
		}
		return nil
	}
	if err := held(handling, -14, 2, "National CERT training room, Islamabad",
		[]string{"ciso@firstbank.example", "soc@firstbank.example", "security@crescent-mf.example", "it@cityhospital.example", "lead@power-cert.example"},
		nil, "it@cityhospital.example"); err != nil {
		return err
	}
	if err := held(forensics, -30, 3, "PunjabCERT lab, Lahore",
		[]string{"analyst@bank-cert.example", "lead@telco-cert.example", "analyst@ncert.example"},
		map[string]*int{"analyst@bank-cert.example": ptr(85), "lead@telco-cert.example": ptr(55), "analyst@ncert.example": ptr(90)}, ""); err != nil {
		return err
	}
	next, err := c.Training.CreateSession(ctx, sys, training.SessionInput{CourseID: handling.ID, StartsAt: day(21, 9), EndsAt: day(22, 17),
		Online: true, Place: "Video conference (link sent to the enrolled)", Seats: 2, Trainers: "Sana Coordinator"}, time.UTC)
	if err != nil {
		return fmt.Errorf("demo session: %w", err)
	}
	for _, email := range []string{"security@ravi-mobile.example", "noc@karakoram-telecom.example", "scada@cpdc.example", "soc@firstbank.example"} {
		id, err := as(email)
		if err != nil {
			return err
		}
		if _, err := c.Training.Enrol(ctx, id, next.ID, training.EnrolInput{}); err != nil {
			return fmt.Errorf("demo enrolment %s: %w", email, err)
		}
	}
	if _, err := c.Training.CreateSession(ctx, sys, training.SessionInput{CourseID: forensics.ID, StartsAt: day(45, 9), EndsAt: day(47, 17),
		Place: "SindhCERT, Karachi", Seats: 12, Trainers: "Ayesha Analyst"}, time.UTC); err != nil {
		return fmt.Errorf("demo session: %w", err)
	}
	return nil
}
