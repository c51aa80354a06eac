package schema_test

import (
	"context"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/intel"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/schema"
)

// TestUpsertJournalMigration: migration 0011 rebuilds the intelligence
// tables of a store that holds data on SQLite — every row kept, the
// references intact (deleting a source still cascades), the upserted
// columns nullable — and ingest goes on as before.
func TestUpsertJournalMigration(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DSN: t.TempDir() + "/certhub.db", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx, migrationsUpTo("0010_~")); err != nil {
		t.Fatal(err)
	}
	// Today's ingest reads the AS table (0013): the old store has it while
	// the data is loaded, and not when it is migrated.
	asnTable, err := fs.ReadFile(schema.Migrations(), "0013_intel_asn_table.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, db.TranslateDDL(db.SQLite, string(asnTable))); err != nil {
		t.Fatal(err)
	}
	// And it writes the audit log in lanes (0051), a run's checkpoint and
	// attempt (0052, 0056) and reads a source's peer (0057), taken away
	// again below.
	for _, name := range []string{"0051_audit_lanes.sql", "0052_intel_run_inputs.sql", "0056_intel_run_attempts.sql", "0057_intel_peers.sql"} {
		ddl, err := fs.ReadFile(schema.Migrations(), name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, db.TranslateDDL(db.SQLite, string(ddl))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Exec(ctx, `INSERT INTO orgs (id, name, name_key, kind, sector, created_at, updated_at)
		VALUES ('bank', 'Bank', 'bank', 'constituent', 'banking', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO org_cidrs (org_id, cidr, position) VALUES ('bank', '198.51.100.0/24', 0)`); err != nil {
		t.Fatal(err)
	}
	clk := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return clk }
	s := intel.NewService(intel.Options{DB: d, Now: now, Directory: directory.NewService(d, nil, nil, now, nil)})
	sys := auth.System("test")
	src, err := s.EnsureSource(ctx, sys, "sensors", "GREEN", nil)
	if err != nil {
		t.Fatal(err)
	}
	var list strings.Builder
	for i := range 200 {
		list.WriteString("198.51.100." + itoa(i) + "\nhost-" + itoa(i) + ".evil.example\n")
	}
	if _, err := s.Ingest(ctx, sys, src, strings.NewReader(list.String()), intel.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	state := func() string {
		var obs, obsv, routes int
		var sum int64
		if err := d.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM intel_observables), (SELECT COUNT(*) FROM intel_observations),
			(SELECT COUNT(*) FROM intel_routes), (SELECT SUM(first_seen + sightings + id) FROM intel_observables)`).Scan(&obs, &obsv, &routes, &sum); err != nil {
			t.Fatal(err)
		}
		return itoa(obs) + " " + itoa(obsv) + " " + itoa(routes) + " " + itoa(int(sum))
	}
	for _, undo := range []string{`DROP TABLE intel_asn_table`, `DROP TABLE audit_lanes`, `DROP INDEX audit_log_lane`,
		`ALTER TABLE audit_log DROP COLUMN lane`, `ALTER TABLE audit_log DROP COLUMN lane_seq`, `DROP TABLE intel_run_inputs`,
		`DROP INDEX intel_runs_running`, `ALTER TABLE intel_runs DROP COLUMN heartbeat_at`, `ALTER TABLE intel_runs DROP COLUMN resume_items`,
		`ALTER TABLE intel_runs DROP COLUMN resume_rejected`, `ALTER TABLE intel_runs DROP COLUMN input_chunks`, `ALTER TABLE intel_runs DROP COLUMN options`,
		`ALTER TABLE intel_runs DROP COLUMN attempt`, `DROP TABLE intel_peers`} {
		if _, err := d.Exec(ctx, undo); err != nil {
			t.Fatal(err)
		}
	}
	before := state()
	if !strings.HasPrefix(before, "400 400 200 ") {
		t.Fatalf("before: %s", before)
	}
	applied, err := d.Migrate(ctx, schema.Migrations())
	if err != nil || len(applied) == 0 || applied[0] != 11 {
		t.Fatalf("applied %v: %v", applied, err)
	}
	if after := state(); after != before {
		t.Fatalf("after the rebuild %s, before %s", after, before)
	}
	var notNull int
	if err := d.QueryRow(ctx, `SELECT "notnull" FROM pragma_table_info('intel_observations') WHERE name = 'first_seen'`).Scan(&notNull); err != nil || notNull != 0 {
		t.Fatalf("first_seen notnull %d (%v)", notNull, err)
	}
	var broken int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&broken); err != nil || broken != 0 {
		t.Fatalf("%d broken references (%v)", broken, err)
	}
	res, err := s.Ingest(ctx, sys, src, strings.NewReader(list.String()+"203.0.113.9\n"), intel.IngestOptions{})
	if err != nil || res.New != 1 || res.Updated != 400 {
		t.Fatalf("ingest after: %+v (%v)", res, err)
	}
	if _, err := d.Exec(ctx, `DELETE FROM intel_observables WHERE id IN (SELECT observable_id FROM intel_routes)`); err != nil {
		t.Fatal(err)
	}
	if s := state(); !strings.HasPrefix(s, "201 201 0 ") {
		t.Fatalf("deleting routed observables cascades to their observations and routes: %s", s)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
