package intel

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/csvfeed"
	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/routing"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// IngestOptions say how to read an input.
type IngestOptions struct {
	Format ingest.Format
	// TLP marks what is read; empty: the source's default.
	TLP string
	// Mapping says what a CSV's columns hold; nil: recognised from the header.
	Mapping *csvfeed.Mapping
	// Report names a Shadowserver report type (from its file name).
	Report string
	// Stored, when set, hears of the STIX objects of each batch inside the
	// transaction that stores them, so what it records of them commits
	// with them (TAXII's status).
	Stored func(ctx context.Context, tx *db.Tx, objs []observable.Object) error
	// Finish, when set, runs inside the run's last transaction with how
	// the load ended: its counts and rejections, the objects read but not
	// stored (those of a batch that failed to write, and after it), and
	// the load's error.
	Finish func(ctx context.Context, tx *db.Tx, res *Result, runErr error) error
	// Via says how the input came (api, cli, taxii, schedule, manual);
	// RunID names a queued run to carry on; Size is the input's length
	// when known (for progress).
	Via, RunID string
	Size       int64
	// Progress, when set, hears how far the load is after every batch
	// written (from the writing goroutine).
	Progress func(Progress)

	// resume, for a resumed run, is where its last load got.
	resume *checkpoint
}

// Progress is how far a load is: its run, bytes read of the input's size
// (0: unknown) and the counts so far.
type Progress struct {
	RunID                           string
	Read, Size                      int64
	New, Updated, Rejected, Objects int
}

// Result is what an ingest did.
type Result struct {
	New      int `json:"new"`
	Updated  int `json:"updated"`
	Rejected int `json:"rejected"`
	// Objects counts the STIX objects kept as received (a version kept
	// before is counted but not kept twice).
	Objects int                    `json:"objects,omitempty"`
	Errors  []observable.Rejection `json:"errors"`
	// RunID names the run that did it (GET /api/v1/intel/runs/{id}).
	RunID    string        `json:"run_id,omitempty"`
	Duration time.Duration `json:"-"`

	read    int64 // bytes read so far (atomic)
	attempt int   // the run's attempt this load is (only it writes the run)
	// Lost are the STIX objects read but not stored: those of a batch
	// whose write failed, and of the batches read after it.
	Lost []observable.Object `json:"-"`
}

// Total is every indicator read.
func (r Result) Total() int { return r.New + r.Updated + r.Rejected }

// MaxErrors bounds the rejections a result lists (all are counted).
const MaxErrors = 100

// Ingest reads an input into the store for a source, as one run: the
// reading and normalising run in one goroutine, the batched writes in the
// caller's, so both cores work and memory stays at two batches whatever
// the input's size.
func (s *Service) Ingest(ctx context.Context, id *auth.Identity, src Source, r io.Reader, o IngestOptions) (Result, error) {
	if err := checkIngest(id, src, o); err != nil {
		return Result{}, err
	}
	return s.asRun(ctx, src, o.RunID, cmp.Or(o.Via, "api"), id.Label(), o.Size, o.Finish, func(runID string, res *Result) (string, error) {
		return "", s.load(ctx, src, runID, r, o, res)
	})
}

// checkIngest answers whether id may load into src with o's marking.
func checkIngest(id *auth.Identity, src Source, o IngestOptions) error {
	if !mayIngest(id, &src) {
		return errs.Forbidden("only the center's staff and the source's own organisation load into it")
	}
	if _, err := tlp.Parse(cmp.Or(o.TLP, src.TLP)); err != nil {
		var f errs.Fields
		f.Add("tlp", "CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
		return f.Err()
	}
	return nil
}

// load reads one input into the source, adding to res (and to the run's
// progress).
func (s *Service) load(ctx context.Context, src Source, runID string, r io.Reader, o IngestOptions, res *Result) error {
	label := cmp.Or(o.TLP, src.TLP)
	l, err := tlp.Parse(label)
	if err != nil {
		var f errs.Fields
		f.Add("tlp", "CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
		return f.Err()
	}
	ceiling, err := s.peerCeiling(ctx, src)
	if err != nil {
		return err
	}
	// above reports whether a marking (the input's own, else the load's)
	// is above a peer's ceiling, and says so.
	above := func(line int, what, marking string) (observable.Rejection, bool) {
		m := tlp.Label(cmp.Or(marking, string(l)))
		if ceiling == "" || tlp.Within(m, ceiling) {
			return observable.Rejection{}, false
		}
		return observable.Rejection{Line: line, Message: fmt.Sprintf("%s: marked %s, above the link's ceiling %s", what, m, ceiling)}, true
	}
	input := &countingReader{r: r, n: &res.read}
	br := bufio.NewReaderSize(input, 256<<10)
	format, mapping, err := ingest.Detect(br, o.Format, o.Mapping, o.Report)
	if err != nil {
		return err
	}
	col, err := s.access.ByNum(ctx, s.db, src.collectionNum)
	if err != nil {
		return err
	}
	routes, err := s.routing(ctx)
	if err != nil {
		return err
	}
	warn, err := s.warn.Set(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	// items counts the records and objects read (the reading goroutine's);
	// a resumed load skips those its last load's batches committed, and
	// the lines refused before them, which were counted then.
	var items, skip int64
	if cp := o.resume; cp != nil {
		skip = cp.items
		res.New, res.Updated, res.Objects, res.Rejected = cp.new, cp.updated, cp.objects, int(cp.rejected)
		res.Errors = append(res.Errors[:0], cp.errors...)
	}
	reject := func(rj observable.Rejection) {
		if items < skip {
			return
		}
		mu.Lock()
		res.Rejected++
		if len(res.Errors) < MaxErrors && !slices.Contains(res.Errors, rj) {
			res.Errors = append(res.Errors, rj)
		}
		mu.Unlock()
	}
	batches := make(chan batch, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		b := &ingest.Batch{Recs: make([]observable.Record, 0, s.batchSize)}
		// rejectedAtItem is how many lines were refused up to and with the
		// last item counted: a batch's checkpoint, whatever is refused
		// after its last item and before the next batch.
		var rejectedAtItem int64
		counted := func() {
			mu.Lock()
			rejectedAtItem = int64(res.Rejected)
			mu.Unlock()
		}
		flush := func() error {
			select {
			case batches <- batch{ingest.Aggregate(b, string(l), s.now().UTC().Unix()), items, rejectedAtItem}:
			case <-ctx.Done():
				return ctx.Err()
			}
			b = &ingest.Batch{Recs: make([]observable.Record, 0, s.batchSize)}
			return nil
		}
		sink := func(rec observable.Record) error {
			// Counted before the warning lists are asked: a list changed
			// before a resume does not move the items after it.
			if items++; items <= skip {
				return nil
			}
			if rj, ok := above(rec.Line, rec.Observable.Value, rec.TLP); ok {
				reject(rj)
				counted()
				return nil
			}
			if name := warn.Match(rec.Observable); name != "" {
				reject(observable.Rejection{Line: rec.Line, Message: rec.Observable.Value + ": known benign (" + name + ")"})
				counted()
				return nil
			}
			counted()
			b.Recs = append(b.Recs, rec)
			if b.Size() >= s.batchSize {
				return flush()
			}
			return nil
		}
		keep := func(obj observable.Object) error {
			if items++; items <= skip {
				return nil
			}
			if rj, ok := above(obj.Line, obj.ID, obj.TLP); ok {
				rj.ID = obj.ID // a TAXII status lists it as refused
				reject(rj)
				counted()
				return nil
			}
			counted()
			b.Objs = append(b.Objs, obj)
			if b.Size() >= s.batchSize {
				return flush()
			}
			return nil
		}
		err := ingest.Read(br, format, mapping, src.ID, sink, reject, keep)
		if err == nil && b.Size() > 0 {
			err = flush()
		}
		if err != nil && len(b.Objs) > 0 {
			// Read, never written: the status of a TAXII POST says so.
			mu.Lock()
			res.Lost = append(res.Lost, b.Objs...)
			mu.Unlock()
		}
		readErr <- err
	}()
	var writeErr error
	insertFirst := true
	lose := func(objs []observable.Object) {
		mu.Lock()
		res.Lost = append(res.Lost, objs...)
		mu.Unlock()
	}
	// On PostgreSQL two batches are written at once, on two connections:
	// one's observables are upserted while the other's observations are
	// written (each transaction takes the collection's numbering lock for
	// the second half, so date_added still grows in commit order). On
	// SQLite transactions never overlap.
	writers := 1
	if s.db.Engine() == db.Postgres {
		writers = 2
	}
	slots := make(chan struct{}, writers)
	var wg sync.WaitGroup
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return writeErr != nil }
	// Two writers overlap one way only: a batch's observables are upserted
	// once the batch before has upserted its own (so a writer never waits
	// for a row the next batch holds), and a batch commits once the batch
	// before has committed (so a run's checkpoint follows only batches
	// that are stored, and a batch whose predecessor failed is not).
	// Nothing then waits in a cycle: the second half of a batch touches no
	// row an upsert locks.
	prev := stage{upserted: make(chan struct{}), done: make(chan error, 1)}
	close(prev.upserted)
	prev.done <- nil
	var progressMu sync.Mutex // Progress hears one batch at a time
	for bt := range batches {
		b := bt.Aggregated
		if failed() {
			lose(b.Objs)
			continue // drain after a failure; the reader stops at cancel
		}
		slots <- struct{}{}
		before, me := prev, stage{upserted: make(chan struct{}), done: make(chan error, 1)}
		prev = me
		wg.Go(func() {
			defer func() { <-slots }()
			var once sync.Once
			upserted := func() { once.Do(func() { close(me.upserted) }) }
			defer upserted()
			var waited bool
			var earlier error
			h := writeHooks{
				ready:    func() { <-before.upserted },
				upserted: upserted,
				turn: func() error {
					earlier, waited = <-before.done, true
					if earlier != nil {
						return errEarlierBatch
					}
					return nil
				},
			}
			var created, updated int
			err := s.write(ctx, src, col, string(l), routes, b, &insertFirst, h, func(tx *db.Tx, c, u int) error {
				if o.Stored != nil && len(b.Objs) > 0 {
					if err := o.Stored(ctx, tx, b.Objs); err != nil {
						return err
					}
				}
				created, updated = c, u
				mu.Lock()
				// The counts this batch would leave: res holds those of
				// the batches committed (before this one, in order).
				next := counts{new: res.New + c, updated: res.Updated + u, objects: res.Objects + len(b.Objs), rejected: res.Rejected,
					read: atomic.LoadInt64(&res.read), errors: slices.Clone(res.Errors)}
				mu.Unlock()
				return progress(ctx, tx, runID, res.attempt, next, bt.items, bt.rejected, s.now())
			})
			upserted()
			if !waited {
				earlier = <-before.done // failed before its turn: pass the earlier result on
			}
			if err == nil {
				err = earlier
			}
			if err == nil {
				mu.Lock()
				res.New += created
				res.Updated += updated
				res.Objects += len(b.Objs)
				mu.Unlock()
			}
			me.done <- err
			if err != nil {
				mu.Lock()
				if writeErr == nil && !errors.Is(err, errEarlierBatch) {
					writeErr = err
				}
				mu.Unlock()
				lose(b.Objs)
				cancel()
				return
			}
			if s.afterBatch != nil {
				s.afterBatch()
			}
			if o.Progress != nil {
				progressMu.Lock()
				defer progressMu.Unlock()
				mu.Lock()
				p := Progress{RunID: runID, Read: atomic.LoadInt64(&res.read), Size: o.Size, New: res.New, Updated: res.Updated, Rejected: res.Rejected, Objects: res.Objects}
				mu.Unlock()
				o.Progress(p)
			}
		})
	}
	wg.Wait()
	if writeErr == nil && s.db.Engine() == db.Postgres && res.New >= analyzeAfter {
		// The planner's statistics lag a bulk load until autovacuum
		// comes by: until then TAXII pages and lookups over the new rows
		// may be planned as over an empty table. ANALYZE samples a
		// bounded number of rows, whatever the tables' size.
		if _, err := s.db.Exec(ctx, `ANALYZE intel_observables, intel_observations, intel_objects, intel_routes`); err != nil {
			s.log.Warn("intel: analyze after a load", "err", err)
		}
	}
	if err := <-readErr; err != nil && writeErr == nil {
		// What the parser refused is the input's fault (invalid); a
		// failure to read it (a cut connection, a body too large) or a
		// cancelled load is not.
		if input.err != nil || errors.Is(err, context.Canceled) || errs.As(err) != nil {
			return err
		}
		return &errs.Error{Kind: errs.KindInvalid, Message: strings.TrimPrefix(err.Error(), "intel: "), Err: err}
	}
	return writeErr
}

// stage is a batch's place in the order writers keep: upserted is closed
// once its observables are upserted (or it ended without), done carries
// its result once it committed or failed.
type stage struct {
	upserted chan struct{}
	done     chan error
}

// writeHooks order a batch's transaction with the others of its load:
// ready waits before the observables are upserted, upserted says they
// are, turn waits before the rows that take date_added numbers.
type writeHooks struct {
	ready    func()
	upserted func()
	turn     func() error
}

// errEarlierBatch: a batch read before this one was not stored, so
// neither is this one (the load has failed already).
var errEarlierBatch = errors.New("intel: an earlier batch was not stored")

// batch is a batch made ready to write, with how far the input was read
// when it was cut: items records and objects, rejected lines refused.
type batch struct {
	*ingest.Aggregated
	items, rejected int64
}

// countingReader counts the bytes read through it (a run's progress).
type countingReader struct {
	r   io.Reader
	n   *int64
	err error // the input's own failure (not its end), once it failed
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	atomic.AddInt64(c.n, int64(n))
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// write stores one aggregated batch in one transaction: the observables
// (insert or update first/last seen and sightings), each one's observation
// by this source (an indicator in the source's collection), the kept STIX
// objects, and the routes to the constituents the observables concern. It
// answers how many observables were new and how many known.
func (s *Service) write(ctx context.Context, src Source, col access.Collection, label string, routes *routing.Routes, g *ingest.Aggregated,
	insertFirst *bool, h writeHooks, done func(tx *db.Tx, created, updated int) error) error {
	aggs := g.Aggs
	return s.db.Write(ctx, func(tx *db.Tx) error {
		ins := newInserter(tx)
		// Inserting first, then upserting what was stored, locks a chunk's
		// rows out of key order: only where transactions never overlap
		// (and so where insertFirst is never shared by two writers).
		if tx.Serialized() {
			ins.insertFirst = *insertFirst
		}
		h.ready()
		if err := ins.observables(ctx, aggs, g.ByKey); err != nil {
			return err
		}
		h.upserted()
		if tx.Serialized() {
			*insertFirst = ins.insertFirst
		}
		// The batch read before this one has committed (or failed).
		if err := h.turn(); err != nil {
			return err
		}
		// From here on rows take date_added numbers: one writer at a time.
		if err := tx.Lock(ctx, addedLock); err != nil {
			return err
		}
		added, err := nextAdded(ctx, tx, col.Num, s.now())
		if err != nil {
			return err
		}
		if err := ins.observations(ctx, aggs, src, col.Num, added); err != nil {
			return err
		}
		if err := ins.objects(ctx, g.Objs, src, col.Num, label, added+int64(len(aggs))); err != nil {
			return err
		}
		if err := ins.events(ctx, aggs, src, g.Now); err != nil {
			return err
		}
		if err := s.route(ctx, tx, ins, aggs, routes); err != nil {
			return err
		}
		created := 0
		for _, a := range aggs {
			if a.NewObservable {
				created++
			}
		}
		return done(tx, created, len(aggs)-created)
	})
}

// analyzeAfter is how many new observables make a load on PostgreSQL
// refresh the planner's statistics when it ends.
const analyzeAfter = 50_000

// addedLock is held by a transaction from the moment it numbers rows
// (date_added) until it commits: numbers then grow in commit order, so a
// TAXII client paging by date_added never pages past a number another
// transaction, committing later, would still add before it (with several
// nodes, or two loads at once, on PostgreSQL).
const addedLock = "intel.added"

// nextAdded is the first free date_added (Unix microseconds) of a
// collection: now, or just after the newest object in it, whichever is
// later. The write transaction holds the database, so numbers from here on
// are this transaction's alone.
func nextAdded(ctx context.Context, tx *db.Tx, col int64, now time.Time) (int64, error) {
	var last int64
	for _, q := range []string{
		// The observations' index has from_stix before added: a maximum each.
		`intel_observations WHERE collection_num = $1 AND from_stix = FALSE`,
		`intel_observations WHERE collection_num = $1 AND from_stix = TRUE`,
		`intel_objects WHERE collection_num = $1`,
		`intel_routes WHERE collection_num = $1`,
	} {
		var n *int64
		if err := tx.QueryRow(ctx, `SELECT MAX(added) FROM `+q, col).Scan(&n); err != nil {
			return 0, fmt.Errorf("intel: newest in collection: %w", err)
		}
		if n != nil {
			last = max(last, *n)
		}
	}
	return max(now.UnixMicro(), last+1), nil
}

// Count answers how many observables the store holds, by type.
func (s *Service) Count(ctx context.Context) (map[observable.Type]int64, error) {
	out := map[observable.Type]int64{}
	rows, err := s.db.Query(ctx, `SELECT type, COUNT(*) FROM intel_observables GROUP BY type`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		var n int64
		if err := rows.Scan(&t, &n); err != nil {
			return nil, err
		}
		out[observable.Type(t)] = n
	}
	return out, rows.Err()
}

// Summary is the command line's one line about an ingest.
func (r Result) Summary() string {
	secs := r.Duration.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(r.Total()) / secs
	}
	return "ingested " + strconv.Itoa(r.Total()) + " indicators (new " + strconv.Itoa(r.New) + ", updated " + strconv.Itoa(r.Updated) +
		", rejected " + strconv.Itoa(r.Rejected) + ") in " + strconv.FormatFloat(secs, 'f', 2, 64) + " s (" +
		strconv.FormatFloat(rate, 'f', 0, 64) + "/s)"
}

// peerCeiling is the TLP ceiling of the link src reads a peer through (""
// for a source that is not a peer's).
func (s *Service) peerCeiling(ctx context.Context, src Source) (tlp.Label, error) {
	var c string
	err := s.db.QueryRow(ctx, `SELECT ceiling FROM intel_peers WHERE source_num = $1`, src.num).Scan(&c)
	switch {
	case errors.Is(err, db.ErrNoRows):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("intel: the source's link: %w", err)
	}
	if l := tlp.Label(c); l.Valid() {
		return l, nil
	}
	return tlp.Clear, nil // fail closed
}
