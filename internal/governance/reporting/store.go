package reporting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The SQL of periodic reporting: governance_report* tables only.

func listSchedules(ctx context.Context, q db.Querier) ([]Schedule, error) {
	out, err := db.QueryAll(ctx, q, func(r db.Row) (Schedule, error) {
		var s Schedule
		return s, r.Scan(&s.OrgID, &s.Frequency, &s.DueDays, &s.Since, &s.CreatedAt, &s.UpdatedAt)
	}, `SELECT org_id, frequency, due_days, since, created_at, updated_at FROM governance_report_schedules ORDER BY org_id`)
	if err != nil {
		return nil, fmt.Errorf("reporting: schedules: %w", err)
	}
	return out, nil
}

func putSchedule(ctx context.Context, tx *db.Tx, orgID string, in ScheduleInput, since string, by string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO governance_report_schedules (org_id, frequency, due_days, since, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (org_id) DO UPDATE SET frequency = excluded.frequency, due_days = excluded.due_days,
		since = excluded.since, updated_at = excluded.updated_at`, orgID, in.Frequency, in.DueDays, since, by, now)
	if err != nil {
		return fmt.Errorf("reporting: schedule: %w", err)
	}
	return nil
}

const reportCols = `id, org_id, period, period_start, period_end, status, incidents, incidents_critical, incidents_high, incidents_closed,
	deadlines_due, deadlines_met, vuln_reports, cases_opened, alerts_delivered, alerts_acknowledged, indicators_shared, indicators_routed,
	people_trained, assessments_reported, remediation_overdue, hygiene_opened, hygiene_fixed, by_class, summary, highlights, challenges, plans, assembled_at, submitted_at, submitted_by, reviewed_at, reviewed_by,
	review_note, created_at, updated_at`

func scanReport(r db.Row) (Report, error) {
	var x Report
	var byClass string
	f := &x.Figures
	err := r.Scan(&x.ID, &x.OrgID, &x.Period, &x.PeriodStart, &x.PeriodEnd, &x.Status, &f.Incidents, &f.IncidentsCritical, &f.IncidentsHigh,
		&f.IncidentsClosed, &f.DeadlinesDue, &f.DeadlinesMet, &f.VulnReports, &f.CasesOpened, &f.AlertsDelivered, &f.AlertsAcknowledged,
		&f.IndicatorsShared, &f.IndicatorsRouted, &f.PeopleTrained, &f.AssessmentsReported, &f.RemediationOverdue, &f.HygieneOpened, &f.HygieneFixed, &byClass, &x.Summary, &x.Highlights, &x.Challenges, &x.Plans,
		&x.AssembledAt, &x.SubmittedAt, &x.SubmittedBy, &x.ReviewedAt, &x.ReviewedBy, &x.ReviewNote, &x.CreatedAt, &x.UpdatedAt)
	if err != nil {
		return Report{}, err
	}
	f.ByClass = []Count{}
	if err := json.Unmarshal([]byte(byClass), &f.ByClass); err != nil {
		return Report{}, fmt.Errorf("reporting: by class: %w", err)
	}
	x.OnTimePercent = f.OnTime()
	return x, nil
}

func getReport(ctx context.Context, q db.Querier, id string) (Report, error) {
	x, err := scanReport(q.QueryRow(ctx, `SELECT `+reportCols+` FROM governance_reports WHERE id = $1`, id))
	if errors.Is(err, db.ErrNoRows) {
		return Report{}, errs.NotFound("no such report")
	}
	if err != nil {
		return Report{}, fmt.Errorf("reporting: report: %w", err)
	}
	return x, nil
}

// reportOf answers the report of an organisation for a period (ok false
// when there is none).
func reportOf(ctx context.Context, q db.Querier, orgID, period string) (Report, bool, error) {
	x, err := scanReport(q.QueryRow(ctx, `SELECT `+reportCols+` FROM governance_reports WHERE org_id = $1 AND period = $2`, orgID, period))
	if errors.Is(err, db.ErrNoRows) {
		return Report{}, false, nil
	}
	if err != nil {
		return Report{}, false, fmt.Errorf("reporting: report: %w", err)
	}
	return x, true, nil
}

func insertReport(ctx context.Context, tx *db.Tx, x Report) error {
	byClass, _ := json.Marshal(x.Figures.ByClass)
	f := x.Figures
	_, err := tx.Exec(ctx, `INSERT INTO governance_reports (id, org_id, period, period_start, period_end, status, incidents, incidents_critical,
		incidents_high, incidents_closed, deadlines_due, deadlines_met, vuln_reports, cases_opened, alerts_delivered, alerts_acknowledged,
		indicators_shared, indicators_routed, people_trained, assessments_reported, remediation_overdue, by_class, assembled_at, created_at, updated_at,
		hygiene_opened, hygiene_fixed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $24, $25, $26)`,
		x.ID, x.OrgID, x.Period, x.PeriodStart, x.PeriodEnd, x.Status, f.Incidents, f.IncidentsCritical, f.IncidentsHigh, f.IncidentsClosed,
		f.DeadlinesDue, f.DeadlinesMet, f.VulnReports, f.CasesOpened, f.AlertsDelivered, f.AlertsAcknowledged, f.IndicatorsShared,
		f.IndicatorsRouted, f.PeopleTrained, f.AssessmentsReported, f.RemediationOverdue, string(byClass), x.AssembledAt, x.CreatedAt,
		f.HygieneOpened, f.HygieneFixed)
	if db.IsUniqueViolation(err) {
		return errs.Conflict("%s has a report for %s already", x.OrgID, x.Period)
	}
	if err != nil {
		return fmt.Errorf("reporting: insert report: %w", err)
	}
	return nil
}

func setFigures(ctx context.Context, tx *db.Tx, id string, f Figures, at time.Time) error {
	byClass, _ := json.Marshal(f.ByClass)
	_, err := tx.Exec(ctx, `UPDATE governance_reports SET incidents = $2, incidents_critical = $3, incidents_high = $4, incidents_closed = $5,
		deadlines_due = $6, deadlines_met = $7, vuln_reports = $8, cases_opened = $9, alerts_delivered = $10, alerts_acknowledged = $11,
		indicators_shared = $12, indicators_routed = $13, people_trained = $14, by_class = $15, assembled_at = $16, updated_at = $16,
		assessments_reported = $17, remediation_overdue = $18, hygiene_opened = $19, hygiene_fixed = $20 WHERE id = $1`,
		id, f.Incidents, f.IncidentsCritical, f.IncidentsHigh, f.IncidentsClosed, f.DeadlinesDue, f.DeadlinesMet, f.VulnReports, f.CasesOpened,
		f.AlertsDelivered, f.AlertsAcknowledged, f.IndicatorsShared, f.IndicatorsRouted, f.PeopleTrained, string(byClass), at,
		f.AssessmentsReported, f.RemediationOverdue, f.HygieneOpened, f.HygieneFixed)
	if err != nil {
		return fmt.Errorf("reporting: figures: %w", err)
	}
	return nil
}

// ReportFilter narrows a list of reports.
type ReportFilter struct {
	OrgID, Period, Status string
}

func listReports(ctx context.Context, q db.Querier, orgs []string, f ReportFilter, limit int, cursor string) ([]Report, string, error) {
	var a db.Args
	where := "1 = 1"
	if orgs != nil {
		if len(orgs) == 0 {
			return []Report{}, "", nil
		}
		where = "org_id IN (" + db.In(&a, orgs) + ")"
	}
	if f.OrgID != "" {
		where += " AND org_id = " + a.Add(f.OrgID)
	}
	if f.Period != "" {
		where += " AND period = " + a.Add(f.Period)
	}
	if f.Status != "" {
		where += " AND status = " + a.Add(f.Status)
	}
	after, err := db.Keyset(&a, cursor, "created_at", "id", true)
	if err != nil {
		return nil, "", err
	}
	if after != "" {
		where += " AND " + after
	}
	out, err := db.QueryAll(ctx, q, scanReport, `SELECT `+reportCols+` FROM governance_reports WHERE `+where+
		` ORDER BY created_at DESC, id DESC LIMIT `+a.Add(limit+1), a...)
	if err != nil {
		return nil, "", fmt.Errorf("reporting: reports: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = db.TimeCursor(out[limit-1].CreatedAt, out[limit-1].ID)
	}
	return out, next, nil
}
