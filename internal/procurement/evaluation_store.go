package procurement

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	kc "github.com/certhub/certhub/internal/platform/catalogue"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/procurement/sbom"
)

const evaluationColumns = `id, number, product, vendor, vendor_org_id, version, category, intended_use, buyers,
	requester_org_id, requested_by, state, state_since, catalogue_version, lab_org_id, reason, sbom_format,
	sbom_spec_version, sbom_components, sent_back, decided_at, created_at, updated_at, maintenance_of, impact_analysis`

func scanEvaluation(row db.Row) (Evaluation, error) {
	var e Evaluation
	var catVersion sql.NullInt64
	err := row.Scan(&e.ID, &e.Number, &e.Product, &e.Vendor, &e.VendorOrgID, &e.Version, &e.Category, &e.IntendedUse,
		&e.Buyers, &e.RequesterOrgID, &e.RequestedBy, &e.State, &e.StateSince, &catVersion, &e.LabOrgID, &e.Reason,
		&e.SBOMFormat, &e.SBOMSpecVersion, &e.SBOMComponents, &e.SentBack, &e.DecidedAt, &e.CreatedAt, &e.UpdatedAt,
		&e.MaintenanceOf, &e.ImpactAnalysis)
	if catVersion.Valid {
		v := int(catVersion.Int64)
		e.CatalogueVersion = &v
	}
	return e, err
}

// getEvaluation answers one evaluation (errs.NotFound when there is none).
func getEvaluation(ctx context.Context, q db.Querier, id string) (Evaluation, error) {
	e, err := scanEvaluation(q.QueryRow(ctx, `SELECT `+evaluationColumns+` FROM procurement_evaluations WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Evaluation{}, errs.NotFound("no evaluation of that ID")
	}
	if err != nil {
		return Evaluation{}, fmt.Errorf("procurement: evaluation: %w", err)
	}
	return e, nil
}

// nextNumber answers the evaluation number after the last of t's year.
func nextNumber(ctx context.Context, tx *db.Tx, t time.Time) (string, error) {
	prefix := fmt.Sprintf("EVAL-%d-", t.Year())
	var last sql.NullString
	if err := tx.QueryRow(ctx, `SELECT MAX(number) FROM procurement_evaluations WHERE number >= $1 AND number < $2`,
		prefix, fmt.Sprintf("EVAL-%d-", t.Year()+1)).Scan(&last); err != nil {
		return "", fmt.Errorf("procurement: number: %w", err)
	}
	n := 0
	if last.Valid {
		n, _ = strconv.Atoi(strings.TrimPrefix(last.String, prefix))
	}
	return fmt.Sprintf("%s%04d", prefix, n+1), nil
}

func insertEvaluation(ctx context.Context, tx *db.Tx, e Evaluation) error {
	_, err := tx.Exec(ctx, `INSERT INTO procurement_evaluations (`+evaluationColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)`,
		e.ID, e.Number, e.Product, e.Vendor, e.VendorOrgID, e.Version, e.Category, e.IntendedUse, e.Buyers,
		e.RequesterOrgID, e.RequestedBy, e.State, e.StateSince, e.CatalogueVersion, e.LabOrgID, e.Reason, e.SBOMFormat,
		e.SBOMSpecVersion, e.SBOMComponents, e.SentBack, e.DecidedAt, e.CreatedAt, e.UpdatedAt, e.MaintenanceOf, e.ImpactAnalysis)
	if err != nil {
		return fmt.Errorf("procurement: save evaluation: %w", err)
	}
	return nil
}

// updateEvaluation writes e's changing columns, only if it is still in
// state was (errs.Conflict when someone moved it meanwhile).
func updateEvaluation(ctx context.Context, tx *db.Tx, e Evaluation, was string) error {
	n, err := tx.Exec(ctx, `UPDATE procurement_evaluations SET state = $1, state_since = $2, catalogue_version = $3,
		lab_org_id = $4, reason = $5, sbom_format = $6, sbom_spec_version = $7, sbom_components = $8, sent_back = $9,
		decided_at = $10, updated_at = $11 WHERE id = $12 AND state = $13`,
		e.State, e.StateSince, e.CatalogueVersion, e.LabOrgID, e.Reason, e.SBOMFormat, e.SBOMSpecVersion,
		e.SBOMComponents, e.SentBack, e.DecidedAt, e.UpdatedAt, e.ID, was)
	if err != nil {
		return fmt.Errorf("procurement: save evaluation: %w", err)
	}
	if n == 0 {
		return errs.Conflict("the evaluation changed meanwhile: reload it")
	}
	return nil
}

func insertEvent(ctx context.Context, tx *db.Tx, evalID string, ev Event) error {
	var lab *string
	if ev.LabID != "" {
		lab = &ev.LabID
	}
	_, err := tx.Exec(ctx, `INSERT INTO procurement_evaluation_events (evaluation_id, at, actor, from_state, to_state, lab_org_id, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, evalID, ev.At, ev.Actor, ev.From, ev.To, lab, ev.Reason)
	if err != nil {
		return fmt.Errorf("procurement: record the change: %w", err)
	}
	return nil
}

func listEvents(ctx context.Context, q db.Querier, evalID string) ([]Event, error) {
	out, err := db.QueryAll(ctx, q, func(r db.Row) (Event, error) {
		var ev Event
		err := r.Scan(&ev.At, &ev.Actor, &ev.From, &ev.To, &ev.LabID, &ev.Reason)
		return ev, err
	}, `SELECT at, actor, from_state, to_state, COALESCE(lab_org_id, ''), reason
		FROM procurement_evaluation_events WHERE evaluation_id = $1 ORDER BY id`, evalID)
	if err != nil {
		return nil, fmt.Errorf("procurement: history: %w", err)
	}
	return out, nil
}

// replaceComponents stores an SBOM's components in place of the earlier ones.
func replaceComponents(ctx context.Context, tx *db.Tx, evalID string, cs []sbom.Component) error {
	if _, err := tx.Exec(ctx, `DELETE FROM procurement_evaluation_components WHERE evaluation_id = $1`, evalID); err != nil {
		return fmt.Errorf("procurement: components: %w", err)
	}
	const per = 200
	for start := 0; start < len(cs); start += per {
		part := cs[start:min(start+per, len(cs))]
		var b strings.Builder
		args := make([]any, 0, len(part)*6)
		b.WriteString(`INSERT INTO procurement_evaluation_components (evaluation_id, seq, name, version, purl, cpe) VALUES `)
		for i, c := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6)
			args = append(args, evalID, start+i, c.Name, c.Version, c.PURL, c.CPE)
		}
		if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("procurement: components: %w", err)
		}
	}
	return nil
}

func listComponents(ctx context.Context, q db.Querier, evalID string) ([]sbom.Component, error) {
	out, err := db.QueryAll(ctx, q, func(r db.Row) (sbom.Component, error) {
		var c sbom.Component
		err := r.Scan(&c.Name, &c.Version, &c.PURL, &c.CPE)
		return c, err
	}, `SELECT name, version, purl, cpe FROM procurement_evaluation_components WHERE evaluation_id = $1 ORDER BY seq`, evalID)
	if err != nil {
		return nil, fmt.Errorf("procurement: components: %w", err)
	}
	return out, nil
}

// results are the labs' verdicts, kept the way platform/catalogue keeps
// every verdict on a requirement.
var results = kc.ResultTable{Owner: "procurement", Table: "procurement_evaluation_results", Subject: "evaluation_id"}

func insertFinding(ctx context.Context, tx *db.Tx, evalID string, f Finding) error {
	_, err := tx.Exec(ctx, `INSERT INTO procurement_findings (id, evaluation_id, requirement, title, description, cvss_vector,
		cvss_score, severity, cwe, released, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		f.ID, evalID, f.Requirement, f.Title, f.Description, f.CVSSVector, f.CVSSScore, f.Severity, f.CWE, f.Released,
		f.CreatedBy, f.CreatedAt)
	if err != nil {
		return fmt.Errorf("procurement: finding: %w", err)
	}
	return nil
}

func releaseFinding(ctx context.Context, tx *db.Tx, evalID, findingID string) error {
	n, err := tx.Exec(ctx, `UPDATE procurement_findings SET released = TRUE WHERE id = $1 AND evaluation_id = $2`, findingID, evalID)
	if err != nil {
		return fmt.Errorf("procurement: release finding: %w", err)
	}
	if n == 0 {
		return errs.NotFound("no finding of that ID in this evaluation")
	}
	return nil
}

func listFindings(ctx context.Context, q db.Querier, evalID string, releasedOnly bool) ([]Finding, error) {
	query := `SELECT id, requirement, title, description, cvss_vector, cvss_score, severity, cwe, released, created_by, created_at
		FROM procurement_findings WHERE evaluation_id = $1`
	if releasedOnly {
		query += ` AND released`
	}
	out, err := db.QueryAll(ctx, q, func(r db.Row) (Finding, error) {
		var f Finding
		err := r.Scan(&f.ID, &f.Requirement, &f.Title, &f.Description, &f.CVSSVector, &f.CVSSScore, &f.Severity,
			&f.CWE, &f.Released, &f.CreatedBy, &f.CreatedAt)
		return f, err
	}, query+` ORDER BY created_at, id`, evalID)
	if err != nil {
		return nil, fmt.Errorf("procurement: findings: %w", err)
	}
	return out, nil
}

func insertFile(ctx context.Context, tx *db.Tx, evalID string, f File, data []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO procurement_evaluation_files (id, evaluation_id, kind, requirement, name, content_type,
		size, sha256, data, uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		f.ID, evalID, f.Kind, f.Requirement, f.Name, f.ContentType, f.Size, f.SHA256, data, f.UploadedBy, f.CreatedAt)
	if err != nil {
		return fmt.Errorf("procurement: file: %w", err)
	}
	return nil
}

const fileColumns = `id, kind, requirement, name, content_type, size, sha256, uploaded_by, created_at`

func scanFile(row db.Row, extra ...any) (File, error) {
	var f File
	err := row.Scan(append([]any{&f.ID, &f.Kind, &f.Requirement, &f.Name, &f.ContentType, &f.Size, &f.SHA256,
		&f.UploadedBy, &f.CreatedAt}, extra...)...)
	return f, err
}

func listFiles(ctx context.Context, q db.Querier, evalID string) ([]File, error) {
	out, err := db.QueryAll(ctx, q, func(r db.Row) (File, error) { return scanFile(r) },
		`SELECT `+fileColumns+` FROM procurement_evaluation_files WHERE evaluation_id = $1 ORDER BY created_at, id`, evalID)
	if err != nil {
		return nil, fmt.Errorf("procurement: files: %w", err)
	}
	return out, nil
}

func getFile(ctx context.Context, q db.Querier, evalID, fileID string) (File, []byte, error) {
	var data []byte
	f, err := scanFile(q.QueryRow(ctx, `SELECT `+fileColumns+`, data FROM procurement_evaluation_files
		WHERE evaluation_id = $1 AND id = $2`, evalID, fileID), &data)
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, nil, errs.NotFound("no file of that ID in this evaluation")
	}
	if err != nil {
		return File{}, nil, fmt.Errorf("procurement: file: %w", err)
	}
	return f, data, nil
}

// hasReport reports whether the lab has uploaded a report.
func hasReport(ctx context.Context, q db.Querier, evalID string) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM procurement_evaluation_files WHERE evaluation_id = $1 AND kind = 'report'`, evalID).Scan(&n)
	return n > 0, err
}

// listEvaluations answers a page of evaluations, newest first. Unless all,
// only those of the organisations in orgs as requester or vendor, or
// assigned to one of them as a lab whose accreditation covers the
// evaluation's category at now (see policy.go: labReaches).
func listEvaluations(ctx context.Context, q db.Querier, all bool, orgs []string, f EvaluationFilter, now time.Time) ([]Evaluation, error) {
	var args db.Args
	arg := args.Add
	var where []string
	if !all {
		if len(orgs) == 0 {
			return []Evaluation{}, nil
		}
		in := db.In(&args, orgs)
		where = append(where, `(requester_org_id IN (`+in+`) OR vendor_org_id IN (`+in+`) OR (lab_org_id IN (`+in+`) AND `+
			labStandsSQL(arg, now)+`))`)
	}
	if f.State != "" {
		where = append(where, `state = `+arg(f.State))
	}
	if f.Category != "" {
		where = append(where, `category = `+arg(f.Category))
	}
	if f.LabID != "" {
		where = append(where, `lab_org_id = `+arg(f.LabID))
	}
	if after, err := db.Keyset(&args, f.Cursor, "created_at", "id", true); err != nil {
		return nil, err
	} else if after != "" {
		where = append(where, after)
	}
	query := `SELECT ` + evaluationColumns + ` FROM procurement_evaluations`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	out, err := db.QueryAll(ctx, q, scanEvaluation, query+` ORDER BY created_at DESC, id DESC LIMIT `+arg(f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("procurement: evaluations: %w", err)
	}
	return out, nil
}

// evaluationCursor is the cursor of the page after e.
func evaluationCursor(e Evaluation) string {
	return db.TimeCursor(e.CreatedAt, e.ID)
}
