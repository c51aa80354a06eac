package intel

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/db"
)

// chunk is how many rows one INSERT statement carries (bound parameters
// stay well under SQLite's limit of 32,766).
const chunk = 1000

// inserter collects the rows of a multi-row INSERT. Binding a parameter
// costs more than the VM's use of it, so values every row shares are bound
// once, and the text of a full chunk's statement is built once per process.
type inserter struct {
	tx     *db.Tx
	head   string
	args   []any
	shared int // how many values lead every row and are bound once
	width  int // values per row after the shared ones
	rows   int
	// insertFirst: try inserting a chunk of observables before upserting
	// (see observables); carried from batch to batch of a load.
	insertFirst bool
}

func newInserter(tx *db.Tx) *inserter {
	return &inserter{tx: tx, args: make([]any, 0, chunk*12)}
}

// start begins a statement whose rows start with the shared values (the
// first columns the head names).
func (in *inserter) start(head string, shared ...any) {
	in.head = head
	in.args = append(in.args[:0], shared...)
	in.shared, in.width, in.rows = len(shared), 0, 0
}

// row adds one row's values after the shared ones.
func (in *inserter) row(vals ...any) {
	if in.rows == 0 {
		in.width = len(vals)
	} else if len(vals) != in.width {
		panic("intel: rows of one statement differ in width")
	}
	in.args = append(in.args, vals...)
	in.rows++
}

type statementKey struct {
	engine      db.Engine
	head, tail  string
	shared, row int
	rows        int
}

var statements sync.Map // statementKey → string

// sql is the statement's text: head, VALUES with a placeholder for every
// value, tail. SQLite takes "$1" as a named parameter and looks names up
// in a list, which costs quadratic time in a statement of thousands, so
// there each row's values are bare "?" (numbered in order) and the shared
// values, bound first, are referred to as "?1", "?2", … — a bare "?" takes
// the number after the highest so far, and the first row's leading bare
// "?"s are exactly those shared values.
func (in *inserter) sql(tail string) string {
	key := statementKey{in.tx.Engine(), in.head, tail, in.shared, in.width, in.rows}
	if in.rows == chunk { // a batch's last, shorter statements are not worth keeping
		if s, ok := statements.Load(key); ok {
			return s.(string)
		}
	}
	var sb strings.Builder
	head := in.head
	if in.tx.Engine() == db.SQLite {
		// OR FAIL: a row that breaks a constraint ends the statement
		// without undoing the rows before it (the transaction is rolled
		// back anyway). With the default, ABORT, and the nullable upserted
		// columns of migration 0011, SQLite needs no statement journal.
		head = strings.Replace(head, "INSERT INTO ", "INSERT OR FAIL INTO ", 1)
	}
	sb.WriteString(head)
	sb.WriteString(" VALUES ")
	n := in.shared
	for r := range in.rows {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for k := range in.shared + in.width {
			if k > 0 {
				sb.WriteString(", ")
			}
			switch {
			case in.tx.Engine() != db.SQLite && k < in.shared:
				sb.WriteString("$" + strconv.Itoa(k+1))
			case in.tx.Engine() != db.SQLite:
				n++
				sb.WriteString("$" + strconv.Itoa(n))
			case k < in.shared && r > 0:
				sb.WriteString("?" + strconv.Itoa(k+1))
			default:
				sb.WriteByte('?')
			}
		}
		sb.WriteByte(')')
	}
	sb.WriteString(tail)
	s := sb.String()
	if in.rows == chunk {
		statements.Store(key, s)
	}
	return s
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
func (in *inserter) observables(ctx context.Context, aggs []*ingest.Agg, byKey map[observable.Observable]*ingest.Agg) error {
	if in.tx.PgxTx() != nil {
		return in.upsertObservablesPG(ctx, aggs, byKey)
	}
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
func (in *inserter) insertObservables(ctx context.Context, part []*ingest.Agg, byKey map[observable.Observable]*ingest.Agg) ([]*ingest.Agg, error) {
	keys, err := in.tx.ReserveKeys(ctx, "intel_observables", "id", len(part))
	if err != nil {
		return nil, err
	}
	if keys.Given {
		in.start(`INSERT INTO intel_observables (id, type, value, first_seen, last_seen, sightings)`)
		for j, a := range part {
			in.row(keys.IDs[j], string(a.Type), a.Value, a.First, a.Last, a.Count)
		}
	} else {
		in.start(`INSERT INTO intel_observables (type, value, first_seen, last_seen, sightings)`)
		for _, a := range part {
			in.row(string(a.Type), a.Value, a.First, a.Last, a.Count)
		}
	}
	n, err := in.tx.ExecRepeated(ctx, in.sql(` ON CONFLICT (type, value) DO NOTHING`), in.args...)
	if err != nil {
		return nil, fmt.Errorf("intel: store observables: %w", err)
	}
	if int(n) == len(part) {
		for j, a := range part {
			a.ID, a.NewObservable = keys.IDs[j], true
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
		if a := byKey[observable.Observable{Type: observable.Type(typ), Value: value}]; a != nil && ours[id] {
			a.ID, a.NewObservable = id, true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("intel: store observables: %w", err)
	}
	var rest []*ingest.Agg
	for _, a := range part {
		if !a.NewObservable {
			rest = append(rest, a)
		}
	}
	return rest, nil
}

// upsertObservables inserts or updates part, reading back each one's id
// and whether it is new; it answers how many were.
func (in *inserter) upsertObservables(ctx context.Context, part []*ingest.Agg, byKey map[observable.Observable]*ingest.Agg) (int, error) {
	if len(part) == 0 {
		return 0, nil
	}
	in.start(`INSERT INTO intel_observables (type, value, first_seen, last_seen, sightings)`)
	for _, a := range part {
		in.row(string(a.Type), a.Value, a.First, a.Last, a.Count)
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
		if a := byKey[observable.Observable{Type: observable.Type(typ), Value: value}]; a != nil {
			a.ID, a.NewObservable = id, sightings == a.Count
			if a.NewObservable {
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
func (in *inserter) observations(ctx context.Context, aggs []*ingest.Agg, src Source, col, added int64) error {
	if in.tx.PgxTx() != nil {
		return in.observationsPG(ctx, aggs, src, col, added)
	}
	for i := 0; i < len(aggs); i += chunk {
		in.start(`INSERT INTO intel_observations (source_num, collection_num, confidence, observable_id, added, from_stix, first_seen, last_seen, count, tlp, tags)`,
			src.num, col, src.Confidence)
		for j, a := range aggs[i:min(i+chunk, len(aggs))] {
			in.row(a.ID, added+int64(i+j), a.FromObject, a.First, a.Last, a.Count, a.TLP, strings.Join(a.Tags, " "))
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
func (in *inserter) events(ctx context.Context, aggs []*ingest.Agg, src Source, now int64) error {
	byUUID := map[string]*observable.EventRef{}
	for _, a := range aggs {
		for _, e := range a.Events {
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
		for _, e := range a.Events {
			links = append(links, link{nums[e.UUID], a.ID})
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
func (in *inserter) objects(ctx context.Context, objs []observable.Object, src Source, col int64, label string, added int64) error {
	if in.tx.PgxTx() != nil {
		return in.objectsPG(ctx, objs, src, col, label, added)
	}
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
