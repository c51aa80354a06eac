package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/model"
)

const caseColumns = `id, number, title, summary, reference_urls, status, owner_org_id, tlp, embargo, publication_at, first_vendor_contact_at,
	disclosed_at, closed_at, vendor_aware_at, fix_ready_at, fix_deployed_at, public_aware_at, exploit_public_at,
	attacks_observed_at, deadline_warned_for, created_at, updated_at`

func scanCase(row db.Row) (model.Case, error) {
	var c model.Case
	var refs string
	err := row.Scan(&c.ID, &c.Number, &c.Title, &c.Summary, &refs, &c.Status, &c.OwnerOrgID, &c.TLP, &c.Embargo, &c.PublicationAt,
		&c.FirstVendorContactAt, &c.DisclosedAt, &c.ClosedAt, &c.Facts.VendorAware, &c.Facts.FixReady, &c.Facts.FixDeployed,
		&c.Facts.PublicAware, &c.Facts.ExploitPublic, &c.Facts.AttacksObserved, &c.DeadlineWarnedFor, &c.CreatedAt, &c.UpdatedAt)
	c.References = lines(refs)
	return c, err
}

func caseArgs(c model.Case) []any {
	return []any{c.ID, c.Number, c.Title, c.Summary, strings.Join(c.References, "\n"), string(c.Status), c.OwnerOrgID, c.TLP, c.Embargo, c.PublicationAt,
		c.FirstVendorContactAt, c.DisclosedAt, c.ClosedAt, c.Facts.VendorAware, c.Facts.FixReady, c.Facts.FixDeployed,
		c.Facts.PublicAware, c.Facts.ExploitPublic, c.Facts.AttacksObserved, c.DeadlineWarnedFor, c.CreatedAt, c.UpdatedAt}
}

// GetCase answers a case; errs.NotFound when there is none.
func GetCase(ctx context.Context, q db.Querier, id string) (model.Case, error) {
	c, err := scanCase(q.QueryRow(ctx, `SELECT `+caseColumns+` FROM vdp_cases WHERE id = $1 OR number = $1`, id))
	if errors.Is(err, db.ErrNoRows) {
		return model.Case{}, errs.NotFound("case not found")
	}
	if err != nil {
		return model.Case{}, fmt.Errorf("vdp: load case: %w", err)
	}
	return c, nil
}

// InsertCase writes a new case.
func InsertCase(ctx context.Context, tx *db.Tx, c model.Case) error {
	_, err := tx.Exec(ctx, `INSERT INTO vdp_cases (`+caseColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
		$12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`, caseArgs(c)...)
	if err != nil {
		return fmt.Errorf("vdp: insert case: %w", err)
	}
	return nil
}

// SaveCase writes every mutable column of c.
func SaveCase(ctx context.Context, tx *db.Tx, c model.Case) error {
	_, err := tx.Exec(ctx, `UPDATE vdp_cases SET number = $2, title = $3, summary = $4, reference_urls = $5, status = $6,
		owner_org_id = $7, tlp = $8, embargo = $9, publication_at = $10, first_vendor_contact_at = $11, disclosed_at = $12,
		closed_at = $13, vendor_aware_at = $14, fix_ready_at = $15, fix_deployed_at = $16, public_aware_at = $17,
		exploit_public_at = $18, attacks_observed_at = $19, deadline_warned_for = $20, created_at = $21, updated_at = $22
		WHERE id = $1`, caseArgs(c)...)
	if err != nil {
		return fmt.Errorf("vdp: save case: %w", err)
	}
	return nil
}

// ListParticipants returns the organisations taking part in a case, by
// role, without their names: those are the directory's (Service.named).
func ListParticipants(ctx context.Context, q db.Querier, caseID string) ([]model.Participant, error) {
	rows, err := q.Query(ctx, `SELECT case_id, org_id, role, their_tracking, notified_at, seen_at, acknowledged_at, reminders,
		last_reminder_at, escalated_at, added_at FROM vdp_participants WHERE case_id = $1 ORDER BY role, org_id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("vdp: participants: %w", err)
	}
	defer rows.Close()
	out := []model.Participant{}
	for rows.Next() {
		var p model.Participant
		if err := rows.Scan(&p.CaseID, &p.OrgID, &p.Role, &p.TheirTracking, &p.NotifiedAt, &p.SeenAt,
			&p.AcknowledgedAt, &p.Reminders, &p.LastReminderAt, &p.EscalatedAt, &p.AddedAt); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SaveParticipant writes a participant (added or changed); an organisation
// the directory does not have is a field error on org_id.
func SaveParticipant(ctx context.Context, tx *db.Tx, p model.Participant) error {
	_, err := tx.Exec(ctx, `INSERT INTO vdp_participants (case_id, org_id, role, their_tracking, notified_at, seen_at,
		acknowledged_at, reminders, last_reminder_at, escalated_at, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (case_id, org_id) DO UPDATE SET role = excluded.role, their_tracking = excluded.their_tracking,
		notified_at = excluded.notified_at, seen_at = excluded.seen_at, acknowledged_at = excluded.acknowledged_at,
		reminders = excluded.reminders, last_reminder_at = excluded.last_reminder_at, escalated_at = excluded.escalated_at`,
		p.CaseID, p.OrgID, string(p.Role), p.TheirTracking, p.NotifiedAt, p.SeenAt, p.AcknowledgedAt, p.Reminders,
		p.LastReminderAt, p.EscalatedAt, p.AddedAt)
	if err != nil {
		if db.IsForeignKeyViolation(err) {
			return errs.InvalidField("org_id", "is not an organisation of the directory")
		}
		return fmt.Errorf("vdp: save participant: %w", err)
	}
	return nil
}

// ListCaseReports returns the reports accepted into a case, oldest first.
func ListCaseReports(ctx context.Context, q db.Querier, caseID string) ([]model.Report, error) {
	rows, err := q.Query(ctx, `SELECT `+reportColumns+` FROM vdp_reports WHERE case_id = $1 ORDER BY received_at`, caseID)
	if err != nil {
		return nil, fmt.Errorf("vdp: case reports: %w", err)
	}
	defer rows.Close()
	var out []model.Report
	for rows.Next() {
		r, err := ScanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SubmitterOrgs answers the organisations that reported into a case.
func SubmitterOrgs(ctx context.Context, q db.Querier, caseID string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT submitter_org_id FROM vdp_reports WHERE case_id = $1 AND submitter_org_id IS NOT NULL`, caseID)
	if err != nil {
		return nil, fmt.Errorf("vdp: submitters: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

const vulnColumns = `id, case_id, position, title, description, cwe, cve_id, cvss3, cvss4, ssvc, created_at, updated_at`

func scanVuln(row db.Row) (model.Vuln, error) {
	var v model.Vuln
	var cve *string
	var c3, c4, sv string
	err := row.Scan(&v.ID, &v.CaseID, &v.Position, &v.Title, &v.Description, &v.CWE, &cve, &c3, &c4, &sv, &v.CreatedAt, &v.UpdatedAt)
	if cve != nil {
		v.CVEID = *cve
	}
	v.CVSS3, v.CVSS4, v.SSVC = score(c3), score(c4), decodeDecision(sv)
	return v, err
}

// GetVuln answers a vulnerability of a case (db.ErrNoRows when the case
// has none of that ID).
func GetVuln(ctx context.Context, q db.Querier, caseID, vulnID string) (model.Vuln, error) {
	return scanVuln(q.QueryRow(ctx, `SELECT `+vulnColumns+` FROM vdp_vulns WHERE id = $1 AND case_id = $2`, vulnID, caseID))
}

// ListVulns answers a case's vulnerabilities in their order.
func ListVulns(ctx context.Context, q db.Querier, caseID string) ([]model.Vuln, error) {
	rows, err := q.Query(ctx, `SELECT `+vulnColumns+` FROM vdp_vulns WHERE case_id = $1 ORDER BY position`, caseID)
	if err != nil {
		return nil, fmt.Errorf("vdp: vulnerabilities: %w", err)
	}
	defer rows.Close()
	out := []model.Vuln{}
	for rows.Next() {
		v, err := scanVuln(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SaveVuln writes a vulnerability (insert: a new one); a CVE ID given to
// another is a field error on cve_id.
func SaveVuln(ctx context.Context, tx *db.Tx, v model.Vuln, insert bool) error {
	var cve *string
	if v.CVEID != "" {
		cve = &v.CVEID
	}
	args := []any{v.ID, v.CaseID, v.Position, v.Title, v.Description, v.CWE, cve, Vector(v.CVSS3), Vector(v.CVSS4),
		encodeDecision(v.SSVC), v.CreatedAt, v.UpdatedAt}
	var err error
	if insert {
		_, err = tx.Exec(ctx, `INSERT INTO vdp_vulns (`+vulnColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, args...)
	} else {
		_, err = tx.Exec(ctx, `UPDATE vdp_vulns SET case_id = $2, position = $3, title = $4, description = $5, cwe = $6,
			cve_id = $7, cvss3 = $8, cvss4 = $9, ssvc = $10, created_at = $11, updated_at = $12 WHERE id = $1`, args...)
	}
	if db.IsUniqueViolation(err) {
		return errs.InvalidField("cve_id", "is already given to another vulnerability")
	}
	if err != nil {
		return fmt.Errorf("vdp: save vulnerability: %w", err)
	}
	return nil
}

// ListStatuses answers the vendors' statements on a case's
// vulnerabilities.
func ListStatuses(ctx context.Context, q db.Querier, caseID string) ([]model.ProductStatus, error) {
	rows, err := q.Query(ctx, `SELECT id, vuln_id, vendor_org_id, product, status, statement, fixed_versions, mitigation,
		workaround, updated_by, updated_at FROM vdp_product_status WHERE case_id = $1 ORDER BY vendor_org_id, product, vuln_id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("vdp: statuses: %w", err)
	}
	defer rows.Close()
	out := []model.ProductStatus{}
	for rows.Next() {
		var p model.ProductStatus
		if err := rows.Scan(&p.ID, &p.VulnID, &p.VendorOrgID, &p.Product, &p.Status, &p.Statement, &p.FixedVersions,
			&p.Mitigation, &p.Workaround, &p.UpdatedBy, &p.UpdatedAt); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ListCases returns the cases the organisations orgIDs run, take part in
// or reported into (or all, for staff), newest first.
func ListCases(ctx context.Context, q db.Querier, orgIDs []string, all bool, f model.CaseFilter, afterAt *time.Time, afterID string) ([]model.Case, error) {
	var conds []string
	var args db.Args
	arg := func(v any) string { return args.Add(v) }
	if !all {
		if len(orgIDs) == 0 {
			return nil, nil
		}
		mine := db.In(&args, orgIDs)
		conds = append(conds, `(owner_org_id IN (`+mine+`)
			OR id IN (SELECT case_id FROM vdp_participants WHERE org_id IN (`+mine+`))
			OR id IN (SELECT case_id FROM vdp_reports WHERE case_id IS NOT NULL AND submitter_org_id IN (`+mine+`)))`)
	}
	if f.Status != "" {
		if f.Status == "active" {
			conds = append(conds, `status IN ('open', 'coordinating', 'remediation')`)
		} else {
			conds = append(conds, `status = `+arg(f.Status))
		}
	}
	if f.Owner != "" {
		conds = append(conds, `owner_org_id = `+arg(f.Owner))
	}
	if f.CVE != "" {
		conds = append(conds, `id IN (SELECT case_id FROM vdp_vulns WHERE cve_id = `+arg(strings.ToUpper(f.CVE))+`)`)
	}
	if f.Query != "" {
		like := "%" + db.EscapeLike(strings.ToLower(f.Query)) + "%"
		conds = append(conds, fmt.Sprintf(`(LOWER(title) LIKE %s ESCAPE '\' OR number = %s)`, arg(like), arg(strings.ToUpper(f.Query))))
	}
	if afterAt != nil {
		t, id := arg(*afterAt), arg(afterID)
		conds = append(conds, fmt.Sprintf(`(created_at < %s OR (created_at = %s AND id < %s))`, t, t, id))
	}
	query := `SELECT ` + caseColumns + ` FROM vdp_cases`
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, " AND ")
	}
	query += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, f.Limit+1)
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("vdp: list cases: %w", err)
	}
	defer rows.Close()
	var out []model.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ListDates answers the changes of a case's publication date, oldest first.
func ListDates(ctx context.Context, q db.Querier, caseID string) ([]model.DateChange, error) {
	rows, err := q.Query(ctx, `SELECT old_at, new_at, reason, created_at FROM vdp_date_changes WHERE case_id = $1 ORDER BY created_at`, caseID)
	if err != nil {
		return nil, fmt.Errorf("vdp: date changes: %w", err)
	}
	defer rows.Close()
	out := []model.DateChange{}
	for rows.Next() {
		var d model.DateChange
		if err := rows.Scan(&d.OldAt, &d.NewAt, &d.Reason, &d.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// ProductsNamed answers the products named by the reports of the cases
// created after t, oldest case first, at most limit rows.
func ProductsNamed(ctx context.Context, q db.Querier, t time.Time, limit int) ([]model.NamedProduct, error) {
	out, err := db.QueryAll(ctx, q, func(r db.Row) (model.NamedProduct, error) {
		var n model.NamedProduct
		err := r.Scan(&n.CaseID, &n.CaseNumber, &n.CaseCreatedAt, &n.Vendor, &n.Product, &n.Versions)
		return n, err
	}, `SELECT c.id, c.number, c.created_at, r.vendor, r.product, r.versions FROM vdp_cases c
		JOIN vdp_reports r ON r.case_id = c.id
		WHERE c.created_at > $1 AND r.product <> '' ORDER BY c.created_at, c.id LIMIT $2`, t, limit)
	if err != nil {
		return nil, fmt.Errorf("vdp: products named: %w", err)
	}
	return out, nil
}
