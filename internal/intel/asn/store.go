package asn

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Store keeps the AS table in the database (intel_asn_table, migration
// 0013): a RouteViews pfx2as or pyasn dump that the center's staff load.
// It enriches every address with its AS and announced prefix (the
// observable's page, lookups, digests) and lets routing reach the
// organisations that registered an AS number in the directory, not only
// those that registered the network. Every process reloads it when its
// revision changes.
type Store struct {
	db       *db.DB
	now      func() time.Time
	cache    cache
	onChange func()
}

// Topic is announced (db.Tx.Announce) when the table changes: every
// process drops its copy.
const Topic = "intel.asn"

// NewStore makes the store of d, with now as its clock; onChange (if not
// nil) runs whenever the table this process reads may have changed, for
// what was built on it (routing).
func NewStore(d *db.DB, now func() time.Time, onChange func()) *Store {
	st := &Store{db: d, now: now, onChange: onChange}
	d.Watch(Topic, st.Forget)
	return st
}

// firstError reads through r and keeps the first error other than EOF it
// gave.
type firstError struct {
	r   io.Reader
	err error
}

func (f *firstError) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && err != io.EOF && f.err == nil {
		f.err = err
	}
	return n, err
}

func isFlateError(err error) bool {
	var c flate.CorruptInputError
	return errors.As(err, &c)
}

// Info describes the loaded table.
type Info struct {
	Name     string    `json:"name"`
	Prefixes int64     `json:"prefixes"`
	ASNs     int64     `json:"asns"`
	LoadedBy string    `json:"loaded_by"`
	LoadedAt time.Time `json:"loaded_at"`
}

// MaxBytes bounds a dump as read (after decompression): a full
// IPv4 and IPv6 table is about 30 MB.
const MaxBytes = 256 << 20

// cache holds the parsed table and the revision it was read at,
// checked against the store at most every recheck.
type cache struct {
	mu       sync.Mutex
	table    *Table // nil: none loaded
	revision int64
	checked  time.Time
}

// recheck is how often a process looks for a new table.
const recheck = 3 * time.Second

// Table answers the loaded table (nil when there is none), read again
// when another process (or Store) loaded a new one.
func (st *Store) Table(ctx context.Context) (*Table, error) {
	c := &st.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.checked.IsZero() && time.Since(c.checked) < recheck {
		return c.table, nil
	}
	var rev int64
	switch err := st.db.QueryRow(ctx, `SELECT revision FROM intel_asn_table WHERE id = 1`).Scan(&rev); {
	case errors.Is(err, db.ErrNoRows):
		c.table, c.revision, c.checked = nil, 0, time.Now()
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("asn: the table: %w", err)
	}
	if c.table != nil && rev == c.revision {
		c.checked = time.Now()
		return c.table, nil
	}
	var body []byte
	if err := st.db.QueryRow(ctx, `SELECT revision, body FROM intel_asn_table WHERE id = 1`).Scan(&rev, &body); err != nil {
		return nil, fmt.Errorf("asn: the table: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("asn: the table: %w", err)
	}
	t, err := Load(zr)
	if err != nil {
		return nil, fmt.Errorf("asn: the table as stored: %w", err)
	}
	c.table, c.revision, c.checked = t, rev, time.Now()
	return t, nil
}

// Forget makes the next use read the table again, as it does within
// recheck of a change made elsewhere; a change through st does it itself
// (and calls the store's onChange).
func (st *Store) Forget() {
	st.cache.mu.Lock()
	st.cache.checked = time.Time{}
	st.cache.mu.Unlock()
	if st.onChange != nil {
		st.onChange()
	}
}

// Load replaces the AS table with a dump read from r (plain or
// gzip-compressed), named name (its file name, say). A line that cannot
// be read refuses the whole dump, naming the line.
func (st *Store) Load(ctx context.Context, id *auth.Identity, name string, r io.Reader) (Info, error) {
	if err := mayManage(id); err != nil {
		return Info{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		var f errs.Fields
		f.Add("name", "a name of 1 to 200 characters (the file's, say)")
		return Info{}, f.Err()
	}
	br := bufio.NewReader(r)
	in := io.Reader(br)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return Info{}, &errs.Error{Kind: errs.KindInvalid, Message: "the gzip stream cannot be read: " + err.Error(), Err: err}
		}
		in = zr
	}
	limited := &io.LimitedReader{R: in, N: MaxBytes + 1}
	rd := &firstError{r: limited}
	var body bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&body, gzip.BestSpeed)
	bw := bufio.NewWriter(zw)
	t, err := Read(rd, func(p netip.Prefix, asn uint32) error {
		bw.WriteString(p.String())
		bw.WriteByte('\t')
		bw.WriteString(strconv.FormatUint(uint64(asn), 10))
		return bw.WriteByte('\n')
	})
	var lineErr *LineError
	// What the input did comes first: a stream cut off by a bound or a
	// broken upload leaves a partial last line that reads as a bad one.
	var tooBig *http.MaxBytesError
	switch {
	case limited.N <= 0:
		return Info{}, errs.Invalid("the table is larger than %d MB", MaxBytes>>20)
	case errors.As(rd.err, &tooBig):
		return Info{}, rd.err
	case errors.Is(rd.err, gzip.ErrChecksum), errors.Is(rd.err, gzip.ErrHeader), errors.Is(rd.err, io.ErrUnexpectedEOF), isFlateError(rd.err):
		return Info{}, &errs.Error{Kind: errs.KindInvalid, Message: "the gzip stream cannot be read: " + rd.err.Error(), Err: rd.err}
	case rd.err != nil:
		return Info{}, fmt.Errorf("asn: read the table: %w", rd.err)
	case errors.As(err, &lineErr):
		return Info{}, &errs.Error{Kind: errs.KindInvalid, Message: "the table cannot be read",
			Fields: []errs.FieldError{{Field: "body", Message: fmt.Sprintf("line %d: %s", lineErr.Line, lineErr.Message)}}}
	case err != nil:
		return Info{}, &errs.Error{Kind: errs.KindInvalid, Message: "the table cannot be read: " + err.Error(), Err: err}
	case t.Len() == 0:
		return Info{}, errs.Invalid("the table names no prefix")
	}
	if err := bw.Flush(); err != nil {
		return Info{}, err
	}
	if err := zw.Close(); err != nil {
		return Info{}, err
	}
	info := Info{Name: name, Prefixes: int64(t.Len()), ASNs: int64(t.ASNs()), LoadedBy: id.Label(), LoadedAt: st.now().UTC()}
	err = st.db.Write(ctx, func(tx *db.Tx) error {
		before, err := readInfo(ctx, tx)
		if err != nil && errs.KindOf(err) != errs.KindNotFound {
			return err
		}
		replaced := err == nil
		// Revisions never repeat, not even after a delete: a process that
		// read the table before must see that this one is another.
		rev, err := tx.NextNumber(ctx, "intel_asn_table")
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO intel_asn_table (id, name, prefixes, asns, body, revision, loaded_by, loaded_at)
			VALUES (1, $1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, prefixes = excluded.prefixes, asns = excluded.asns, body = excluded.body,
				revision = excluded.revision, loaded_by = excluded.loaded_by, loaded_at = excluded.loaded_at`,
			info.Name, info.Prefixes, info.ASNs, body.Bytes(), rev, info.LoadedBy, info.LoadedAt); err != nil {
			return fmt.Errorf("asn: the table: %w", err)
		}
		ev := audit.Event{Action: "intel.asn_table.load", ObjectType: "intel_asn_table", ObjectID: "1",
			Summary: fmt.Sprintf("loaded the AS table %s (%d prefixes, %d ASes)", info.Name, info.Prefixes, info.ASNs), After: info}
		if replaced {
			ev.Before = before
		}
		if err := tx.Announce(ctx, Topic); err != nil {
			return err
		}
		return audit.Record(ctx, tx, info.LoadedAt, ev)
	})
	if err != nil {
		return Info{}, err
	}
	return info, nil
}

// Info describes the loaded table to anyone signed in (it is
// public routing data); not found when none is loaded.
func (st *Store) Info(ctx context.Context, id *auth.Identity) (Info, error) {
	if err := mayRead(id); err != nil {
		return Info{}, err
	}
	return readInfo(ctx, st.db)
}

func readInfo(ctx context.Context, q db.Querier) (Info, error) {
	var i Info
	err := q.QueryRow(ctx, `SELECT name, prefixes, asns, loaded_by, loaded_at FROM intel_asn_table WHERE id = 1`).
		Scan(&i.Name, &i.Prefixes, &i.ASNs, &i.LoadedBy, &i.LoadedAt)
	if errors.Is(err, db.ErrNoRows) {
		return i, errs.NotFound("no AS table is loaded")
	}
	if err != nil {
		return i, fmt.Errorf("asn: the table: %w", err)
	}
	i.LoadedAt = i.LoadedAt.UTC()
	return i, nil
}

// Delete removes the table: addresses are no longer enriched, nor
// routed by their AS.
func (st *Store) Delete(ctx context.Context, id *auth.Identity) error {
	if err := mayManage(id); err != nil {
		return err
	}
	err := st.db.Write(ctx, func(tx *db.Tx) error {
		before, err := readInfo(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM intel_asn_table WHERE id = 1`); err != nil {
			return fmt.Errorf("asn: the table: %w", err)
		}
		if err := tx.Announce(ctx, Topic); err != nil {
			return err
		}
		return audit.Record(ctx, tx, st.now(), audit.Event{Action: "intel.asn_table.delete", ObjectType: "intel_asn_table", ObjectID: "1",
			Summary: "deleted the AS table " + before.Name, Before: before})
	})
	return err
}

// Lookup is one value looked up in the AS table: its origin, or why
// it is not an address or network.
type Lookup struct {
	Value   string          `json:"value"`
	Type    observable.Type `json:"type,omitempty"`
	ASN     uint32          `json:"asn,omitempty"`
	Prefix  string          `json:"prefix,omitempty"`
	Invalid string          `json:"invalid,omitempty"`
}

// Lookup answers the AS and announced prefix of addresses,
// networks and URLs with an address for a host (at most 1,000 values).
// Values the table does not cover answer with neither.
func (st *Store) Lookup(ctx context.Context, id *auth.Identity, values []string) ([]Lookup, error) {
	if err := mayLookUp(id, values); err != nil {
		return nil, err
	}
	t, err := st.Table(ctx)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, errs.NotFound("no AS table is loaded")
	}
	out := make([]Lookup, 0, len(values))
	for _, v := range values {
		l := Lookup{Value: v}
		o, err := observable.Normalize(v)
		switch {
		case err != nil:
			l.Invalid = err.Error()
		case o.Type != observable.IPv4 && o.Type != observable.IPv6 && o.Type != observable.CIDR && o.Type != observable.URL:
			l.Type, l.Invalid = o.Type, "not an address or network"
		default:
			l.Type = o.Type
			if or := t.Origin(o); or != nil {
				l.ASN, l.Prefix = or.ASN, or.Prefix
			}
		}
		out = append(out, l)
	}
	return out, nil
}
