package schema_test

import (
	"context"
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"

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

// TestAdvisoryAudienceMigration: migration 0015 moves each published
// advisory's recipients from a space-separated column into the table the
// reading rule matches, on both engines: every organisation once, none
// from an empty list, and the draft's own list untouched.
func TestAdvisoryAudienceMigration(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn := t.TempDir() + "/certhub.db"
			if e == db.Postgres {
				dsn = dbtest.EmptyDSN(t)
			}
			d, err := db.Open(ctx, db.Options{DSN: dsn, DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if _, err := d.Migrate(ctx, migrationsUpTo("0014_~")); err != nil {
				t.Fatal(err)
			}
			for _, a := range []struct{ id, draft, published string }{
				{"a1", "bank telco", "bank telco"},
				{"a2", "", "telco  bank telco "},
				{"a3", "bank", ""},
			} {
				if _, err := d.Exec(ctx, `INSERT INTO advisories (id, tracking_id, kind, status, tlp, title, content, recipients,
					pub_recipients, created_at, updated_at) VALUES ($1, $1, 'advisory', 'published', 'AMBER', 'T', '{}', $2, $3,
					CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, a.id, a.draft, a.published); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := d.Migrate(ctx, schema.Migrations()); err != nil {
				t.Fatal(err)
			}
			rows, err := d.Query(ctx, `SELECT advisory_id || ':' || org_id FROM advisory_audience_orgs ORDER BY advisory_id, org_id`)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				got = append(got, s)
			}
			rows.Close()
			if want := []string{"a1:bank", "a1:telco", "a2:bank", "a2:telco"}; !slices.Equal(got, want) {
				t.Errorf("audience %v, want %v", got, want)
			}
			var draft string
			if err := d.QueryRow(ctx, `SELECT recipients FROM advisories WHERE id = 'a3'`).Scan(&draft); err != nil || draft != "bank" {
				t.Errorf("the draft's recipients: %q, %v", draft, err)
			}
		})
	}
}

// TestAdvisoryListsMigration: migration 0019 moves each published
// advisory's CVE IDs, sectors, vendors and products from its list columns
// into the join tables the listing's filters match, on both engines: each
// value once, none from an empty list.
func TestAdvisoryListsMigration(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn := t.TempDir() + "/certhub.db"
			if e == db.Postgres {
				dsn = dbtest.EmptyDSN(t)
			}
			d, err := db.Open(ctx, db.Options{DSN: dsn, DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if _, err := d.Migrate(ctx, migrationsUpTo("0018_~")); err != nil {
				t.Fatal(err)
			}
			for _, a := range []struct{ id, cves, sectors, vendors, products string }{
				{"a1", "CVE-2026-0001 CVE-2026-0002", "banking energy", "examplesoft\nnetforge", "netbank portal\ngate 7"},
				{"a2", "CVE-2026-0002 CVE-2026-0002", "", "examplesoft", ""},
				{"a3", "", "", "", ""},
			} {
				if _, err := d.Exec(ctx, `INSERT INTO advisories (id, tracking_id, kind, status, tlp, title, content, pub_cves, pub_sectors,
					pub_vendors, pub_products, created_at, updated_at) VALUES ($1, $1, 'advisory', 'published', 'CLEAR', 'T', '{}', $2, $3, $4, $5,
					CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, a.id, a.cves, a.sectors, a.vendors, a.products); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := d.Migrate(ctx, schema.Migrations()); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, q := range []string{
				`SELECT 'cve ' || advisory_id || ':' || cve FROM advisory_cves`,
				`SELECT 'sector ' || advisory_id || ':' || sector FROM advisory_sectors`,
				`SELECT 'vendor ' || advisory_id || ':' || vendor FROM advisory_vendors`,
				`SELECT 'product ' || advisory_id || ':' || product FROM advisory_products`,
			} {
				rows, err := d.Query(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var s string
					if err := rows.Scan(&s); err != nil {
						t.Fatal(err)
					}
					got = append(got, s)
				}
				rows.Close()
			}
			slices.Sort(got)
			want := []string{"cve a1:CVE-2026-0001", "cve a1:CVE-2026-0002", "cve a2:CVE-2026-0002", "product a1:gate 7",
				"product a1:netbank portal", "sector a1:banking", "sector a1:energy", "vendor a1:examplesoft", "vendor a1:netforge",
				"vendor a2:examplesoft"}
			if !slices.Equal(got, want) {
				t.Errorf("lists %v,\nwant %v", got, want)
			}
		})
	}
}
