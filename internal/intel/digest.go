package intel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/intel/routing"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// Digests tell each constituent by e-mail what was routed to it since the
// last one, aggregated into one message per organisation (as IntelMQ's
// mail generator does) rather than one per indicator. The message goes to
// the organisation's contacts, encrypted to its OpenPGP key when it has
// one; without a key, TLP:AMBER+STRICT indicators are counted but not
// listed (they stay in the portal and the organisation's TAXII collection).

// DigestArgs is the periodic job that sends the digests.
type DigestArgs struct{}

func (DigestArgs) Kind() string { return "intel.digests" }

type digestWorker struct {
	jobs.WorkerDefaults[DigestArgs]
	s *Service
}

func (w *digestWorker) Work(ctx context.Context, _ *jobs.Job[DigestArgs]) error {
	n, err := w.s.SendDigests(ctx)
	if n > 0 {
		w.s.log.Info("threat-intelligence digests sent", "organisations", n)
	}
	return err
}

// Register adds the service's background work to q: digests every hour,
// pulls of the sources due every minute.
func (s *Service) Register(q *jobs.Queue) {
	s.queue = q
	jobs.AddWorker(q, &digestWorker{s: s})
	q.Every("intel.digests", time.Hour, func() jobs.Args { return DigestArgs{} })
	jobs.AddWorker(q, &pullWorker{s: s})
	jobs.AddWorker(q, &scheduleWorker{s: s})
	q.Every("intel.schedule", time.Minute, func() jobs.Args { return ScheduleArgs{} })
	jobs.AddWorker(q, &pruneWorker{s: s})
	q.Every("intel.prune", 6*time.Hour, func() jobs.Args { return PruneArgs{} })
}

// maxDigestLines bounds one digest; the rest waits for the next.
const maxDigestLines = 2000

// SendDigests sends every organisation with routes not yet told of its
// digest, and answers how many organisations were written to.
func (s *Service) SendDigests(ctx context.Context) (int, error) {
	if s.outbox == nil {
		return 0, nil
	}
	rows, err := s.db.Query(ctx, `SELECT DISTINCT org_id FROM intel_routes WHERE notified_at IS NULL`)
	if err != nil {
		return 0, fmt.Errorf("intel: digests: %w", err)
	}
	var orgIDs []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		orgIDs = append(orgIDs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	ctx = audit.WithActor(ctx, audit.Actor{Email: "system: digests"})
	due, err := s.digestsDue(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, org := range orgIDs {
		if !due(org) {
			continue
		}
		ok, err := s.sendDigest(ctx, org)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

func (s *Service) sendDigest(ctx context.Context, org string) (bool, error) {
	sent := false
	origins := s.origins(ctx)
	o, ok, err := s.orgByID(ctx, org)
	if err != nil || !ok {
		return false, err // an organisation deleted meanwhile took its routes with it
	}
	name, key := o.Name, o.PGPKey
	var to []string
	for _, c := range o.Contacts {
		if c.Email != "" {
			to = append(to, c.Email)
		}
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var lines []routing.DigestLine
		var seqs []any
		rows, err := tx.Query(ctx, `SELECT r.seq, v.type, v.value, r.tlp, r.first_seen, r.last_seen
			FROM intel_routes r JOIN intel_observables v ON v.id = r.observable_id
			WHERE r.org_id = $1 AND r.notified_at IS NULL ORDER BY r.added LIMIT `+fmt.Sprint(maxDigestLines), org)
		if err != nil {
			return err
		}
		for rows.Next() {
			var l routing.DigestLine
			var seq int64
			if err := rows.Scan(&seq, &l.Type, &l.Value, &l.TLP, &l.First, &l.Last); err != nil {
				rows.Close()
				return err
			}
			seqs = append(seqs, seq)
			lines = append(lines, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(lines) == 0 {
			return nil
		}
		now := s.now()
		for i := 0; i < len(seqs); i += 500 {
			args := db.Args{now.Unix()}
			in := args.In(seqs[i:min(i+500, len(seqs))]...)
			if _, err := tx.Exec(ctx, `UPDATE intel_routes SET notified_at = $1 WHERE seq IN (`+in+`)`, args...); err != nil {
				return fmt.Errorf("intel: digest: %w", err)
			}
		}
		if len(to) > 0 {
			body := routing.DigestText(s.centerName, s.baseURL, name, org, lines, key != "", origins)
			if key != "" {
				enc, err := pgp.Encrypt([]byte(body), key)
				if err != nil {
					s.log.Warn("could not encrypt a digest; sending the list without TLP:AMBER+STRICT lines", "org", org, "err", err)
					body = routing.DigestText(s.centerName, s.baseURL, name, org, lines, false, origins)
				} else {
					body = enc
				}
			}
			for _, addr := range to {
				if !notify.ValidAddress(addr) {
					continue
				}
				if err := s.outbox.Send(ctx, tx, notify.Mail{To: []string{addr}, Tag: "intel.digest",
					Subject: fmt.Sprintf("%d indicators concern %s", len(lines), name), Text: body}); err != nil {
					return err
				}
			}
			sent = true
		}
		if err := s.markDigestSent(ctx, tx, org, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "intel.digest", ObjectType: "org", ObjectID: org, OrgID: org,
			Summary: fmt.Sprintf("digest of %d indicators to %s (%d addresses)", len(lines), name, len(to))})
	})
	return sent, err
}

// Digest schedules: how often a constituent wants its digest.
var DigestSchedules = []string{"hourly", "daily", "weekly", "never"}

var digestPeriod = map[string]time.Duration{"hourly": 0, "daily": 24 * time.Hour, "weekly": 7 * 24 * time.Hour}

// DigestSetting is a constituent's digest schedule.
type DigestSetting struct {
	OrgID      string     `json:"org_id"`
	Schedule   string     `json:"schedule"`
	LastSentAt *time.Time `json:"last_sent_at,omitempty"`
	UpdatedAt  *time.Time `json:"updated_at,omitempty"`
}

// digestsDue answers whether an organisation's digest is due now: hourly
// (the default) every run of the job; daily and weekly once the period
// since the last one has passed (a few minutes' slack, so a job that runs
// a little early does not skip a whole period); never not at all.
func (s *Service) digestsDue(ctx context.Context) (func(org string) bool, error) {
	rows, err := s.db.Query(ctx, `SELECT org_id, schedule, last_sent_at FROM intel_digest_settings`)
	if err != nil {
		return nil, fmt.Errorf("intel: digest settings: %w", err)
	}
	defer rows.Close()
	type setting struct {
		schedule string
		last     *time.Time
	}
	m := map[string]setting{}
	for rows.Next() {
		var org string
		var st setting
		if err := rows.Scan(&org, &st.schedule, &st.last); err != nil {
			return nil, err
		}
		m[org] = st
	}
	now := s.now()
	return func(org string) bool {
		st, ok := m[org]
		if !ok {
			return true
		}
		period, ok := digestPeriod[st.schedule]
		if !ok {
			return false // never
		}
		return st.last == nil || now.Sub(*st.last) >= period-5*time.Minute
	}, rows.Err()
}

func (s *Service) markDigestSent(ctx context.Context, tx *db.Tx, org string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO intel_digest_settings (org_id, schedule, last_sent_at, updated_at) VALUES ($1, 'hourly', $2, $2)
		ON CONFLICT (org_id) DO UPDATE SET last_sent_at = $2`, org, now)
	return err
}

// MayManageDigest answers whether the caller may change an organisation's
// digest schedule: staff, and the admins of the organisation or of its
// parent CERT.
func (s *Service) MayManageDigest(ctx context.Context, id *auth.Identity, org string) (bool, error) {
	if id.IsStaff() {
		return true, nil
	}
	orgs, err := s.orgs(ctx)
	if err != nil {
		return false, err
	}
	o, ok := orgs[org]
	if !ok {
		return false, nil
	}
	return id.RoleIn(org).AtLeast(auth.RoleAdmin) || (o.parent != "" && id.RoleIn(o.parent).AtLeast(auth.RoleAdmin)), nil
}

// DigestSettingOf answers an organisation's digest schedule, for its
// members, its parent CERT and staff.
func (s *Service) DigestSettingOf(ctx context.Context, id *auth.Identity, org string) (DigestSetting, error) {
	v, err := s.Viewer(ctx, id)
	if err != nil {
		return DigestSetting{}, err
	}
	if !v.all && !v.Member(org) && !v.children[org] {
		return DigestSetting{}, errs.NotFound("no such organisation")
	}
	out := DigestSetting{OrgID: org, Schedule: "hourly"}
	err = s.db.QueryRow(ctx, `SELECT schedule, last_sent_at, updated_at FROM intel_digest_settings WHERE org_id = $1`, org).
		Scan(&out.Schedule, &out.LastSentAt, &out.UpdatedAt)
	if err != nil && !errors.Is(err, db.ErrNoRows) {
		return DigestSetting{}, fmt.Errorf("intel: digest setting: %w", err)
	}
	return out, nil
}

// SetDigestSchedule changes how often an organisation gets its digest.
func (s *Service) SetDigestSchedule(ctx context.Context, id *auth.Identity, org, schedule string) (DigestSetting, error) {
	before, err := s.DigestSettingOf(ctx, id, org)
	if err != nil {
		return DigestSetting{}, err
	}
	ok, err := s.MayManageDigest(ctx, id, org)
	if err != nil {
		return DigestSetting{}, err
	}
	if !ok {
		return DigestSetting{}, errs.Forbidden("only the organisation's admins, its CERT's and the center's staff change its digest")
	}
	if !slices.Contains(DigestSchedules, schedule) {
		var f errs.Fields
		f.Add("schedule", "hourly, daily, weekly or never")
		return DigestSetting{}, f.Err()
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		now := s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO intel_digest_settings (org_id, schedule, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (org_id) DO UPDATE SET schedule = $2, updated_at = $3`, org, schedule, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "intel.digest.schedule", ObjectType: "org", ObjectID: org, OrgID: org,
			Summary: "threat-intelligence digest: " + schedule, Before: before.Schedule, After: schedule})
	})
	if err != nil {
		return DigestSetting{}, err
	}
	return s.DigestSettingOf(ctx, id, org)
}
