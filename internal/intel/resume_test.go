package intel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
)

// resumeInput is 1,200 lines: addresses and host names, some of them
// twice, and one line in twenty not an indicator.
func resumeInput() (string, int, int) {
	var b strings.Builder
	valid, invalid := 0, 0
	for i := range 1200 {
		switch {
		case i%20 == 7:
			fmt.Fprintf(&b, "not valid %d!\n", i)
			invalid++
		case i%3 == 0:
			fmt.Fprintf(&b, "host-%d.resume.example\n", i%500)
			valid++
		default:
			fmt.Fprintf(&b, "198.51.%d.%d\n", 100+i/250, i%250)
			valid++
		}
	}
	return b.String(), valid, invalid
}

// queuedService is newService with a queue to enqueue its jobs in (none
// runs: the test runs them).
func queuedService(t *testing.T, d *db.DB) *Service {
	s := newService(t, d)
	q, err := jobs.New(d, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Register(q)
	return s
}

// pushedSource is queuedService with a source to push into.
func pushedSource(t *testing.T, d *db.DB) (*Service, Source) {
	s := queuedService(t, d)
	src, err := s.EnsureSource(context.Background(), sys, "pushed", "GREEN", nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, src
}

// TestResumeInterruptedLoad: a pushed input is kept and loaded by a job;
// a load stopped after a few batches leaves an interrupted run that is
// resumed from its checkpoint, and ends with exactly the counts and the
// sightings of a load that was never interrupted.
func TestResumeInterruptedLoad(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := queuedService(t, d)
		s.batchSize = 100
		in, valid, invalid := resumeInput()
		straight, err := s.EnsureSource(ctx, sys, "straight", "GREEN", nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.Ingest(ctx, sys, straight, strings.NewReader(in), IngestOptions{Format: ingest.Text})
		if err != nil || want.Rejected != invalid {
			t.Fatalf("the straight load: %+v %v", want, err)
		}
		src, err := s.EnsureSource(ctx, sys, "pushed", "GREEN", nil)
		if err != nil {
			t.Fatal(err)
		}
		run, err := s.IngestLater(ctx, sys, src, strings.NewReader(in), IngestOptions{Format: ingest.Text, Via: "api"})
		if err != nil || run.Status != RunQueued || run.Bytes != int64(len(in)) {
			t.Fatalf("queued %+v %v", run, err)
		}
		loads := func() int {
			var n int
			if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'intel.load'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := loads(); n != 1 {
			t.Fatalf("%d load jobs queued", n)
		}
		// The node stops after three batches (as on shutdown).
		lctx, cancel := context.WithCancel(ctx)
		var batches atomic.Int32
		var once sync.Once
		s.afterBatch = func() {
			if batches.Add(1) >= 3 {
				once.Do(cancel)
			}
		}
		if err := s.loadKept(lctx, run.ID); err == nil {
			t.Fatal("the stopped load ended well")
		}
		got, err := s.GetRun(ctx, sys, run.ID)
		if err != nil || got.Status != RunInterrupted || !got.Resumable || got.New+got.Updated == 0 || got.New+got.Updated >= int64(want.New+want.Updated) {
			t.Fatalf("after the stop: %+v %v", got, err)
		}
		if _, err := s.Resume(ctx, &auth.Identity{}, run.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("a stranger resumed it: %v", err)
		}
		resumed, err := s.Resume(ctx, sys, run.ID)
		if err != nil || resumed.Status != RunQueued || loads() != 2 {
			t.Fatalf("resumed %+v %v (%d jobs)", resumed, err, loads())
		}
		if _, err := s.Resume(ctx, sys, run.ID); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("resumed twice: %v", err)
		}
		s.afterBatch = nil
		if err := s.loadKept(ctx, run.ID); err != nil {
			t.Fatal(err)
		}
		got, err = s.GetRun(ctx, sys, run.ID)
		if err != nil || got.Status != RunOK || got.Resumable || got.New+got.Updated != int64(want.New+want.Updated) || got.Rejected != int64(invalid) {
			t.Fatalf("after the resumed load: %+v %v, want %d indicators and %d rejected", got, err, want.New+want.Updated, invalid)
		}
		// Every record counted once: the observations' counts add up to
		// the valid lines, as in the straight load.
		var sightings int
		if err := d.QueryRow(ctx, `SELECT SUM(count) FROM intel_observations WHERE source_num = (SELECT num FROM intel_sources WHERE id = $1)`, src.ID).Scan(&sightings); err != nil || sightings != valid {
			t.Fatalf("%d sightings recorded (%v), want %d", sightings, err, valid)
		}
		var kept int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM intel_run_inputs WHERE run_id = $1`, run.ID).Scan(&kept); err != nil || kept != 0 {
			t.Fatalf("%d chunks of the input left after the load", kept)
		}
	})
}

// TestSilentRunIsInterrupted: a run whose node stopped beating (killed,
// cut off) reads as interrupted at once, is recorded so by the sweep, with
// its audit row, and can be resumed; a run loaded from the command line
// (no input kept) is interrupted but not resumable.
func TestSilentRunIsInterrupted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, src := pushedSource(t, d)
		run, err := s.IngestLater(ctx, sys, src, strings.NewReader("198.51.100.1\n"), IngestOptions{Via: "api"})
		if err != nil {
			t.Fatal(err)
		}
		var cli Run
		if err := d.Write(ctx, func(tx *db.Tx) error {
			cli, err = s.queueRun(ctx, tx, src, "cli", "test", 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		long := s.now().Add(-2 * time.Minute) // more than six heartbeats ago
		for _, id := range []string{run.ID, cli.ID} {
			if _, err := d.Exec(ctx, `UPDATE intel_runs SET status = 'running', started_at = $2, heartbeat_at = $2 WHERE id = $1`, id, long); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.GetRun(ctx, sys, run.ID)
		if err != nil || got.Status != RunInterrupted || !got.Resumable || !strings.Contains(got.Message, "resume it") {
			t.Fatalf("a silent run reads %+v (%v)", got, err)
		}
		if n, err := s.SweepRuns(ctx); err != nil || n != 2 {
			t.Fatalf("swept %d (%v), want 2", n, err)
		}
		var status string
		var audited int
		if err := d.QueryRow(ctx, `SELECT status, (SELECT COUNT(*) FROM audit_log WHERE action = 'intel.ingest.interrupted') FROM intel_runs WHERE id = $1`,
			run.ID).Scan(&status, &audited); err != nil || status != RunInterrupted || audited != 2 {
			t.Fatalf("recorded %q with %d audit rows (%v)", status, audited, err)
		}
		if n, err := s.SweepRuns(ctx); err != nil || n != 0 {
			t.Fatalf("swept %d again (%v)", n, err)
		}
		if _, err := s.Resume(ctx, sys, cli.ID); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("resuming a run with no input kept: %v", err)
		}
		if r, err := s.Resume(ctx, sys, run.ID); err != nil || r.Status != RunQueued {
			t.Fatalf("resume: %+v %v", r, err)
		}
		if err := s.loadKept(ctx, run.ID); err != nil {
			t.Fatal(err)
		}
		if r, _ := s.GetRun(ctx, sys, run.ID); r.Status != RunOK || r.New != 1 {
			t.Fatalf("after the resume: %+v", r)
		}
	})
}

// brokenBody gives some lines, then breaks off as a cut connection does.
type brokenBody struct{ sent bool }

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.sent {
		return 0, io.ErrUnexpectedEOF
	}
	b.sent = true
	return copy(p, "198.51.100.1\n198.51.100.2\n198.51"), nil
}

// TestPushThatBreaksOff: a body that breaks off, or is shorter than it
// announced, is not loaded: the run fails and no job is queued.
func TestPushThatBreaksOff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, src := pushedSource(t, d)
		if _, err := s.IngestLater(ctx, sys, src, &brokenBody{}, IngestOptions{Via: "api"}); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("a body that broke off: %v", err)
		}
		if _, err := s.IngestLater(ctx, sys, src, strings.NewReader("198.51.100.1\n"), IngestOptions{Via: "api", Size: 100}); err == nil {
			t.Fatal("a body shorter than announced was taken")
		}
		if _, err := s.IngestLater(ctx, sys, src, strings.NewReader(""), IngestOptions{Via: "api"}); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("an empty body: %v", err)
		}
		var failed, jobs, kept int
		if err := d.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM intel_runs WHERE status = 'failed'), (SELECT COUNT(*) FROM river_job WHERE kind = 'intel.load'),
			(SELECT COUNT(*) FROM intel_run_inputs)`).Scan(&failed, &jobs, &kept); err != nil || failed != 3 || jobs != 0 || kept != 0 {
			t.Fatalf("%d failed runs, %d load jobs, %d chunks kept (%v)", failed, jobs, kept, err)
		}
	})
}

// TestOlderAttemptStops: a run resumed while its first node was only cut
// off (not dead) is loaded by the newer attempt alone: the older one's
// next batch, its heartbeat and its ending change nothing.
func TestOlderAttemptStops(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, src := pushedSource(t, d)
		s.batchSize = 100
		in, valid, _ := resumeInput()
		run, err := s.IngestLater(ctx, sys, src, strings.NewReader(in), IngestOptions{Format: ingest.Text, Via: "api"})
		if err != nil {
			t.Fatal(err)
		}
		// After its first batch, another node starts the run (as a resume
		// of a run gone silent would).
		var once sync.Once
		s.afterBatch = func() {
			once.Do(func() {
				if _, err := d.Exec(ctx, `UPDATE intel_runs SET attempt = attempt + 1 WHERE id = $1`, run.ID); err != nil {
					t.Error(err)
				}
			})
		}
		if err := s.loadKept(ctx, run.ID); !errors.Is(err, errTakenOver) {
			t.Fatalf("the older attempt ended with %v", err)
		}
		var status string
		var sightings int
		if err := d.QueryRow(ctx, `SELECT status, (SELECT COALESCE(SUM(count), 0) FROM intel_observations WHERE source_num = r.source_num)
			FROM intel_runs r WHERE id = $1`, run.ID).Scan(&status, &sightings); err != nil {
			t.Fatal(err)
		}
		if status != RunRunning || sightings == 0 || sightings >= valid {
			t.Fatalf("after the older attempt: %s, %d sightings (of %d)", status, sightings, valid)
		}
	})
}
