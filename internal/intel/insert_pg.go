package intel

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/observable"
)

// On PostgreSQL a batch's observables and observations are each written
// by one statement whose rows come from arrays, one per column, bound as
// binary parameters (unnest): the server parses and plans one short
// statement instead of twenty of a thousand rows with six thousand
// placeholders each, which is where the time of the multi-row VALUES went
// (about three times SQLite's). The rows go in the arrays' order, the
// batch's key order, so concurrent loads lock rows in the same order.

// upsertObservablesPG is upsertObservables for a whole batch at once.
func (in *inserter) upsertObservablesPG(ctx context.Context, aggs []*ingest.Agg, byKey map[observable.Observable]*ingest.Agg) error {
	if len(aggs) == 0 {
		return nil
	}
	types, values := make([]string, len(aggs)), make([]string, len(aggs))
	first, last, count := make([]int64, len(aggs)), make([]int64, len(aggs)), make([]int64, len(aggs))
	for i, a := range aggs {
		types[i], values[i], first[i], last[i], count[i] = string(a.Type), a.Value, a.First, a.Last, a.Count
	}
	rows, err := in.tx.PgxTx().Query(ctx, `INSERT INTO intel_observables (type, value, first_seen, last_seen, sightings)
		SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])
		ON CONFLICT (type, value) DO UPDATE SET
		first_seen = LEAST(excluded.first_seen, intel_observables.first_seen),
		last_seen = GREATEST(excluded.last_seen, intel_observables.last_seen),
		sightings = intel_observables.sightings + excluded.sightings
		RETURNING id, type, value, sightings`, types, values, first, last, count)
	if err != nil {
		return fmt.Errorf("intel: store observables: %w", err)
	}
	defer rows.Close()
	var id, sightings int64
	var typ, value string
	for rows.Next() {
		if err := rows.Scan(&id, &typ, &value, &sightings); err != nil {
			return fmt.Errorf("intel: store observables: %w", err)
		}
		if a := byKey[observable.Observable{Type: observable.Type(typ), Value: value}]; a != nil {
			a.ID, a.NewObservable = id, sightings == a.Count
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("intel: store observables: %w", err)
	}
	return nil
}

// observationsPG is observations for a whole batch at once.
func (in *inserter) observationsPG(ctx context.Context, aggs []*ingest.Agg, src Source, col, added int64) error {
	if len(aggs) == 0 {
		return nil
	}
	n := len(aggs)
	ids, adds, first, last, count := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	fromStix := make([]bool, n)
	tlps, tags := make([]string, n), make([]string, n)
	for i, a := range aggs {
		ids[i], adds[i], fromStix[i], first[i], last[i], count[i] = a.ID, added+int64(i), a.FromObject, a.First, a.Last, a.Count
		tlps[i], tags[i] = a.TLP, strings.Join(a.Tags, " ")
	}
	if _, err := in.tx.PgxTx().Exec(ctx, `INSERT INTO intel_observations (source_num, collection_num, confidence, observable_id, added,
			from_stix, first_seen, last_seen, count, tlp, tags)
		SELECT $1, $2, $3, u.* FROM unnest($4::bigint[], $5::bigint[], $6::boolean[], $7::bigint[], $8::bigint[], $9::bigint[],
			$10::text[], $11::text[]) AS u
		ON CONFLICT (observable_id, source_num) DO UPDATE SET
		from_stix = intel_observations.from_stix AND excluded.from_stix,
		first_seen = LEAST(excluded.first_seen, intel_observations.first_seen),
		last_seen = GREATEST(excluded.last_seen, intel_observations.last_seen),
		count = intel_observations.count + excluded.count, tlp = excluded.tlp, confidence = excluded.confidence,
		tags = CASE WHEN excluded.tags = '' THEN intel_observations.tags ELSE excluded.tags END`,
		src.num, col, src.Confidence, ids, adds, fromStix, first, last, count, tlps, tags); err != nil {
		return fmt.Errorf("intel: store observations: %w", err)
	}
	return nil
}

// objectsPG is objects for a whole batch at once.
func (in *inserter) objectsPG(ctx context.Context, objs []observable.Object, src Source, col int64, label string, added int64) error {
	if len(objs) == 0 {
		return nil
	}
	n := len(objs)
	adds := make([]int64, n)
	ids, types, versions, specs, tlps, bodies := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, o := range objs {
		adds[i], ids[i], types[i], versions[i], specs[i] = added+int64(i), o.ID, o.Type, o.Version, o.SpecVersion
		tlps[i], bodies[i] = cmp.Or(o.TLP, label), string(o.Body)
	}
	if _, err := in.tx.PgxTx().Exec(ctx, `INSERT INTO intel_objects (collection_num, source_num, added, stix_id, stix_type, version, spec_version, tlp, body)
		SELECT $1, $2, u.* FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u
		ON CONFLICT (collection_num, stix_id, version) DO NOTHING`,
		col, src.num, adds, ids, types, versions, specs, tlps, bodies); err != nil {
		return fmt.Errorf("intel: keep STIX objects: %w", err)
	}
	return nil
}
