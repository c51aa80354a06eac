package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/schema"
)

// run runs the command line with args and returns its exit code and output.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	// A command given no data directory would use ./data, the package's
	// own folder: every run gets a temporary one unless the test names one.
	fallback := t.TempDir()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			if v, ok := env[k]; ok || k != "CERTHUB_DATA" {
				return v
			}
			return fallback
		},
	})
	return code, out.String(), errb.String()
}

func TestHelpVersionAndUsageErrors(t *testing.T) {
	if code, out, _ := run(t, nil, "", "--help"); code != 0 || !strings.Contains(out, "serve") || !strings.Contains(out, "CERTHUB_") {
		t.Fatalf("help: %d %s", code, out)
	}
	if code, out, _ := run(t, nil, "", "version"); code != 0 || !strings.HasPrefix(out, "certhub ") {
		t.Fatalf("version: %d %s", code, out)
	}
	if code, _, errOut := run(t, nil, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, nil, "", "serve", "--no-such-flag"); code != 2 || !strings.Contains(errOut, "no-such-flag") {
		t.Fatalf("unknown flag: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, nil, "", "serve", "--tls-cert", "x.pem"); code != 2 || !strings.Contains(errOut, "go together") {
		t.Fatalf("half a TLS configuration: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, map[string]string{"CERTHUB_WORKERS": "many"}, "", "serve"); code != 2 || !strings.Contains(errOut, "CERTHUB_WORKERS") {
		t.Fatalf("bad environment value: %d %s", code, errOut)
	}
}

// migratedData is a new data directory holding a database at this
// binary's schema: a copy of one migrated once (certhub migrate itself is
// TestOnlyServeAndMigrateMigrate's and TestBackupAndRestoreRoundTrip's).
func migratedData(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	dbtest.WriteSQLite(t, filepath.Join(data, "certhub.db"))
	return data
}

func TestUsersTokensAuditAndBackup(t *testing.T) {
	data := migratedData(t)
	env := map[string]string{"CERTHUB_DATA": data, "CERTHUB_LOG_LEVEL": "warn"}
	code, out, errOut := run(t, env, "", "user", "create", "--email", "Analyst@CC.example", "--name", "Cli Analyst", "--platform-role", "coordinator")
	if code != 0 || !strings.Contains(out, "created analyst@cc.example") {
		t.Fatalf("user create: %d %s %s", code, out, errOut)
	}
	if !regexp.MustCompile(`password: \S{20}`).MatchString(out) {
		t.Fatalf("no generated password printed: %s", out)
	}
	if code, _, errOut := run(t, env, "", "user", "create", "--email", "analyst@cc.example", "--name", "Again"); code != 1 || !strings.Contains(errOut, "email") {
		t.Fatalf("duplicate user: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, env, "short\n", "user", "passwd", "--email", "analyst@cc.example", "--password-stdin"); code != 1 || !strings.Contains(errOut, "at least 12") {
		t.Fatalf("weak password: %d %s", code, errOut)
	}
	if code, out, _ := run(t, env, "a perfectly fine passphrase\n", "user", "passwd", "--email", "analyst@cc.example", "--password-stdin"); code != 0 || strings.Contains(out, "password:") {
		t.Fatalf("passwd: %d %s", code, out)
	}
	code, out, errOut = run(t, env, "", "token", "create", "--email", "analyst@cc.example", "--name", "ci", "--scope", "read")
	if code != 0 || !regexp.MustCompile(`^chub_[a-z2-7]{52}\n$`).MatchString(out) {
		t.Fatalf("token create must print only the token: %d %q %s", code, out, errOut)
	}
	if code, _, errOut := run(t, env, "", "token", "create", "--email", "analyst@cc.example", "--name", "x", "--scope", "root"); code != 1 || !strings.Contains(errOut, "scopes") {
		t.Fatalf("bad scope: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, env, "", "user", "disable", "--email", "analyst@cc.example"); code != 0 {
		t.Fatalf("disable: %s", errOut)
	}
	if code, out, _ := run(t, env, "", "audit", "verify"); code != 0 || !strings.Contains(out, "audit log intact") {
		t.Fatalf("audit verify: %d %s", code, out)
	}

	// Backup while the database is open elsewhere, then restore by pointing --data at it.
	dest := filepath.Join(t.TempDir(), "backup")
	if code, out, errOut := run(t, env, "", "backup", dest); code != 0 || !strings.Contains(out, "backed up") {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := run(t, env, "", "backup", dest); code != 1 || !strings.Contains(errOut, "not empty") {
		t.Fatalf("backup into a used directory: %d %s", code, errOut)
	}
	restored := map[string]string{"CERTHUB_DATA": dest, "CERTHUB_LOG_LEVEL": "warn"}
	if code, out, _ := run(t, restored, "", "audit", "verify"); code != 0 || !strings.Contains(out, "audit log intact") {
		t.Fatalf("verify the restored copy: %d %s", code, out)
	}
	if code, _, _ := run(t, restored, "", "user", "enable", "--email", "analyst@cc.example"); code != 0 {
		t.Fatal("the restored copy does not know the user")
	}

	// Tampering is found and named.
	d, err := db.Open(context.Background(), db.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(context.Background(), `UPDATE audit_log SET summary = 'nothing to see' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if code, _, errOut := run(t, env, "", "audit", "verify"); code != 1 || !strings.Contains(errOut, "row 2") {
		t.Fatalf("tampered log: %d %s", code, errOut)
	}
}

// serve starts, creates the first admin, answers, and shuts down on cancel.
func TestServeStartsAndStopsGracefully(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := Main(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--demo", "--log-level", "warn"}, Env{
			Stdin: strings.NewReader(""), Stdout: pw, Stderr: io.Discard,
			Getenv: func(k string) string { return map[string]string{"CERTHUB_DATA": data}[k] },
		})
		pw.Close()
		done <- code
	}()
	sc := bufio.NewScanner(pr)
	var url, password string
	for sc.Scan() {
		line := sc.Text()
		if m := regexp.MustCompile(`running at (http://\S+)`).FindStringSubmatch(line); m != nil {
			url = m[1]
		}
		if m := regexp.MustCompile(`admin@localhost with password (\S+)`).FindStringSubmatch(line); m != nil {
			password = m[1]
		}
		if strings.HasPrefix(line, "Demo users") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" || password == "" {
		t.Fatalf("no URL or password printed (url %q)", url)
	}
	resp, err := http.Get(url + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", err, resp)
	}
	resp.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := os.Stat(filepath.Join(data, "certhub.db")); err != nil {
		t.Fatal(err)
	}
}

// TestOnlyServeAndMigrateMigrate: every other command leaves the schema of
// a database older or newer than the binary as it is and says what to do;
// `certhub migrate` upgrades it, and nothing runs on a newer one.
func TestOnlyServeAndMigrateMigrate(t *testing.T) {
	ctx := context.Background()
	// A database of the previous release: every migration but the last.
	data := t.TempDir()
	d, err := db.Open(ctx, db.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(schema.Migrations(), ".")
	if err != nil {
		t.Fatal(err)
	}
	older := fstest.MapFS{}
	for _, e := range entries[:len(entries)-1] {
		b, _ := fs.ReadFile(schema.Migrations(), e.Name())
		older[e.Name()] = &fstest.MapFile{Data: b}
	}
	if _, err := d.Migrate(ctx, older); err != nil {
		t.Fatal(err)
	}
	shape := func() string {
		var tables []string
		rows, err := d.Query(ctx, `SELECT type || ' ' || name FROM sqlite_master ORDER BY type, name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			tables = append(tables, s)
		}
		var v int64
		if err := d.QueryRow(ctx, `SELECT MAX(version_id) FROM schema_migrations`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("version %d: %s", v, strings.Join(tables, ", "))
	}
	before := shape()
	applied, available, err := d.SchemaVersion(ctx, schema.Migrations())
	if err != nil || applied != available-1 {
		t.Fatalf("older database at %d of %d (%v)", applied, available, err)
	}
	env := map[string]string{"CERTHUB_DATA": data, "CERTHUB_LOG_LEVEL": "warn"}
	list := filepath.Join(t.TempDir(), "list.txt")
	if err := os.WriteFile(list, []byte("198.51.100.7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	readers := [][]string{
		{"audit", "verify"},
		{"backup", filepath.Join(t.TempDir(), "b")},
		{"user", "create", "--email", "x@cc.example", "--name", "X"},
		{"token", "create", "--email", "x@cc.example", "--name", "ci"},
		{"ingest", list},
		{"warninglist", "list"},
		{"asn", "show"},
		{"osv", "load", list},
		{"common-criteria", "import", list},
	}
	want := fmt.Sprintf("schema version %d and this certhub expects %d", available-1, available)
	for _, args := range readers {
		code, _, errOut := run(t, env, "", args...)
		if code != 1 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "certhub migrate") {
			t.Errorf("%v on an older database: exit %d %q, want a refusal naming %q", args, code, errOut, want)
		}
	}
	if after := shape(); after != before {
		t.Fatalf("a command changed the older database's schema:\nbefore %s\nafter  %s", before, after)
	}
	if code, out, errOut := run(t, env, "", "migrate"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate: %d %s %s", code, out, errOut)
	}
	if code, out, errOut := run(t, env, "", "audit", "verify"); code != 0 || !strings.Contains(out, "audit log intact") {
		t.Fatalf("audit verify after migrate: %d %s %s", code, out, errOut)
	}

	// A database a newer release migrated: nothing runs on it, serve and
	// migrate included.
	if _, err := d.Exec(ctx, `INSERT INTO schema_migrations (version_id, is_applied, tstamp) VALUES ($1, 1, CURRENT_TIMESTAMP)`, available+1); err != nil {
		t.Fatal(err)
	}
	newer := fmt.Sprintf("schema version %d, newer than this certhub's %d", available+1, available)
	for _, args := range append(readers, []string{"migrate"}, []string{"serve", "--addr", "127.0.0.1:0"}) {
		code, _, errOut := run(t, env, "", args...)
		if code != 1 || !strings.Contains(errOut, newer) {
			t.Errorf("%v on a newer database: exit %d %q, want a refusal naming %q", args, code, errOut, newer)
		}
	}
	d.Close()

	// No database at all: only migrate and serve make one.
	empty := t.TempDir()
	code, _, errOut := run(t, map[string]string{"CERTHUB_DATA": empty}, "", "audit", "verify")
	if code != 1 || !strings.Contains(errOut, "no certhub database in "+empty) {
		t.Errorf("audit verify without a database: exit %d %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(empty, "certhub.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("audit verify made a database: %v", err)
	}
}
