package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/governance/maturity"
	"github.com/certhub/certhub/internal/governance/reporting"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/training"
)

// loadMaturity gives BankCERT a SIM3 history: a first self-assessment
// eight months ago, a second last month with its levels resting on the
// demo's records (a publication, a course, an exercise, its periodic
// report), and TelcoCERT's peer review of it (P-6 a step lower),
// submitted last week.
func loadMaturity(ctx context.Context, c *app.Core, ids map[string]string) error {
	now := c.Cfg.Now().UTC()
	at := func(days int) *maturity.Service {
		return c.Maturity.WithClock(func() time.Time { return now.AddDate(0, 0, days) })
	}
	as := func(email string) (*auth.Identity, error) {
		u, err := c.Auth.UserByEmail(ctx, email)
		if err != nil {
			return nil, err
		}
		return c.Auth.Identity(ctx, u.ID)
	}
	lead, err := as("lead@bank-cert.example")
	if err != nil {
		return err
	}
	telco, err := as("lead@telco-cert.example")
	if err != nil {
		return err
	}
	// base levels by group, raised a step for the parameters the team
	// worked on between the two assessments.
	first := map[string]int{"O": 2, "H": 1, "T": 2, "P": 1}
	improved := map[string]bool{"O-5": true, "O-8": true, "H-3": true, "H-4": true, "T-4": true, "P-6": true, "P-7": true, "P-11": true, "P-14": true, "P-15": true}
	rate := func(s *maturity.Service, id *auth.Identity, mid string, level func(p maturity.Parameter) int) error {
		for _, p := range maturity.Parameters {
			l := level(p)
			note := ""
			if l >= 2 {
				note = "Written down in the team's handbook (v2), section " + p.ID + "."
			}
			if _, err := s.SetLevel(ctx, id, mid, p.ID, maturity.LevelInput{Level: &l, Note: note}); err != nil {
				return fmt.Errorf("demo maturity %s: %w", p.ID, err)
			}
		}
		return nil
	}
	one, err := at(-240).Start(ctx, lead, maturity.StartInput{OrgID: ids["bankcert"]})
	if err != nil {
		return fmt.Errorf("demo maturity: %w", err)
	}
	if err := rate(at(-240), lead, one.ID, func(p maturity.Parameter) int { return first[p.Group] }); err != nil {
		return err
	}
	if _, err := at(-235).Submit(ctx, lead, one.ID, "First self-assessment: the mandate and tools are in place, processes live in people's heads."); err != nil {
		return err
	}

	two, err := at(-35).Start(ctx, lead, maturity.StartInput{OrgID: ids["bankcert"]})
	if err != nil {
		return err
	}
	if err := rate(at(-35), lead, two.ID, func(p maturity.Parameter) int {
		if improved[p.ID] {
			return min(first[p.Group]+2, 4)
		}
		return first[p.Group]
	}); err != nil {
		return err
	}
	// The records the new levels rest on.
	sys := auth.System("demo dataset")
	var links []maturity.EvidenceInput
	if pubs, _, err := c.Advisory.List(ctx, sys, advisory.Filter{Status: "published", Limit: 1}); err == nil && len(pubs) > 0 {
		links = append(links, maturity.EvidenceInput{Parameter: "P-11", Kind: "advisory", Ref: pubs[0].TrackingID})
	}
	if courses, err := c.Training.Courses(ctx, sys, training.CourseFilter{}); err == nil && len(courses) > 0 {
		links = append(links, maturity.EvidenceInput{Parameter: "H-4", Kind: "course", Ref: courses[0].ID})
	}
	if xs, _, err := c.Training.Exercises(ctx, sys, 1, ""); err == nil && len(xs) > 0 {
		links = append(links, maturity.EvidenceInput{Parameter: "P-7", Kind: "exercise", Ref: xs[0].ID})
	}
	if rs, _, err := c.Reporting.List(ctx, sys, reporting.ReportFilter{OrgID: ids["bankcert"], Status: reporting.Accepted}, 1, ""); err == nil && len(rs) > 0 {
		links = append(links, maturity.EvidenceInput{Parameter: "P-14", Kind: "periodic_report", Ref: rs[0].ID},
			maturity.EvidenceInput{Parameter: "P-15", Kind: "periodic_report", Ref: rs[0].ID})
	}
	for _, l := range links {
		if _, err := at(-34).AddEvidence(ctx, lead, two.ID, l); err != nil {
			return fmt.Errorf("demo maturity evidence %s: %w", l.Parameter, err)
		}
	}
	if _, err := at(-33).Submit(ctx, lead, two.ID, "Processes for incident handling, information handling and reporting are now written and approved."); err != nil {
		return err
	}

	review, err := at(-20).Start(ctx, lead, maturity.StartInput{OrgID: ids["bankcert"], Kind: maturity.Peer, ReviewerOrgID: ids["telcocert"]})
	if err != nil {
		return fmt.Errorf("demo peer review: %w", err)
	}
	lower := 2
	if _, err := at(-10).SetLevel(ctx, telco, review.ID, "P-6", maturity.LevelInput{Level: &lower,
		Note: "The incident process is written and used, but the head of BankCERT has not approved it yet: 2, not 3."}); err != nil {
		return err
	}
	_, err = at(-8).Submit(ctx, telco, review.ID, "Levels confirmed except P-6 (2: not approved yet). Strong reporting to the National CERT.")
	return err
}
