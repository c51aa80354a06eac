package maturity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

const columns = `m.id, m.org_id, m.kind, m.reviewer_org_id, m.based_on, m.model, m.state, m.summary, m.created_by, m.created_at, m.updated_at,
	m.submitted_at, m.submitted_by`

func scanAssessment(row db.Row) (Assessment, error) {
	var a Assessment
	err := row.Scan(&a.ID, &a.OrgID, &a.Kind, &a.ReviewerOrgID, &a.BasedOn, &a.Model, &a.State, &a.Summary, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt,
		&a.SubmittedAt, &a.SubmittedBy)
	return a, err
}

func getAssessment(ctx context.Context, q db.Querier, id string) (Assessment, error) {
	a, err := scanAssessment(q.QueryRow(ctx, `SELECT `+columns+` FROM governance_maturity m WHERE m.id = $1`, id))
	if errors.Is(err, db.ErrNoRows) {
		return Assessment{}, errs.NotFound("no such maturity assessment")
	}
	if err != nil {
		return Assessment{}, fmt.Errorf("maturity: %w", err)
	}
	return a, nil
}

// listAssessments answers what rd reads (of one CERT when orgID is not
// ""), drafts first, then the latest submitted.
func listAssessments(ctx context.Context, q db.Querier, rd reader, orgID string) ([]Assessment, error) {
	var args db.Args
	where := rd.where(&args)
	if orgID != "" {
		where += " AND m.org_id = " + args.Add(orgID)
	}
	out, err := db.QueryAll(ctx, q, scanAssessment, `SELECT `+columns+` FROM governance_maturity m WHERE `+where+`
		ORDER BY CASE m.state WHEN 'draft' THEN 0 ELSE 1 END, COALESCE(m.submitted_at, m.created_at) DESC, m.id LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("maturity: list: %w", err)
	}
	return out, nil
}

// averages fills in how many parameters each assessment rated and the
// mean level, overall and per group, summed in SQL.
func averages(ctx context.Context, q db.Querier, list []Assessment) error {
	if len(list) == 0 {
		return nil
	}
	var args db.Args
	ids := make([]string, len(list))
	at := map[string]int{}
	for i, a := range list {
		ids[i] = a.ID
		at[a.ID] = i
		list[i].ByGroup = map[string]float64{}
	}
	type row struct {
		id, grp string
		sum, n  int
	}
	rows, err := db.QueryAll(ctx, q, func(r db.Row) (row, error) {
		var x row
		err := r.Scan(&x.id, &x.grp, &x.sum, &x.n)
		return x, err
	}, `SELECT maturity_id, grp, SUM(level), COUNT(*) FROM governance_maturity_levels WHERE maturity_id IN (`+db.In(&args, ids)+`)
		GROUP BY maturity_id, grp`, args...)
	if err != nil {
		return fmt.Errorf("maturity: averages: %w", err)
	}
	sums, counts := map[string]int{}, map[string]int{}
	for _, x := range rows {
		i := at[x.id]
		list[i].ByGroup[x.grp] = round(float64(x.sum) / float64(x.n))
		sums[x.id] += x.sum
		counts[x.id] += x.n
	}
	for i, a := range list {
		list[i].Rated = counts[a.ID]
		if counts[a.ID] > 0 {
			list[i].Average = round(float64(sums[a.ID]) / float64(counts[a.ID]))
		}
	}
	return nil
}

func round(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

func insertAssessment(ctx context.Context, tx *db.Tx, a Assessment) error {
	_, err := tx.Exec(ctx, `INSERT INTO governance_maturity (id, org_id, kind, reviewer_org_id, based_on, model, state, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`, a.ID, a.OrgID, a.Kind, a.ReviewerOrgID, a.BasedOn, a.Model, a.State, a.CreatedBy, a.CreatedAt)
	if err != nil {
		return fmt.Errorf("maturity: start: %w", err)
	}
	return nil
}

// copyLevels starts to from the levels and evidence of from.
func copyLevels(ctx context.Context, tx *db.Tx, from, to string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO governance_maturity_levels (maturity_id, parameter, grp, level, note, updated_by, updated_at)
		SELECT $2, parameter, grp, level, note, updated_by, updated_at FROM governance_maturity_levels WHERE maturity_id = $1`, from, to); err != nil {
		return fmt.Errorf("maturity: copy levels: %w", err)
	}
	evidence, err := listEvidence(ctx, tx, from)
	if err != nil {
		return err
	}
	for _, e := range evidence {
		e.ID = db.NewID()
		if err := insertEvidence(ctx, tx, to, e); err != nil {
			return err
		}
	}
	return nil
}

func listLevels(ctx context.Context, q db.Querier, id string) ([]Level, error) {
	out, err := db.QueryAll(ctx, q, func(r db.Row) (Level, error) {
		l := Level{Evidence: []Evidence{}}
		err := r.Scan(&l.Parameter, &l.Level, &l.Note, &l.UpdatedBy, &l.UpdatedAt)
		return l, err
	}, `SELECT parameter, level, note, updated_by, updated_at FROM governance_maturity_levels WHERE maturity_id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("maturity: levels: %w", err)
	}
	return out, nil
}

func saveLevel(ctx context.Context, tx *db.Tx, id string, p Parameter, l Level) error {
	_, err := tx.Exec(ctx, `INSERT INTO governance_maturity_levels (maturity_id, parameter, grp, level, note, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (maturity_id, parameter) DO UPDATE SET level = EXCLUDED.level, note = EXCLUDED.note,
		updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`, id, p.ID, p.Group, l.Level, l.Note, l.UpdatedBy, l.UpdatedAt)
	if err != nil {
		return fmt.Errorf("maturity: level: %w", err)
	}
	_, err = tx.Exec(ctx, `UPDATE governance_maturity SET updated_at = $2 WHERE id = $1`, id, l.UpdatedAt)
	return err
}

func listEvidence(ctx context.Context, q db.Querier, id string) ([]Evidence, error) {
	out, err := db.QueryAll(ctx, q, func(r db.Row) (Evidence, error) {
		var e Evidence
		err := r.Scan(&e.ID, &e.Parameter, &e.Kind, &e.Ref, &e.Label, &e.Title, &e.URL, &e.AddedBy, &e.AddedAt)
		return e, err
	}, `SELECT id, parameter, kind, ref, label, title, url, added_by, added_at FROM governance_maturity_evidence WHERE maturity_id = $1
		ORDER BY parameter, added_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("maturity: evidence: %w", err)
	}
	return out, nil
}

func insertEvidence(ctx context.Context, tx *db.Tx, id string, e Evidence) error {
	_, err := tx.Exec(ctx, `INSERT INTO governance_maturity_evidence (id, maturity_id, parameter, kind, ref, label, title, url, added_by, added_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, e.ID, id, e.Parameter, e.Kind, e.Ref, e.Label, e.Title, e.URL, e.AddedBy, e.AddedAt)
	if err != nil {
		return fmt.Errorf("maturity: add evidence: %w", err)
	}
	return nil
}

func submit(ctx context.Context, tx *db.Tx, id, summary, by string, now time.Time) error {
	n, err := tx.Exec(ctx, `UPDATE governance_maturity SET state = 'submitted', summary = $2, submitted_by = $3, submitted_at = $4, updated_at = $4
		WHERE id = $1 AND state = 'draft'`, id, summary, by, now)
	if err != nil {
		return fmt.Errorf("maturity: submit: %w", err)
	}
	if n == 0 {
		return errs.Conflict("the assessment was submitted already")
	}
	return nil
}

// latestSubmitted answers the latest submitted self-assessment of orgID
// ("" when there is none).
func latestSubmitted(ctx context.Context, q db.Querier, orgID string) (string, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT id FROM governance_maturity WHERE org_id = $1 AND kind = 'self' AND state = 'submitted'
		ORDER BY submitted_at DESC, id DESC LIMIT 1`, orgID).Scan(&id)
	if errors.Is(err, db.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("maturity: latest: %w", err)
	}
	return id, nil
}

// draftOf answers a draft of the same kind (and reviewer) already open.
func draftOf(ctx context.Context, q db.Querier, orgID, kind, reviewer string) (string, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT id FROM governance_maturity WHERE org_id = $1 AND kind = $2 AND reviewer_org_id = $3 AND state = 'draft'`,
		orgID, kind, reviewer).Scan(&id)
	if errors.Is(err, db.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("maturity: draft: %w", err)
	}
	return id, nil
}
