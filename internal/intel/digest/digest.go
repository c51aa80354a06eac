package digest

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/intel/asn"
	"github.com/certhub/certhub/internal/intel/routing"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// Origins answers the AS table that names each address's AS in the
// digest; intel.Service is one.
type Origins interface {
	Origins(ctx context.Context) *asn.Table
}

// Directory loads the organisations the digests go to (contacts and
// OpenPGP key); the directory's Service is one.
type Directory interface {
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error)
}

// system is who reads the directory for the digests.
var system = auth.System("intel")

// Options configure the Sender.
type Options struct {
	// DB holds intel's routes and digest settings.
	DB      *db.DB
	Origins Origins
	// Directory answers the organisations; nil: no digest is sent.
	Directory Directory
	// Outbox sends the digests; nil sends none.
	Outbox *notify.Outbox
	// CenterName and BaseURL appear in the digests.
	CenterName, BaseURL string
	Now                 func() time.Time
	Log                 *slog.Logger
}

// Sender sends the digests.
type Sender struct {
	db                  *db.DB
	origins             Origins
	dir                 Directory
	outbox              *notify.Outbox
	centerName, baseURL string
	now                 func() time.Time
	log                 *slog.Logger
}

// New makes the Sender.
func New(o Options) *Sender {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Sender{db: o.DB, origins: o.Origins, dir: o.Directory, outbox: o.Outbox, now: o.Now, log: o.Log,
		centerName: cmp.Or(o.CenterName, "The CERT coordination center"), baseURL: strings.TrimSuffix(o.BaseURL, "/")}
}

// Args is the periodic job that sends the digests.
type Args struct{}

// Kind names the job.
func (Args) Kind() string { return "intel.digests" }

type digestWorker struct {
	jobs.WorkerDefaults[Args]
	s *Sender
}

func (w *digestWorker) Work(ctx context.Context, _ *jobs.Job[Args]) error {
	n, err := w.s.SendDigests(ctx)
	if n > 0 {
		w.s.log.Info("threat-intelligence digests sent", "organisations", n)
	}
	return err
}

// Register adds the hourly job that sends the digests to q.
func (s *Sender) Register(q *jobs.Queue) {
	jobs.AddWorker(q, &digestWorker{s: s})
	q.Every("intel.digests", time.Hour, func() jobs.Args { return Args{} })
}

// maxDigestLines bounds one digest; the rest waits for the next.
const maxDigestLines = 2000

// SendDigests sends every organisation with routes not yet told of its
// digest, and answers how many organisations were written to.
func (s *Sender) SendDigests(ctx context.Context) (int, error) {
	if s.outbox == nil || s.dir == nil {
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

func (s *Sender) sendDigest(ctx context.Context, org string) (bool, error) {
	sent := false
	origins := s.origins.Origins(ctx)
	orgs, err := s.dir.GetMany(ctx, system, []string{org})
	if err != nil {
		return false, fmt.Errorf("intel: organisation %s: %w", org, err)
	}
	if len(orgs) == 0 {
		return false, nil // an organisation deleted meanwhile took its routes with it
	}
	o := orgs[0]
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

var digestPeriod = map[string]time.Duration{"hourly": 0, "daily": 24 * time.Hour, "weekly": 7 * 24 * time.Hour}

// digestsDue answers whether an organisation's digest is due now: hourly
// (the default) every run of the job; daily and weekly once the period
// since the last one has passed (a few minutes' slack, so a job that runs
// a little early does not skip a whole period); never not at all.
func (s *Sender) digestsDue(ctx context.Context) (func(org string) bool, error) {
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

func (s *Sender) markDigestSent(ctx context.Context, tx *db.Tx, org string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO intel_digest_settings (org_id, schedule, last_sent_at, updated_at) VALUES ($1, 'hourly', $2, $2)
		ON CONFLICT (org_id) DO UPDATE SET last_sent_at = $2`, org, now)
	return err
}
