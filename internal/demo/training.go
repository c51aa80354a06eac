package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/actions"
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
	return loadExercises(ctx, c)
}

// loadExercises adds a banking ransomware tabletop held ten days ago,
// with its injects, outcomes, lessons and follow-up actions (one done,
// one overdue, one to come), and a telecom DDoS exercise in two weeks
// whose injects the players do not see yet.
func loadExercises(ctx context.Context, c *app.Core) error {
	sys := auth.System("demo dataset")
	now := c.Cfg.Now().UTC()
	orgs, err := c.Directory.All(ctx, sys, directory.Filter{})
	if err != nil {
		return err
	}
	byName := map[string]string{}
	for _, o := range orgs {
		byName[o.Name] = o.ID
	}
	at := func(days int) string { return now.AddDate(0, 0, days).Truncate(time.Hour).Format(time.RFC3339) }
	bank := []string{byName["Banking Sector CERT"], byName["First Example Bank"], byName["Crescent Microfinance"], byName["National CERT"]}
	tabletop, err := c.Training.CreateExercise(ctx, sys, training.ExerciseInput{Title: "Ransomware in the banking sector", Kind: training.Tabletop,
		Scenario:   "A ransomware group encrypts the core banking systems of a mid-sized bank on a Friday night and threatens to publish customer data; a second bank sees the same initial access broker in its logs.",
		Objectives: "Test the escalation from a bank to BankCERT and the National CERT within the national deadlines; test the crisis communication with customers and the regulator.",
		StartsAt:   at(-10), EndsAt: now.AddDate(0, 0, -10).Truncate(time.Hour).Add(4 * time.Hour).Format(time.RFC3339), Orgs: bank}, time.UTC)
	if err != nil {
		return fmt.Errorf("demo exercise: %w", err)
	}
	for _, in := range []training.InjectInput{
		{Minute: 0, Title: "The SOC calls at 23:10", Body: "File servers at three branches show encrypted files and a ransom note. The core banking database does not answer."},
		{Minute: 30, Title: "The leak site", Body: "The group's leak site lists the bank with a sample of 200 customer records and a 72-hour countdown."},
		{Minute: 90, Title: "A second bank", Body: "Crescent Microfinance finds logins from the same initial access broker's VPN addresses."},
	} {
		if _, err := c.Training.AddInject(ctx, sys, tabletop.ID, in); err != nil {
			return fmt.Errorf("demo inject: %w", err)
		}
	}
	for _, n := range []training.NoteInput{
		{Kind: training.Outcome, Body: "The early warning reached BankCERT in 50 minutes and the National CERT in 2 hours: inside the 24-hour deadline."},
		{Kind: training.Lesson, Body: "Nobody at the bank had the National CERT's 24×7 number at hand; the crisis contact sheet was out of date.", OrgID: byName["First Example Bank"]},
		{Kind: training.Lesson, Body: "Restoring the core banking database from offline backup has never been tested end to end.", OrgID: byName["Crescent Microfinance"]},
	} {
		if _, err := c.Training.AddNote(ctx, sys, tabletop.ID, n); err != nil {
			return fmt.Errorf("demo exercise note: %w", err)
		}
	}
	for i, in := range []actions.Input{
		{Title: "Add the National CERT's 24×7 number to the crisis contact sheet", OwnerOrgID: byName["First Example Bank"], DueOn: now.AddDate(0, 0, -3).Format("2006-01-02")},
		{Title: "Test restoring the core banking database from offline backup", OwnerOrgID: byName["Crescent Microfinance"], DueOn: now.AddDate(0, 0, -2).Format("2006-01-02")},
		{Title: "Send the banks a ransomware playbook template", OwnerOrgID: byName["Banking Sector CERT"], DueOn: now.AddDate(0, 0, 30).Format("2006-01-02")},
	} {
		a, err := c.Training.AddAction(ctx, sys, tabletop.ID, in)
		if err != nil {
			return fmt.Errorf("demo exercise action: %w", err)
		}
		if i == 0 {
			if _, err := c.Training.MoveAction(ctx, sys, tabletop.ID, a.ID, actions.Change{Status: actions.Done, Note: "Printed and pinned in the SOC."}); err != nil {
				return err
			}
		}
	}
	telco := []string{byName["Telecom Sector CERT"], byName["Karakoram Telecom"], byName["Ravi Mobile"]}
	ddos, err := c.Training.CreateExercise(ctx, sys, training.ExerciseInput{Title: "DDoS on the mobile core", Kind: training.Technical,
		Scenario: "A reflection DDoS against the operators' DNS resolvers, on the range's replica network; the operators coordinate filtering through TelcoCERT.",
		StartsAt: at(14), EndsAt: now.AddDate(0, 0, 14).Truncate(time.Hour).Add(6 * time.Hour).Format(time.RFC3339), Orgs: telco}, time.UTC)
	if err != nil {
		return fmt.Errorf("demo exercise: %w", err)
	}
	for _, in := range []training.InjectInput{
		{Minute: 15, Title: "Resolver latency", Body: "Resolver latency passes 2 seconds in the north region."},
		{Minute: 45, Title: "Upstream asks", Body: "The upstream transit provider asks for the attack's sources to filter."},
	} {
		if _, err := c.Training.AddInject(ctx, sys, ddos.ID, in); err != nil {
			return fmt.Errorf("demo inject: %w", err)
		}
	}
	return nil
}
