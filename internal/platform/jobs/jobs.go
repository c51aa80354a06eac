package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/certhub/certhub/internal/platform/db"
)

// Args is what a job carries; each kind is a Go type with a Kind method.
type Args = river.JobArgs

// Worker runs jobs of one kind.
type Worker[T Args] = river.Worker[T]

// Job is the row a worker receives.
type Job[T Args] = river.Job[T]

// WorkerDefaults gives workers River's default timeouts and retry policy.
type WorkerDefaults[T Args] = river.WorkerDefaults[T]

// InsertOpts tunes one enqueue (schedule, priority, uniqueness, attempts).
type InsertOpts = river.InsertOpts

// UniqueOpts makes an enqueue a no-op while an equal job is pending (by
// its arguments, within a period).
type UniqueOpts = river.UniqueOpts

// Options configure a Queue.
type Options struct {
	// Work makes this process run jobs; without it the queue only enqueues
	// (the CLI enqueues, the server works).
	Work bool
	// Workers is how many jobs run at once (default 4).
	Workers int
	// PollInterval is how often idle workers look for new jobs (default 1s).
	PollInterval time.Duration
	// Queues are named queues besides the default, each with how many of
	// its jobs run at once on this process: a domain whose jobs are long
	// or touch the outside world caps them there without taking the
	// default queue's workers.
	Queues map[string]int
	Logger *slog.Logger
}

// Queue enqueues and (when working) runs jobs.
type Queue struct {
	db      *db.DB
	workers *river.Workers
	client  client
	work    bool
	log     *slog.Logger
}

// client hides River's transaction type parameter (*sql.Tx on SQLite,
// pgx.Tx on PostgreSQL) behind one interface.
type client interface {
	insertTx(ctx context.Context, tx *db.Tx, args Args, opts *InsertOpts) (*rivertype.JobInsertResult, error)
	start(ctx context.Context) error
	stop(ctx context.Context) error
	list(ctx context.Context, p *river.JobListParams) (*river.JobListResult, error)
	get(ctx context.Context, id int64) (*rivertype.JobRow, error)
	retry(ctx context.Context, id int64) (*rivertype.JobRow, error)
	cancel(ctx context.Context, id int64) (*rivertype.JobRow, error)
	periodic() *river.PeriodicJobBundle
}

type riverClient[TTx any] struct {
	c    *river.Client[TTx]
	txOf func(*db.Tx) TTx
}

func (r riverClient[TTx]) insertTx(ctx context.Context, tx *db.Tx, args Args, opts *InsertOpts) (*rivertype.JobInsertResult, error) {
	return r.c.InsertTx(ctx, r.txOf(tx), args, opts)
}
func (r riverClient[TTx]) start(ctx context.Context) error { return r.c.Start(ctx) }
func (r riverClient[TTx]) stop(ctx context.Context) error  { return r.c.Stop(ctx) }
func (r riverClient[TTx]) list(ctx context.Context, p *river.JobListParams) (*river.JobListResult, error) {
	return r.c.JobList(ctx, p)
}
func (r riverClient[TTx]) get(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return r.c.JobGet(ctx, id)
}
func (r riverClient[TTx]) retry(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return r.c.JobRetry(ctx, id)
}
func (r riverClient[TTx]) cancel(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return r.c.JobCancel(ctx, id)
}
func (r riverClient[TTx]) periodic() *river.PeriodicJobBundle { return r.c.PeriodicJobs() }

// New makes a queue over d. Register workers (AddWorker) before Start.
func New(d *db.DB, opts Options) (*Queue, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	q := &Queue{db: d, workers: river.NewWorkers(), work: opts.Work, log: opts.Logger}
	cfg := &river.Config{
		Workers: q.workers,
		// River logs every job error at warn; certhub's own workers log what
		// matters, so keep River to errors.
		Logger:                      slog.New(levelFilter{opts.Logger.Handler(), slog.LevelError}),
		CompletedJobRetentionPeriod: 7 * 24 * time.Hour,
		DiscardedJobRetentionPeriod: 90 * 24 * time.Hour,
		JobTimeout:                  5 * time.Minute,
	}
	if !opts.Work {
		// An enqueue-only queue (the CLI) has no workers registered; the
		// working server is the one that must know every kind.
		cfg.SkipUnknownJobCheck = true
	}
	if opts.Work {
		n := opts.Workers
		if n <= 0 {
			n = 4
		}
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}}
		for name, max := range opts.Queues {
			cfg.Queues[name] = river.QueueConfig{MaxWorkers: cmp.Or(max, 1)}
		}
		if opts.PollInterval > 0 {
			cfg.FetchPollInterval = opts.PollInterval
			cfg.FetchCooldown = min(opts.PollInterval, river.FetchCooldownDefault)
		}
	}
	var err error
	switch d.Engine() {
	case db.Postgres:
		var c *river.Client[pgx.Tx]
		c, err = river.NewClient(riverpgxv5.New(d.PgxPool()), cfg)
		q.client = riverClient[pgx.Tx]{c: c, txOf: (*db.Tx).PgxTx}
	default:
		var c *river.Client[*sql.Tx]
		c, err = river.NewClient(riversqlite.New(d.SQLDB()), cfg)
		q.client = riverClient[*sql.Tx]{c: c, txOf: (*db.Tx).SQLTx}
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return q, nil
}

// AddWorker registers w for its job kind. Call it before Start.
func AddWorker[T Args](q *Queue, w Worker[T]) {
	river.AddWorker(q.workers, w)
}

// Enqueue adds a job inside tx: it runs only if tx commits.
func (q *Queue) Enqueue(ctx context.Context, tx *db.Tx, args Args, opts *InsertOpts) error {
	if _, err := q.client.insertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// Every runs the job made by build every interval (on the leader node only),
// and once soon after start. On an enqueue-only queue it does nothing: the
// working server schedules periodic jobs.
func (q *Queue) Every(id string, interval time.Duration, build func() Args) {
	if !q.work {
		return
	}
	q.client.periodic().Add(river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return build(), nil },
		&river.PeriodicJobOpts{ID: id, RunOnStart: true}))
}

// Start begins working jobs (a no-op for an enqueue-only queue).
func (q *Queue) Start(ctx context.Context) error {
	if !q.work {
		return nil
	}
	if err := q.client.start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop lets running jobs finish (until ctx ends) and stops fetching new ones.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.work {
		return nil
	}
	err := q.client.stop(ctx)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// Info describes a job for people.
type Info struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	State       string          `json:"state"`
	Attempt     int             `json:"attempt"`
	MaxAttempts int             `json:"max_attempts"`
	CreatedAt   time.Time       `json:"created_at"`
	ScheduledAt time.Time       `json:"scheduled_at"`
	FinalizedAt *time.Time      `json:"finalized_at,omitempty"`
	LastError   string          `json:"last_error,omitempty"`
	Errors      []AttemptError  `json:"errors,omitempty"`
	Args        json.RawMessage `json:"args"`
}

// AttemptError is one failed attempt.
type AttemptError struct {
	At      time.Time `json:"at"`
	Attempt int       `json:"attempt"`
	Error   string    `json:"error"`
}

func info(r *rivertype.JobRow) Info {
	in := Info{
		ID: r.ID, Kind: r.Kind, State: string(r.State), Attempt: r.Attempt, MaxAttempts: r.MaxAttempts,
		CreatedAt: r.CreatedAt.UTC(), ScheduledAt: r.ScheduledAt.UTC(), Args: json.RawMessage(r.EncodedArgs),
	}
	if r.FinalizedAt != nil {
		t := r.FinalizedAt.UTC()
		in.FinalizedAt = &t
	}
	for _, e := range r.Errors {
		in.Errors = append(in.Errors, AttemptError{At: e.At.UTC(), Attempt: e.Attempt, Error: e.Error})
	}
	if n := len(r.Errors); n > 0 {
		in.LastError = r.Errors[n-1].Error
	}
	return in
}

// States people filter jobs by.
var States = []string{"available", "scheduled", "running", "retryable", "discarded", "cancelled", "completed"}

// List returns up to limit jobs in the given states, newest first. An empty
// state list means jobs that need attention: retryable and discarded.
func (q *Queue) List(ctx context.Context, states []string, limit int) ([]Info, error) {
	if len(states) == 0 {
		states = []string{"retryable", "discarded"}
	}
	var ss []rivertype.JobState
	for _, s := range states {
		ss = append(ss, rivertype.JobState(s))
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	res, err := q.client.list(ctx, river.NewJobListParams().States(ss...).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(limit))
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	out := make([]Info, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		out = append(out, info(j))
	}
	return out, nil
}

// Get returns one job.
func (q *Queue) Get(ctx context.Context, id int64) (Info, error) {
	j, err := q.client.get(ctx, id)
	if err != nil {
		return Info{}, fmt.Errorf("jobs: get %d: %w", id, err)
	}
	return info(j), nil
}

// Retry makes a failed (or finished) job run again now.
func (q *Queue) Retry(ctx context.Context, id int64) (Info, error) {
	j, err := q.client.retry(ctx, id)
	if err != nil {
		return Info{}, fmt.Errorf("jobs: retry %d: %w", id, err)
	}
	return info(j), nil
}

// Cancel stops a job from being tried again.
func (q *Queue) Cancel(ctx context.Context, id int64) (Info, error) {
	j, err := q.client.cancel(ctx, id)
	if err != nil {
		return Info{}, fmt.Errorf("jobs: cancel %d: %w", id, err)
	}
	return info(j), nil
}

// IsNotFound reports whether err means the job does not exist.
// CountByState counts the jobs in each state (the metrics' gauges).
func (q *Queue) CountByState(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	rows, err := q.db.Query(ctx, `SELECT state, COUNT(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("jobs: count: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] = n
	}
	return out, rows.Err()
}

func IsNotFound(err error) bool { return errors.Is(err, river.ErrNotFound) }

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (h levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// Handle drops River's complaints about a cancelled context: they are what
// stopping looks like, not errors.
func (h levelFilter) Handle(ctx context.Context, r slog.Record) error {
	cancelled := false
	r.Attrs(func(a slog.Attr) bool {
		switch v := a.Value.Any().(type) {
		case error:
			cancelled = errors.Is(v, context.Canceled) || strings.Contains(v.Error(), "context canceled")
		case string:
			cancelled = a.Key == "error" && strings.Contains(v, "context canceled")
		}
		return !cancelled
	})
	if cancelled {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}
func (h levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{h.Handler.WithAttrs(a), h.min}
}
func (h levelFilter) WithGroup(n string) slog.Handler {
	return levelFilter{h.Handler.WithGroup(n), h.min}
}

// Permanent marks err as final: the job is cancelled instead of retried
// (for inputs that can never succeed, such as a malformed message).
func Permanent(err error) error { return river.JobCancel(err) }
