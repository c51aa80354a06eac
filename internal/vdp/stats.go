package vdp

import (
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/stats"
	"github.com/certhub/certhub/internal/vdp/store"
)

// Stats are the program's figures (vdp/stats) over what id may see:
// everything for staff, the reports and cases of their own CERTs for
// others, with the CERTs' names.
func (s *Service) Stats(ctx context.Context, id *auth.Identity) (stats.Figures, error) {
	if id == nil {
		return stats.Figures{}, errs.Unauthenticated("sign in first")
	}
	all := id.IsStaff() || id.IsSystem()
	var mine []string
	if !all && len(id.OrgIDs()) > 0 {
		orgs, err := s.orgs.GetMany(ctx, system, id.OrgIDs())
		if err != nil {
			return stats.Figures{}, fmt.Errorf("vdp: stats: %w", err)
		}
		for _, o := range orgs {
			if o.Kind.IsCERT() {
				mine = append(mine, o.ID)
			}
		}
	}
	if !all && len(mine) == 0 {
		return stats.Figures{}, errs.Forbidden("the figures are for CERTs and the coordination center")
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return stats.Figures{}, err
	}
	out, err := stats.Compute(ctx, s.db, all, mine, stats.Deadlines{AckHours: st.AckHours, TriageHours: st.TriageHours}, s.now())
	if err != nil {
		return stats.Figures{}, err // named by stats
	}
	ids := make([]string, 0, len(out.ByCERT))
	for _, l := range out.ByCERT {
		ids = append(ids, l.OrgID)
	}
	orgs, err := s.orgs.GetMany(ctx, system, ids)
	if err != nil {
		return stats.Figures{}, fmt.Errorf("vdp: stats: %w", err)
	}
	names := map[string]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	out.Name(names)
	return out, nil
}

// Handled counts what a CERT handled in [from, to): the reports routed to
// it and the cases it opened (the figures of its periodic report).
func (s *Service) Handled(ctx context.Context, orgID string, from, to time.Time) (reports, cases int, err error) {
	err = s.db.Read(ctx, func(q db.Querier) error {
		reports, cases, err = store.CountHandled(ctx, q, orgID, from, to)
		return err
	})
	return reports, cases, err
}
