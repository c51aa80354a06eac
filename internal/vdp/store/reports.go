package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/ssvc"
	"github.com/certhub/certhub/internal/vdp/model"
)

const reportColumns = `id, tracking_id, source, submitter_org_id, submitter_user_id, reporter_name, reporter_email,
	reporter_pgp_key, title, description, vendor, vendor_org_id, product, versions, cwe, impact, reproduction, public,
	exploited, reference_urls, vendor_contacted, vendor_contact, disclosure_plans, credit, encrypted_body, status,
	validity, assigned_org_id, routed_by, case_id, duplicate_of, decline_reason, ssvc_triage, ssvc_publish, cvss3, cvss4,
	sectors, cii, received_at, acknowledged_at, triaged_at, waiting_since, paused_seconds, closed_at, created_at, updated_at`

// ScanReport reads a row of reportColumns.
func ScanReport(row db.Row) (model.Report, error) { return scanReportWith(row) }

// scanReportWith scans a report followed by extra columns into extra.
func scanReportWith(row db.Row, extra ...any) (model.Report, error) {
	var r model.Report
	var refs, ssvcT, ssvcP, c3, c4, sectors string
	dest := []any{&r.ID, &r.TrackingID, &r.Source, &r.SubmitterOrgID, &r.SubmitterUserID, &r.Reporter.Name,
		&r.Reporter.Email, &r.Reporter.PGPKey, &r.Title, &r.Description, &r.Vendor, &r.VendorOrgID, &r.Product,
		&r.Versions, &r.CWE, &r.Impact, &r.Reproduction, &r.Public, &r.Exploited, &refs, &r.VendorContacted,
		&r.VendorContact, &r.DisclosurePlans, &r.Credit, &r.EncryptedBody, &r.Status, &r.Validity, &r.AssignedOrgID,
		&r.RoutedBy, &r.CaseID, &r.DuplicateOf, &r.DeclineReason, &ssvcT, &ssvcP, &c3, &c4, &sectors, &r.CII,
		&r.ReceivedAt, &r.AcknowledgedAt, &r.TriagedAt, &r.WaitingSince, &r.PausedSeconds, &r.ClosedAt,
		&r.CreatedAt, &r.UpdatedAt}
	err := row.Scan(append(dest, extra...)...)
	if err != nil {
		return r, err
	}
	r.References = lines(refs)
	r.Sectors = strings.Fields(sectors)
	r.SSVCTriage, r.SSVCPublish = decodeDecision(ssvcT), decodeDecision(ssvcP)
	r.CVSS3, r.CVSS4 = score(c3), score(c4)
	return r, nil
}

// qualify prefixes every column of a column list with a table alias.
func qualify(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

func lines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func decodeDecision(s string) *ssvc.Decision {
	if s == "" {
		return nil
	}
	var d ssvc.Decision
	if json.Unmarshal([]byte(s), &d) != nil {
		return nil
	}
	return &d
}

func encodeDecision(d *ssvc.Decision) string {
	if d == nil {
		return ""
	}
	b, _ := json.Marshal(d)
	return string(b)
}

// score re-scores a stored vector (vectors were valid when stored).
func score(vector string) *cvss.Score {
	if vector == "" {
		return nil
	}
	s, err := cvss.Parse(vector)
	if err != nil {
		return nil
	}
	return &s
}

// Vector is a score's vector as stored ("" for none).
func Vector(s *cvss.Score) string {
	if s == nil {
		return ""
	}
	return s.Vector
}

// GetReport answers the report matching where (a condition on one
// argument, such as "id = $1"); errs.NotFound when there is none.
func GetReport(ctx context.Context, q db.Querier, where string, arg any) (model.Report, error) {
	r, err := ScanReport(q.QueryRow(ctx, `SELECT `+reportColumns+` FROM vdp_reports WHERE `+where, arg))
	if errors.Is(err, db.ErrNoRows) {
		return model.Report{}, errs.NotFound("report not found")
	}
	if err != nil {
		return model.Report{}, fmt.Errorf("vdp: load report: %w", err)
	}
	return r, nil
}

// InsertReport writes a new report with the hash of its follow link's
// secret.
func InsertReport(ctx context.Context, tx *db.Tx, r model.Report, secretHash string) error {
	_, err := tx.Exec(ctx, `INSERT INTO vdp_reports (`+reportColumns+`, secret_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
		$24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40, $41, $42, $43, $44, $45, $46, $47)`,
		reportArgs(r, secretHash)...)
	if err != nil {
		return fmt.Errorf("vdp: insert report: %w", err)
	}
	return nil
}

func reportArgs(r model.Report, extra ...any) []any {
	args := []any{r.ID, r.TrackingID, r.Source, r.SubmitterOrgID, r.SubmitterUserID, r.Reporter.Name, r.Reporter.Email,
		r.Reporter.PGPKey, r.Title, r.Description, r.Vendor, r.VendorOrgID, r.Product, r.Versions, r.CWE, r.Impact,
		r.Reproduction, r.Public, r.Exploited, strings.Join(r.References, "\n"), r.VendorContacted, r.VendorContact,
		r.DisclosurePlans, r.Credit, r.EncryptedBody, string(r.Status), r.Validity, r.AssignedOrgID, r.RoutedBy, r.CaseID,
		r.DuplicateOf, r.DeclineReason, encodeDecision(r.SSVCTriage), encodeDecision(r.SSVCPublish), Vector(r.CVSS3),
		Vector(r.CVSS4), strings.Join(r.Sectors, " "), r.CII, r.ReceivedAt, r.AcknowledgedAt, r.TriagedAt,
		r.WaitingSince, r.PausedSeconds, r.ClosedAt, r.CreatedAt, r.UpdatedAt}
	return append(args, extra...)
}

// SaveReport writes every mutable column of r.
func SaveReport(ctx context.Context, tx *db.Tx, r model.Report) error {
	cols := strings.Split(strings.Join(strings.Fields(reportColumns), ""), ",")
	sets := make([]string, 0, len(cols))
	for i, c := range cols {
		if i == 0 {
			continue
		}
		sets = append(sets, fmt.Sprintf("%s = $%d", c, i+1))
	}
	_, err := tx.Exec(ctx, `UPDATE vdp_reports SET `+strings.Join(sets, ", ")+` WHERE id = $1`, reportArgs(r)...)
	if err != nil {
		return fmt.Errorf("vdp: save report: %w", err)
	}
	return nil
}

// ListMessages returns a report's messages, oldest first, and for each the
// user who wrote it ("" for the reporter); the authors' names are the
// accounts' to tell (Service.nameAuthors).
func ListMessages(ctx context.Context, q db.Querier, reportID string) ([]model.Message, []string, error) {
	rows, err := q.Query(ctx, `SELECT id, from_reporter, COALESCE(author_user_id, ''), body, created_at
		FROM vdp_report_messages WHERE report_id = $1 ORDER BY created_at, id`, reportID)
	if err != nil {
		return nil, nil, fmt.Errorf("vdp: messages: %w", err)
	}
	defer rows.Close()
	out, authors := []model.Message{}, []string{}
	for rows.Next() {
		var m model.Message
		var author string
		if err := rows.Scan(&m.ID, &m.FromReporter, &author, &m.Body, &m.CreatedAt); err != nil {
			return nil, nil, err
		}
		out, authors = append(out, m), append(authors, author)
	}
	return out, authors, rows.Err()
}

// AddMessage writes one message of a report, from the reporter or from
// the center's user userID.
func AddMessage(ctx context.Context, tx *db.Tx, reportID string, fromReporter bool, userID *string, body string, at time.Time) (model.Message, error) {
	m := model.Message{ID: db.NewID(), FromReporter: fromReporter, Body: body, CreatedAt: at}
	_, err := tx.Exec(ctx, `INSERT INTO vdp_report_messages (id, report_id, from_reporter, author_user_id, body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, m.ID, reportID, fromReporter, userID, body, at)
	if err != nil {
		return m, fmt.Errorf("vdp: add message: %w", err)
	}
	return m, nil
}

// ListReports returns reports the viewer may see — all, or those assigned
// to or submitted by the organisations orgIDs — oldest first (the queue's
// order), after the cursor (received_at, id) when given.
func ListReports(ctx context.Context, q db.Querier, orgIDs []string, all bool, f model.ReportFilter, afterAt *time.Time, afterID string) ([]model.Report, error) {
	var conds []string
	var args db.Args
	arg := func(v any) string { return args.Add(v) }
	if !all {
		if len(orgIDs) == 0 {
			return nil, nil
		}
		mine := db.In(&args, orgIDs)
		conds = append(conds, `(assigned_org_id IN (`+mine+`) OR submitter_org_id IN (`+mine+`))`)
	}
	switch f.Status {
	case "":
	case "open":
		conds = append(conds, `status IN ('received', 'need_info')`)
	default:
		conds = append(conds, `status = `+arg(f.Status))
	}
	if f.Assigned != "" {
		conds = append(conds, `assigned_org_id = `+arg(f.Assigned))
	}
	if f.Query != "" {
		like := "%" + db.EscapeLike(strings.ToLower(f.Query)) + "%"
		p := arg(like)
		conds = append(conds, fmt.Sprintf(`(LOWER(title) LIKE %s ESCAPE '\' OR LOWER(vendor) LIKE %s ESCAPE '\'
			OR LOWER(product) LIKE %s ESCAPE '\' OR tracking_id = %s)`, p, p, p, arg(strings.ToUpper(f.Query))))
	}
	if afterAt != nil {
		t, id := arg(*afterAt), arg(afterID)
		conds = append(conds, fmt.Sprintf(`(received_at > %s OR (received_at = %s AND id > %s))`, t, t, id))
	}
	query := `SELECT ` + reportColumns + ` FROM vdp_reports`
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, " AND ")
	}
	query += fmt.Sprintf(` ORDER BY received_at, id LIMIT %d`, f.Limit+1)
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("vdp: list reports: %w", err)
	}
	defer rows.Close()
	var out []model.Report
	for rows.Next() {
		r, err := ScanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("vdp: list reports: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
