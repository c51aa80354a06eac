package assessment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// columns are an assessment's, read over governance_assessments a with its
// progress, score and plan counted in SQL ($1 is today).
const columns = `a.id, a.number, a.org_id, a.sector, a.cert_org_id, a.assessor_org_id, a.baseline, a.baseline_version, a.scope, a.state,
	a.starts_on, a.summary, a.reassess_months, a.next_due_on, a.followed_by, a.reported_at, a.closed_at, a.created_by, a.created_at, a.updated_at,
	(SELECT COUNT(*) FROM governance_controls c WHERE c.baseline = a.baseline AND c.version = a.baseline_version),
	(SELECT COUNT(*) FROM governance_assessment_results r WHERE r.assessment_id = a.id),
	(SELECT COALESCE(SUM(CASE r.verdict WHEN 'met' THEN 1.0 WHEN 'partial' THEN 0.5 ELSE 0.0 END), 0) FROM governance_assessment_results r
		WHERE r.assessment_id = a.id AND r.verdict <> 'not_applicable'),
	(SELECT COUNT(*) FROM governance_assessment_results r WHERE r.assessment_id = a.id AND r.verdict <> 'not_applicable'),
	(SELECT COUNT(*) FROM governance_assessment_actions p WHERE p.parent_id = a.id AND p.status = 'open'),
	(SELECT COUNT(*) FROM governance_assessment_actions p WHERE p.parent_id = a.id AND p.status = 'open' AND p.due_on <> '' AND p.due_on < $1)`

func scanAssessment(row db.Row) (Assessment, error) {
	var a Assessment
	var points float64
	var applicable int
	err := row.Scan(&a.ID, &a.Number, &a.OrgID, &a.Sector, &a.CERTOrgID, &a.AssessorOrgID, &a.Baseline, &a.BaselineVersion, &a.Scope, &a.State,
		&a.StartsOn, &a.Summary, &a.ReassessMonths, &a.NextDueOn, &a.FollowedBy, &a.ReportedAt, &a.ClosedAt, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt,
		&a.Controls, &a.Assessed, &points, &applicable, &a.OpenActions, &a.OverdueActions)
	if applicable > 0 {
		a.Score = float64(int(points/float64(applicable)*1000+0.5)) / 10
	}
	return a, err
}

func getAssessment(ctx context.Context, q db.Querier, id string, now time.Time) (Assessment, error) {
	a, err := scanAssessment(q.QueryRow(ctx, `SELECT `+columns+` FROM governance_assessments a WHERE a.id = $2 OR a.number = $2`, actions.Today(now), id))
	if errors.Is(err, db.ErrNoRows) {
		return Assessment{}, errs.NotFound("no such assessment")
	}
	if err != nil {
		return Assessment{}, fmt.Errorf("assessment: %w", err)
	}
	return a, nil
}

func listAssessments(ctx context.Context, q db.Querier, rd reader, f Filter, now time.Time) ([]Assessment, error) {
	args := db.Args{actions.Today(now)}
	where := rd.where(&args)
	if f.OrgID != "" {
		where += " AND a.org_id = " + args.Add(f.OrgID)
	}
	if f.State != "" {
		where += " AND a.state = " + args.Add(f.State)
	}
	if f.Sector != "" {
		where += " AND a.sector = " + args.Add(f.Sector)
	}
	out, err := db.QueryAll(ctx, q, scanAssessment, `SELECT `+columns+` FROM governance_assessments a WHERE `+where+
		` ORDER BY CASE a.state WHEN 'closed' THEN 1 ELSE 0 END, a.created_at DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("assessments: %w", err)
	}
	return out, nil
}

func insertAssessment(ctx context.Context, tx *db.Tx, a Assessment) error {
	_, err := tx.Exec(ctx, `INSERT INTO governance_assessments (id, number, org_id, sector, cert_org_id, assessor_org_id, baseline, baseline_version,
		scope, state, starts_on, reassess_months, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
		a.ID, a.Number, a.OrgID, a.Sector, a.CERTOrgID, a.AssessorOrgID, a.Baseline, a.BaselineVersion, a.Scope, a.State, a.StartsOn, a.ReassessMonths,
		a.CreatedBy, a.CreatedAt)
	if err != nil {
		return fmt.Errorf("assessment: open: %w", err)
	}
	return nil
}

// setState moves an assessment from one state to another; errs.Conflict
// when it was no longer in from.
func setState(ctx context.Context, tx *db.Tx, id, from, to string, now time.Time) error {
	n, err := tx.Exec(ctx, `UPDATE governance_assessments SET state = $3, updated_at = $4 WHERE id = $1 AND state = $2`, id, from, to, now)
	if err != nil {
		return fmt.Errorf("assessment: state: %w", err)
	}
	if n == 0 {
		return errs.Conflict("the assessment is no longer %s", from)
	}
	return nil
}

func reported(ctx context.Context, tx *db.Tx, id, summary, nextDue string, now time.Time) error {
	n, err := tx.Exec(ctx, `UPDATE governance_assessments SET state = 'reported', summary = $2, next_due_on = $3, reported_at = $4, updated_at = $4
		WHERE id = $1 AND state IN ('planned', 'in_progress')`, id, summary, nextDue, now)
	if err != nil {
		return fmt.Errorf("assessment: report: %w", err)
	}
	if n == 0 {
		return errs.Conflict("the assessment was reported already")
	}
	return nil
}

func closed(ctx context.Context, tx *db.Tx, id string, now time.Time) error {
	var open int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM governance_assessment_actions WHERE parent_id = $1 AND status = 'open'`, id).Scan(&open); err != nil {
		return fmt.Errorf("assessment: close: %w", err)
	}
	if open > 0 {
		return errs.Conflict("%d actions of the remediation plan are still open: done or dropped (with the reason) first", open)
	}
	n, err := tx.Exec(ctx, `UPDATE governance_assessments SET state = 'closed', closed_at = $2, updated_at = $2 WHERE id = $1 AND state = 'reported'`, id, now)
	if err != nil {
		return fmt.Errorf("assessment: close: %w", err)
	}
	if n == 0 {
		return errs.Conflict("only a reported assessment is closed")
	}
	return nil
}

// planItems answers an assessment's remediation plan.
func planItems(ctx context.Context, q db.Querier, parentID string, now time.Time) ([]PlanItem, error) {
	list, err := plan.Of(ctx, q, parentID, now)
	if err != nil {
		return nil, err
	}
	type extra struct {
		id, req string
		esc     *time.Time
	}
	rows, err := db.QueryAll(ctx, q, func(r db.Row) (extra, error) {
		var e extra
		err := r.Scan(&e.id, &e.req, &e.esc)
		return e, err
	}, `SELECT id, requirement, escalated_at FROM governance_assessment_actions WHERE parent_id = $1`, parentID)
	if err != nil {
		return nil, fmt.Errorf("assessment: plan: %w", err)
	}
	more := map[string]extra{}
	for _, r := range rows {
		more[r.id] = r
	}
	out := make([]PlanItem, len(list))
	for i, a := range list {
		out[i] = PlanItem{Action: a, Requirement: more[a.ID].req, Escalated: more[a.ID].esc != nil}
	}
	return out, nil
}

// parentOf answers the assessment an action is of.
func parentOf(ctx context.Context, q db.Querier, actionID string) (string, error) {
	var parent string
	err := q.QueryRow(ctx, `SELECT parent_id FROM governance_assessment_actions WHERE id = $1`, actionID).Scan(&parent)
	if errors.Is(err, db.ErrNoRows) {
		return "", errs.NotFound("no such action")
	}
	if err != nil {
		return "", fmt.Errorf("assessment: action: %w", err)
	}
	return parent, nil
}

// toEscalate answers the overdue open actions whose CERT was not told yet,
// with the assessment each is of.
func toEscalate(ctx context.Context, q db.Querier, now time.Time, limit int) ([][2]string, error) {
	out, err := db.QueryAll(ctx, q, func(r db.Row) ([2]string, error) {
		var v [2]string
		err := r.Scan(&v[0], &v[1])
		return v, err
	}, `SELECT p.id, p.parent_id FROM governance_assessment_actions p WHERE p.status = 'open' AND p.due_on <> '' AND p.due_on < $1
		AND p.escalated_at IS NULL ORDER BY p.due_on, p.id LIMIT $2`, actions.Today(now), limit)
	if err != nil {
		return nil, fmt.Errorf("assessment: escalations: %w", err)
	}
	return out, nil
}

func escalated(ctx context.Context, tx *db.Tx, ids []string, now time.Time) error {
	args := db.Args{now}
	if _, err := tx.Exec(ctx, `UPDATE governance_assessment_actions SET escalated_at = $1 WHERE id IN (`+db.In(&args, ids)+`)`, args...); err != nil {
		return fmt.Errorf("assessment: escalated: %w", err)
	}
	return nil
}

// dueForReassessment answers the reported or closed assessments whose next
// is due by day and not yet opened.
func dueForReassessment(ctx context.Context, q db.Querier, rd reader, day string, now time.Time) ([]Assessment, error) {
	args := db.Args{actions.Today(now)}
	where := rd.where(&args)
	out, err := db.QueryAll(ctx, q, scanAssessment, `SELECT `+columns+` FROM governance_assessments a WHERE `+where+
		` AND a.state IN ('reported', 'closed') AND a.followed_by = '' AND a.next_due_on <> '' AND a.next_due_on <= `+args.Add(day)+
		` ORDER BY a.next_due_on, a.id LIMIT 200`, args...)
	if err != nil {
		return nil, fmt.Errorf("assessment: due: %w", err)
	}
	return out, nil
}

func followed(ctx context.Context, tx *db.Tx, id, next string, now time.Time) error {
	n, err := tx.Exec(ctx, `UPDATE governance_assessments SET followed_by = $2, updated_at = $3 WHERE id = $1 AND followed_by = ''`, id, next, now)
	if err != nil {
		return fmt.Errorf("assessment: follow: %w", err)
	}
	if n == 0 {
		return errs.Conflict("the re-assessment was opened already")
	}
	return nil
}

// maturity sums the latest reported assessment of each organisation
// against baseline by sector and control family, over what rd reads.
func maturity(ctx context.Context, q db.Querier, rd reader, baseline string) ([]MaturityRow, error) {
	args := db.Args{baseline}
	where := rd.where(&args)
	rows, err := db.QueryAll(ctx, q, func(r db.Row) (MaturityRow, error) {
		var m MaturityRow
		var points float64
		var applicable int
		err := r.Scan(&m.Sector, &m.Family, &m.Organisations, &points, &applicable)
		if applicable > 0 {
			m.Score = float64(int(points/float64(applicable)*1000+0.5)) / 10
		}
		return m, err
	}, `SELECT a.sector, c.family, COUNT(DISTINCT a.org_id),
		COALESCE(SUM(CASE r.verdict WHEN 'met' THEN 1.0 WHEN 'partial' THEN 0.5 ELSE 0.0 END), 0),
		COALESCE(SUM(CASE WHEN r.verdict <> 'not_applicable' THEN 1 ELSE 0 END), 0)
		FROM governance_assessments a
		JOIN governance_assessment_results r ON r.assessment_id = a.id
		JOIN governance_controls c ON c.baseline = a.baseline AND c.version = a.baseline_version AND c.req_id = r.requirement
		WHERE a.baseline = $1 AND a.state IN ('reported', 'closed') AND `+where+`
		AND a.reported_at = (SELECT MAX(l.reported_at) FROM governance_assessments l WHERE l.org_id = a.org_id AND l.baseline = a.baseline
			AND l.state IN ('reported', 'closed'))
		GROUP BY a.sector, c.family ORDER BY a.sector, c.family`, args...)
	if err != nil {
		return nil, fmt.Errorf("assessment: maturity: %w", err)
	}
	return rows, nil
}

// figures counts, for a CERT, the assessments of its constituents (or by
// it) reported in [from, to), and the open remediation actions of its
// constituents' assessments past their day at to.
func figures(ctx context.Context, q db.Querier, certID string, from, to time.Time) (reportedN, overdue int, err error) {
	if err = q.QueryRow(ctx, `SELECT COUNT(*) FROM governance_assessments WHERE (cert_org_id = $1 OR assessor_org_id = $1)
		AND reported_at >= $2 AND reported_at < $3`, certID, from, to).Scan(&reportedN); err != nil {
		return 0, 0, fmt.Errorf("assessment: figures: %w", err)
	}
	if err = q.QueryRow(ctx, `SELECT COUNT(*) FROM governance_assessment_actions p JOIN governance_assessments a ON a.id = p.parent_id
		WHERE a.cert_org_id = $1 AND p.due_on <> '' AND p.due_on < $2 AND p.created_at < $3
		AND (p.status = 'open' OR (p.done_at IS NOT NULL AND p.done_at >= $3))`, certID, actions.Today(to), to).Scan(&overdue); err != nil {
		return 0, 0, fmt.Errorf("assessment: figures: %w", err)
	}
	return reportedN, overdue, nil
}
