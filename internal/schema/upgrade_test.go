package schema_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/schema"
)

// TestUpgradeFromRelease: a database made by the release before each owner
// kept its own migrations (the kernel's memberships, webhooks and counters
// then made by the directory's and vdp's, with foreign keys into the
// directory) upgrades in place, on both engines: every row is kept, and
// the schema it ends with is exactly that of a database made new.
func TestUpgradeFromRelease(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			old := openEmpty(t, e)
			if _, err := old.Migrate(ctx, os.DirFS("testdata/release-2026-12")); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`INSERT INTO users (id, email, name, platform_role, sessions_valid_after, created_at, updated_at) VALUES ('u1', 'a@b.example', 'A', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				`INSERT INTO orgs (id, name, name_key, kind, sector, created_at, updated_at) VALUES ('o1', 'Bank', 'bank', 'constituent', 'banking', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				`INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ('u1', 'o1', 'admin', '2026-12-01 10:00:00')`,
				`INSERT INTO webhooks (id, org_id, url, secret, events, active, created_at, updated_at)
					VALUES ('w1', 'o1', 'https://soar.example/hook', 'sealed', 'org.updated *', FALSE, '2026-12-01 10:00:00', '2026-12-02 10:00:00')`,
				`INSERT INTO counters (name, value) VALUES ('case.2026', 41), ('report.2026', 7)`,
				`INSERT INTO api_tokens (id, user_id, name, prefix, hash, scopes, created_at, updated_at)
					VALUES ('t1', 'u1', 'soar', 'chp_ab', 'h1', 'read write', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
					('t2', 'u1', 'ro', 'chp_cd', 'h2', 'read', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
			} {
				if _, err := old.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			before := kernelRows(t, old)
			events := rowsOf(t, old, `SELECT id || ':' || events FROM webhooks`)
			if _, err := old.Migrate(ctx, schema.Migrations()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before, kernelRows(t, old)); diff != "" {
				t.Errorf("the upgrade changed rows (-before +after):\n%s", diff)
			}
			// The webhook's events, a list in a column, are its rows now.
			if diff := cmp.Diff([]string{"w1:org.updated *"}, events); diff != "" {
				t.Fatalf("events before: %s", diff)
			}
			if diff := cmp.Diff([]string{"w1:*", "w1:org.updated"},
				rowsOf(t, old, `SELECT webhook_id || ':' || event FROM webhook_events ORDER BY 1`)); diff != "" {
				t.Errorf("webhook events after the upgrade (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"t1:read", "t1:write", "t2:read"},
				rowsOf(t, old, `SELECT token_id || ':' || scope FROM api_token_scopes ORDER BY 1`)); diff != "" {
				t.Errorf("token scopes after the upgrade (-want +got):\n%s", diff)
			}
			fresh := openEmpty(t, e)
			if _, err := fresh.Migrate(ctx, schema.Migrations()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(schemaOf(t, fresh), schemaOf(t, old)); diff != "" {
				t.Errorf("the upgraded schema differs from a new one (-new +upgraded):\n%s", diff)
			}
			// The directory's organisation no longer holds the kernel's rows.
			if _, err := old.Exec(ctx, `DELETE FROM orgs WHERE id = 'o1'`); err != nil {
				t.Fatalf("an organisation the kernel's rows name cannot be deleted: %v", err)
			}
		})
	}
}

// kernelRows are the rows of the tables the upgrade rebuilt, as text.
func kernelRows(t *testing.T, d *db.DB) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT user_id || '|' || org_id || '|' || role FROM memberships ORDER BY 1`,
		`SELECT id || '|' || org_id || '|' || url || '|' || secret || '|' || CASE WHEN active THEN 'on' ELSE 'off' END FROM webhooks ORDER BY 1`,
		`SELECT name || '|' || CAST(value AS TEXT) FROM counters ORDER BY 1`,
	} {
		rows, err := d.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		rows.Close()
	}
	var created string
	if err := d.QueryRow(context.Background(), `SELECT CAST(created_at AS TEXT) FROM memberships`).Scan(&created); err != nil || !strings.HasPrefix(created, "2026-12-01") {
		t.Fatalf("the membership's time: %q %v", created, err)
	}
	return out
}

// rowsOf answers a query's single text column.
func rowsOf(t *testing.T, d *db.DB, q string) []string {
	t.Helper()
	rows, err := d.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// schemaOf describes every table, column, index and constraint of the
// database, but the migration tool's own bookkeeping.
func schemaOf(t *testing.T, d *db.DB) []string {
	t.Helper()
	queries := map[db.Engine][]string{
		db.SQLite: {`SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master
			WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE 'goose%' ORDER BY type, name`},
		db.Postgres: {
			`SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '')
				FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT LIKE 'goose%' ORDER BY table_name, column_name`,
			`SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename NOT LIKE 'goose%' ORDER BY indexname`,
			`SELECT 'constraint ' || c.conrelid::regclass::text || ' ' || c.conname || ': ' || pg_get_constraintdef(c.oid)
				FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
				WHERE n.nspname = current_schema() AND c.conrelid::regclass::text NOT LIKE 'goose%' ORDER BY 1`,
		},
	}
	var out []string
	for _, q := range queries[d.Engine()] {
		rows, err := d.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		rows.Close()
	}
	if len(out) < 50 {
		t.Fatalf("only %d schema entries: the query reads the wrong schema", len(out))
	}
	return out
}
