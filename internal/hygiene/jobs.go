package hygiene

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// CheckArgs is one run of an organisation's checks, on the hygiene queue.
type CheckArgs struct {
	RunID string `json:"run_id"`
	OrgID string `json:"org_id"`
}

// Kind names the job.
func (CheckArgs) Kind() string { return "hygiene.check" }

type checkWorker struct {
	jobs.WorkerDefaults[CheckArgs]
	s *Service
}

// Timeout lets a run sweep an organisation's addresses at its rate limit.
func (w *checkWorker) Timeout(*jobs.Job[CheckArgs]) time.Duration { return time.Hour }

func (w *checkWorker) Work(ctx context.Context, j *jobs.Job[CheckArgs]) error {
	return w.s.Execute(ctx, j.Args.RunID)
}

type scheduleArgs struct{}

func (scheduleArgs) Kind() string { return "hygiene.schedule" }

type scheduleWorker struct {
	jobs.WorkerDefaults[scheduleArgs]
	s *Service
}

func (w *scheduleWorker) Work(ctx context.Context, _ *jobs.Job[scheduleArgs]) error {
	_, n, err := w.s.Schedule(ctx)
	if err == nil && n > 0 {
		w.s.log.Info("hygiene checks queued", "runs", n)
	}
	return err
}

type notifyArgs struct{}

func (notifyArgs) Kind() string { return "hygiene.notify" }

type notifyWorker struct {
	jobs.WorkerDefaults[notifyArgs]
	s *Service
}

func (w *notifyWorker) Work(ctx context.Context, _ *jobs.Job[notifyArgs]) error {
	_, err := w.s.Notify(ctx)
	return err
}

// Register adds the workers and the periodic schedule and digest.
func (s *Service) Register(q *jobs.Queue) {
	s.queue = q
	jobs.AddWorker(q, &checkWorker{s: s})
	jobs.AddWorker(q, &scheduleWorker{s: s})
	jobs.AddWorker(q, &notifyWorker{s: s})
	q.Every("hygiene.schedule", 5*time.Minute, func() jobs.Args { return scheduleArgs{} })
	q.Every("hygiene.notify", time.Hour, func() jobs.Args { return notifyArgs{} })
}

// WithQueue is the service enqueueing on q without running jobs (the
// command line, the demo loader).
func (s *Service) WithQueue(q *jobs.Queue) *Service {
	c := *s
	c.queue = q
	return &c
}

// maxPerRound bounds the runs one schedule round queues; the next round
// takes the rest.
const maxPerRound = 2000

// offset spreads organisations over the interval by their id, so a
// cycle's runs arrive at an even pace and an organisation keeps its slot.
func offset(orgID string, interval time.Duration) time.Duration {
	h := fnv.New64a()
	_, _ = h.Write([]byte(orgID))
	return time.Duration(h.Sum64() % uint64(interval))
}

// Schedule brings the schedule up to date with the directory — every
// organisation with a domain or an address range is checked, new ones in
// a slot spread over the interval — and queues the runs that have come
// due. It answers how many organisations are tracked and how many runs it
// queued.
func (s *Service) Schedule(ctx context.Context) (int, int, error) {
	cons, err := s.orgs.Constituencies(ctx, system)
	if err != nil {
		return 0, 0, err
	}
	var ids []string
	for id, c := range cons {
		if len(c.Domains) > 0 || len(c.CIDRs) > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	now := s.now().UTC()
	var list []tracked
	for i := 0; i < len(ids); i += 500 {
		orgs, err := s.orgs.GetMany(ctx, system, ids[i:min(i+500, len(ids))])
		if err != nil {
			return 0, 0, err
		}
		for _, o := range orgs {
			list = append(list, tracked{OrgID: o.ID, Sector: o.Sector, CERTOrgID: o.Parent(), NextAt: now.Add(offset(o.ID, s.interval))})
		}
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error { return reconcileSchedule(ctx, tx, list) })
	if err != nil {
		return 0, 0, err
	}
	queued := 0
	for queued < maxPerRound {
		var batch []tracked
		if err := s.db.Read(ctx, func(q db.Querier) (err error) {
			batch, err = due(ctx, q, now, min(200, maxPerRound-queued))
			return err
		}); err != nil {
			return len(list), queued, err
		}
		if len(batch) == 0 {
			break
		}
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			for _, o := range batch {
				next := o.NextAt.Add(s.interval)
				if !next.After(now) { // the server was down for a cycle: back to the organisation's slot
					next = now.Add(s.interval - (now.Sub(o.NextAt) % s.interval))
				}
				if _, err := tx.Exec(ctx, `UPDATE hygiene_orgs SET next_at = $2 WHERE org_id = $1`, o.OrgID, next); err != nil {
					return err
				}
				p, err := pendingRun(ctx, tx, o.OrgID)
				if err != nil {
					return err
				}
				if p != nil {
					continue // one run at a time per organisation
				}
				if err := s.enqueue(ctx, tx, Run{ID: db.NewID(), OrgID: o.OrgID, Sector: o.Sector, CERTOrgID: o.CERTOrgID, Trigger: "schedule",
					State: Queued, CreatedAt: now}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return len(list), queued, err
		}
		queued += len(batch)
	}
	return len(list), queued, nil
}

// Notify sends the digest of new findings at or above the notification
// severity: one mail to each organisation's contacts (encrypted to its
// OpenPGP key when it has one) and one to each CERT's analysts listing
// its constituents' findings. It answers how many findings it told of.
func (s *Service) Notify(ctx context.Context) (int, error) {
	var list []Finding
	err := s.db.Read(ctx, func(q db.Querier) (err error) {
		list, err = db.QueryAll(ctx, q, scanFinding, `SELECT `+findingColumns+` FROM hygiene_findings f
			WHERE f.notified_at IS NULL AND f.state = 'open' AND f.severity_rank >= $1 ORDER BY f.org_id, f.severity_rank DESC LIMIT 5000`, s.notifyAt.Rank())
		return err
	})
	if err != nil || len(list) == 0 {
		return 0, err
	}
	var orgIDs []string
	seen := map[string]bool{}
	for _, f := range list {
		if !seen[f.OrgID] {
			seen[f.OrgID] = true
			orgIDs = append(orgIDs, f.OrgID)
		}
	}
	orgs, err := s.orgs.GetMany(ctx, system, orgIDs)
	if err != nil {
		return 0, err
	}
	names := map[string]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	describeFindings(list, names)
	byOrg := map[string][]Finding{}
	byCERT := map[string][]Finding{}
	for _, f := range list {
		byOrg[f.OrgID] = append(byOrg[f.OrgID], f)
		if f.CERTOrgID != "" {
			byCERT[f.CERTOrgID] = append(byCERT[f.CERTOrgID], f)
		}
	}
	now := s.now().UTC()
	for _, o := range orgs {
		fs := byOrg[o.ID]
		var to []string
		for _, c := range o.Contacts {
			if c.Email != "" && notify.ValidAddress(c.Email) && !slices.Contains(to, c.Email) {
				to = append(to, c.Email)
			}
		}
		lines := make([]string, len(fs))
		ids := make([]string, len(fs))
		for i, f := range fs {
			lines[i], ids[i] = f.summary(s.baseURL), f.ID
		}
		body := fmt.Sprintf("The hygiene checks of %s found %d new problems that need attention:\n\n%s\n\nEach closes itself at the next check that sees it fixed; run a check now from the page.",
			o.Name, len(fs), strings.Join(lines, "\n"))
		if o.PGPKey != "" {
			if enc, err := pgp.Encrypt([]byte(body), o.PGPKey); err == nil {
				body = enc
			} else {
				s.log.Warn("could not encrypt a hygiene digest; sending it in clear", "org", o.ID, "err", err)
			}
		}
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			args := db.Args{now}
			if _, err := tx.Exec(ctx, `UPDATE hygiene_findings SET notified_at = $1 WHERE id IN (`+db.In(&args, ids)+`)`, args...); err != nil {
				return err
			}
			if s.outbox != nil && len(to) > 0 {
				if err := s.outbox.Send(ctx, tx, notify.Mail{To: to, Tag: "hygiene.digest",
					Subject: fmt.Sprintf("%d hygiene findings for %s", len(fs), o.Name), Text: body + "\n\n-- \n" + s.centerName + "\n"}); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, now, audit.Event{Action: "hygiene.digest", ObjectType: "org", ObjectID: o.ID, OrgID: o.ID,
				Summary: fmt.Sprintf("digest of %d hygiene findings to %s (%d addresses)", len(fs), o.Name, len(to))})
		})
		if err != nil {
			return 0, err
		}
	}
	certIDs := make([]string, 0, len(byCERT))
	for id := range byCERT {
		certIDs = append(certIDs, id)
	}
	slices.Sort(certIDs)
	for _, cert := range certIDs {
		people, err := s.orgs.Members(ctx, system, cert)
		if err != nil {
			return 0, err
		}
		to := auth.Handlers(people)
		if len(to) == 0 || s.outbox == nil {
			continue
		}
		fs := byCERT[cert]
		var lines []string
		for _, f := range fs {
			lines = append(lines, fmt.Sprintf("%s: %s", f.Org, strings.TrimPrefix(f.summary(s.baseURL), "- ")))
		}
		body := fmt.Sprintf("Hygiene checks found %d new problems at your constituents:\n\n%s\n", len(fs), strings.Join(lines, "\n"))
		if err := s.db.Write(ctx, func(tx *db.Tx) error {
			return s.outbox.Send(ctx, tx, notify.Mail{To: to, Tag: "hygiene.digest.cert", Subject: fmt.Sprintf("%d hygiene findings at your constituents", len(fs)),
				Text: body + "\n-- \n" + s.centerName + "\n"})
		}); err != nil {
			return 0, err
		}
	}
	return len(list), nil
}
