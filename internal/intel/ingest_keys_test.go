package intel

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// TestIngestKnownAndNewTogether loads lists that mix stored and new values
// within each chunk of rows, and lists whose chunks are all stored and then
// all new, and checks that every observation belongs to the observable of
// its own value: the writer inserts a chunk's new values first and upserts
// the rest (observables), which must give each value its own row's id
// however the two are mixed.
func TestIngestKnownAndNewTogether(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		ctx := context.Background()
		host := func(prefix string, i int) string { return fmt.Sprintf("%s%05d.mix.example", prefix, i) }
		sightings := map[string]int64{}
		bySource := map[string]map[string]int64{} // source → value → count
		load := func(source string, values []string) Result {
			t.Helper()
			src, err := s.EnsureSource(ctx, sys, source, "GREEN", nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Ingest(ctx, sys, src, strings.NewReader(strings.Join(values, "\n")+"\n"), IngestOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if bySource[source] == nil {
				bySource[source] = map[string]int64{}
			}
			for _, v := range values {
				sightings[v]++
				bySource[source][v]++
			}
			return res
		}

		// Every other value first; then all of them shuffled, so each chunk
		// of 1,000 is half stored, half new.
		var evens, all []string
		for i := range 6000 {
			all = append(all, host("m", i))
			if i%2 == 0 {
				evens = append(evens, host("m", i))
			}
		}
		if res := load("first", evens); res.New != 3000 || res.Updated != 0 {
			t.Fatalf("first load: %+v", res)
		}
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		if res := load("second", all); res.New != 3000 || res.Updated != 3000 {
			t.Fatalf("the mixed load: %+v", res)
		}
		// Three chunks all stored (k…, sorted first), then three all new (z…):
		// the writer turns to upserting and back to inserting.
		var known, fresh []string
		for i := range 3000 {
			known = append(known, host("k", i))
			fresh = append(fresh, host("z", i))
		}
		load("first", known)
		if res := load("third", append(append([]string{}, known...), fresh...)); res.New != 3000 || res.Updated != 3000 {
			t.Fatalf("stored then new: %+v", res)
		}

		// counts reads a query's rows of a value and a number.
		counts := func(query string, args ...any) map[string]int64 {
			t.Helper()
			rows, err := d.Query(ctx, query, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			got := map[string]int64{}
			for rows.Next() {
				var v string
				var n int64
				if err := rows.Scan(&v, &n); err != nil {
					t.Fatal(err)
				}
				got[v] = n
			}
			return got
		}
		if got := counts(`SELECT value, sightings FROM intel_observables`); !maps.Equal(got, sightings) {
			t.Fatalf("observables: %d stored, %d expected (sightings must match each value's loads)", len(got), len(sightings))
		}
		for source, want := range bySource {
			got := counts(`SELECT o.value, b.count FROM intel_observations b
				JOIN intel_observables o ON o.id = b.observable_id
				JOIN intel_sources s ON s.num = b.source_num WHERE s.name = $1`, source)
			if !maps.Equal(got, want) {
				wrong := 0
				for v, n := range want {
					if got[v] != n {
						wrong++
					}
				}
				t.Errorf("source %s: %d observations, %d expected, %d values with the wrong count", source, len(got), len(want), wrong)
			}
		}
	})
}
