package cli

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/certhub/certhub/internal/procurement/osv"
)

const osvUsage = `osv [--data DIR] [--db DSN] load FILE|DIR ...

Loads OSV records (https://ossf.github.io/osv-schema/) that the procurement
SBOM checks match components against: a record as JSON, a JSON array of
records, a directory of them (read recursively), or a zip archive of them
as osv.dev publishes each ecosystem (all.zip). A record replaces the one
of the same id only when its modified time is later. Every load is audited.`

func runOSV(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "osv", osvUsage)
	var s storeFlags
	s.add(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() == 0 || f.Arg(0) != "load" {
		return usageError{"name the subcommand: load"}
	}
	paths := f.Args()[1:]
	if len(paths) == 0 {
		return usageError{"name at least one file, directory or zip archive to load"}
	}
	c, ctx, id, err := openAsCommandLine(ctx, env, &s)
	if err != nil {
		return err
	}
	defer c.Close()
	var batch []osv.Record
	var total struct{ records, new, updated, unchanged int }
	flush := func() error {
		res, err := c.Procurement.Vulns().LoadRecords(ctx, id, batch)
		if err != nil {
			return explain(err)
		}
		total.records, total.new, total.updated, total.unchanged = total.records+res.Records, total.new+res.New, total.updated+res.Updated, total.unchanged+res.Unchanged
		batch = batch[:0]
		return nil
	}
	add := func(name string, r io.Reader) error {
		data, err := io.ReadAll(io.LimitReader(r, osv.MaxBytes+1))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		recs, err := osv.Parse(data)
		if err != nil {
			return fmt.Errorf("%s: %w", name, explain(err))
		}
		batch = append(batch, recs...)
		if len(batch) >= 5000 {
			return flush()
		}
		return nil
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return err
		}
		switch {
		case info.IsDir():
			err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
					return err
				}
				file, err := os.Open(path)
				if err != nil {
					return err
				}
				defer file.Close()
				return add(path, file)
			})
		case strings.HasSuffix(p, ".zip"):
			err = loadZip(p, add)
		default:
			var file *os.File
			if file, err = os.Open(p); err == nil {
				err = add(p, file)
				file.Close()
			}
		}
		if err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "loaded %d OSV records: %d new, %d updated, %d unchanged\n", total.records, total.new, total.updated, total.unchanged)
	return nil
}

// loadZip hands each JSON file of a zip archive to add.
func loadZip(path string, add func(string, io.Reader) error) error {
	z, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.FileInfo().IsDir() || !strings.HasSuffix(f.Name, ".json") {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", path, f.Name, err)
		}
		err = add(path+": "+f.Name, r)
		r.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
