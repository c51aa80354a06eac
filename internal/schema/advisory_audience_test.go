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
