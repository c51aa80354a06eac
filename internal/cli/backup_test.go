package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/vdp/reports"
)

// TestBackupAndRestoreRoundTrip: a backup holds the database, the server
// key and every attachment; restored into a new data directory (and, for
// PostgreSQL, a new empty database) the reports, their files byte for byte,
// the sealed center key and the audit log come back; a damaged backup is
// refused before anything is written.
func TestBackupAndRestoreRoundTrip(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			data := t.TempDir()
			env := map[string]string{"CERTHUB_DATA": data, "CERTHUB_LOG_LEVEL": "warn"}
			restoredData := filepath.Join(t.TempDir(), "restored")
			renv := map[string]string{"CERTHUB_DATA": restoredData, "CERTHUB_LOG_LEVEL": "warn"}
			if engine == db.Postgres {
				env["CERTHUB_DB"] = dbtest.EmptyDSN(t)
				renv["CERTHUB_DB"] = dbtest.EmptyDSN(t)
			}
			if code, out, errOut := run(t, env, "", "migrate"); code != 0 {
				t.Fatalf("migrate: %s %s", out, errOut)
			}
			open := func(env map[string]string) *app.Core {
				t.Helper()
				c, err := app.OpenCore(ctx, app.Config{DataDir: env["CERTHUB_DATA"], DSN: env["CERTHUB_DB"], NoBackground: true, Logger: testLog()})
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			c := open(env)
			r, rc, err := c.VDP.Reports().SubmitPublic(ctx, reports.ReportInput{Title: "Buffer overflow in the gateway", Description: "Long headers crash it.",
				Vendor: "Examplesoft"}, "web", "198.51.100.9")
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(rc.FollowURL)
			files := map[string][]byte{
				"poc.txt":  []byte(strings.Repeat("GET / HTTP/1.1\r\nX-Long: AAAA\r\n", 300)),
				"shot.png": append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 1, 2, 3}, 5000)...),
				"dump.pdf": append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("stream\n"), 900)...),
			}
			for name, body := range files {
				if _, err := c.VDP.Reports().AttachByKey(ctx, u.Query().Get("key"), name, bytes.NewReader(body), "198.51.100.9"); err != nil {
					t.Fatalf("attach %s: %v", name, err)
				}
			}
			centerKey := c.CenterKey.Private()
			c.Close()

			dest := filepath.Join(t.TempDir(), "backup")
			code, out, errOut := run(t, env, "", "backup", dest)
			if code != 0 || !strings.Contains(out, "with 3 attachments") {
				t.Fatalf("backup: %d %s %s", code, out, errOut)
			}
			// A damaged copy is named and nothing is restored from it.
			damaged := filepath.Join(t.TempDir(), "damaged")
			if err := os.CopyFS(damaged, os.DirFS(dest)); err != nil {
				t.Fatal(err)
			}
			victim := filepath.Join(damaged, map[db.Engine]string{db.SQLite: "certhub.db", db.Postgres: "certhub.pgdump"}[engine])
			b, _ := os.ReadFile(victim)
			b[len(b)/2] ^= 0xff
			if err := os.WriteFile(victim, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if code, _, errOut := run(t, renv, "", "restore", damaged); code != 1 || !strings.Contains(errOut, "differs from the manifest") {
				t.Fatalf("restore of a damaged backup: %d %s", code, errOut)
			}
			if _, err := os.Stat(restoredData); !os.IsNotExist(err) {
				t.Fatalf("a refused restore wrote %s (%v)", restoredData, err)
			}
			// The whole backup comes back.
			code, out, errOut = run(t, renv, "", "restore", dest)
			if code != 0 || !strings.Contains(out, "3 attachments, audit log intact") {
				t.Fatalf("restore: %d %s %s", code, out, errOut)
			}
			if code, _, errOut := run(t, renv, "", "restore", dest); code != 1 || !strings.Contains(errOut, "not empty") {
				t.Fatalf("restore over a data directory: %d %s", code, errOut)
			}
			rc2 := open(renv)
			defer rc2.Close()
			if rc2.CenterKey.Private() != centerKey {
				t.Fatal("the restored key does not open the sealed center key")
			}
			sys := auth.System("test")
			atts, err := rc2.VDP.Reports().Attachments(ctx, sys, r.ID)
			if err != nil || len(atts) != len(files) {
				t.Fatalf("restored attachments %v (%v)", atts, err)
			}
			for _, a := range atts {
				_, f, err := rc2.VDP.Reports().OpenAttachment(ctx, sys, r.ID, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(f)
				f.Close()
				if !bytes.Equal(got, files[a.Filename]) {
					t.Errorf("%s differs after the restore (%d bytes, want %d)", a.Filename, len(got), len(files[a.Filename]))
				}
			}
			if code, out, _ := run(t, renv, "", "audit", "verify"); code != 0 || !strings.Contains(out, "audit log intact") {
				t.Fatalf("audit verify of the restored store: %d %s", code, out)
			}
		})
	}
}

func testLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
