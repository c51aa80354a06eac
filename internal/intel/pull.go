package intel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/misp"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
)

// Pulled sources are fetched by jobs: a scheduler every minute queues the
// sources that are due (one run each, never two at once for a source), and
// a pull job fetches one, recording its run. A pull resumes where the last
// one ended: an HTTP source sends its validators (ETag, Last-Modified), a
// MISP feed fetches only the events whose timestamp changed, a TAXII
// collection asks for what was added after the last object it got.

// PullArgs is the job that fetches one source.
type PullArgs struct {
	Source string `json:"source"`
	Run    string `json:"run"`
}

func (PullArgs) Kind() string { return "intel.pull" }

// ScheduleArgs is the periodic job that queues the sources due.
type ScheduleArgs struct{}

func (ScheduleArgs) Kind() string { return "intel.schedule" }

// pullTimeout bounds one pull; a feed that takes longer is cut off and
// tried again at its next turn (resuming where it can).
const pullTimeout = 2 * time.Hour

type pullWorker struct {
	jobs.WorkerDefaults[PullArgs]
	s *Service
}

func (w *pullWorker) Timeout(*jobs.Job[PullArgs]) time.Duration { return pullTimeout + time.Minute }

func (w *pullWorker) Work(ctx context.Context, j *jobs.Job[PullArgs]) error {
	res, err := w.s.Pull(ctx, j.Args.Source, j.Args.Run)
	if err != nil {
		// Recorded on the run and the source; the schedule tries again.
		w.s.log.Warn("intel pull failed", "source", j.Args.Source, "run", j.Args.Run, "err", err)
		return nil
	}
	w.s.log.Info("intel pull", "source", j.Args.Source, "run", j.Args.Run, "new", res.New, "updated", res.Updated, "rejected", res.Rejected)
	return nil
}

type scheduleWorker struct {
	jobs.WorkerDefaults[ScheduleArgs]
	s *Service
}

func (w *scheduleWorker) Work(ctx context.Context, _ *jobs.Job[ScheduleArgs]) error {
	if n, err := w.s.SweepRuns(ctx); err != nil {
		w.s.log.Warn("intel: interrupted runs not recorded", "err", err)
	} else if n > 0 {
		w.s.log.Warn("intel: runs interrupted (their node stopped)", "runs", n)
	}
	_, err := w.s.QueueDue(ctx)
	return err
}

// staleRun: a run queued or running for longer than this is taken to have
// died with its process and no longer holds its source back.
const staleRun = pullTimeout + 10*time.Minute

// underWay is the condition on a run r of source s that holds the source
// back from another pull; $2 is the time before which a run is stale.
const underWay = `r.source_num = s.num AND r.status IN ('queued', 'running') AND r.created_at > $2`

// QueueDue queues a pull of every enabled pulled source whose time has
// come and which has no run under way, and answers how many.
func (s *Service) QueueDue(ctx context.Context) (int, error) {
	n := 0
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		now := s.now()
		rows, err := tx.Query(ctx, `SELECT `+sourceColumns+` FROM intel_sources s JOIN intel_collections c ON c.num = s.collection_num
			WHERE s.kind <> 'push' AND s.enabled AND s.next_run_at IS NOT NULL AND s.next_run_at <= $1
			AND NOT EXISTS (SELECT 1 FROM intel_runs r WHERE `+underWay+`)
			ORDER BY s.next_run_at`, now, now.Add(-staleRun))
		if err != nil {
			return err
		}
		var due []Source
		for rows.Next() {
			src, err := scanSource(rows)
			if err != nil {
				rows.Close()
				return err
			}
			due = append(due, src)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, src := range due {
			if _, err := s.queuePull(ctx, tx, src, "schedule", "scheduler"); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("intel: queue pulls: %w", err)
	}
	return n, nil
}

func (s *Service) queuePull(ctx context.Context, tx *db.Tx, src Source, via, actor string) (Run, error) {
	if s.queue == nil {
		return Run{}, errors.New("intel: no job queue to pull with")
	}
	run, err := s.queueRun(ctx, tx, src, via, actor, 0)
	if err != nil {
		return Run{}, err
	}
	next := s.now().Add(time.Duration(src.IntervalMinutes) * time.Minute)
	if _, err := tx.Exec(ctx, `UPDATE intel_sources SET next_run_at = $2 WHERE id = $1`, src.ID, next); err != nil {
		return Run{}, err
	}
	return run, s.queue.Enqueue(ctx, tx, PullArgs{Source: src.ID, Run: run.ID}, &jobs.InsertOpts{MaxAttempts: 1})
}

// PullNow queues a pull of the source at once (staff only).
func (s *Service) PullNow(ctx context.Context, id *auth.Identity, key string) (Run, error) {
	src, err := s.GetSource(ctx, id, key)
	if err != nil {
		return Run{}, err
	}
	if !id.IsStaff() {
		return Run{}, errs.Forbidden("only the coordination center's staff start pulls")
	}
	if !src.Pulled() {
		return Run{}, errs.Conflict("%s is a push source: its owner loads it, the server does not fetch it", src.Name)
	}
	var run Run
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var busy int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM intel_runs r JOIN intel_sources s ON s.num = $1 WHERE `+underWay,
			src.num, s.now().Add(-staleRun)).Scan(&busy); err != nil {
			return err
		}
		if busy > 0 {
			return errs.Conflict("a pull of %s is already under way", src.Name)
		}
		var err error
		run, err = s.queuePull(ctx, tx, src, "manual", id.Label())
		return err
	})
	return run, err
}

// Pull fetches a source now, as the queued run runID (or a new one).
func (s *Service) Pull(ctx context.Context, sourceID, runID string) (Result, error) {
	src, err := getSource(ctx, s.db, sourceID)
	if err != nil {
		return Result{}, fmt.Errorf("intel: pull %s: %w", sourceID, err)
	}
	return s.asRun(ctx, src, runID, "schedule", "scheduler", 0, nil, func(runID string, res *Result) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, pullTimeout)
		defer cancel()
		switch src.Kind {
		case KindURL:
			return s.pullURL(ctx, src, runID, res)
		case KindMISPFeed:
			return s.pullMISPFeed(ctx, src, runID, res)
		case KindTAXII:
			return s.pullTAXII(ctx, src, runID, res)
		}
		return "", fmt.Errorf("%s is not a pulled source", src.Name)
	})
}

// pullState is what a source resumes from.
type pullState struct {
	ETag         string           `json:"etag,omitempty"`
	LastModified string           `json:"last_modified,omitempty"`
	Events       map[string]int64 `json:"events,omitempty"` // MISP event uuid → timestamp loaded
	AddedAfter   string           `json:"added_after,omitempty"`
}

func (s *Service) saveState(ctx context.Context, src Source, st pullState) error {
	b, _ := json.Marshal(st)
	_, err := s.db.Exec(ctx, `UPDATE intel_sources SET state = $2 WHERE id = $1`, src.ID, string(b))
	return err
}

func loadState(src Source) pullState {
	var st pullState
	_ = json.Unmarshal([]byte(src.state), &st) // empty or written by saveState
	return st
}

// get fetches u with the source's credentials; a status other than want
// (or 304 when allowed) is an error naming it.
func (s *Service) get(ctx context.Context, src Source, u string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "certhub")
	c, err := s.credentials(src)
	if err != nil {
		return nil, err
	}
	if c.Username != "" {
		req.SetBasicAuth(c.Username, c.Password)
	}
	if c.HeaderName != "" {
		req.Header.Set(c.HeaderName, c.HeaderValue)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNotModified {
		return resp, nil
	}
	resp.Body.Close()
	return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
}

func (s *Service) setRunSize(ctx context.Context, runID string, n int64) {
	if n > 0 {
		_, _ = s.db.Exec(ctx, `UPDATE intel_runs SET bytes = $2 WHERE id = $1`, runID, n) // progress only
	}
}

// pullURL fetches one file (list, CSV, Shadowserver report, STIX bundle or
// MISP event), unless the server says it has not changed.
func (s *Service) pullURL(ctx context.Context, src Source, runID string, res *Result) (string, error) {
	st := loadState(src)
	h := http.Header{}
	if st.ETag != "" {
		h.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		h.Set("If-Modified-Since", st.LastModified)
	}
	resp, err := s.get(ctx, src, src.URL, h)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return "not modified since the last pull", nil
	}
	s.setRunSize(ctx, runID, resp.ContentLength)
	u, _ := url.Parse(src.URL)
	report := strings.TrimSuffix(path.Base(u.Path), path.Ext(u.Path))
	if err := s.load(ctx, src, runID, resp.Body, IngestOptions{Format: ingest.Format(src.Format), Report: report}, res); err != nil {
		return "", err
	}
	st.ETag, st.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	return fmt.Sprintf("fetched %d bytes", atomicRead(res)), s.saveState(ctx, src, st)
}

// pullMISPFeed reads a MISP feed's manifest and loads the events that are
// new or changed since they were last loaded.
func (s *Service) pullMISPFeed(ctx context.Context, src Source, runID string, res *Result) (string, error) {
	resp, err := s.get(ctx, src, src.URL+"manifest.json", nil)
	if err != nil {
		return "", err
	}
	events, listed, err := misp.ReadManifest(resp.Body)
	resp.Body.Close()
	if err != nil {
		return "", fmt.Errorf("the feed's manifest.json: %w", err)
	}
	st := loadState(src)
	if st.Events == nil {
		st.Events = map[string]int64{}
	}
	var todo []misp.FeedEvent
	for _, e := range events {
		if e.Timestamp == 0 || e.Timestamp > st.Events[strings.ToLower(e.UUID)] {
			todo = append(todo, e)
		}
	}
	var failed []string
	for i, e := range todo {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("stopped after %d of %d events: %w", i, len(todo), err)
		}
		err := func() error {
			resp, err := s.get(ctx, src, src.URL+e.UUID+".json", nil)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			return s.load(ctx, src, runID, resp.Body, IngestOptions{Format: ingest.MISP}, res)
		}()
		if err != nil {
			failed = append(failed, e.UUID+": "+err.Error())
			continue
		}
		st.Events[strings.ToLower(e.UUID)] = e.Timestamp
		if i%100 == 99 { // resume from here if the pull is cut off
			if err := s.saveState(ctx, src, st); err != nil {
				return "", err
			}
		}
	}
	if err := s.saveState(ctx, src, st); err != nil {
		return "", err
	}
	msg := fmt.Sprintf("%d events in the manifest, %d new or changed", listed, len(todo))
	if len(failed) > 0 {
		return "", fmt.Errorf("%s; %d could not be loaded (they are tried again next time), the first: %s", msg, len(failed), failed[0])
	}
	return msg, nil
}

// maxTAXIIPage bounds one page of a partner's TAXII collection.
const maxTAXIIPage = 256 << 20

// pullTAXII pages through a TAXII 2.1 collection from the last date_added
// it got, following next.
func (s *Service) pullTAXII(ctx context.Context, src Source, runID string, res *Result) (string, error) {
	st := loadState(src)
	h := http.Header{"Accept": {"application/taxii+json;version=2.1"}}
	next, pages, objects := "", 0, 0
	for {
		q := url.Values{"limit": {"1000"}}
		if st.AddedAfter != "" {
			q.Set("added_after", st.AddedAfter)
		}
		if next != "" {
			q.Set("next", next)
		}
		resp, err := s.get(ctx, src, src.URL+"objects/?"+q.Encode(), h)
		if err != nil {
			return "", err
		}
		var env struct {
			More    bool              `json:"more"`
			Next    string            `json:"next"`
			Objects []json.RawMessage `json:"objects"`
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, maxTAXIIPage)).Decode(&env)
		resp.Body.Close()
		if err != nil && !errors.Is(err, io.EOF) { // an empty body is an empty page
			return "", fmt.Errorf("page %d of the collection: %w", pages+1, err)
		}
		pages++
		if len(env.Objects) > 0 {
			var b bytes.Buffer
			b.WriteString(`{"type":"bundle","id":"bundle--` + db.NewID() + `","objects":[`)
			for i, o := range env.Objects {
				if i > 0 {
					b.WriteByte(',')
				}
				b.Write(o)
			}
			b.WriteString("]}")
			if err := s.load(ctx, src, runID, &b, IngestOptions{Format: ingest.STIX}, res); err != nil {
				return "", err
			}
			objects += len(env.Objects)
		}
		if last := resp.Header.Get("X-TAXII-Date-Added-Last"); last != "" && len(env.Objects) > 0 {
			st.AddedAfter = last
			if err := s.saveState(ctx, src, st); err != nil {
				return "", err
			}
		}
		if !env.More || env.Next == "" || len(env.Objects) == 0 {
			break
		}
		next = env.Next
	}
	return fmt.Sprintf("%d objects in %d pages", objects, pages), nil
}

func atomicRead(res *Result) int64 { return atomic.LoadInt64(&res.read) }
