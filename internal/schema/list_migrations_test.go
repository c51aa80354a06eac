package schema_test

import (
	"context"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/schema"
)

// migrationsUpTo is the embedded migrations whose file names sort at or
// before max: a database as an older release left it.
func migrationsUpTo(max string) fs.FS {
	m := fstest.MapFS{}
	entries, _ := fs.ReadDir(schema.Migrations(), ".")
	for _, e := range entries {
		if e.Name() <= max {
			b, _ := fs.ReadFile(schema.Migrations(), e.Name())
			m[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	return m
}

// openEmpty opens a new, empty database of engine e for the test.
func openEmpty(t *testing.T, e db.Engine) *db.DB {
	t.Helper()
	dsn := t.TempDir() + "/certhub.db"
	if e == db.Postgres {
		dsn = dbtest.EmptyDSN(t)
	}
	d, err := db.Open(context.Background(), db.Options{DSN: dsn, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// upgraded runs, on each engine, a database migrated up to upTo, given
// rows by seed, then brought to the current schema, to check.
func upgraded(t *testing.T, upTo string, seed []string, check func(t *testing.T, d *db.DB)) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			d := openEmpty(t, e)
			if _, err := d.Migrate(ctx, migrationsUpTo(upTo)); err != nil {
				t.Fatal(err)
			}
			for _, q := range seed {
				if _, err := d.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := d.Migrate(ctx, schema.Migrations()); err != nil {
				t.Fatal(err)
			}
			check(t, d)
		})
	}
}

// TestAdvisoryAudienceMigration: migration 0015 moves each published
// advisory's recipients from a space-separated column into the table the
// reading rule matches, on both engines: every organisation once, none
// from an empty list, and the draft's own list untouched.
func TestAdvisoryAudienceMigration(t *testing.T) {
	upgraded(t, "0014_~", []string{
		`INSERT INTO advisories (id, tracking_id, kind, status, tlp, title, content, recipients, pub_recipients, created_at, updated_at) VALUES
			('a1', 'a1', 'advisory', 'published', 'AMBER', 'T', '{}', 'bank telco', 'bank telco', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
			('a2', 'a2', 'advisory', 'published', 'AMBER', 'T', '{}', '', 'telco  bank telco ', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
			('a3', 'a3', 'advisory', 'published', 'AMBER', 'T', '{}', 'bank', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
	}, func(t *testing.T, d *db.DB) {
		want := []string{"a1:bank", "a1:telco", "a2:bank", "a2:telco"}
		if diff := cmp.Diff(want, rowsOf(t, d, `SELECT advisory_id || ':' || org_id FROM advisory_audience_orgs ORDER BY 1`)); diff != "" {
			t.Errorf("audience (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"bank"}, rowsOf(t, d, `SELECT recipients FROM advisories WHERE id = 'a3'`)); diff != "" {
			t.Errorf("the draft's recipients (-want +got):\n%s", diff)
		}
	})
}

// TestAdvisoryListsMigration: migration 0019 moves each published
// advisory's CVE IDs, sectors, vendors and products from its list columns
// into the join tables the listing's filters match, on both engines: each
// value once, none from an empty list.
func TestAdvisoryListsMigration(t *testing.T) {
	const nl = "\n" // a line break inside a literal
	insert := `INSERT INTO advisories (id, tracking_id, kind, status, tlp, title, content, pub_cves, pub_sectors, pub_vendors, pub_products,
		created_at, updated_at) VALUES `
	upgraded(t, "0018_~", []string{
		insert + `('a1', 'a1', 'advisory', 'published', 'CLEAR', 'T', '{}', 'CVE-2026-0001 CVE-2026-0002', 'banking energy',
			'examplesoft` + nl + `netforge', 'netbank portal` + nl + `gate 7', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
		insert + `('a2', 'a2', 'advisory', 'published', 'CLEAR', 'T', '{}', 'CVE-2026-0002 CVE-2026-0002', '', 'examplesoft', '',
			CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
		insert + `('a3', 'a3', 'advisory', 'published', 'CLEAR', 'T', '{}', '', '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
	}, func(t *testing.T, d *db.DB) {
		got := rowsOf(t, d, `SELECT 'cve ' || advisory_id || ':' || cve FROM advisory_cves
			UNION ALL SELECT 'sector ' || advisory_id || ':' || sector FROM advisory_sectors
			UNION ALL SELECT 'vendor ' || advisory_id || ':' || vendor FROM advisory_vendors
			UNION ALL SELECT 'product ' || advisory_id || ':' || product FROM advisory_products ORDER BY 1`)
		want := []string{"cve a1:CVE-2026-0001", "cve a1:CVE-2026-0002", "cve a2:CVE-2026-0002", "product a1:gate 7",
			"product a1:netbank portal", "sector a1:banking", "sector a1:energy", "vendor a1:examplesoft", "vendor a1:netforge",
			"vendor a2:examplesoft"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("lists (-want +got):\n%s", diff)
		}
	})
}

// TestSubscriptionKindsMigration: migration 0021 moves each subscription's
// confirmed kinds from a space-separated column into rows, on both
// engines: each kind once, none for a subscription to every kind, and the
// kinds asked for but not confirmed left where they were.
func TestSubscriptionKindsMigration(t *testing.T) {
	upgraded(t, "0020_~", []string{
		`INSERT INTO advisory_subscriptions (id, email, kinds, pending_kinds, unsub_hash, confirmed_at, created_at, updated_at) VALUES
			('s1', 's1@x.example', 'advisory alert', 'advisory alert', 'h1', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
			('s2', 's2@x.example', '', '', 'h2', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
			('s3', 's3@x.example', 'news news', 'alert', 'h3', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
	}, func(t *testing.T, d *db.DB) {
		got := rowsOf(t, d, `SELECT 'kind ' || subscription_id || ':' || kind FROM advisory_subscription_kinds
			UNION ALL SELECT 'pending ' || id || ':' || pending_kinds FROM advisory_subscriptions ORDER BY 1`)
		want := []string{"kind s1:advisory", "kind s1:alert", "kind s3:news", "pending s1:advisory alert", "pending s2:", "pending s3:alert"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("subscriptions (-want +got):\n%s", diff)
		}
	})
}
