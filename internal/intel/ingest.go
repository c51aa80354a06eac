package intel

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/seal"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// Options configure the Service.
type Options struct {
	DB  *db.DB
	Now func() time.Time
	Log *slog.Logger
	// Outbox sends the digests; nil sends none.
	Outbox *notify.Outbox
	// CenterName and BaseURL appear in the digests.
	CenterName, BaseURL string
	// Key seals pulled sources' credentials; nil: a key of the process's
	// own (tests).
	Key *seal.Key
	// AllowPrivate lets pulled sources reach private and loopback
	// addresses; by default the server fetches from public ones only.
	AllowPrivate bool
	// Related finds what else in certhub names a CVE ID (cases,
	// advisories); nil: nothing.
	Related Related
	// SpoolDir holds large pushed bodies while they load in the
	// background; empty: the system's temporary directory.
	SpoolDir string
	// People finds the accounts of people named as recipients of a
	// source's TLP:RED intelligence; nil: none can be named.
	People People
	// Retention is how long ingest runs and TAXII status resources are
	// kept (the intel.prune job); 0: DefaultRetention.
	Retention time.Duration
	// Directory answers the organisations and their constituencies; nil:
	// none (nothing is routed).
	Directory Directory
}

// People is what threat intelligence needs of the accounts.
type People interface {
	GetUser(ctx context.Context, id string) (auth.User, error)
	UserByEmail(ctx context.Context, email string) (auth.User, error)
}

// Service keeps the threat-intelligence store.
type Service struct {
	db   *db.DB
	now  func() time.Time
	log  *slog.Logger
	warn warnCache
	asn  asnCache
	// builtinLists: the built-in warninglists have their rows.
	builtinLists atomic.Bool
	orgTable     ttlCache[map[string]orgInfo]
	cols         collectionCache
	routes       ttlCache[*Routes]
	index        *Index
	outbox       *notify.Outbox
	key          *seal.Key
	client       *http.Client
	queue        *jobs.Queue
	spoolDir     string
	related      Related
	people       People
	dir          Directory
	retention    time.Duration
	bg           sync.WaitGroup // loads running after their request answered 202
	life         context.Context
	stop         context.CancelFunc

	allowPrivate        bool
	centerName, baseURL string
}

// NewService makes the service.
func NewService(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Key == nil {
		k := make([]byte, 32)
		_, _ = rand.Read(k)
		o.Key, _ = seal.New(k)
	}
	life, stop := context.WithCancel(context.Background())
	return &Service{life: life, stop: stop, db: o.DB, now: o.Now, log: o.Log, index: NewIndex(), outbox: o.Outbox, key: o.Key,
		// No overall timeout: a feed may take minutes; each pull has its
		// own deadline and the transport its connection timeouts.
		client:       &http.Client{Transport: notify.EgressTransport(o.AllowPrivate)},
		allowPrivate: o.AllowPrivate, spoolDir: o.SpoolDir, related: o.Related, people: o.People, dir: o.Directory, retention: cmp.Or(o.Retention, DefaultRetention),
		centerName: cmp.Or(o.CenterName, "The CERT coordination center"), baseURL: strings.TrimSuffix(o.BaseURL, "/")}
}

// Format is an input format.
type Format string

const (
	FormatAuto         Format = "auto"
	FormatText         Format = "text"
	FormatCSV          Format = "csv"
	FormatShadowserver Format = "shadowserver"
	FormatSTIX         Format = "stix"
	FormatMISP         Format = "misp"
)

// IngestOptions say how to read an input.
type IngestOptions struct {
	Format Format
	// TLP marks what is read; empty: the source's default.
	TLP string
	// Mapping says what a CSV's columns hold; nil: recognised from the header.
	Mapping *CSVMapping
	// Report names a Shadowserver report type (from its file name).
	Report string
	// Stored, when set, hears of the STIX objects of each batch inside the
	// transaction that stores them, so what it records of them commits
	// with them (TAXII's status).
	Stored func(ctx context.Context, tx *db.Tx, objs []Object) error
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
	Objects int         `json:"objects,omitempty"`
	Errors  []Rejection `json:"errors"`
	// RunID names the run that did it (GET /api/v1/intel/runs/{id}).
	RunID    string        `json:"run_id,omitempty"`
	Duration time.Duration `json:"-"`

	read int64 // bytes read so far (atomic)
	// Lost are the STIX objects read but not stored: those of a batch
	// whose write failed, and of the batches read after it.
	Lost []Object `json:"-"`
}

// Total is every indicator read.
func (r Result) Total() int { return r.New + r.Updated + r.Rejected }

// MaxErrors bounds the rejections a result lists (all are counted).
const MaxErrors = 100

// batchSize is how many indicators one write transaction takes.
const batchSize = 20_000

// batch is what one write transaction stores.
type batch struct {
	recs []Record
	objs []Object
}

func (b *batch) size() int { return len(b.recs) + len(b.objs) }

// Ingest reads an input into the store for a source, as one run: the
// reading and normalising run in one goroutine, the batched writes in the
// caller's, so both cores work and memory stays at two batches whatever
// the input's size.
func (s *Service) Ingest(ctx context.Context, id *auth.Identity, src Source, r io.Reader, o IngestOptions) (Result, error) {
	if err := checkIngest(id, src, o); err != nil {
		return Result{}, err
	}
	return s.asRun(ctx, src, o.RunID, cmp.Or(o.Via, "api"), actorName(id), o.Size, o.Finish, func(runID string, res *Result) (string, error) {
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
	input := &countingReader{r: r, n: &res.read}
	br := bufio.NewReaderSize(input, 256<<10)
	format, mapping, err := detectFormat(br, o)
	if err != nil {
		return err
	}
	col, err := s.collectionByNum(ctx, s.db, src.collectionNum)
	if err != nil {
		return err
	}
	routes, err := s.routing(ctx)
	if err != nil {
		return err
	}
	warn, err := s.warninglists(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	reject := func(rj Rejection) {
		mu.Lock()
		res.Rejected++
		if len(res.Errors) < MaxErrors {
			res.Errors = append(res.Errors, rj)
		}
		mu.Unlock()
	}
	batches := make(chan *aggregated, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		b := &batch{recs: make([]Record, 0, batchSize)}
		flush := func() error {
			select {
			case batches <- aggregate(b, string(l), s.now().UTC().Unix()):
			case <-ctx.Done():
				return ctx.Err()
			}
			b = &batch{recs: make([]Record, 0, batchSize)}
			return nil
		}
		sink := func(rec Record) error {
			if name := warn.Match(rec.Observable); name != "" {
				reject(Rejection{Line: rec.Line, Message: rec.Observable.Value + ": known benign (" + name + ")"})
				return nil
			}
			b.recs = append(b.recs, rec)
			if b.size() >= batchSize {
				return flush()
			}
			return nil
		}
		keep := func(obj Object) error {
			b.objs = append(b.objs, obj)
			if b.size() >= batchSize {
				return flush()
			}
			return nil
		}
		var err error
		switch format {
		case FormatText:
			err = ParseText(br, sink, reject)
		case FormatCSV, FormatShadowserver:
			err = ParseCSV(br, *mapping, sink, reject)
		case FormatSTIX:
			err = ParseSTIX(br, sink, reject, keep)
		case FormatMISP:
			err = ParseMISP(br, sink, reject)
		}
		if err == nil && b.size() > 0 {
			err = flush()
		}
		if err != nil && len(b.objs) > 0 {
			// Read, never written: the status of a TAXII POST says so.
			mu.Lock()
			res.Lost = append(res.Lost, b.objs...)
			mu.Unlock()
		}
		readErr <- err
	}()
	var writeErr error
	insertFirst := true
	lose := func(objs []Object) {
		mu.Lock()
		res.Lost = append(res.Lost, objs...)
		mu.Unlock()
	}
	for b := range batches {
		if writeErr != nil {
			lose(b.objs)
			continue // drain after a failure; the reader stops at cancel
		}
		err := s.write(ctx, src, col, string(l), routes, b, &insertFirst, func(tx *db.Tx, created, updated int) error {
			if o.Stored != nil && len(b.objs) > 0 {
				if err := o.Stored(ctx, tx, b.objs); err != nil {
					return err
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.New += created
			res.Updated += updated
			res.Objects += len(b.objs)
			return progress(ctx, tx, runID, res)
		})
		if err != nil {
			writeErr = err
			lose(b.objs)
			cancel()
		} else if o.Progress != nil {
			mu.Lock()
			p := Progress{RunID: runID, Read: atomic.LoadInt64(&res.read), Size: o.Size, New: res.New, Updated: res.Updated, Rejected: res.Rejected, Objects: res.Objects}
			mu.Unlock()
			o.Progress(p)
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

// detectFormat settles the format (and a CSV's mapping) from the options
// and the first bytes of the input.
func detectFormat(br *bufio.Reader, o IngestOptions) (Format, *CSVMapping, error) {
	format := cmp.Or(o.Format, FormatAuto)
	head, _ := br.Peek(64 << 10)
	firstLine := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		firstLine = head[:i]
	}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(head, []byte("\ufeff")))
	if format == FormatAuto {
		switch {
		case len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '['):
			if bytes.Contains(head, []byte(`"spec_version"`)) || bytes.Contains(head, []byte(`"type": "bundle"`)) || bytes.Contains(head, []byte(`"type":"bundle"`)) {
				format = FormatSTIX
			} else {
				format = FormatMISP
			}
		case bytes.ContainsAny(firstLine, ",;\t") && looksLikeHeader(firstLine):
			format = FormatCSV
		default:
			format = FormatText
		}
	}
	switch format {
	case FormatText:
		return format, nil, nil
	case FormatCSV, FormatShadowserver:
		header, err := csv.NewReader(bytes.NewReader(firstLine)).Read()
		if err != nil {
			return "", nil, errs.Invalid("the CSV's header cannot be read: %v", err)
		}
		if o.Mapping != nil {
			m := *o.Mapping
			return FormatCSV, &m, nil
		}
		sm := ShadowserverMapping(header, o.Report)
		if format == FormatShadowserver || (sm.Time != "" && len(sm.Columns) > 0) {
			if len(sm.Columns) == 0 {
				return "", nil, errs.Invalid("the report has no column of indicators (ip, url, sha256, http_host, …)")
			}
			return FormatShadowserver, &sm, nil
		}
		m := guessMapping(header)
		if m == nil {
			return "", nil, errs.Invalid("no column of the CSV holds indicators by its name (indicator, value, ioc, ip, domain, url, sha256, …): give a column mapping")
		}
		return FormatCSV, m, nil
	case FormatSTIX, FormatMISP:
		return format, nil, nil
	}
	return "", nil, errs.Invalid("unknown format %q: auto, text, csv, shadowserver, stix or misp", format)
}

// looksLikeHeader: a first line whose fields are names, not indicators.
func looksLikeHeader(line []byte) bool {
	rec, err := csv.NewReader(bytes.NewReader(line)).Read()
	if err != nil || len(rec) < 2 {
		return false
	}
	for _, f := range rec {
		if _, err := Normalize(f); err == nil {
			return false
		}
	}
	return true
}

// guessMapping maps the columns whose names say what they hold.
func guessMapping(header []string) *CSVMapping {
	known := map[string]Type{"indicator": "", "value": "", "ioc": "", "observable": "", "ip": "", "ip_address": "", "src_ip": "",
		"dst_ip": "", "domain": Domain, "hostname": Domain, "host": "", "fqdn": Domain, "url": URL, "email": Email,
		"md5": MD5, "sha1": SHA1, "sha256": SHA256, "sha512": SHA512, "asn": ASN, "cve": CVE, "cidr": CIDR, "network": CIDR}
	m := &CSVMapping{Columns: map[string]Type{}}
	for _, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if t, ok := known[name]; ok {
			m.Columns[name] = t
		}
		switch name {
		case "timestamp", "time", "first_seen", "last_seen", "date", "seen":
			if m.Time == "" {
				m.Time = name
			}
		case "tag", "tags", "type", "category", "family", "malware", "threat", "comment", "description", "port", "protocol":
			m.Tags = append(m.Tags, name)
		}
	}
	if len(m.Columns) == 0 {
		return nil
	}
	return m
}

// agg is one observable of a batch with what the batch says of it.
type agg struct {
	typ           Type
	value         string
	first, last   int64 // Unix seconds
	count         int64
	tags          []string
	tlp           string // the most restrictive marking the batch's records give it
	fromObject    bool   // every record of it came from a kept STIX object
	events        []*EventRef
	id            int64
	newObservable bool
}

// chunk is how many rows one INSERT statement carries (bound parameters
// stay well under SQLite's limit of 32,766).
const chunk = 1000

// aggregated is a batch made ready to write: one agg per observable of
// its records, in key order, and its kept STIX objects. The reading
// goroutine makes it, so the writer only writes.
type aggregated struct {
	aggs  []*agg
	byKey map[Observable]*agg
	objs  []Object
	now   int64 // Unix seconds: when a record that says no time was seen
}

// aggregate folds a batch's records into one agg per observable: the span
// of times, how often, its tags and events, and the most restrictive
// marking the records give it (label where none does).
func aggregate(b *batch, label string, now int64) *aggregated {
	byKey := make(map[Observable]*agg, len(b.recs))
	for _, r := range b.recs {
		key := r.Observable
		at := now
		if !r.Time.IsZero() {
			at = r.Time.Unix()
		}
		a := byKey[key]
		if a == nil {
			a = &agg{typ: r.Observable.Type, value: r.Observable.Value, first: at, last: at, fromObject: true}
			byKey[key] = a
		}
		a.count++
		a.fromObject = a.fromObject && r.FromObject
		if r.TLP != "" {
			if l := tlp.Label(r.TLP); a.tlp == "" || l.MoreRestrictive(tlp.Label(a.tlp)) {
				a.tlp = r.TLP
			}
		}
		a.first, a.last = min(a.first, at), max(a.last, at)
		if r.Event != nil && !slices.Contains(a.events, r.Event) {
			a.events = append(a.events, r.Event)
		}
		for _, t := range r.Tags {
			t = strings.ReplaceAll(t, " ", "_")
			if len(a.tags) < 20 && !slices.Contains(a.tags, t) {
				a.tags = append(a.tags, t)
			}
		}
	}
	aggs := make([]*agg, 0, len(byKey))
	for _, a := range byKey {
		if a.tlp == "" {
			a.tlp = label
		}
		aggs = append(aggs, a)
	}
	// A fixed order, so concurrent ingests on PostgreSQL lock rows in the
	// same order and never deadlock, and neighbours in the unique index
	// are written together.
	slices.SortFunc(aggs, func(x, y *agg) int {
		return cmp.Or(cmp.Compare(x.typ, y.typ), cmp.Compare(x.value, y.value))
	})
	return &aggregated{aggs: aggs, byKey: byKey, objs: b.objs, now: now}
}

// write stores one aggregated batch in one transaction: the observables
// (insert or update first/last seen and sightings), each one's observation
// by this source (an indicator in the source's collection), the kept STIX
// objects, and the routes to the constituents the observables concern. It
// answers how many observables were new and how many known.
func (s *Service) write(ctx context.Context, src Source, col Collection, label string, routes *Routes, g *aggregated,
	insertFirst *bool, done func(tx *db.Tx, created, updated int) error) error {
	aggs := g.aggs
	return s.db.Write(ctx, func(tx *db.Tx) error {
		ins := newInserter(tx)
		// Inserting first, then upserting what was stored, locks a chunk's
		// rows out of key order: only where transactions never overlap.
		ins.insertFirst = *insertFirst && tx.Serialized()
		if err := ins.observables(ctx, aggs, g.byKey); err != nil {
			return err
		}
		*insertFirst = ins.insertFirst
		added, err := nextAdded(ctx, tx, col.Num, s.now())
		if err != nil {
			return err
		}
		if err := ins.observations(ctx, aggs, src, col.Num, added); err != nil {
			return err
		}
		if err := ins.objects(ctx, g.objs, src, col.Num, label, added+int64(len(aggs))); err != nil {
			return err
		}
		if err := ins.events(ctx, aggs, src, g.now); err != nil {
			return err
		}
		if err := s.route(ctx, tx, ins, aggs, routes); err != nil {
			return err
		}
		created := 0
		for _, a := range aggs {
			if a.newObservable {
				created++
			}
		}
		return done(tx, created, len(aggs)-created)
	})
}

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

// observables gives every agg its observable's id, inserting the new ones
// and adding to the known ones' span and sightings. A chunk is first
// inserted with ids reserved for it, skipping the values already stored:
// new observables then need no second look at the unique index and
// nothing read back. What was skipped is upserted, answering the known
// ids. When most of a chunk was known the next goes straight to the upsert
// (a feed that repeats itself would pay for two looks otherwise). Only
// where write transactions never overlap (SQLite): the two passes lock a
// chunk's rows out of key order, which concurrent ingests on PostgreSQL
// could deadlock on; there every chunk is one upsert in key order.
func (in *inserter) observables(ctx context.Context, aggs []*agg, byKey map[Observable]*agg) error {
	for i := 0; i < len(aggs); i += chunk {
		part := aggs[i:min(i+chunk, len(aggs))]
		if in.insertFirst {
			rest, err := in.insertObservables(ctx, part, byKey)
			if err != nil {
				return err
			}
			in.insertFirst = len(rest)*2 <= len(part)
			part = rest
		}
		created, err := in.upsertObservables(ctx, part, byKey)
		if err != nil {
			return err
		}
		if !in.insertFirst && created*2 > len(part) && in.tx.Serialized() {
			in.insertFirst = true
		}
	}
	return nil
}

// insertObservables inserts those of part not stored yet and answers the
// others.
func (in *inserter) insertObservables(ctx context.Context, part []*agg, byKey map[Observable]*agg) ([]*agg, error) {
	keys, err := in.tx.ReserveKeys(ctx, "intel_observables", "id", len(part))
	if err != nil {
		return nil, err
	}
	if keys.Given {
		in.start(`INSERT INTO intel_observables (id, type, value, first_seen, last_seen, sightings)`)
		for j, a := range part {
			in.row(keys.IDs[j], string(a.typ), a.value, a.first, a.last, a.count)
		}
	} else {
		in.start(`INSERT INTO intel_observables (type, value, first_seen, last_seen, sightings)`)
		for _, a := range part {
			in.row(string(a.typ), a.value, a.first, a.last, a.count)
		}
	}
	n, err := in.tx.ExecRepeated(ctx, in.sql(` ON CONFLICT (type, value) DO NOTHING`), in.args...)
	if err != nil {
		return nil, fmt.Errorf("intel: store observables: %w", err)
	}
	if int(n) == len(part) {
		for j, a := range part {
			a.id, a.newObservable = keys.IDs[j], true
		}
		return nil, nil
	}
	// Some were stored already: the rows that took reserved keys are the
	// ones that went in.
	ours := make(map[int64]bool, len(keys.IDs))
	for _, id := range keys.IDs {
		ours[id] = true
	}
	rows, err := in.tx.Query(ctx, `SELECT id, type, value FROM intel_observables WHERE id >= $1 AND id <= $2`,
		keys.IDs[0], keys.IDs[len(keys.IDs)-1])
	if err != nil {
		return nil, fmt.Errorf("intel: store observables: %w", err)
	}
	for rows.Next() {
		var id int64
		var typ, value string
		if err := rows.Scan(&id, &typ, &value); err != nil {
			rows.Close()
			return nil, err
		}
		if a := byKey[Observable{Type: Type(typ), Value: value}]; a != nil && ours[id] {
			a.id, a.newObservable = id, true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("intel: store observables: %w", err)
	}
	var rest []*agg
	for _, a := range part {
		if !a.newObservable {
			rest = append(rest, a)
		}
	}
	return rest, nil
}

// upsertObservables inserts or updates part, reading back each one's id
// and whether it is new; it answers how many were.
func (in *inserter) upsertObservables(ctx context.Context, part []*agg, byKey map[Observable]*agg) (int, error) {
	if len(part) == 0 {
		return 0, nil
	}
	in.start(`INSERT INTO intel_observables (type, value, first_seen, last_seen, sightings)`)
	for _, a := range part {
		in.row(string(a.typ), a.value, a.first, a.last, a.count)
	}
	rows, err := in.tx.QueryRepeated(ctx, in.sql(` ON CONFLICT (type, value) DO UPDATE SET
		first_seen = CASE WHEN excluded.first_seen < intel_observables.first_seen THEN excluded.first_seen ELSE intel_observables.first_seen END,
		last_seen = CASE WHEN excluded.last_seen > intel_observables.last_seen THEN excluded.last_seen ELSE intel_observables.last_seen END,
		sightings = intel_observables.sightings + excluded.sightings
		RETURNING id, type, value, sightings`), in.args...)
	if err != nil {
		return 0, fmt.Errorf("intel: store observables: %w", err)
	}
	defer rows.Close()
	created := 0
	for rows.Next() {
		var id, sightings int64
		var typ, value string
		if err := rows.Scan(&id, &typ, &value, &sightings); err != nil {
			return 0, err
		}
		if a := byKey[Observable{Type: Type(typ), Value: value}]; a != nil {
			a.id, a.newObservable = id, sightings == a.count
			if a.newObservable {
				created++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("intel: store observables: %w", err)
	}
	return created, nil
}

// observations upserts each observable's observation by src. A new one
// takes the next date_added of the collection, which then never changes:
// the update leaves the page index alone, and an observation that was read
// only from kept STIX objects until now becomes an indicator of its own at
// its old place (clients that paged past it had the STIX object).
func (in *inserter) observations(ctx context.Context, aggs []*agg, src Source, col, added int64) error {
	for i := 0; i < len(aggs); i += chunk {
		in.start(`INSERT INTO intel_observations (source_num, collection_num, confidence, observable_id, added, from_stix, first_seen, last_seen, count, tlp, tags)`,
			src.num, col, src.Confidence)
		for j, a := range aggs[i:min(i+chunk, len(aggs))] {
			in.row(a.id, added+int64(i+j), a.fromObject, a.first, a.last, a.count, a.tlp, strings.Join(a.tags, " "))
		}
		if _, err := in.tx.ExecRepeated(ctx, in.sql(` ON CONFLICT (observable_id, source_num) DO UPDATE SET
			from_stix = intel_observations.from_stix AND excluded.from_stix,
			first_seen = CASE WHEN excluded.first_seen < intel_observations.first_seen THEN excluded.first_seen ELSE intel_observations.first_seen END,
			last_seen = CASE WHEN excluded.last_seen > intel_observations.last_seen THEN excluded.last_seen ELSE intel_observations.last_seen END,
			count = intel_observations.count + excluded.count, tlp = excluded.tlp, confidence = excluded.confidence,
			tags = CASE WHEN excluded.tags = '' THEN intel_observations.tags ELSE excluded.tags END`), in.args...); err != nil {
			return fmt.Errorf("intel: store observations: %w", err)
		}
	}
	return nil
}

// events records the events the batch's observables were reported in
// and links each observable to them.
func (in *inserter) events(ctx context.Context, aggs []*agg, src Source, now int64) error {
	byUUID := map[string]*EventRef{}
	for _, a := range aggs {
		for _, e := range a.events {
			byUUID[e.UUID] = e
		}
	}
	if len(byUUID) == 0 {
		return nil
	}
	uuids := slices.Sorted(maps.Keys(byUUID)) // one order: no deadlocks on PostgreSQL
	nums := map[string]int64{}
	for i := 0; i < len(uuids); i += chunk {
		in.start(`INSERT INTO intel_events (source_num, first_seen, last_seen, uuid, info, event_date)`, src.num, now, now)
		for _, u := range uuids[i:min(i+chunk, len(uuids))] {
			in.row(u, byUUID[u].Info, byUUID[u].Date)
		}
		rows, err := in.tx.QueryRepeated(ctx, in.sql(` ON CONFLICT (source_num, uuid) DO UPDATE SET info = excluded.info,
			event_date = excluded.event_date, last_seen = excluded.last_seen RETURNING num, uuid`), in.args...)
		if err != nil {
			return fmt.Errorf("intel: store events: %w", err)
		}
		for rows.Next() {
			var num int64
			var u string
			if err := rows.Scan(&num, &u); err != nil {
				rows.Close()
				return err
			}
			nums[u] = num
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("intel: store events: %w", err)
		}
	}
	type link struct{ event, observable int64 }
	var links []link
	for _, a := range aggs {
		for _, e := range a.events {
			links = append(links, link{nums[e.UUID], a.id})
		}
	}
	slices.SortFunc(links, func(x, y link) int {
		return cmp.Or(cmp.Compare(x.event, y.event), cmp.Compare(x.observable, y.observable))
	})
	for i := 0; i < len(links); i += chunk {
		in.start(`INSERT INTO intel_event_observables (event_num, observable_id)`)
		for _, l := range links[i:min(i+chunk, len(links))] {
			in.row(l.event, l.observable)
		}
		if _, err := in.tx.ExecRepeated(ctx, in.sql(` ON CONFLICT (event_num, observable_id) DO NOTHING`), in.args...); err != nil {
			return fmt.Errorf("intel: link events: %w", err)
		}
	}
	return nil
}

// objects keeps STIX objects as received; a version already kept is not
// kept twice.
func (in *inserter) objects(ctx context.Context, objs []Object, src Source, col int64, label string, added int64) error {
	for i := 0; i < len(objs); i += chunk {
		in.start(`INSERT INTO intel_objects (collection_num, added, stix_id, stix_type, version, spec_version, tlp, source_num, body)`)
		for j, o := range objs[i:min(i+chunk, len(objs))] {
			in.row(col, added+int64(i+j), o.ID, o.Type, o.Version, o.SpecVersion, cmp.Or(o.TLP, label), src.num, string(o.Body))
		}
		if _, err := in.tx.ExecRepeated(ctx, in.sql(` ON CONFLICT (collection_num, stix_id, version) DO NOTHING`), in.args...); err != nil {
			return fmt.Errorf("intel: keep STIX objects: %w", err)
		}
	}
	return nil
}

// Count answers how many observables the store holds, by type.
func (s *Service) Count(ctx context.Context) (map[Type]int64, error) {
	out := map[Type]int64{}
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
		out[Type(t)] = n
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
