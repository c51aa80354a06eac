package reporting

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Cell is one CERT's submitted or accepted report for one period, in the
// roll-up.
type Cell struct {
	ReportID string  `json:"report_id"`
	Status   string  `json:"status"`
	Figures  Figures `json:"figures"`
}

// RollupRow is one reporting CERT across the periods: Cells[i] is its
// report for Periods[i], nil when it has none.
type RollupRow struct {
	OrgID string  `json:"org_id"`
	Org   string  `json:"org"`
	Cells []*Cell `json:"cells"`
}

// Total sums a period's reports.
type Total struct {
	Period  string  `json:"period"`
	Reports int     `json:"reports"`
	Figures Figures `json:"figures"`
}

// Missing is a report due and not submitted.
type Missing struct {
	OrgID  string `json:"org_id"`
	Org    string `json:"org"`
	Period string `json:"period"`
	DueOn  string `json:"due_on"`
}

// Rollup is the National CERT's view: every CERT's figures side by side
// and over time, the totals per period, and who has not reported.
type Rollup struct {
	From    string      `json:"from"`
	To      string      `json:"to"`
	Periods []string    `json:"periods"`
	Rows    []RollupRow `json:"rows"`
	Totals  []Total     `json:"totals"`
	Missing []Missing   `json:"missing"`
}

// maxRollupMonths bounds the span of a roll-up.
const maxRollupMonths = 60

// Rollup answers the roll-up of the reports whose periods begin in
// [from, to) (reviewers): the twelve months to this one when both are
// zero. Rollup.To names the last month in it.
func (s *Service) Rollup(ctx context.Context, id *auth.Identity, from, to time.Time) (Rollup, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Rollup{}, err
	}
	if err := rd.mustReview(); err != nil {
		return Rollup{}, err
	}
	now := s.now().UTC()
	if to.IsZero() {
		to = periodOf(Monthly, now).End
	}
	if from.IsZero() {
		from = to.AddDate(0, -12, 0)
	}
	from, to = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC), time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC)
	if !to.After(from) || to.After(from.AddDate(0, maxRollupMonths, 0)) {
		return Rollup{}, errs.InvalidField("to", "after from, at most %d months after it", maxRollupMonths)
	}
	out := Rollup{From: from.Format("2006-01"), To: to.AddDate(0, -1, 0).Format("2006-01"), Periods: []string{}, Rows: []RollupRow{}, Totals: []Total{}, Missing: []Missing{}}
	type row struct {
		org, period string
		c           Cell
	}
	var rows []row
	var schedules []Schedule
	err = s.db.Read(ctx, func(q db.Querier) error {
		var err error
		if schedules, err = listSchedules(ctx, q); err != nil {
			return err
		}
		a := db.Args{from.Format("2006-01-02"), to.Format("2006-01-02")}
		if rows, err = db.QueryAll(ctx, q, func(r db.Row) (row, error) {
			var x row
			f := &x.c.Figures
			err := r.Scan(&x.org, &x.period, &x.c.ReportID, &x.c.Status, &f.Incidents, &f.IncidentsCritical, &f.IncidentsHigh, &f.IncidentsClosed,
				&f.DeadlinesDue, &f.DeadlinesMet, &f.VulnReports, &f.CasesOpened, &f.AlertsDelivered, &f.AlertsAcknowledged, &f.IndicatorsShared,
				&f.IndicatorsRouted, &f.PeopleTrained, &f.AssessmentsReported, &f.RemediationOverdue, &f.HygieneOpened, &f.HygieneFixed)
			return x, err
		}, `SELECT org_id, period, id, status, incidents, incidents_critical, incidents_high, incidents_closed, deadlines_due, deadlines_met,
			vuln_reports, cases_opened, alerts_delivered, alerts_acknowledged, indicators_shared, indicators_routed, people_trained,
			assessments_reported, remediation_overdue, hygiene_opened, hygiene_fixed
			FROM governance_reports WHERE period_start >= $1 AND period_start < $2 AND status IN ('submitted', 'accepted')
			ORDER BY period_start, org_id`, a...); err != nil {
			return fmt.Errorf("reporting: roll-up: %w", err)
		}
		// The totals are summed by the database.
		out.Totals, err = db.QueryAll(ctx, q, func(r db.Row) (Total, error) {
			var t Total
			var start string
			f := &t.Figures
			err := r.Scan(&t.Period, &start, &t.Reports, &f.Incidents, &f.IncidentsCritical, &f.IncidentsHigh, &f.IncidentsClosed, &f.DeadlinesDue,
				&f.DeadlinesMet, &f.VulnReports, &f.CasesOpened, &f.AlertsDelivered, &f.AlertsAcknowledged, &f.IndicatorsShared, &f.IndicatorsRouted,
				&f.PeopleTrained, &f.AssessmentsReported, &f.RemediationOverdue, &f.HygieneOpened, &f.HygieneFixed)
			return t, err
		}, `SELECT period, MIN(period_start), COUNT(*), SUM(incidents), SUM(incidents_critical), SUM(incidents_high), SUM(incidents_closed),
			SUM(deadlines_due), SUM(deadlines_met), SUM(vuln_reports), SUM(cases_opened), SUM(alerts_delivered), SUM(alerts_acknowledged),
			SUM(indicators_shared), SUM(indicators_routed), SUM(people_trained), SUM(assessments_reported), SUM(remediation_overdue),
			SUM(hygiene_opened), SUM(hygiene_fixed)
			FROM governance_reports WHERE period_start >= $1 AND period_start < $2 AND status IN ('submitted', 'accepted')
			GROUP BY period ORDER BY MIN(period_start), period`, a...)
		if err != nil {
			return fmt.Errorf("reporting: roll-up totals: %w", err)
		}
		return nil
	})
	if err != nil {
		return Rollup{}, err
	}
	// The periods: every period of every schedule in the span, and any
	// period reported.
	index := map[string]time.Time{}
	expected := map[string][]Period{}
	for _, sc := range schedules {
		p := periodOf(sc.Frequency, mustDate(sc.Since))
		for ; p.Start.Before(to); p = p.Next() {
			if !p.Start.Before(from) {
				index[p.Name] = p.Start
				expected[sc.OrgID] = append(expected[sc.OrgID], p)
			}
		}
	}
	for _, t := range out.Totals {
		if p, err := ParsePeriod(t.Period); err == nil {
			index[t.Period] = p.Start
		}
	}
	for name := range index {
		out.Periods = append(out.Periods, name)
	}
	slices.SortFunc(out.Periods, func(a, b string) int {
		if c := index[a].Compare(index[b]); c != 0 {
			return c
		}
		// A month before the quarter it opens.
		if qa, qb := strings.Contains(a, "Q"), strings.Contains(b, "Q"); qa != qb {
			if qa {
				return 1
			}
			return -1
		}
		return cmpString(a, b)
	})
	at := map[string]int{}
	for i, p := range out.Periods {
		at[p] = i
	}
	var ids []string
	for _, sc := range schedules {
		ids = append(ids, sc.OrgID)
	}
	for _, r := range rows {
		if !slices.Contains(ids, r.org) {
			ids = append(ids, r.org)
		}
	}
	names, err := s.names(ctx, ids)
	if err != nil {
		return Rollup{}, err
	}
	byOrg := map[string]*RollupRow{}
	for _, o := range ids {
		out.Rows = append(out.Rows, RollupRow{OrgID: o, Org: names[o], Cells: make([]*Cell, len(out.Periods))})
	}
	for i := range out.Rows {
		byOrg[out.Rows[i].OrgID] = &out.Rows[i]
	}
	done := map[[2]string]bool{}
	for _, r := range rows {
		c := r.c
		byOrg[r.org].Cells[at[r.period]] = &c
		done[[2]string{r.org, r.period}] = true
	}
	slices.SortFunc(out.Rows, func(a, b RollupRow) int { return cmpString(a.Org, b.Org) })
	for _, sc := range schedules {
		for _, p := range expected[sc.OrgID] {
			due := p.End.AddDate(0, 0, sc.DueDays)
			if now.After(due) && !done[[2]string{sc.OrgID, p.Name}] {
				out.Missing = append(out.Missing, Missing{OrgID: sc.OrgID, Org: names[sc.OrgID], Period: p.Name, DueOn: due.Format("2006-01-02")})
			}
		}
	}
	slices.SortFunc(out.Missing, func(a, b Missing) int {
		if c := cmpString(a.DueOn, b.DueOn); c != 0 {
			return c
		}
		return cmpString(a.Org, b.Org)
	})
	return out, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func mustDate(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}

// WriteCSV writes the roll-up one CERT and period a row, then who has
// not reported.
func (r Rollup) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"org_id", "org", "period", "status", "incidents", "incidents_critical", "incidents_high", "incidents_closed",
		"deadlines_due", "deadlines_met", "vulnerability_reports", "cases_opened", "alerts_delivered", "alerts_acknowledged",
		"indicators_shared", "indicators_routed", "people_trained", "assessments_reported", "remediation_overdue",
		"hygiene_findings_opened", "hygiene_findings_fixed"}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, row := range r.Rows {
		for i, c := range row.Cells {
			rec := []string{row.OrgID, directory.SafeCell(row.Org), r.Periods[i]}
			if c == nil {
				rec = append(rec, "none")
				for range head[4:] {
					rec = append(rec, "")
				}
			} else {
				f := c.Figures
				rec = append(rec, c.Status)
				for _, n := range []int{f.Incidents, f.IncidentsCritical, f.IncidentsHigh, f.IncidentsClosed, f.DeadlinesDue, f.DeadlinesMet,
					f.VulnReports, f.CasesOpened, f.AlertsDelivered, f.AlertsAcknowledged, f.IndicatorsShared, f.IndicatorsRouted, f.PeopleTrained,
					f.AssessmentsReported, f.RemediationOverdue, f.HygieneOpened, f.HygieneFixed} {
					rec = append(rec, strconv.Itoa(n))
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
