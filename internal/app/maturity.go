package app

import (
	"context"
	"net/url"

	"github.com/certhub/certhub/internal/governance/maturity"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// maturityRecords finds the records a CERT's maturity levels rest on, in
// the domains that hold them, as the server (the pages link to each
// record's own page, which applies its own access rule): publications,
// incidents and cases as the council finds them, and courses, exercises
// and periodic reports.
type maturityRecords struct{ c *Core }

// Find answers a record by kind and its ID, number or tracking ID.
func (r maturityRecords) Find(ctx context.Context, kind, ref string) (maturity.Evidence, error) {
	sys := auth.System("maturity")
	none := errs.NotFound("no %s %s", kind, ref)
	switch kind {
	case "advisory", "incident", "case":
		l, err := councilRecords(r).Find(ctx, kind, ref)
		if err != nil {
			return maturity.Evidence{}, err
		}
		return maturity.Evidence{Kind: kind, Ref: l.Ref, Label: l.Label, Title: l.Title, URL: l.URL}, nil
	case "course":
		c, err := r.c.Training.Course(ctx, sys, ref)
		if err != nil {
			return maturity.Evidence{}, notFoundAs(err, none)
		}
		return maturity.Evidence{Kind: kind, Ref: c.ID, Label: c.Topic + " · " + c.Level, Title: c.Title, URL: "/console/training/courses/" + url.PathEscape(c.ID)}, nil
	case "exercise":
		x, err := r.c.Training.ExerciseView(ctx, sys, ref)
		if err != nil {
			return maturity.Evidence{}, notFoundAs(err, none)
		}
		return maturity.Evidence{Kind: kind, Ref: x.ID, Label: x.Kind + " exercise, " + x.StartsAt.Format("2006-01-02"), Title: x.Title,
			URL: "/console/training/exercises/" + url.PathEscape(x.ID)}, nil
	case "periodic_report":
		p, err := r.c.Reporting.Get(ctx, sys, ref)
		if err != nil {
			return maturity.Evidence{}, notFoundAs(err, none)
		}
		return maturity.Evidence{Kind: kind, Ref: p.ID, Label: p.Period, Title: p.Org + " periodic report " + p.Period + " (" + p.Status + ")",
			URL: "/console/periodic-reports/" + url.PathEscape(p.ID)}, nil
	}
	return maturity.Evidence{}, none
}
