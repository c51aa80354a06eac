package vdp

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Stats are the program's figures for the dashboard and the API.
type Stats struct {
	Reports       map[ReportStatus]int `json:"reports_by_status"`
	Cases         map[CaseStatus]int   `json:"cases_by_status"`
	ByCERT        []CERTLoad           `json:"by_cert"`
	AckOverdue    int                  `json:"ack_overdue"`
	TriageOverdue int                  `json:"triage_overdue"`
	// Medians in hours, nil when there is nothing to measure yet.
	MedianAcknowledge *float64 `json:"median_hours_to_acknowledge"`
	MedianTriage      *float64 `json:"median_hours_to_triage"`
	MedianFix         *float64 `json:"median_hours_to_fix"`
	MedianPublish     *float64 `json:"median_hours_to_publish"`
}

// CERTLoad is what one responsible CERT has on its desk.
type CERTLoad struct {
	OrgID       string `json:"org_id"`
	OrgName     string `json:"org_name"`
	OpenReports int    `json:"open_reports"`
	ActiveCases int    `json:"active_cases"`
	Overdue     int    `json:"overdue"`
}

// Stats computes the figures over what id may see: everything for staff,
// the reports and cases of their own CERTs for others.
func (s *Service) Stats(ctx context.Context, id *auth.Identity) (Stats, error) {
	if id == nil {
		return Stats{}, errs.Unauthenticated("sign in first")
	}
	all := id.IsStaff() || id.IsSystem()
	mine := id.OrgIDs()
	if !all && len(mine) == 0 {
		return Stats{}, errs.Forbidden("the figures are for CERTs and the coordination center")
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return Stats{}, err
	}
	now := s.now()
	out := Stats{Reports: map[ReportStatus]int{}, Cases: map[CaseStatus]int{}}
	loads := map[string]*CERTLoad{}
	load := func(org, name string) *CERTLoad {
		if loads[org] == nil {
			loads[org] = &CERTLoad{OrgID: org, OrgName: name}
		}
		return loads[org]
	}
	var ack, triage, fix, publish []float64
	err = s.db.Read(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT `+qualify("r", reportColumns)+`, COALESCE(o.name, '') FROM vdp_reports r
			LEFT JOIN orgs o ON o.id = r.assigned_org_id`)
		if err != nil {
			return fmt.Errorf("vdp: stats: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var orgName string
			r, err := scanReportWith(rows, &orgName)
			if err != nil {
				return err
			}
			if !all && (r.AssignedOrgID == nil || !slices.Contains(mine, *r.AssignedOrgID)) {
				continue
			}
			out.Reports[r.Status]++
			clock := st.Clock(r, now)
			var l *CERTLoad
			if r.AssignedOrgID != nil {
				l = load(*r.AssignedOrgID, orgName)
				if r.Status.Open() {
					l.OpenReports++
				}
			}
			if clock.AckOverdue || clock.TriageOverdue {
				if clock.AckOverdue {
					out.AckOverdue++
				}
				if clock.TriageOverdue {
					out.TriageOverdue++
				}
				if l != nil {
					l.Overdue++
				}
			}
			if r.AcknowledgedAt != nil {
				ack = append(ack, r.AcknowledgedAt.Sub(r.ReceivedAt).Hours())
			}
			if r.TriagedAt != nil {
				triage = append(triage, r.TriagedAt.Sub(r.ReceivedAt).Hours()-float64(r.PausedSeconds)/3600)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		crows, err := q.Query(ctx, `SELECT c.owner_org_id, o.name, c.status, c.created_at, c.fix_ready_at, c.disclosed_at
			FROM vdp_cases c JOIN orgs o ON o.id = c.owner_org_id`)
		if err != nil {
			return fmt.Errorf("vdp: stats: %w", err)
		}
		defer crows.Close()
		for crows.Next() {
			var org, name string
			var status CaseStatus
			var created time.Time
			var fixed, disclosed *time.Time
			if err := crows.Scan(&org, &name, &status, &created, &fixed, &disclosed); err != nil {
				return err
			}
			if !all && !slices.Contains(mine, org) {
				continue
			}
			out.Cases[status]++
			if status == CaseOpen || status == CaseCoordinating || status == CaseRemediation {
				load(org, name).ActiveCases++
			}
			if fixed != nil {
				fix = append(fix, fixed.Sub(created).Hours())
			}
			if disclosed != nil {
				publish = append(publish, disclosed.Sub(created).Hours())
			}
		}
		return crows.Err()
	})
	for _, l := range loads {
		out.ByCERT = append(out.ByCERT, *l)
	}
	slices.SortFunc(out.ByCERT, func(a, b CERTLoad) int {
		if a.OpenReports+a.ActiveCases != b.OpenReports+b.ActiveCases {
			return (b.OpenReports + b.ActiveCases) - (a.OpenReports + a.ActiveCases)
		}
		if a.OrgName < b.OrgName {
			return -1
		}
		return 1
	})
	out.MedianAcknowledge, out.MedianTriage, out.MedianFix, out.MedianPublish = median(ack), median(triage), median(fix), median(publish)
	return out, err
}

// median of hours, rounded to a tenth.
func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	slices.Sort(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	m = float64(int64(m*10+0.5)) / 10
	return &m
}
