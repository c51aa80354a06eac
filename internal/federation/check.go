package federation

// The check job: every minute, each active link's exchanges are brought up
// to date (what the peer pulls is served on demand; what this side reads
// or sends is done here), a peer that fails waits longer each time, and
// what happened is recorded on the link.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/jobs"
)

// refused records on a link something the peer sent and this side refused.
func (s *Service) refused(ctx context.Context, linkID, msg string) {
	now := s.now().UTC()
	_ = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := getLink(ctx, tx, linkID); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, linkID, now, "refused", msg); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "federation.link.refused", ObjectType: "federation_link", ObjectID: linkID, Summary: msg})
	})
}

// recordFailure notes an exchange that failed (once per run of failures in
// the history; each counted) and answers how many failed in a row.
func (s *Service) recordFailure(ctx context.Context, linkID, msg string) int {
	now := s.now().UTC()
	var failures int
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `UPDATE federation_links SET failures = failures + 1, last_error = $2, updated_at = $3 WHERE id = $1
			RETURNING failures`, linkID, msg, now).Scan(&failures); err != nil {
			return err
		}
		if failures == 1 {
			return addEvent(ctx, tx, linkID, now, "failed", msg)
		}
		return nil
	})
	if err != nil && !errors.Is(err, db.ErrNoRows) {
		s.log.Warn("federation: failure not recorded", "link", linkID, "err", err)
	}
	return failures
}

// recordOK notes an exchange that worked at at.
func (s *Service) recordOK(ctx context.Context, linkID string, at time.Time) {
	now := s.now().UTC()
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		var failures int
		if err := tx.QueryRow(ctx, `SELECT failures FROM federation_links WHERE id = $1`, linkID).Scan(&failures); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE federation_links SET failures = 0, last_error = '', last_ok_at = $2, updated_at = $3 WHERE id = $1`,
			linkID, at, now); err != nil {
			return err
		}
		if failures > 0 {
			return addEvent(ctx, tx, linkID, now, "recovered", fmt.Sprintf("exchanging again after %d failed attempts", failures))
		}
		return nil
	})
	if err != nil && !errors.Is(err, db.ErrNoRows) {
		s.log.Warn("federation: success not recorded", "link", linkID, "err", err)
	}
}

// CheckArgs is the periodic job that checks the active links.
type CheckArgs struct{}

// Kind names the job.
func (CheckArgs) Kind() string { return "federation.check" }

type checkWorker struct {
	jobs.WorkerDefaults[CheckArgs]
	s *Service
}

func (w *checkWorker) Work(ctx context.Context, _ *jobs.Job[CheckArgs]) error {
	if _, err := w.s.Check(ctx); err != nil {
		return err
	}
	_, err := w.s.SyncDue(ctx)
	return err
}

// Timeout bounds a check: providers with many documents take a while.
func (w *checkWorker) Timeout(*jobs.Job[CheckArgs]) time.Duration { return 30 * time.Minute }

// CheckEvery is how often the links are checked.
const CheckEvery = time.Minute

// Register adds the check job to the queue.
func (s *Service) Register(q *jobs.Queue) {
	jobs.AddWorker(q, &checkWorker{s: s})
	q.Every("federation.check", CheckEvery, func() jobs.Args { return CheckArgs{} })
}

// Check brings every active link's exchanges up to date: what each needs
// exists (made again when a step failed), and its health follows its
// pulls — the last that worked, or the error of the last that did not.
// It answers how many links it checked.
func (s *Service) Check(ctx context.Context) (int, error) {
	var links []Link
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		links, err = db.QueryAll(ctx, q, scanLink, `SELECT `+linkColumns+` FROM federation_links WHERE status = $1`, Active)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("federation: check: %w", err)
	}
	for _, l := range links {
		st, ok, err := s.intel.State(ctx, l.ID)
		if err != nil {
			return 0, err
		}
		if l.inbound() && !ok || strings.HasPrefix(l.LastError, "setting up") {
			if err := s.reconcile(ctx, l); err != nil {
				s.recordFailure(ctx, l.ID, "setting up the exchange: "+err.Error())
				continue
			}
			if st, ok, err = s.intel.State(ctx, l.ID); err != nil {
				return 0, err
			}
		}
		if slices.Contains(l.PeerShares, ShareDirectory) && (l.directoryAt == nil || s.now().Sub(*l.directoryAt) >= DirectoryEvery) {
			if _, err := s.db.Exec(ctx, `UPDATE federation_links SET directory_at = $2 WHERE id = $1`, l.ID, s.now().UTC()); err != nil {
				return 0, err
			}
			if _, err := s.MirrorDirectory(ctx, l.ID); err != nil {
				s.log.Warn("federation: the peer's directory not mirrored", "link", l.ID, "err", err)
			}
		}
		if l.pushes() && (l.pushNext == nil || !s.now().Before(*l.pushNext)) {
			if err := s.push(ctx, l); err != nil {
				return 0, err
			}
		}
		if !l.pulls() || !ok || st.LastRunAt == nil || l.lastPull != nil && !st.LastRunAt.After(*l.lastPull) {
			continue // no pull since the last check
		}
		if _, err := s.db.Exec(ctx, `UPDATE federation_links SET last_pull_at = $2 WHERE id = $1`, l.ID, *st.LastRunAt); err != nil {
			return 0, err
		}
		if st.LastError == "" {
			s.recordOK(ctx, l.ID, *st.LastRunAt)
			continue
		}
		failures := s.recordFailure(ctx, l.ID, "pulling the peer's intelligence: "+st.LastError)
		if err := s.intel.Defer(ctx, l.ID, st.LastRunAt.Add(Backoff(failures))); err != nil {
			s.log.Warn("federation: the next pull not put off", "link", l.ID, "err", err)
		}
	}
	return len(links), nil
}

// push sends the peer what is new of our intelligence. A push that fails
// is on the link and tried again after the backoff; objects the peer
// refused are recorded with its reasons.
func (s *Service) push(ctx context.Context, l Link) error {
	token, err := s.peerCredential(l)
	if err != nil {
		return err
	}
	res, err := s.intel.Push(ctx, IntelPush{Key: l.ID, UserID: l.userID, Collection: l.Collection, URL: l.PeerCollection, Token: token})
	now := s.now().UTC()
	if err != nil {
		failures := s.recordFailure(ctx, l.ID, "pushing our intelligence: "+err.Error())
		_, err := s.db.Exec(ctx, `UPDATE federation_links SET push_next_at = $2 WHERE id = $1`, l.ID, now.Add(Backoff(failures)))
		return err
	}
	if res.Refused > 0 {
		s.refused(ctx, l.ID, fmt.Sprintf("the peer refused %d of the objects pushed: %s", res.Refused, strings.Join(res.Reasons, "; ")))
	}
	if res.Sent+res.Refused > 0 { // the peer answered
		s.recordOK(ctx, l.ID, now)
	}
	if l.pushNext != nil {
		_, err = s.db.Exec(ctx, `UPDATE federation_links SET push_next_at = NULL WHERE id = $1`, l.ID)
	}
	return err
}

// DirectoryEvery is how often a peer's directory is mirrored.
const DirectoryEvery = 15 * time.Minute

// Backoff is how long after its n-th failure in a row a peer is tried
// again: 15 minutes, doubling, at most 6 hours.
func Backoff(n int) time.Duration {
	d := 15 * time.Minute
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}
