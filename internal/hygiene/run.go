package hygiene

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/hygiene/probe"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// maxAddresses bounds the addresses one organisation's exposure check
// connects to; the directory may hold larger ranges than a weekly scan
// should sweep.
const maxAddresses = 1024

// scope is what a run of org checks, with its permission.
func scope(o directory.Org, p *Permission) probe.Scope {
	s := probe.Scope{Domains: o.Constituency.Domains, Allow: map[string]bool{}}
	if o.PGPKey != "" {
		s.Keys = []string{o.PGPKey}
	}
	if p != nil {
		for _, c := range p.Categories {
			s.Allow[c] = true
		}
		s.DKIMSelectors, s.SignedSecurityTxt = p.DKIMSelectors, p.SignedSecurityTxt
	}
	for _, c := range o.Constituency.CIDRs {
		pfx, err := netip.ParsePrefix(c)
		if err != nil {
			continue
		}
		for a := pfx.Masked().Addr(); pfx.Contains(a) && len(s.Addresses) < maxAddresses; a = a.Next() {
			s.Addresses = append(s.Addresses, a)
		}
	}
	return s
}

// Execute runs a queued run: the checks outside any transaction, then the
// results, the findings and the score in one.
func (s *Service) Execute(ctx context.Context, runID string) error {
	now := s.now().UTC()
	var r Run
	started := false
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		if r, err = getRun(ctx, tx, runID); err != nil {
			return err
		}
		started, err = startRun(ctx, tx, runID, now)
		return err
	})
	if err != nil || !started {
		return err // a run already taken (a retried job) is left alone
	}
	o, err := s.org(ctx, r.OrgID)
	var perm *Permission
	if err == nil {
		err = s.db.Read(ctx, func(q db.Querier) (err error) { perm, err = getPermission(ctx, q, r.OrgID); return err })
	}
	if err != nil {
		return s.db.Write(ctx, func(tx *db.Tx) error { return failRun(ctx, tx, runID, err.Error(), s.now().UTC()) })
	}
	results := s.prober.Run(ctx, scope(o, perm))
	if ctx.Err() != nil {
		return s.db.Write(context.WithoutCancel(ctx), func(tx *db.Tx) error {
			return failRun(ctx, tx, runID, "interrupted: "+ctx.Err().Error(), s.now().UTC())
		})
	}
	done := s.now().UTC()
	r.Score, r.Month = Score(results), done.Format("2006-01")
	for _, x := range results {
		switch x.Status {
		case probe.Pass:
			r.Passed++
		case probe.Fail:
			r.Failed++
		default:
			r.Skipped++
		}
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if err := finishRun(ctx, tx, r, results, done); err != nil {
			return err
		}
		opened, fixed, err := reconcile(ctx, tx, r, results, done)
		if err != nil {
			return err
		}
		score := "no score"
		if r.Score != nil {
			score = fmt.Sprintf("score %.1f", *r.Score)
		}
		return audit.Record(ctx, tx, done, audit.Event{Action: "hygiene.run", ObjectType: "hygiene_run", ObjectID: r.ID, OrgID: r.OrgID,
			Summary: fmt.Sprintf("hygiene checks of %s: %d passed, %d failed, %s; %d findings opened, %d fixed", o.Name, r.Passed, r.Failed, score, opened, fixed)})
	})
}

// reconcile opens a finding for each failed check not open already,
// refreshes the open ones, reopens the fixed ones that fail again, and
// closes those the run saw pass (or whose check ran and no longer names
// the target). Checks skipped or in error leave their findings as they
// are.
func reconcile(ctx context.Context, tx *db.Tx, r Run, results []probe.Result, now time.Time) (opened, fixed int, err error) {
	existing, err := orgFindings(ctx, tx, r.OrgID)
	if err != nil {
		return 0, 0, err
	}
	byKey := map[string]Finding{}
	for _, f := range existing {
		byKey[f.Check+"\x00"+f.Target] = f
	}
	seen := map[string]probe.Result{}
	ran := map[string]bool{}
	for _, x := range results {
		seen[x.Check+"\x00"+x.Target] = x
		if x.Status == probe.Pass || x.Status == probe.Fail {
			ran[x.Check] = true
		}
	}
	for _, x := range results {
		if x.Status != probe.Fail {
			continue
		}
		c, _ := probe.Lookup(x.Check)
		f, ok := byKey[x.Check+"\x00"+x.Target]
		switch {
		case !ok:
			_, err = tx.Exec(ctx, `INSERT INTO hygiene_findings (id, org_id, sector, cert_org_id, check_id, target, severity, severity_rank, evidence, state,
				first_seen, last_seen, last_run_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $10, $11)
				ON CONFLICT (org_id, check_id, target) DO NOTHING`,
				db.NewID(), r.OrgID, r.Sector, r.CERTOrgID, x.Check, x.Target, string(c.Severity), c.Severity.Rank(), x.Evidence, now, r.ID)
			opened++
		case f.State == Open:
			_, err = tx.Exec(ctx, `UPDATE hygiene_findings SET evidence = $2, last_seen = $3, last_run_id = $4, sector = $5, cert_org_id = $6 WHERE id = $1`,
				f.ID, x.Evidence, now, r.ID, r.Sector, r.CERTOrgID)
		default:
			_, err = tx.Exec(ctx, `UPDATE hygiene_findings SET state = 'open', evidence = $2, last_seen = $3, last_run_id = $4, fixed_at = NULL,
				notified_at = NULL, reopened = reopened + 1, sector = $5, cert_org_id = $6 WHERE id = $1`, f.ID, x.Evidence, now, r.ID, r.Sector, r.CERTOrgID)
			opened++
		}
		if err != nil {
			return 0, 0, fmt.Errorf("hygiene: findings: %w", err)
		}
	}
	var close []string
	for key, f := range byKey {
		if f.State != Open {
			continue
		}
		x, ok := seen[key]
		if (ok && x.Status == probe.Pass) || (!ok && ran[f.Check]) {
			close = append(close, f.ID)
		}
	}
	if len(close) > 0 {
		args := db.Args{now, r.ID}
		if _, err := tx.Exec(ctx, `UPDATE hygiene_findings SET state = 'fixed', fixed_at = $1, last_run_id = $2 WHERE id IN (`+db.In(&args, close)+`)`,
			args...); err != nil {
			return 0, 0, fmt.Errorf("hygiene: findings: %w", err)
		}
	}
	return opened, len(close), nil
}

// summary is a finding in one line of a digest.
func (f Finding) summary(base string) string {
	return fmt.Sprintf("- [%s] %s — %s: %s\n  %s/console/hygiene/organisations/%s", strings.ToUpper(string(f.Severity)), f.Title, f.Target, f.Evidence,
		base, f.OrgID)
}

// ImportRun records a run whose results were gathered elsewhere (another
// scanner the center runs, or the demo's history) as if it had run at
// at: the same findings, score and trend as a run of its own. The
// center's staff only.
func (s *Service) ImportRun(ctx context.Context, id *auth.Identity, orgID string, at time.Time, results []probe.Result) (Run, error) {
	if id == nil || (!id.IsStaff() && !id.IsSystem()) {
		return Run{}, errs.Forbidden("only the center's staff import hygiene results")
	}
	o, err := s.org(ctx, orgID)
	if err != nil {
		return Run{}, err
	}
	var f errs.Fields
	for i, x := range results {
		if _, ok := probe.Lookup(x.Check); !ok {
			f.Add(fmt.Sprintf("results[%d].check", i), "no such check")
		}
		if !slices.Contains([]probe.Status{probe.Pass, probe.Fail, probe.Skipped, probe.Error}, x.Status) {
			f.Add(fmt.Sprintf("results[%d].status", i), "pass, fail, skipped or error")
		}
		f.Text(fmt.Sprintf("results[%d].target", i), x.Target, true, 300)
		f.Text(fmt.Sprintf("results[%d].evidence", i), x.Evidence, false, 2000)
	}
	if err := f.Err(); err != nil {
		return Run{}, err
	}
	at = at.UTC()
	r := Run{ID: db.NewID(), OrgID: o.ID, Org: o.Name, Sector: o.Sector, CERTOrgID: o.Parent(), Trigger: "import", RequestedBy: id.Label(),
		State: Done, CreatedAt: at, StartedAt: &at, FinishedAt: &at, Score: Score(results), Month: at.Format("2006-01")}
	for _, x := range results {
		switch x.Status {
		case probe.Pass:
			r.Passed++
		case probe.Fail:
			r.Failed++
		default:
			r.Skipped++
		}
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := track(ctx, tx, []tracked{{OrgID: o.ID, Sector: o.Sector, CERTOrgID: o.Parent(), NextAt: at.Add(s.interval)}}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE hygiene_orgs SET next_at = $2 WHERE org_id = $1 AND next_at < $2`, o.ID, at.Add(s.interval)); err != nil {
			return err
		}
		r.State = Queued
		if err := insertRun(ctx, tx, r); err != nil {
			return err
		}
		r.State = Done
		if _, err := tx.Exec(ctx, `UPDATE hygiene_runs SET state = 'running', started_at = $2 WHERE id = $1`, r.ID, at); err != nil {
			return err
		}
		if err := finishRun(ctx, tx, r, results, at); err != nil {
			return err
		}
		opened, fixed, err := reconcile(ctx, tx, r, results, at)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Event{Action: "hygiene.run.import", ObjectType: "hygiene_run", ObjectID: r.ID, OrgID: o.ID,
			Summary: fmt.Sprintf("imported hygiene results of %s (%s): %d passed, %d failed; %d findings opened, %d fixed", o.Name,
				at.Format(time.DateOnly), r.Passed, r.Failed, opened, fixed)})
	})
	return r, err
}
