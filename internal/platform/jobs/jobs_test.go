package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/jobs"
)

type pingArgs struct {
	N    int  `json:"n"`
	Fail bool `json:"fail"`
}

func (pingArgs) Kind() string { return "test.ping" }

type pingWorker struct {
	jobs.WorkerDefaults[pingArgs]
	done  chan int
	tries atomic.Int32
}

func (w *pingWorker) Work(ctx context.Context, j *jobs.Job[pingArgs]) error {
	w.tries.Add(1)
	if j.Args.Fail {
		return errors.New("the remote end said no")
	}
	w.done <- j.Args.N
	return nil
}

func startQueue(t *testing.T, d *db.DB) (*jobs.Queue, *pingWorker) {
	t.Helper()
	q, err := jobs.New(d, jobs.Options{Work: true, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w := &pingWorker{done: make(chan int, 10)}
	jobs.AddWorker(q, w)
	ctx, cancel := context.WithCancel(context.Background())
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = q.Stop(stopCtx)
		cancel()
	})
	return q, w
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestJobsEnqueuedInATransactionRunOnlyIfItCommits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		q, w := startQueue(t, d)
		ctx := context.Background()
		_ = d.Write(ctx, func(tx *db.Tx) error {
			if err := q.Enqueue(ctx, tx, pingArgs{N: 1}, nil); err != nil {
				t.Fatal(err)
			}
			return errors.New("roll back")
		})
		if err := d.Write(ctx, func(tx *db.Tx) error { return q.Enqueue(ctx, tx, pingArgs{N: 2}, nil) }); err != nil {
			t.Fatal(err)
		}
		select {
		case n := <-w.done:
			if n != 2 {
				t.Fatalf("ran job %d; the rolled-back job must never run", n)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("committed job did not run")
		}
		all, err := q.List(ctx, jobs.States, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 {
			t.Fatalf("%d jobs stored, want exactly the committed one", len(all))
		}
	})
}

func TestFailedJobsAreListedAndCanBeRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		q, w := startQueue(t, d)
		ctx := context.Background()
		if err := d.Write(ctx, func(tx *db.Tx) error {
			return q.Enqueue(ctx, tx, pingArgs{N: 3, Fail: true}, &jobs.InsertOpts{MaxAttempts: 1})
		}); err != nil {
			t.Fatal(err)
		}
		var failed []jobs.Info
		waitFor(t, "the job to be discarded", func() bool {
			failed, _ = q.List(ctx, nil, 10)
			return len(failed) == 1 && failed[0].State == "discarded"
		})
		if failed[0].LastError != "the remote end said no" || failed[0].Kind != "test.ping" {
			t.Fatalf("failed job = %+v", failed[0])
		}
		if _, err := q.Retry(ctx, failed[0].ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the retried job to run", func() bool { return w.tries.Load() >= 2 })
		if _, err := q.Get(ctx, 424242); !jobs.IsNotFound(err) {
			t.Fatalf("get of a missing job: %v", err)
		}
	})
}

func TestPeriodicJobsRun(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	q, err := jobs.New(d, jobs.Options{Work: true, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w := &pingWorker{done: make(chan int, 10)}
	jobs.AddWorker(q, w)
	q.Every("ping", time.Hour, func() jobs.Args { return pingArgs{N: 7} })
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	select {
	case n := <-w.done:
		if n != 7 {
			t.Fatalf("periodic job carried %d", n)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("periodic job did not run on start")
	}
}
