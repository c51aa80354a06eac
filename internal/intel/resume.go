package intel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/certhub/certhub/internal/intel/csvfeed"
	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/jobs"
)

// Loads that outlive a node. A pushed input (the API's 202, the console's
// upload) is kept in the database and loaded by a job any node may run.
// While a node works on a run it beats (heartbeat_at); each batch commits
// with the run how far the input's records got. A run whose node stopped
// beating — killed, cut off from the database — is interrupted: the run
// says so at once (reads see a running run gone quiet as interrupted), the
// schedule job records it, and anyone who may load into the source resumes
// it, from the first record its committed batches had not reached.

// RunInterrupted is a run whose node stopped before it ended.
const RunInterrupted = "interrupted"

// DefaultHeartbeat is how often a node working on a run says so; a run
// not heard of for silentBeats of them is interrupted.
const DefaultHeartbeat = 10 * time.Second

const silentBeats = 6

// inputChunk is the most bytes one row of a kept input holds; chunkRows
// rows go in one transaction.
const (
	inputChunk = 256 << 10
	chunkRows  = 16
)

// runOptions are what a kept input's load needs to be read again.
type runOptions struct {
	Format  ingest.Format    `json:"format,omitempty"`
	TLP     string           `json:"tlp,omitempty"`
	Report  string           `json:"report,omitempty"`
	Mapping *csvfeed.Mapping `json:"mapping,omitempty"`
}

// checkpoint is where a resumed load starts: the records and objects its
// committed batches read, the lines refused before them, and the counts
// so far.
type checkpoint struct {
	items, rejected       int64
	new, updated, objects int
	errors                []observable.Rejection
}

// LoadArgs is the job that loads a run's kept input.
type LoadArgs struct {
	Run string `json:"run"`
}

func (LoadArgs) Kind() string { return "intel.load" }

type loadWorker struct {
	jobs.WorkerDefaults[LoadArgs]
	s *Service
}

func (w *loadWorker) Timeout(*jobs.Job[LoadArgs]) time.Duration { return 12 * time.Hour }

func (w *loadWorker) Work(ctx context.Context, j *jobs.Job[LoadArgs]) error {
	if err := w.s.loadKept(ctx, j.Args.Run); err != nil {
		// Recorded on the run (failed, or interrupted to be resumed).
		w.s.log.Warn("intel: load failed", "run", j.Args.Run, "err", err)
	}
	return nil
}

// keepInput stores r as run's input, chunk by chunk, a few chunks a
// transaction (memory stays bounded, no transaction waits on the
// client): its size and number of chunks.
func (s *Service) keepInput(ctx context.Context, runID string, r io.Reader) (int64, int, error) {
	var size int64
	n := 0
	buf := make([]byte, inputChunk*chunkRows)
	for {
		k, rerr := fill(r, buf)
		if k > 0 {
			part := buf[:k]
			err := s.db.Write(ctx, func(tx *db.Tx) error {
				for i := 0; i < len(part); i += inputChunk {
					if _, err := tx.ExecRepeated(ctx, `INSERT INTO intel_run_inputs (run_id, seq, data) VALUES ($1, $2, $3)`,
						runID, n, part[i:min(i+inputChunk, len(part))]); err != nil {
						return err
					}
					n++
				}
				return nil
			})
			if err != nil {
				return 0, 0, fmt.Errorf("intel: keep the input: %w", err)
			}
			size += int64(k)
		}
		switch {
		case rerr == io.EOF:
			return size, n, nil
		case rerr != nil:
			// Anything else, io.ErrUnexpectedEOF of a body cut short
			// included, is an input not received whole.
			return 0, 0, rerr
		}
	}
}

// fill reads into buf until it is full or r ends: io.EOF only when r
// said its input ended (io.ReadFull would take a body that broke off,
// io.ErrUnexpectedEOF, for the end of the input).
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// loadKept loads a queued run's kept input: from the start, or from its
// checkpoint when it is resumed.
func (s *Service) loadKept(ctx context.Context, runID string) error {
	var (
		srcNum  int64
		chunks  int
		opts    string
		cp      checkpoint
		errsRaw string
		status  string
		size    int64
		via     string
	)
	err := s.db.QueryRow(ctx, `SELECT source_num, status, via, bytes, input_chunks, options, resume_items, resume_rejected, n_new, n_updated,
		n_objects, errors FROM intel_runs WHERE id = $1`, runID).Scan(&srcNum, &status, &via, &size, &chunks, &opts, &cp.items, &cp.rejected,
		&cp.new, &cp.updated, &cp.objects, &errsRaw)
	if errors.Is(err, db.ErrNoRows) || (err == nil && status != RunQueued) {
		return nil // pruned, or taken by another job
	}
	if err != nil {
		return fmt.Errorf("intel: run %s: %w", runID, err)
	}
	if chunks == 0 {
		return fmt.Errorf("intel: run %s kept no input", runID)
	}
	var o runOptions
	if err := json.Unmarshal([]byte(opts), &o); err != nil {
		return fmt.Errorf("intel: run %s options: %w", runID, err)
	}
	_ = json.Unmarshal([]byte(errsRaw), &cp.errors)
	src, err := s.sourceByNum(ctx, srcNum)
	if err != nil {
		return err
	}
	in := IngestOptions{Format: o.Format, TLP: o.TLP, Report: o.Report, Mapping: o.Mapping, Via: via, RunID: runID, Size: size}
	if cp.items > 0 || cp.rejected > 0 {
		in.resume = &cp
	}
	input := files.ChunkReader(ctx, s.db, `SELECT data FROM intel_run_inputs WHERE run_id = $1 AND seq = $2`, runID, chunks)
	_, err = s.Ingest(ctx, auth.System("intel.load"), src, input, in)
	if err == nil {
		// Loaded: the input is not needed again.
		if _, derr := s.db.Exec(context.WithoutCancel(ctx), `DELETE FROM intel_run_inputs WHERE run_id = $1`, runID); derr != nil {
			s.log.Warn("intel: kept input not deleted", "run", runID, "err", derr)
		} else if _, derr := s.db.Exec(context.WithoutCancel(ctx), `UPDATE intel_runs SET input_chunks = 0 WHERE id = $1`, runID); derr != nil {
			s.log.Warn("intel: kept input not cleared", "run", runID, "err", derr)
		}
	}
	return err
}

func (s *Service) sourceByNum(ctx context.Context, num int64) (Source, error) {
	var id string
	if err := s.db.QueryRow(ctx, `SELECT id FROM intel_sources WHERE num = $1`, num).Scan(&id); err != nil {
		return Source{}, fmt.Errorf("intel: source %d: %w", num, err)
	}
	return getSource(ctx, s.db, id)
}

// silent is how long a running run may go without a heartbeat.
func (s *Service) silent() time.Duration { return silentBeats * s.heartbeat }

// settle shows a running run whose node stopped beating as interrupted
// (the schedule job records it so).
func (s *Service) settle(r *Run) {
	if r.Status != RunRunning {
		return
	}
	last := r.heartbeatAt
	if last == nil {
		last = r.StartedAt
	}
	if last != nil && s.now().Sub(*last) > s.silent() {
		r.Status, r.Message = RunInterrupted, interruptedMessage(r.kept)
		r.Resumable = r.kept
	}
}

func interruptedMessage(resumable bool) string {
	if resumable {
		return "The node loading it stopped before the load ended: resume it to load the rest."
	}
	return "The node loading it stopped before the load ended: load the input again."
}

// beat says, until ctx ends, that this node is working on the run (its
// attempt at it).
func (s *Service) beat(ctx context.Context, runID string, attempt int) {
	t := time.NewTicker(s.heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.db.Exec(ctx, `UPDATE intel_runs SET heartbeat_at = $2 WHERE id = $1 AND status = 'running' AND attempt = $3`,
				runID, s.now(), attempt); err != nil && ctx.Err() == nil {
				s.log.Warn("intel: heartbeat", "run", runID, "err", err)
			}
		}
	}
}

// SweepRuns records as interrupted the runs no node has beaten for in a
// while (the schedule job calls it every minute) and answers how many.
func (s *Service) SweepRuns(ctx context.Context) (int, error) {
	now := s.now()
	n := 0
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT r.id, r.input_chunks, s.id, s.name, s.owner_org_id FROM intel_runs r JOIN intel_sources s ON s.num = r.source_num
			WHERE r.status = 'running' AND COALESCE(r.heartbeat_at, r.started_at) < $1`, now.Add(-s.silent()))
		if err != nil {
			return err
		}
		type gone struct {
			run, src, name string
			org            *string
			kept           bool
		}
		var runs []gone
		for rows.Next() {
			var g gone
			var chunks int
			if err := rows.Scan(&g.run, &chunks, &g.src, &g.name, &g.org); err != nil {
				rows.Close()
				return err
			}
			g.kept = chunks > 0
			runs = append(runs, g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, g := range runs {
			if _, err := tx.Exec(ctx, `UPDATE intel_runs SET status = $2, message = $3, finished_at = $4 WHERE id = $1 AND status = 'running'`,
				g.run, RunInterrupted, interruptedMessage(g.kept), now); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, now, audit.Event{Action: "intel.ingest.interrupted", ObjectType: "intel_run", ObjectID: g.run,
				OrgID: deref(g.org), Summary: "loading into " + g.name + " was interrupted: " + interruptedMessage(g.kept)}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Resume queues an interrupted run again: a job on any node loads its
// kept input from the first record its committed batches had not
// reached.
func (s *Service) Resume(ctx context.Context, id *auth.Identity, runID string) (Run, error) {
	r, err := s.GetRun(ctx, id, runID)
	if err != nil {
		return Run{}, err
	}
	src, err := getSource(ctx, s.db, r.SourceID)
	if err != nil {
		return Run{}, err
	}
	if !mayIngest(id, &src) {
		return Run{}, errs.Forbidden("only the center's staff and the source's own organisation load into it")
	}
	if r.Status != RunInterrupted {
		return Run{}, errs.Conflict("the run is %s: only an interrupted run is resumed", r.Status)
	}
	if !r.Resumable {
		return Run{}, errs.Conflict("the run's input was not kept (it was pulled, or loaded from the command line): load it again")
	}
	if s.queue == nil {
		return Run{}, errs.Conflict("this process runs no jobs")
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		// Still interrupted (or running and silent), and now queued.
		n, err := tx.Exec(ctx, `UPDATE intel_runs SET status = $2, message = $3, finished_at = NULL
			WHERE id = $1 AND (status = $4 OR (status = $5 AND COALESCE(heartbeat_at, started_at) < $6))`,
			runID, RunQueued, "resumed by "+id.Label(), RunInterrupted, RunRunning, s.now().Add(-s.silent()))
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.Conflict("the run was resumed already")
		}
		if err := s.queue.Enqueue(ctx, tx, LoadArgs{Run: runID}, nil); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Event{Action: "intel.ingest.resume", ObjectType: "intel_run", ObjectID: runID,
			OrgID: deref(src.OwnerOrgID), Summary: "resumed loading into " + src.Name})
	})
	if err != nil {
		return Run{}, err
	}
	return s.GetRun(ctx, id, runID)
}
