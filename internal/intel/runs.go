package intel

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Run statuses.
const (
	RunQueued  = "queued"
	RunRunning = "running"
	RunOK      = "ok"
	RunFailed  = "failed"
)

// Run is one load into a source — a push through the API, the command
// line or TAXII, or a pull — with its counts, which grow batch by batch
// while it runs.
type Run struct {
	ID         string                 `json:"id"`
	SourceID   string                 `json:"source_id"`
	SourceName string                 `json:"source_name"`
	Via        string                 `json:"via"`
	Status     string                 `json:"status"`
	Actor      string                 `json:"actor,omitempty"`
	Bytes      int64                  `json:"bytes,omitempty"`
	ReadBytes  int64                  `json:"read_bytes"`
	New        int64                  `json:"new"`
	Updated    int64                  `json:"updated"`
	Rejected   int64                  `json:"rejected"`
	Objects    int64                  `json:"objects"`
	Errors     []observable.Rejection `json:"errors"`
	Message    string                 `json:"message,omitempty"`
	CreatedAt  time.Time              `json:"created_at"`
	StartedAt  *time.Time             `json:"started_at,omitempty"`
	FinishedAt *time.Time             `json:"finished_at,omitempty"`
	// Resumable: interrupted, with its input kept (a push through the API
	// or the console), so it can be resumed where it stopped.
	Resumable bool `json:"resumable"`

	ownerOrg    *string
	heartbeatAt *time.Time
	kept        bool
	attempt     int // which start this is; only the newest writes the run
}

// Done says whether the run has ended (an interrupted run may be resumed).
func (r Run) Done() bool {
	return r.Status == RunOK || r.Status == RunFailed || r.Status == RunInterrupted
}

// Percent is how much of an input of known size has been read.
func (r Run) Percent() int {
	if r.Bytes <= 0 {
		return 0
	}
	return int(min(100, r.ReadBytes*100/r.Bytes))
}

// queueRun records a run that has not started yet (a pull waiting for its
// job, a pushed body being kept).
func (s *Service) queueRun(ctx context.Context, tx *db.Tx, src Source, via, actor string, size int64) (Run, error) {
	r := Run{ID: db.NewID(), SourceID: src.ID, SourceName: src.Name, Via: via, Status: RunQueued, Actor: actor, Bytes: size,
		Errors: []observable.Rejection{}, CreatedAt: s.now(), ownerOrg: src.OwnerOrgID}
	_, err := tx.Exec(ctx, `INSERT INTO intel_runs (id, source_num, via, status, actor, bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		r.ID, src.num, r.Via, r.Status, r.Actor, r.Bytes, r.CreatedAt)
	if err != nil {
		return Run{}, fmt.Errorf("intel: record run: %w", err)
	}
	return r, nil
}

// startRun marks a queued run running, or records one that starts now.
func (s *Service) startRun(ctx context.Context, src Source, runID, via, actor string, size int64) (Run, error) {
	var r Run
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		if runID == "" {
			var err error
			if r, err = s.queueRun(ctx, tx, src, via, actor, size); err != nil {
				return err
			}
		} else if r, err := getRun(ctx, tx, runID); err != nil {
			return fmt.Errorf("intel: run %s: %w", runID, err)
		} else if r.Status != RunQueued {
			return fmt.Errorf("intel: run %s is %s, not queued", runID, r.Status)
		}
		now := s.now()
		// Only from queued: two jobs given the same run load it once.
		n, err := tx.Exec(ctx, `UPDATE intel_runs SET status = $2, started_at = COALESCE(started_at, $3), heartbeat_at = $3, finished_at = NULL,
			attempt = attempt + 1 WHERE id = $1 AND status = $4`, cmp.Or(runID, r.ID), RunRunning, now, RunQueued)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("intel: run %s is no longer queued", cmp.Or(runID, r.ID))
		}
		r, err = getRun(ctx, tx, cmp.Or(runID, r.ID))
		return err
	})
	return r, err
}

// asRun does work as one run of src: the queued run runID (or a new one)
// is started, work loads into it (answering the run's message), and how it
// ended is recorded. Every load — a push, a pull, a feed directory — goes
// through here.
func (s *Service) asRun(ctx context.Context, src Source, runID, via, actor string, size int64,
	finish func(context.Context, *db.Tx, *Result, error) error, work func(runID string, res *Result) (string, error)) (Result, error) {
	run, err := s.startRun(ctx, src, runID, via, actor, size)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	res := Result{RunID: run.ID, Errors: []observable.Rejection{}, attempt: run.attempt}
	beating, stop := context.WithCancel(context.WithoutCancel(ctx))
	go s.beat(beating, run.ID, run.attempt)
	msg, err := work(run.ID, &res)
	stop()
	res.Duration = time.Since(start)
	err = s.finishRun(ctx, src, run, &res, msg, err, finish)
	if res.Objects > 0 {
		// The objects kept may state actors: their claims are rebuilt
		// whether or not the run ended well (what was stored counts).
		if rerr := s.actors.Refresh(context.WithoutCancel(ctx), src.num); rerr != nil {
			s.log.Error("intel: actor profiles not rebuilt", "source", src.ID, "err", rerr)
		}
	}
	return res, err
}

// counts are a run's counts as a batch leaves them.
type counts struct {
	new, updated, objects, rejected int
	read                            int64
	errors                          []observable.Rejection
}

// progress writes a run's counts so far, inside the batch's transaction,
// with how far the batches that committed read the input (items records
// and objects, rejected lines refused before them): where a resumed load
// starts, with these counts.
func progress(ctx context.Context, tx *db.Tx, runID string, attempt int, c counts, items, rejected int64, now time.Time) error {
	if runID == "" {
		return nil
	}
	errsJSON, _ := json.Marshal(c.errors)
	n, err := tx.Exec(ctx, `UPDATE intel_runs SET n_new = $2, n_updated = $3, n_rejected = $4, n_objects = $5, read_bytes = $6,
		resume_items = $7, resume_rejected = $8, heartbeat_at = $9, errors = $10 WHERE id = $1 AND attempt = $11`,
		runID, c.new, c.updated, c.rejected, c.objects, c.read, items, rejected, now, string(errsJSON), attempt)
	if err == nil && n == 0 {
		return errTakenOver
	}
	return err
}

// errTakenOver: the run was resumed elsewhere while this attempt went on
// (its node was cut off, not dead): this attempt stores nothing more.
var errTakenOver = errors.New("intel: the run was resumed on another node; this attempt stops")

// finishRun records how a run ended on the run, its source and the audit
// log, and answers runErr (or the failure to record it).
func (s *Service) finishRun(ctx context.Context, src Source, r Run, res *Result, message string, runErr error,
	finish func(context.Context, *db.Tx, *Result, error) error) error {
	ctx = context.WithoutCancel(ctx)
	status, lastErr := RunOK, ""
	if runErr != nil {
		status, lastErr = RunFailed, observable.Truncate(runErr.Error(), 500)
		message = lastErr
		if r.kept && (errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded)) {
			// The node is stopping (or the job ran out of time): the
			// input is kept, the rest can be loaded later.
			status, message = RunInterrupted, interruptedMessage(true)
		}
	}
	errsJSON, _ := json.Marshal(res.Errors)
	if errors.Is(runErr, errTakenOver) {
		return runErr // the newer attempt records how the run ends
	}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		now := s.now()
		n, err := tx.Exec(ctx, `UPDATE intel_runs SET status = $2, n_new = $3, n_updated = $4, n_rejected = $5, n_objects = $6,
			read_bytes = $7, errors = $8, message = $9, finished_at = $10 WHERE id = $1 AND attempt = $11`, r.ID, status, res.New, res.Updated, res.Rejected,
			res.Objects, atomic.LoadInt64(&res.read), string(errsJSON), message, now, r.attempt)
		if err != nil {
			return err
		}
		if n == 0 {
			return errTakenOver
		}
		counts := fmt.Sprintf(`{"new":%d,"updated":%d,"rejected":%d}`, res.New, res.Updated, res.Rejected)
		if _, err := tx.Exec(ctx, `UPDATE intel_sources SET last_run_at = $2, last_status = $3, last_counts = $4, last_error = $5 WHERE id = $1`,
			src.ID, now, status, counts, lastErr); err != nil {
			return err
		}
		summary := fmt.Sprintf("ingested %d indicators into %s (new %d, updated %d, rejected %d)", res.Total(), src.Name, res.New, res.Updated, res.Rejected)
		action := "intel.ingest"
		if status == RunInterrupted {
			summary, action = fmt.Sprintf("loading into %s was interrupted after %d indicators", src.Name, res.Total()), "intel.ingest.interrupted"
		} else if runErr != nil {
			summary, action = fmt.Sprintf("loading into %s failed after %d indicators: %s", src.Name, res.Total(), lastErr), "intel.ingest.failed"
		}
		if finish != nil {
			if err := finish(ctx, tx, res, runErr); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: action, ObjectType: "intel_source", ObjectID: src.ID, OrgID: deref(src.OwnerOrgID),
			Summary: summary})
	})
	if runErr != nil {
		return runErr
	}
	return err
}

const runColumns = `r.id, s.id, s.name, s.owner_org_id, r.via, r.status, r.actor, r.bytes, r.read_bytes, r.n_new, r.n_updated, r.n_rejected,
	r.n_objects, r.errors, r.message, r.created_at, r.started_at, r.finished_at, r.heartbeat_at, r.input_chunks, r.attempt`

func scanRun(row interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var errsJSON string
	var chunks int
	if err := row.Scan(&r.ID, &r.SourceID, &r.SourceName, &r.ownerOrg, &r.Via, &r.Status, &r.Actor, &r.Bytes, &r.ReadBytes, &r.New,
		&r.Updated, &r.Rejected, &r.Objects, &errsJSON, &r.Message, &r.CreatedAt, &r.StartedAt, &r.FinishedAt, &r.heartbeatAt, &chunks, &r.attempt); err != nil {
		return Run{}, err
	}
	r.kept = chunks > 0
	r.Resumable = r.kept && r.Status == RunInterrupted
	r.Errors = []observable.Rejection{}
	_ = json.Unmarshal([]byte(errsJSON), &r.Errors) // written by finishRun; "[]" until then
	return r, nil
}

func getRun(ctx context.Context, q db.Querier, id string) (Run, error) {
	return scanRun(q.QueryRow(ctx, `SELECT `+runColumns+` FROM intel_runs r JOIN intel_sources s ON s.num = r.source_num WHERE r.id = $1`, id))
}

// GetRun answers a run of a source the caller may see.
func (s *Service) GetRun(ctx context.Context, id *auth.Identity, runID string) (Run, error) {
	r, err := getRun(ctx, s.db, runID)
	if errors.Is(err, db.ErrNoRows) || (err == nil && !maySeeSource(id, &Source{OwnerOrgID: r.ownerOrg})) {
		return Run{}, errs.NotFound("no such run")
	}
	s.settle(&r)
	return r, err
}

// Runs lists the newest runs (of one source when sourceKey is set) that
// the caller may see, newest first, limit at a time, before the cursor.
func (s *Service) Runs(ctx context.Context, id *auth.Identity, sourceKey string, limit int, cursor string) ([]Run, string, error) {
	var a db.Args
	q := `SELECT ` + runColumns + ` FROM intel_runs r JOIN intel_sources s ON s.num = r.source_num WHERE 1 = 1`
	if sourceKey != "" {
		src, err := s.GetSource(ctx, id, sourceKey)
		if err != nil {
			return nil, "", err
		}
		q += ` AND s.id = ` + a.Add(src.ID)
	} else if !id.IsSystem() && !id.IsStaff() {
		orgs := id.OrgIDs()
		if len(orgs) == 0 {
			return []Run{}, "", nil
		}
		q += ` AND s.owner_org_id IN (` + db.In(&a, orgs) + `)`
	}
	if after, err := db.Keyset(&a, cursor, "r.created_at", "r.id", true); err != nil {
		return nil, "", badCursor()
	} else if after != "" {
		q += ` AND ` + after
	}
	limit = min(max(limit, 1), 200)
	rows, err := s.db.Query(ctx, q+` ORDER BY r.created_at DESC, r.id DESC LIMIT `+fmt.Sprint(limit+1), a...)
	if err != nil {
		return nil, "", fmt.Errorf("intel: runs: %w", err)
	}
	defer rows.Close()
	out := []Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, "", err
		}
		s.settle(&r)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = db.TimeCursor(last.CreatedAt, last.ID)
	}
	return out, next, nil
}

func badCursor() error {
	var f errs.Fields
	f.Add("cursor", "not a cursor this list gave")
	return f.Err()
}
