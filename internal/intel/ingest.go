package intel

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// Options configure the Service.
type Options struct {
	DB  *db.DB
	Now func() time.Time
	Log *slog.Logger
	// Warninglists suppress known-benign values; nil: the built-in lists.
	Warninglists *Warninglists
}

// Service keeps the threat-intelligence store.
type Service struct {
	db   *db.DB
	now  func() time.Time
	log  *slog.Logger
	warn *Warninglists
}

// NewService makes the service.
func NewService(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Warninglists == nil {
		var err error
		if o.Warninglists, err = NewWarninglists(); err != nil {
			panic(err) // the built-in lists are valid; a test proves it
		}
	}
	return &Service{db: o.DB, now: o.Now, log: o.Log, warn: o.Warninglists}
}

// Source is where indicators come from.
type Source struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	OwnerOrgID *string   `json:"owner_org_id,omitempty"`
	Kind       string    `json:"kind"`
	Format     string    `json:"format"`
	TLP        string    `json:"tlp"`
	Confidence int       `json:"confidence"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// mayIngest: the center's staff into any source; analysts and admins of
// the organisation that owns a source into that source.
func mayIngest(id *auth.Identity, src *Source) bool {
	if id.IsSystem() || id.IsStaff() {
		return true
	}
	return src != nil && src.OwnerOrgID != nil && id.RoleIn(*src.OwnerOrgID).AtLeast(auth.RoleAnalyst)
}

// SourceFor finds the source an ingest names, or creates it when the caller
// is staff: members of a source's owner organisation use their source.
func (s *Service) SourceFor(ctx context.Context, id *auth.Identity, name, tlpLabel string) (Source, error) {
	src, err := getSource(ctx, s.db, strings.TrimSpace(name))
	switch {
	case err == nil:
		if !mayIngest(id, &src) {
			return Source{}, errs.Forbidden("only the center's staff and the source's own organisation load into %q", name)
		}
		return src, nil
	case errors.Is(err, db.ErrNoRows):
		return s.EnsureSource(ctx, id, name, tlpLabel, nil)
	default:
		return Source{}, fmt.Errorf("intel: source: %w", err)
	}
}

// EnsureSource returns the push source of that name, creating it (owned by
// owner, marked tlpLabel by default) when it does not exist.
func (s *Service) EnsureSource(ctx context.Context, id *auth.Identity, name, tlpLabel string, owner *string) (Source, error) {
	if !mayIngest(id, nil) {
		return Source{}, errs.Forbidden("only the coordination center's staff create sources")
	}
	name = strings.TrimSpace(name)
	var f errs.Fields
	if name == "" || len(name) > 200 {
		f.Add("source", "a source name of 1 to 200 characters")
	}
	l, err := tlp.Parse(cmp.Or(tlpLabel, "AMBER"))
	if err != nil {
		f.Add("tlp", "CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
	}
	if err := f.Err(); err != nil {
		return Source{}, err
	}
	var out Source
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		src, err := getSource(ctx, tx, name)
		if err == nil {
			out = src
			return nil
		}
		if !errors.Is(err, db.ErrNoRows) {
			return err
		}
		now := s.now()
		out = Source{ID: db.NewID(), Name: name, OwnerOrgID: owner, Kind: "push", Format: "auto", TLP: string(l), Confidence: 50,
			CreatedAt: now, UpdatedAt: now}
		if _, err := tx.Exec(ctx, `INSERT INTO intel_sources (id, name, owner_org_id, kind, format, tlp, confidence, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, out.ID, out.Name, out.OwnerOrgID, out.Kind, out.Format, out.TLP, out.Confidence, now); err != nil {
			return fmt.Errorf("intel: create source: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "intel.source.create", ObjectType: "intel_source", ObjectID: out.ID,
			Summary: "created source " + name, After: out})
	})
	return out, err
}

func getSource(ctx context.Context, q db.Querier, name string) (Source, error) {
	var src Source
	err := q.QueryRow(ctx, `SELECT id, name, owner_org_id, kind, format, tlp, confidence, created_at, updated_at
		FROM intel_sources WHERE name = $1 OR id = $1`, name).Scan(&src.ID, &src.Name, &src.OwnerOrgID, &src.Kind, &src.Format,
		&src.TLP, &src.Confidence, &src.CreatedAt, &src.UpdatedAt)
	return src, err
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
}

// Result is what an ingest did.
type Result struct {
	New      int           `json:"new"`
	Updated  int           `json:"updated"`
	Rejected int           `json:"rejected"`
	Errors   []Rejection   `json:"errors"`
	Duration time.Duration `json:"-"`
}

// Total is every indicator read.
func (r Result) Total() int { return r.New + r.Updated + r.Rejected }

// MaxErrors bounds the rejections a result lists (all are counted).
const MaxErrors = 100

// batchSize is how many indicators one write transaction takes.
const batchSize = 20_000

// Ingest reads an input into the store for a source: the reading and
// normalising run in one goroutine, the batched writes in the caller's, so
// both cores work and memory stays at two batches whatever the input's size.
func (s *Service) Ingest(ctx context.Context, id *auth.Identity, src Source, r io.Reader, o IngestOptions) (Result, error) {
	if !mayIngest(id, &src) {
		return Result{}, errs.Forbidden("only the center's staff and the source's own organisation load into it")
	}
	start := time.Now()
	label := cmp.Or(o.TLP, src.TLP)
	l, err := tlp.Parse(label)
	if err != nil {
		var f errs.Fields
		f.Add("tlp", "CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
		return Result{}, f.Err()
	}
	br := bufio.NewReaderSize(r, 256<<10)
	format, mapping, err := detectFormat(br, o)
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	res := Result{Errors: []Rejection{}}
	reject := func(rj Rejection) {
		mu.Lock()
		res.Rejected++
		if len(res.Errors) < MaxErrors {
			res.Errors = append(res.Errors, rj)
		}
		mu.Unlock()
	}
	batches := make(chan []Record, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		batch := make([]Record, 0, batchSize)
		sink := func(rec Record) error {
			if name := s.warn.Match(rec.Observable); name != "" {
				reject(Rejection{Line: rec.Line, Message: rec.Observable.Value + ": known benign (" + name + ")"})
				return nil
			}
			batch = append(batch, rec)
			if len(batch) == batchSize {
				select {
				case batches <- batch:
				case <-ctx.Done():
					return ctx.Err()
				}
				batch = make([]Record, 0, batchSize)
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
			err = ParseSTIX(br, sink, reject)
		case FormatMISP:
			err = ParseMISP(br, sink, reject)
		}
		if err == nil && len(batch) > 0 {
			select {
			case batches <- batch:
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		readErr <- err
	}()
	var writeErr error
	for batch := range batches {
		if writeErr != nil {
			continue // drain after a failure; the reader stops at cancel
		}
		n, u, err := s.write(ctx, src, string(l), batch)
		if err != nil {
			writeErr = err
			cancel()
			continue
		}
		res.New += n
		res.Updated += u
	}
	if err := <-readErr; err != nil && writeErr == nil {
		return res, err
	}
	if writeErr != nil {
		return res, writeErr
	}
	res.Duration = time.Since(start)
	err = s.db.Write(context.WithoutCancel(ctx), func(tx *db.Tx) error {
		now := s.now()
		counts := fmt.Sprintf(`{"new":%d,"updated":%d,"rejected":%d}`, res.New, res.Updated, res.Rejected)
		if _, err := tx.Exec(ctx, `UPDATE intel_sources SET last_run_at = $2, last_status = 'ok', last_counts = $3, updated_at = $2 WHERE id = $1`,
			src.ID, now, counts); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "intel.ingest", ObjectType: "intel_source", ObjectID: src.ID, OrgID: deref(src.OwnerOrgID),
			Summary: fmt.Sprintf("ingested %d indicators into %s (new %d, updated %d, rejected %d)", res.Total(), src.Name, res.New, res.Updated, res.Rejected)})
	})
	return res, err
}

func deref(p *string) string {
	if p == nil {
		return ""
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
	first, last   time.Time
	count         int64
	tags          []string
	tlp           string // the most restrictive marking the batch's records give it
	id            int64
	newObservable bool
}

// chunk is how many rows one INSERT statement carries (bound parameters
// stay well under SQLite's limit of 32,766).
const chunk = 1000

// write stores one batch in one transaction: the observables (insert or
// update first/last seen and sightings) and each one's observation by this
// source. It answers how many observables were new and how many known.
func (s *Service) write(ctx context.Context, src Source, label string, batch []Record) (created, updated int, err error) {
	now := s.now().UTC().Truncate(time.Second)
	byKey := make(map[string]*agg, len(batch))
	for _, r := range batch {
		key := string(r.Observable.Type) + "\x00" + r.Observable.Value
		at := now
		if !r.Time.IsZero() {
			at = r.Time.UTC().Truncate(time.Second)
		}
		a := byKey[key]
		if a == nil {
			a = &agg{typ: r.Observable.Type, value: r.Observable.Value, first: at, last: at}
			byKey[key] = a
		}
		a.count++
		if r.TLP != "" {
			if l := tlp.Label(r.TLP); a.tlp == "" || l.MoreRestrictive(tlp.Label(a.tlp)) {
				a.tlp = r.TLP
			}
		}
		if at.Before(a.first) {
			a.first = at
		}
		if at.After(a.last) {
			a.last = at
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
		aggs = append(aggs, a)
	}
	// A fixed order, so concurrent ingests on PostgreSQL lock rows in the
	// same order and never deadlock.
	slices.SortFunc(aggs, func(x, y *agg) int {
		return cmp.Or(cmp.Compare(x.typ, y.typ), cmp.Compare(x.value, y.value))
	})
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		// SQLite takes "$1" as a named parameter and looks names up in a
		// list, which costs quadratic time in a statement of thousands;
		// anonymous "?" parameters are bound by position.
		ph := func(n int) string { return "$" + strconv.Itoa(n) }
		if tx.Engine() == db.SQLite {
			ph = func(int) string { return "?" }
		}
		var sb strings.Builder
		args := make([]any, 0, chunk*8)
		for i := 0; i < len(aggs); i += chunk {
			part := aggs[i:min(i+chunk, len(aggs))]
			sb.Reset()
			args = args[:0]
			sb.WriteString(`INSERT INTO intel_observables (type, value, first_seen, last_seen, sightings) VALUES `)
			for j, a := range part {
				if j > 0 {
					sb.WriteString(", ")
				}
				n := len(args)
				sb.WriteString("(" + ph(n+1) + ", " + ph(n+2) + ", " + ph(n+3) + ", " + ph(n+4) + ", " + ph(n+5) + ")")
				args = append(args, string(a.typ), a.value, a.first, a.last, a.count)
			}
			sb.WriteString(` ON CONFLICT (type, value) DO UPDATE SET
				first_seen = CASE WHEN excluded.first_seen < intel_observables.first_seen THEN excluded.first_seen ELSE intel_observables.first_seen END,
				last_seen = CASE WHEN excluded.last_seen > intel_observables.last_seen THEN excluded.last_seen ELSE intel_observables.last_seen END,
				sightings = intel_observables.sightings + excluded.sightings
				RETURNING id, type, value, sightings`)
			rows, err := tx.QueryRepeated(ctx, sb.String(), args...)
			if err != nil {
				return fmt.Errorf("intel: store observables: %w", err)
			}
			for rows.Next() {
				var id, sightings int64
				var typ, value string
				if err := rows.Scan(&id, &typ, &value, &sightings); err != nil {
					rows.Close()
					return err
				}
				if a := byKey[typ+"\x00"+value]; a != nil {
					a.id, a.newObservable = id, sightings == a.count
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("intel: store observables: %w", err)
			}
		}
		for i := 0; i < len(aggs); i += chunk {
			part := aggs[i:min(i+chunk, len(aggs))]
			sb.Reset()
			args = args[:0]
			sb.WriteString(`INSERT INTO intel_observations (observable_id, source_id, first_seen, last_seen, count, tlp, confidence, tags) VALUES `)
			for j, a := range part {
				if j > 0 {
					sb.WriteString(", ")
				}
				n := len(args)
				sb.WriteString("(")
				for k := 1; k <= 8; k++ {
					if k > 1 {
						sb.WriteString(", ")
					}
					sb.WriteString(ph(n + k))
				}
				sb.WriteString(")")
				args = append(args, a.id, src.ID, a.first, a.last, a.count, cmp.Or(a.tlp, label), src.Confidence, strings.Join(a.tags, " "))
			}
			sb.WriteString(` ON CONFLICT (observable_id, source_id) DO UPDATE SET
				first_seen = CASE WHEN excluded.first_seen < intel_observations.first_seen THEN excluded.first_seen ELSE intel_observations.first_seen END,
				last_seen = CASE WHEN excluded.last_seen > intel_observations.last_seen THEN excluded.last_seen ELSE intel_observations.last_seen END,
				count = intel_observations.count + excluded.count, tlp = excluded.tlp, confidence = excluded.confidence,
				tags = CASE WHEN excluded.tags = '' THEN intel_observations.tags ELSE excluded.tags END`)
			if _, err := tx.ExecRepeated(ctx, sb.String(), args...); err != nil {
				return fmt.Errorf("intel: store observations: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	for _, a := range aggs {
		if a.newObservable {
			created++
		} else {
			updated++
		}
	}
	return created, updated, nil
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
