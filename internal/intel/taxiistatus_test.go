package intel

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

// envelope is a TAXII envelope of n indicators (one address each) numbered
// from first, plus one object STIX refuses (a pattern that breaks the
// grammar).
func envelope(first, n int) string {
	var b strings.Builder
	b.WriteString(`{"objects": [`)
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, `{"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-%012d",
			"created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z", "pattern_type": "stix",
			"pattern": "[ipv4-addr:value = '10.%d.%d.%d']", "valid_from": "2026-11-20T10:00:00Z"},`, i, i>>16&255, i>>8&255, i&255)
	}
	b.WriteString(`{"type": "indicator", "spec_version": "2.1", "id": "indicator--ffffffff-0000-4000-8000-000000000000",
		"created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z", "pattern_type": "stix",
		"pattern": "[ipv4-addr:value = ", "valid_from": "2026-11-20T10:00:00Z"}]}`)
	return b.String()
}

// stored counts the objects of the collection in the store.
func storedObjects(t *testing.T, d *db.DB, c access.Collection) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM intel_objects WHERE collection_num = $1`, c.Num).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTAXIIStatusCommitsWithTheObjects: a POST's status lists exactly the
// objects the collection holds — all of them when the load goes well, only
// the first batch's when the store fails in the second (the rest are
// failures, not successes), and those stored before the body broke off —
// and only the one who POSTed (or the staff) reads it.
func TestTAXIIStatusCommitsWithTheObjects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		const batch = 400 // as ingest.BatchSize would, without minutes under -race
		s := newService(t, d)
		s.batchSize = batch
		ctx := context.Background()
		orgsForAccess(t, d)
		staff := &auth.Identity{User: auth.User{ID: "u-staff", PlatformRole: auth.PlatformCoordinator}, Method: auth.MethodToken}
		if err := s.Access().EnsureBuiltins(ctx); err != nil {
			t.Fatal(err)
		}
		col := must(s.Access().Collection(ctx, "community"))

		id, err := s.AddObjects(ctx, staff, col, strings.NewReader(envelope(0, 3)))
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.TAXIIStatusOf(ctx, staff, id)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != "complete" || st.SuccessCount != 3 || st.FailureCount != 1 || st.TotalCount != 4 || st.PendingCount != 0 ||
			st.Failures[0].ID != "indicator--ffffffff-0000-4000-8000-000000000000" || !strings.Contains(st.Failures[0].Message, "pattern") {
			t.Fatalf("status after a good POST: %+v", st)
		}
		if n := storedObjects(t, d, col); n != 3 {
			t.Fatalf("%d objects stored, the status says 3", n)
		}
		for who, reader := range map[string]*auth.Identity{"another user": member("bank", auth.RoleAdmin), "anonymous": nil} {
			if _, err := s.TAXIIStatusOf(ctx, reader, id); errs.KindOf(err) != errs.KindNotFound {
				t.Errorf("%s reads the status: %v", who, err)
			}
		}

		// The store refuses one object of the second batch: the first
		// batch is in the collection and is all the status calls stored.
		bad := fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", batch+20)
		trigger := map[db.Engine][]string{
			db.SQLite: {`CREATE TRIGGER fail_one BEFORE INSERT ON intel_objects WHEN NEW.stix_id = '` + bad + `' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`},
			db.Postgres: {`CREATE FUNCTION fail_one() RETURNS trigger AS $$ BEGIN IF NEW.stix_id = '` + bad + `' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
				`CREATE TRIGGER fail_one BEFORE INSERT ON intel_objects FOR EACH ROW EXECUTE FUNCTION fail_one()`},
		}
		for _, q := range trigger[d.Engine()] {
			if _, err := d.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		before := storedObjects(t, d, col)
		id, err = s.AddObjects(ctx, staff, col, strings.NewReader(envelope(0, batch+50)))
		if err == nil || errs.As(err) != nil {
			t.Fatalf("a failing store answered %v, want an internal error", err)
		}
		st, err = s.TAXIIStatusOf(ctx, staff, id)
		if err != nil {
			t.Fatal(err)
		}
		// The first three were stored by the POST before: a success, not
		// stored twice.
		added := storedObjects(t, d, col) - before
		if st.Status != "complete" || st.SuccessCount != batch || added != batch-3 || st.FailureCount != 50 {
			t.Fatalf("after a failed store: %d stored, status %s with %d successes and %d failures", added, st.Status, st.SuccessCount, st.FailureCount)
		}
		for _, f := range st.Failures {
			if !strings.HasPrefix(f.Message, "not stored") {
				t.Fatalf("failure %+v", f)
			}
		}

		// The body breaks off: what was stored before is the status's.
		before = storedObjects(t, d, col)
		body := envelope(10*batch, batch+10)
		id, err = s.AddObjects(ctx, staff, col, io.MultiReader(strings.NewReader(body[:len(body)-500]), &failing{fmt.Errorf("connection reset")}))
		if err == nil {
			t.Fatal("a broken body loaded")
		}
		st, err = s.TAXIIStatusOf(ctx, staff, id)
		if err != nil {
			t.Fatal(err)
		}
		if added := storedObjects(t, d, col) - before; st.SuccessCount != added || added != batch || st.FailureCount != 9 {
			t.Fatalf("after a broken body: %d stored, status with %d successes and %d failures", added, st.SuccessCount, st.FailureCount)
		}
	})
}

// TestPrune: runs that ended and statuses older than the retention are
// forgotten; a source's latest run, a run still going and anything newer
// stay.
func TestPrune(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		s := NewService(Options{DB: d, Now: func() time.Time { return now }, Retention: 30 * 24 * time.Hour, Directory: directory.NewService(d, nil, nil, time.Now, nil)})
		ctx := context.Background()
		src, err := s.EnsureSource(ctx, sys, "sensors", "GREEN", nil)
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.EnsureSource(ctx, sys, "quiet", "GREEN", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Access().EnsureBuiltins(ctx); err != nil {
			t.Fatal(err)
		}
		col := must(s.Access().Collection(ctx, "community"))
		day := 24 * time.Hour
		runs := []struct {
			id     string
			src    Source
			age    time.Duration
			status string
			kept   bool
		}{
			{"old", src, 40 * day, RunOK, false},
			{"old-failed", src, 35 * day, RunFailed, false},
			{"stuck", src, 50 * day, RunRunning, true}, // never finished: kept
			{"recent", src, 10 * day, RunOK, true},
			{"latest-of-quiet", other, 60 * day, RunOK, true}, // the quiet source's only run
		}
		for _, r := range runs {
			var finished any
			if r.status != RunRunning {
				finished = now.Add(-r.age)
			}
			if _, err := d.Exec(ctx, `INSERT INTO intel_runs (id, source_num, via, status, created_at, finished_at) VALUES ($1, $2, 'api', $3, $4, $5)`,
				r.id, r.src.num, r.status, now.Add(-r.age), finished); err != nil {
				t.Fatal(err)
			}
		}
		for i, age := range []time.Duration{40 * day, 31 * day, 29 * day} {
			if _, err := d.Exec(ctx, `INSERT INTO intel_taxii_status (id, collection_num, status, requested_at, created_at) VALUES ($1, $2, 'complete', $3, $3)`,
				fmt.Sprint("st", i), col.Num, now.Add(-age)); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Exec(ctx, `INSERT INTO intel_taxii_status_objects (status_id, seq, stix_id, ok) VALUES ($1, 1, 'indicator--x', TRUE)`, fmt.Sprint("st", i)); err != nil {
				t.Fatal(err)
			}
		}
		nRuns, nStatuses, err := s.Prune(ctx)
		if err != nil || nRuns != 2 || nStatuses != 2 {
			t.Fatalf("pruned %d runs and %d statuses (%v), want 2 and 2", nRuns, nStatuses, err)
		}
		for _, r := range runs {
			var n int
			if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM intel_runs WHERE id = $1`, r.id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if (n == 1) != r.kept {
				t.Errorf("run %s kept: %v", r.id, n == 1)
			}
		}
		var objs int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM intel_taxii_status_objects`).Scan(&objs); err != nil || objs != 1 {
			t.Errorf("%d status outcomes left (%v), want the kept status's one", objs, err)
		}
	})
}
