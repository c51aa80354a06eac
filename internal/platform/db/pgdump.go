package db

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// PostgreSQL backups are PostgreSQL's own: pg_dump's custom format, read
// back by pg_restore. Both must be at least the server's version; certhub
// finds them on PATH or under /usr/lib/postgresql/*/bin (Debian), newest
// first, unless PGBIN names their directory.

// pgTool finds pg_dump or pg_restore.
func pgTool(name string) (string, error) {
	if dir := os.Getenv("PGBIN"); dir != "" {
		return filepath.Join(dir, name), nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	sort.Sort(sort.Reverse(sort.StringSlice(found)))
	if len(found) > 0 {
		return found[0], nil
	}
	return "", fmt.Errorf("db: %s is not installed: install PostgreSQL's client tools (Debian: postgresql-client) or set PGBIN", name)
}

// pgCommand runs a PostgreSQL tool against dsn. The password travels in
// the environment (PGPASSWORD), not on the command line, where every user
// of the machine could read it.
func pgCommand(ctx context.Context, tool, dsn string, args ...string) *exec.Cmd {
	env := os.Environ()
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
		q := u.Query()
		if pw := q.Get("password"); pw != "" {
			env = append(env, "PGPASSWORD="+pw)
			q.Del("password")
			u.RawQuery = q.Encode()
		}
		dsn = u.String()
	}
	cmd := exec.CommandContext(ctx, tool, append(args, "--dbname="+dsn)...)
	cmd.Env = env
	return cmd
}

// DumpPostgres writes the whole database at dsn to dest in pg_dump's custom
// format: one consistent snapshot, taken while the servers keep running.
func DumpPostgres(ctx context.Context, dsn, dest string) error {
	tool, err := pgTool("pg_dump")
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd := pgCommand(ctx, tool, dsn, "--format=custom", "--no-owner", "--no-privileges", "--file="+dest)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("db: pg_dump: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// RestorePostgres loads a dump made by DumpPostgres into the database at
// dsn, which must hold no certhub tables: a restore never merges into a
// live database. Everything is restored in one transaction.
func RestorePostgres(ctx context.Context, dsn, src string) error {
	d, err := Open(ctx, Options{DSN: dsn})
	if err != nil {
		return err
	}
	var tables int
	err = d.QueryRow(ctx, `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()`).Scan(&tables)
	d.Close()
	if err != nil {
		return fmt.Errorf("db: restore: %w", err)
	}
	if tables > 0 {
		return errors.New("db: restore: the target database already holds tables; restore into a new, empty database")
	}
	tool, err := pgTool("pg_restore")
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd := pgCommand(ctx, tool, dsn, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", src)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("db: pg_restore: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
