package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/intel"
	"github.com/certhub/certhub/internal/platform/db"
)

const benchUsage = `bench [--data DIR] [--db DSN] [--indicators N] [--stix N] [--lookups N] [--pages N] [--cpuprofile FILE]

Measures the threat-intelligence hot paths on this machine and prints the
figures beside the targets the center needs: it generates a plain list of
--indicators distinct indicators (loaded twice: new, then again; with
--db naming PostgreSQL, into a temporary SQLite store as well, so both
engines' figures are side by side) and a STIX 2.1 bundle of --stix indicator
objects, loads both (normalising, de-duplicating, routing, writing), reads
--pages TAXII pages of 1,000 objects at random places of the collection,
builds the lookup index and measures its memory, looks up --lookups values
(half of them known), and routes addresses among 10,000 networks.

Without --data it works in a new temporary directory, removed afterwards;
with --data it loads into that store (use an empty one: the figures of a
store already holding data are not comparable). The issue's figures are
for ten million indicators: --indicators 10000000 (about ten minutes).

--cpuprofile writes a CPU profile of the whole run (go tool pprof reads
it): where the time of a missed figure goes.

It exits 1 when a figure misses its target.`

func runBench(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "bench", benchUsage)
	var s storeFlags
	s.add(f)
	n := f.Int("indicators", 1_000_000, "plain-list indicators to load")
	stix := f.Int("stix", 200_000, "STIX 2.1 indicator objects to load")
	lookups := f.Int("lookups", 100_000, "values per bulk lookup")
	pages := f.Int("pages", 50, "TAXII pages to read")
	profile := f.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := f.parse(args); err != nil {
		return err
	}
	if *n < 1000 || *stix < 1000 || *lookups < 1 || *pages < 1 {
		return usageError{"--indicators and --stix take at least 1000, --lookups and --pages at least 1"}
	}
	explicit := env.Getenv("CERTHUB_DATA") != ""
	f.Visit(func(fl *flag.Flag) { explicit = explicit || fl.Name == "data" })
	if !explicit {
		dir, err := os.MkdirTemp("", "certhub-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		s.data = dir
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400) // as certhub ingest does
	}
	cfg, err := s.config(env)
	if err != nil {
		return err
	}
	// A store of the bench's own is made here; one named by --data must
	// already be at this release's schema, as for every other tool.
	cfg.NoBackground, cfg.Migrate = true, !explicit
	c, err := app.OpenCore(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(env.Stdout, "certhub bench: %s\n", s.data)
	stop, err := startCPUProfile(*profile)
	if err != nil {
		return err
	}
	defer stop()
	var res []intel.BenchResult
	if c.DB.Engine() == db.Postgres {
		// The same list on the embedded engine too, beside PostgreSQL's.
		if res, err = benchSQLite(ctx, cfg, *n, env); err != nil {
			return err
		}
	}
	all, err := c.Intel.Bench(ctx, intel.BenchOptions{Indicators: *n, STIX: *stix, Lookups: *lookups, Pages: *pages, Dir: s.data}, env.Stdout)
	if err != nil {
		return err
	}
	res = append(res, all...)
	fmt.Fprintln(env.Stdout, "\nfigure                                          value          target         met  note")
	missed := 0
	for _, r := range res {
		met := "yes"
		if !r.Met {
			met, missed = "NO", missed+1
		}
		fmt.Fprintf(env.Stdout, "%-44s %12.1f %-13s %-14s %-4s %s\n", r.Name, r.Value, r.Unit, r.Target, met, r.Note)
	}
	if missed > 0 {
		return fmt.Errorf("%d figures missed their targets", missed)
	}
	return nil
}

// benchSQLite loads the plain list into a new SQLite store of its own.
func benchSQLite(ctx context.Context, cfg app.Config, n int, env Env) ([]intel.BenchResult, error) {
	dir, err := os.MkdirTemp("", "certhub-bench-sqlite-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg.DSN, cfg.DataDir, cfg.Migrate = "", dir, true
	c, err := app.OpenCore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	fmt.Fprintf(env.Stdout, "the plain list on SQLite too: %s\n", dir)
	return c.Intel.BenchList(ctx, n, dir, env.Stdout)
}

// startCPUProfile writes a CPU profile to path (none when empty) until
// stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
