package assessment

import (
	"context"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
)

// Due answers the assessments the caller reads whose re-assessment falls
// due within ahead and is not opened yet.
func (s *Service) Due(ctx context.Context, id *auth.Identity, ahead time.Duration) ([]Assessment, error) {
	rd, err := readerOf(id)
	if err != nil {
		return nil, err
	}
	day := actions.Today(s.now().Add(ahead))
	var list []Assessment
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { list, err = dueForReassessment(ctx, q, rd, day, s.now()); return err }); err != nil {
		return nil, err
	}
	return list, s.names(ctx, list)
}

// Maturity rolls a baseline up by sector and control family: the latest
// reported assessment of each organisation the caller reads (staff: all).
func (s *Service) Maturity(ctx context.Context, id *auth.Identity, key string) (Maturity, error) {
	rd, err := readerOf(id)
	if err != nil {
		return Maturity{}, err
	}
	b, err := s.baseline(ctx, key, 0)
	if err != nil {
		return Maturity{}, err
	}
	m := Maturity{Baseline: b.Baseline, Families: b.Families()}
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { m.Rows, err = maturity(ctx, q, rd, b.Baseline); return err }); err != nil {
		return Maturity{}, err
	}
	for _, r := range m.Rows {
		if !slices.Contains(m.Families, r.Family) {
			m.Families = append(m.Families, r.Family) // from an earlier version
		}
		if !slices.Contains(m.Sectors, r.Sector) {
			m.Sectors = append(m.Sectors, r.Sector)
		}
	}
	if m.Sectors == nil {
		m.Sectors = []string{}
	}
	return m, nil
}

// Figures counts, for a CERT's periodic report, the assessments of its
// constituents (or by it) reported in [from, to) and the remediation
// actions of its constituents' assessments overdue at to (open then).
func (s *Service) Figures(ctx context.Context, certID string, from, to time.Time) (reportedN, overdue int, err error) {
	err = s.db.Read(ctx, func(q db.Querier) error {
		reportedN, overdue, err = figures(ctx, q, certID, from, to)
		return err
	})
	return reportedN, overdue, err
}
