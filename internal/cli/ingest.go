package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel"
	"github.com/certhub/certhub/internal/intel/ingest"
)

const ingestUsage = `ingest [--data DIR] [--db DSN] [--format auto|text|csv|shadowserver|stix|misp] [--source NAME] [--tlp LABEL] [--progress|--quiet] FILE ...

Loads indicators from files straight into the data directory (the server
may be running) and ends with one summary line:

  ingested N indicators (new A, updated B, rejected C) in S s (R/s)

Formats: text (one indicator per line, defanged or not, "#" comments), csv
(a header naming the indicator columns: indicator, value, ip, domain, url,
sha256, …; a time column and tag columns are recognised), shadowserver (a
Shadowserver report CSV; its type is taken from the file name), stix (a
STIX 2.1 bundle: the equality comparisons of indicator patterns and the
values of cyber-observable objects; an object's TLP marking overrides
--tlp), misp (a MISP event as MISP exports it: attributes and objects'
attributes of the types that name observables; tlp: tags are markings).
auto recognises them. A directory is read as a MISP feed: its
manifest.json and one {uuid}.json per event.

--source names the source (created when new, owned by the center); --tlp
marks what is loaded (default: the source's, AMBER for a new source).
Rejected lines are listed on standard error, at most 100 per file.

While a file loads, its progress (how much of it is read, the counts, the
rate, the run's id for the console's run page) is shown on standard error
when that is a terminal; --progress prints it there in any case, a line
every few seconds, and --quiet not at all. --cpuprofile FILE writes a CPU
profile of the load (go tool pprof reads it).`

func runIngest(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "ingest", ingestUsage)
	var s storeFlags
	s.add(f)
	format := f.String("format", "auto", "auto, text, csv or shadowserver")
	source := f.String("source", "command line", "the source's name")
	label := f.String("tlp", "", "TLP of what is loaded (default: the source's)")
	showProgress := f.Bool("progress", false, "show progress on standard error even when it is not a terminal")
	quiet := f.Bool("quiet", false, "show no progress")
	profile := f.String("cpuprofile", "", "write a CPU profile of the load to this file (go tool pprof reads it)")
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() == 0 {
		return usageError{"name at least one file: certhub ingest FILE ..."}
	}
	// A bulk load's garbage is its batches, short-lived and of a fixed
	// size: collecting a quarter as often saves a tenth of the time and
	// keeps memory bounded (about 70 MB more). Unless the operator set it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	c, ctx, id, err := openAsCommandLine(ctx, env, &s)
	if err != nil {
		return err
	}
	defer c.Close()
	src, err := c.Intel.EnsureSource(ctx, id, *source, cmp.Or(*label, "AMBER"), nil)
	if err != nil {
		return err
	}
	stop, err := startCPUProfile(*profile)
	if err != nil {
		return err
	}
	defer stop()
	var total intel.Result
	for _, name := range f.Args() {
		if fi, err := os.Stat(name); err == nil && fi.IsDir() {
			res, err := c.Intel.IngestMISPFeedDir(ctx, id, src, name, intel.IngestOptions{TLP: *label, Via: "cli"})
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			reportRejections(env, name, res)
			total.New, total.Updated, total.Rejected = total.New+res.New, total.Updated+res.Updated, total.Rejected+res.Rejected
			total.Duration += res.Duration
			continue
		}
		file, err := os.Open(name)
		if err != nil {
			return err
		}
		report := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
		var size int64
		if fi, err := file.Stat(); err == nil {
			size = fi.Size()
		}
		o := intel.IngestOptions{Format: ingest.Format(*format), TLP: *label, Report: report, Via: "cli", Size: size}
		var pp *progressPrinter
		if tty := isTerminal(env.Stderr); !*quiet && (tty || *showProgress) {
			pp = &progressPrinter{w: env.Stderr, name: name, tty: tty, start: time.Now()}
			o.Progress = pp.update
		}
		res, err := c.Intel.Ingest(ctx, id, src, file, o)
		file.Close()
		pp.done()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		reportRejections(env, name, res)
		total.New, total.Updated, total.Rejected = total.New+res.New, total.Updated+res.Updated, total.Rejected+res.Rejected
		total.Duration += res.Duration
	}
	fmt.Fprintln(env.Stdout, total.Summary())
	return nil
}

// progressPrinter shows a load's progress: on a terminal one line
// rewritten five times a second, elsewhere a line every five seconds (and
// after the first batch).
type progressPrinter struct {
	w           io.Writer
	name        string
	tty         bool
	start, last time.Time
}

func (p *progressPrinter) update(pr intel.Progress) {
	now := time.Now()
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if !p.last.IsZero() && now.Sub(p.last) < every {
		return
	}
	p.last = now
	n := pr.New + pr.Updated + pr.Rejected
	line := p.name + ": "
	if pr.RunID != "" {
		line = p.name + " (run " + pr.RunID + "): "
	}
	if pr.Size > 0 {
		line += fmt.Sprintf("%.0f%% read, ", 100*float64(pr.Read)/float64(pr.Size))
	}
	line += fmt.Sprintf("%d indicators (new %d, updated %d, rejected %d), %.0f/s", n, pr.New, pr.Updated, pr.Rejected,
		float64(n)/max(now.Sub(p.start).Seconds(), 1e-3))
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// done clears a terminal's progress line before the summary.
func (p *progressPrinter) done() {
	if p != nil && p.tty && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// reportRejections lists a file's rejected lines on standard error.
func reportRejections(env Env, name string, res intel.Result) {
	for _, e := range res.Errors {
		fmt.Fprintf(env.Stderr, "%s:%d: %s\n", name, e.Line, e.Message)
	}
	if res.Rejected > len(res.Errors) {
		fmt.Fprintf(env.Stderr, "%s: and %d more rejected lines\n", name, res.Rejected-len(res.Errors))
	}
}
