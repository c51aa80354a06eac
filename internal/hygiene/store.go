package hygiene

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/hygiene/probe"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

func splitList(s string) []string {
	out := []string{}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func getPermission(ctx context.Context, q db.Querier, orgID string) (*Permission, error) {
	var p Permission
	var cats, sels string
	err := q.QueryRow(ctx, `SELECT org_id, categories, granted_by, granted_on, reference, dkim_selectors, signed_security_txt, recorded_by, recorded_at
		FROM hygiene_permissions WHERE org_id = $1`, orgID).Scan(&p.OrgID, &cats, &p.GrantedBy, &p.GrantedOn, &p.Reference, &sels,
		&p.SignedSecurityTxt, &p.RecordedBy, &p.RecordedAt)
	if errors.Is(err, db.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("hygiene: permission: %w", err)
	}
	p.Categories, p.DKIMSelectors = splitList(cats), splitList(sels)
	return &p, nil
}

func putPermission(ctx context.Context, tx *db.Tx, p Permission) error {
	_, err := tx.Exec(ctx, `INSERT INTO hygiene_permissions (org_id, categories, granted_by, granted_on, reference, dkim_selectors, signed_security_txt,
		recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (org_id) DO UPDATE SET categories = excluded.categories, granted_by = excluded.granted_by, granted_on = excluded.granted_on,
		reference = excluded.reference, dkim_selectors = excluded.dkim_selectors, signed_security_txt = excluded.signed_security_txt,
		recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at`,
		p.OrgID, strings.Join(p.Categories, ","), p.GrantedBy, p.GrantedOn, p.Reference, strings.Join(p.DKIMSelectors, ","), p.SignedSecurityTxt,
		p.RecordedBy, p.RecordedAt)
	if err != nil {
		return fmt.Errorf("hygiene: permission: %w", err)
	}
	return nil
}

func deletePermission(ctx context.Context, tx *db.Tx, orgID string) error {
	_, err := tx.Exec(ctx, `DELETE FROM hygiene_permissions WHERE org_id = $1`, orgID)
	return err
}

// tracked is an organisation the schedule knows.
type tracked struct {
	OrgID, Sector, CERTOrgID string
	NextAt                   time.Time
}

// track adds the organisations the schedule does not know yet and keeps
// the sector and CERT of the others current.
func track(ctx context.Context, tx *db.Tx, list []tracked) error {
	for _, o := range list {
		if _, err := tx.ExecRepeated(ctx, `INSERT INTO hygiene_orgs (org_id, sector, cert_org_id, next_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (org_id) DO UPDATE SET sector = excluded.sector, cert_org_id = excluded.cert_org_id`,
			o.OrgID, o.Sector, o.CERTOrgID, o.NextAt); err != nil {
			return fmt.Errorf("hygiene: schedule: %w", err)
		}
	}
	return nil
}

// reconcileSchedule brings the schedule to list, the organisations with
// something to check: new ones added, changed sectors and CERTs written,
// organisations gone forgotten. Only what differs is written.
func reconcileSchedule(ctx context.Context, tx *db.Tx, list []tracked) error {
	type known struct{ sector, cert string }
	have := map[string]known{}
	rows, err := tx.Query(ctx, `SELECT org_id, sector, cert_org_id FROM hygiene_orgs`)
	if err != nil {
		return fmt.Errorf("hygiene: schedule: %w", err)
	}
	for rows.Next() {
		var id string
		var k known
		if err := rows.Scan(&id, &k.sector, &k.cert); err != nil {
			rows.Close()
			return err
		}
		have[id] = k
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var changed []tracked
	for _, o := range list {
		k, ok := have[o.OrgID]
		if !ok || k.sector != o.Sector || k.cert != o.CERTOrgID {
			changed = append(changed, o)
		}
		delete(have, o.OrgID)
	}
	if err := track(ctx, tx, changed); err != nil {
		return err
	}
	gone := make([]string, 0, len(have))
	for id := range have {
		gone = append(gone, id)
	}
	for i := 0; i < len(gone); i += 500 {
		args := db.Args{}
		if _, err := tx.Exec(ctx, `DELETE FROM hygiene_orgs WHERE org_id IN (`+db.In(&args, gone[i:min(i+500, len(gone))])+`)`, args...); err != nil {
			return fmt.Errorf("hygiene: schedule: %w", err)
		}
	}
	return nil
}

func trackedOrg(ctx context.Context, q db.Querier, orgID string) (tracked, bool, error) {
	var o tracked
	err := q.QueryRow(ctx, `SELECT org_id, sector, cert_org_id, next_at FROM hygiene_orgs WHERE org_id = $1`, orgID).Scan(&o.OrgID, &o.Sector, &o.CERTOrgID, &o.NextAt)
	if errors.Is(err, db.ErrNoRows) {
		return o, false, nil
	}
	return o, err == nil, err
}

// due answers the organisations whose next run has come, the longest
// waiting first.
func due(ctx context.Context, q db.Querier, now time.Time, limit int) ([]tracked, error) {
	return db.QueryAll(ctx, q, func(r db.Row) (tracked, error) {
		var o tracked
		return o, r.Scan(&o.OrgID, &o.Sector, &o.CERTOrgID, &o.NextAt)
	}, `SELECT org_id, sector, cert_org_id, next_at FROM hygiene_orgs WHERE next_at <= $1 ORDER BY next_at LIMIT `+fmt.Sprint(limit), now)
}

const runColumns = `r.id, r.org_id, r.sector, r.cert_org_id, r.trigger, r.requested_by, r.state, r.error, r.score, r.passed, r.failed, r.skipped,
	r.created_at, r.started_at, r.finished_at`

func scanRun(row db.Row) (Run, error) {
	var r Run
	err := row.Scan(&r.ID, &r.OrgID, &r.Sector, &r.CERTOrgID, &r.Trigger, &r.RequestedBy, &r.State, &r.Error, &r.Score, &r.Passed, &r.Failed,
		&r.Skipped, &r.CreatedAt, &r.StartedAt, &r.FinishedAt)
	return r, err
}

func insertRun(ctx context.Context, tx *db.Tx, r Run) error {
	_, err := tx.Exec(ctx, `INSERT INTO hygiene_runs (id, org_id, sector, cert_org_id, trigger, requested_by, state, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.ID, r.OrgID, r.Sector, r.CERTOrgID, r.Trigger, r.RequestedBy, r.State, r.CreatedAt)
	if err != nil {
		return fmt.Errorf("hygiene: run: %w", err)
	}
	return nil
}

func getRun(ctx context.Context, q db.Querier, id string) (Run, error) {
	r, err := scanRun(q.QueryRow(ctx, `SELECT `+runColumns+` FROM hygiene_runs r WHERE r.id = $1`, id))
	if errors.Is(err, db.ErrNoRows) {
		return Run{}, errs.NotFound("no such run")
	}
	return r, err
}

// pendingRun answers the organisation's run queued or running, if any.
func pendingRun(ctx context.Context, q db.Querier, orgID string) (*Run, error) {
	r, err := scanRun(q.QueryRow(ctx, `SELECT `+runColumns+` FROM hygiene_runs r WHERE r.org_id = $1 AND r.state IN ('queued', 'running')
		ORDER BY r.created_at DESC LIMIT 1`, orgID))
	if errors.Is(err, db.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func listRuns(ctx context.Context, q db.Querier, orgID string, limit int) ([]Run, error) {
	return db.QueryAll(ctx, q, scanRun, `SELECT `+runColumns+` FROM hygiene_runs r WHERE r.org_id = $1 ORDER BY r.created_at DESC LIMIT `+fmt.Sprint(limit), orgID)
}

func startRun(ctx context.Context, tx *db.Tx, id string, now time.Time) (bool, error) {
	n, err := tx.Exec(ctx, `UPDATE hygiene_runs SET state = 'running', started_at = $2 WHERE id = $1 AND state = 'queued'`, id, now)
	return n == 1, err
}

func failRun(ctx context.Context, tx *db.Tx, id, why string, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE hygiene_runs SET state = 'failed', error = $2, finished_at = $3 WHERE id = $1`, id, why, now)
	return err
}

func finishRun(ctx context.Context, tx *db.Tx, r Run, results []probe.Result, now time.Time) error {
	for i := 0; i < len(results); i += 200 {
		batch := results[i:min(i+200, len(results))]
		args := db.Args{}
		var rows []string
		for _, x := range batch {
			c, _ := probe.Lookup(x.Check)
			rows = append(rows, "("+args.In(r.ID, x.Check, x.Target, string(x.Status), string(c.Severity), x.Evidence)+")")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO hygiene_results (run_id, check_id, target, status, severity, evidence) VALUES `+strings.Join(rows, ", ")+
			` ON CONFLICT (run_id, check_id, target) DO NOTHING`, args...); err != nil {
			return fmt.Errorf("hygiene: results: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE hygiene_runs SET state = 'done', score = $2, passed = $3, failed = $4, skipped = $5, finished_at = $6, month = $7 WHERE id = $1`,
		r.ID, r.Score, r.Passed, r.Failed, r.Skipped, now, r.Month); err != nil {
		return fmt.Errorf("hygiene: run: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE hygiene_orgs SET last_run_id = $2, checked_at = $3, score = $4 WHERE org_id = $1`, r.OrgID, r.ID, now, r.Score); err != nil {
		return fmt.Errorf("hygiene: schedule: %w", err)
	}
	if r.Score == nil {
		return nil
	}
	// The month's sums: over all, the sector, the CERT's constituents and
	// the CERT's constituents of the sector.
	keys := [][2]string{{"", ""}}
	if r.Sector != "" {
		keys = append(keys, [2]string{"", r.Sector})
	}
	if r.CERTOrgID != "" {
		keys = append(keys, [2]string{r.CERTOrgID, ""})
		if r.Sector != "" {
			keys = append(keys, [2]string{r.CERTOrgID, r.Sector})
		}
	}
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `INSERT INTO hygiene_months (cert_org_id, sector, month, total, runs) VALUES ($1, $2, $3, $4, 1)
			ON CONFLICT (cert_org_id, sector, month) DO UPDATE SET total = hygiene_months.total + excluded.total, runs = hygiene_months.runs + 1`,
			k[0], k[1], r.Month, *r.Score); err != nil {
			return fmt.Errorf("hygiene: months: %w", err)
		}
	}
	return nil
}

func listResults(ctx context.Context, q db.Querier, runID string) ([]Result, error) {
	return db.QueryAll(ctx, q, func(row db.Row) (Result, error) {
		var r Result
		err := row.Scan(&r.Check, &r.Target, &r.Status, &r.Severity, &r.Evidence)
		return r, err
	}, `SELECT check_id, target, status, severity, evidence FROM hygiene_results WHERE run_id = $1`, runID)
}

const findingColumns = `f.id, f.org_id, f.sector, f.cert_org_id, f.check_id, f.target, f.severity, f.evidence, f.state, f.first_seen, f.last_seen,
	f.fixed_at, f.reopened, f.last_run_id`

func scanFinding(row db.Row) (Finding, error) {
	var f Finding
	err := row.Scan(&f.ID, &f.OrgID, &f.Sector, &f.CERTOrgID, &f.Check, &f.Target, &f.Severity, &f.Evidence, &f.State, &f.FirstSeen, &f.LastSeen,
		&f.FixedAt, &f.Reopened, &f.LastRunID)
	return f, err
}

func orgFindings(ctx context.Context, q db.Querier, orgID string) ([]Finding, error) {
	return db.QueryAll(ctx, q, scanFinding, `SELECT `+findingColumns+` FROM hygiene_findings f WHERE f.org_id = $1`, orgID)
}

func listFindings(ctx context.Context, q db.Querier, rd reader, f FindingFilter) ([]Finding, int, error) {
	args := db.Args{}
	where := rd.Where(&args, "f")
	if f.OrgID != "" {
		where += " AND f.org_id = " + args.Add(f.OrgID)
	}
	if f.Sector != "" {
		where += " AND f.sector = " + args.Add(f.Sector)
	}
	if f.State != "all" {
		where += " AND f.state = " + args.Add(f.State)
	}
	if f.Severity != "" {
		where += " AND f.severity_rank >= " + args.Add(probe.Severity(f.Severity).Rank())
	}
	if f.Check != "" {
		where += " AND f.check_id = " + args.Add(f.Check)
	}
	var total int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM hygiene_findings f WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("hygiene: findings: %w", err)
	}
	list, err := db.QueryAll(ctx, q, scanFinding, `SELECT `+findingColumns+` FROM hygiene_findings f WHERE `+where+
		fmt.Sprintf(` ORDER BY f.severity_rank DESC, f.first_seen, f.id LIMIT %d OFFSET %d`, f.Limit, (f.Page-1)*f.Limit), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("hygiene: findings: %w", err)
	}
	return list, total, nil
}
