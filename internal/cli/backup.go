package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/schema"
)

// A backup is a directory: the database (SQLite's certhub.db, or
// PostgreSQL's dump certhub.pgdump), the server key secret.key when it is a
// file (attached files are in the database; backups of versions that kept
// them on disk also hold attachments/, named by SHA-256, which a restore
// puts back for the next start to move into the database), and
// MANIFEST.json, which
// lists every file with its size and SHA-256 so a restore can prove the
// copy whole before it writes anything.

const manifestName = "MANIFEST.json"

// manifest describes a backup.
type manifest struct {
	Format        string         `json:"format"`
	CreatedAt     time.Time      `json:"created_at"`
	Certhub       string         `json:"certhub"`
	Engine        string         `json:"engine"`
	SchemaVersion int64          `json:"schema_version"`
	Database      string         `json:"database"`
	Key           string         `json:"key"` // "secret.key", or "external" when the key comes from --secret-key
	Files         []manifestFile `json:"files"`
}

type manifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

const backupFormat = "certhub-backup/1"

const backupUsage = `backup [--data DIR] [--db DSN] DEST

Writes a complete backup into the new directory DEST, while the server keeps
running: the database (SQLite: a consistent copy, certhub.db; PostgreSQL:
pg_dump's custom format, certhub.pgdump, which needs PostgreSQL's client
tools), the server key (secret.key; with --secret-key or CERTHUB_SECRET_KEY
keep that value with the backup yourself), and MANIFEST.json with each
file's size and SHA-256. Attached files are in the database, so in its copy.

Restore with certhub restore DEST into a new data directory (and, for
PostgreSQL, a new empty database).`

func runBackup(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "backup", backupUsage)
	var s storeFlags
	s.add(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() != 1 {
		return usageError{"name one destination directory: certhub backup DEST"}
	}
	dest := f.Arg(0)
	if entries, err := os.ReadDir(dest); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty; back up into a new directory", dest)
	}
	c, err := openCore(ctx, env, &s)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return err
	}
	start := time.Now()
	m := manifest{Format: backupFormat, CreatedAt: c.Now(), Certhub: Version, Engine: string(c.DB.Engine()), Key: "secret.key"}
	if m.SchemaVersion, _, err = c.DB.SchemaVersion(ctx, schema.Migrations()); err != nil {
		return err
	}
	// The database first: every file it names is on disk by then
	// (attachments are written before their rows and never removed).
	if c.DB.Engine() == db.Postgres {
		m.Database = "certhub.pgdump"
		err = db.DumpPostgres(ctx, s.db, filepath.Join(dest, m.Database))
	} else {
		m.Database = "certhub.db"
		err = c.DB.Backup(ctx, filepath.Join(dest, m.Database))
	}
	if err != nil {
		return err
	}
	if s.secretKey != "" {
		m.Key = "external"
	} else if err := copyChecked(filepath.Join(s.data, "secret.key"), filepath.Join(dest, "secret.key"), ""); err != nil {
		return fmt.Errorf("copy the server key: %w", err)
	}
	// Attached files are in the database, and so in its copy; every file
	// a report names must be among them.
	named, err := c.VDP.Reports().AttachmentDigests(ctx, auth.System("backup"))
	if err != nil {
		return err
	}
	if missing, err := c.Files.Missing(ctx, named); err != nil {
		return err
	} else if len(missing) > 0 {
		return fmt.Errorf("the database names the attachment %s, which it does not hold", missing[0])
	}
	stored, external, err := c.Files.Counts(ctx)
	if err != nil {
		return err
	}
	if external > 0 {
		fmt.Fprintf(env.Stdout, "%d attached files are in S3 object storage (--files-s3), not in this backup: back the bucket up with its own tools (versioning, replication)\n", external)
	}
	if m.Files, err = listFiles(dest); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(dest, manifestName), append(b, '\n'), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "backed up to %s in %s: the %s database (schema %d) with %d attachments%s\n", dest,
		time.Since(start).Round(time.Millisecond), m.Engine, m.SchemaVersion, stored, map[bool]string{true: "; the server key is yours to keep (--secret-key)", false: ", the server key"}[m.Key == "external"])
	return nil
}

// copyChecked copies src to dst (mode 0600, parents 0700); with a digest,
// the bytes must hash to it.
func copyChecked(src, dst, digest string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(out, h), in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); digest != "" && got != digest {
		return fmt.Errorf("%s is damaged: its content hashes to %s, not to its name", src, got)
	}
	return nil
}

// listFiles lists every file under dir (but the manifest) with its size
// and SHA-256, in path order.
func listFiles(dir string) ([]manifestFile, error) {
	var out []manifestFile
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == manifestName {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		n, err := io.Copy(h, f)
		if err != nil {
			return err
		}
		out = append(out, manifestFile{Path: filepath.ToSlash(rel), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	})
	return out, err
}

const restoreUsage = `restore [--data DIR] [--db DSN] SRC

Restores the backup in SRC (made by certhub backup) into DIR, which must be
new or empty, and for PostgreSQL into the empty database DSN (pg_restore, in
one transaction). Every file is checked against the backup's MANIFEST.json
before anything is written, and the restored audit log is verified. Start
the server on DIR (and DSN) afterwards; a backup from an older release is
upgraded by certhub migrate or at the server's start.`

func runRestore(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "restore", restoreUsage)
	var s storeFlags
	s.add(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() != 1 {
		return usageError{"name the backup directory: certhub restore SRC"}
	}
	src := f.Arg(0)
	b, err := os.ReadFile(filepath.Join(src, manifestName))
	if err != nil {
		return fmt.Errorf("%s is not a certhub backup: %w", src, err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil || m.Format != backupFormat {
		return fmt.Errorf("%s: %s is not a %s manifest", src, manifestName, backupFormat)
	}
	engine := db.SQLite
	if s.db != "" {
		engine = db.Postgres
	}
	if m.Engine != string(engine) {
		return fmt.Errorf("the backup holds a %s database; restore it with %s", m.Engine,
			map[bool]string{true: "--db postgres://… (a new, empty database)", false: "no --db (the embedded database)"}[m.Engine == string(db.Postgres)])
	}
	have, err := listFiles(src)
	if err != nil {
		return err
	}
	if !slices.Equal(have, m.Files) {
		return fmt.Errorf("the backup in %s is not whole: %s", src, manifestDiff(m.Files, have))
	}
	if entries, err := os.ReadDir(s.data); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty; restore into a new data directory", s.data)
	}
	if m.Key == "external" && s.secretKey == "" {
		return errors.New("the backup was taken with --secret-key: give the same key (--secret-key or CERTHUB_SECRET_KEY)")
	}
	if err := os.MkdirAll(s.data, 0o750); err != nil {
		return err
	}
	if engine == db.Postgres {
		err = db.RestorePostgres(ctx, s.db, filepath.Join(src, m.Database))
	} else {
		err = copyChecked(filepath.Join(src, m.Database), filepath.Join(s.data, "certhub.db"), digestOf(m, m.Database))
	}
	if err != nil {
		return err
	}
	n := 0
	for _, file := range m.Files {
		if file.Path == m.Database {
			continue
		}
		if err := copyChecked(filepath.Join(src, filepath.FromSlash(file.Path)), filepath.Join(s.data, filepath.FromSlash(file.Path)), file.SHA256); err != nil {
			return err
		}
		if strings.HasPrefix(file.Path, "attachments/") {
			n++
		}
	}
	d, err := db.Open(ctx, db.Options{DSN: s.db, DataDir: s.data})
	if err != nil {
		return err
	}
	defer d.Close()
	stored, err := files.NewStore(d, s.data).Count(ctx)
	if err != nil {
		return err
	}
	rep, err := audit.Verify(ctx, d)
	if err != nil {
		return err
	}
	if rep.Problem != nil {
		return fmt.Errorf("restored, but the audit log is broken at row %d: %s", rep.Problem.Seq, rep.Problem.Reason)
	}
	fmt.Fprintf(env.Stdout, "restored %s (taken %s) into %s: schema %d, %d attachments, audit log intact (%d rows, newest hash %s)\n",
		src, m.CreatedAt.Format(time.RFC3339), s.data, m.SchemaVersion, stored+n, rep.Rows, rep.HeadHash)
	return nil
}

func digestOf(m manifest, path string) string {
	for _, f := range m.Files {
		if f.Path == path {
			return f.SHA256
		}
	}
	return ""
}

// manifestDiff names the first file that differs from the manifest.
func manifestDiff(want, have []manifestFile) string {
	got := map[string]manifestFile{}
	for _, f := range have {
		got[f.Path] = f
	}
	for _, w := range want {
		h, ok := got[w.Path]
		switch {
		case !ok:
			return w.Path + " is missing"
		case h.Size != w.Size || h.SHA256 != w.SHA256:
			return w.Path + " differs from the manifest"
		}
		delete(got, w.Path)
	}
	for p := range got {
		return p + " is not in the manifest"
	}
	return "the files differ from the manifest"
}
