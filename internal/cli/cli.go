package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/platform/auth"
)

// Version is set at build time with -ldflags "-X github.com/certhub/certhub/internal/cli.Version=…".
var Version = "dev"

// Env is the process environment, replaceable in tests.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the server: website, console, API and background jobs", runServe},
		{"migrate", "apply pending database migrations and exit", runMigrate},
		{"user", "create users, set passwords, disable, unlock (see certhub user --help)", runUser},
		{"token", "create an API token for a user", runToken},
		{"cvss", "score CVSS 3.0/3.1/4.0 vectors", runCVSS},
		{"ssvc", "look up SSVC decision tables (coordinator triage, publication, …)", runSSVC},
		{"csaf", "validate CSAF 2.0 documents (schema, mandatory tests, file name)", runCSAF},
		{"ingest", "load threat-intelligence indicators from files (list, CSV, Shadowserver, STIX, MISP)", runIngest},
		{"bench", "measure the threat-intelligence hot paths on this machine against their targets", runBench},
		{"warninglist", "manage the warninglists of known-benign values (list, load MISP lists, switch, check)", runWarninglist},
		{"asn", "manage the AS table that enriches and routes addresses (load a pfx2as dump, show, look up)", runASN},
		{"osv", "load OSV records that procurement's SBOM checks match components against (files, directories, zip archives)", runOSV},
		{"common-criteria", "recognise the Common Criteria portal's certified products on the approved-products list (import its CSV)", runCommonCriteria},
		{"audit", "verify the audit log's hash chain", runAudit},
		{"backup", "write a complete backup (database, server key, attachments) to a new directory", runBackup},
		{"restore", "restore a backup into a new data directory (and empty PostgreSQL database)", runRestore},
		{"version", "print the version", runVersion},
	}
}

// usageError is a mistake in how a command was called: print usage, exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		topUsage(env.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(env.Stderr, "certhub %s: %s\n", c.name, ue.msg)
			return 2
		}
		fmt.Fprintf(env.Stderr, "certhub %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(env.Stderr, "certhub: unknown command %q\n\n", args[0])
	topUsage(env.Stderr)
	return 2
}

func topUsage(w io.Writer) {
	fmt.Fprintf(w, "certhub — the platform of a national CERT coordination center.\n\nUsage: certhub <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nEvery flag can also be set as an environment variable CERTHUB_<FLAG>, e.g. CERTHUB_DATA=/var/lib/certhub.\n"+
		"Run 'certhub <command> --help' for a command's flags.\n")
}

// flags is a FlagSet that also reads CERTHUB_* variables.
type flags struct {
	*flag.FlagSet
	env Env
}

func newFlags(env Env, name, usage string) *flags {
	fs := flag.NewFlagSet("certhub "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: certhub %s\n\n", usage)
		fs.PrintDefaults()
		fmt.Fprintf(env.Stderr, "\nEach flag may instead be set as CERTHUB_<FLAG> in the environment.\n")
	}
	return &flags{FlagSet: fs, env: env}
}

// parse applies the environment first, so flags on the command line win.
func (f *flags) parse(args []string) error {
	var bad []string
	f.VisitAll(func(fl *flag.Flag) {
		name := "CERTHUB_" + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
		if v := f.env.Getenv(name); v != "" {
			if err := fl.Value.Set(v); err != nil {
				bad = append(bad, fmt.Sprintf("%s=%q: %v", name, v, err))
			}
		}
	})
	if len(bad) > 0 {
		sort.Strings(bad)
		return usageError{"bad environment: " + strings.Join(bad, "; ")}
	}
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// storeFlags are the flags of every command that opens the store.
type storeFlags struct {
	data, db, secretKey, logLevel, logFormat, filesS3 string
}

func (s *storeFlags) add(f *flags) {
	f.StringVar(&s.data, "data", "./data", "data directory: the embedded database, the server key, the mail outbox")
	f.StringVar(&s.db, "db", "", "database: empty for SQLite in the data directory, or postgres://user:pass@host/db")
	f.StringVar(&s.secretKey, "secret-key", "", "32-byte server key (hex or base64) sealing stored secrets; default: DATA/secret.key")
	f.StringVar(&s.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.StringVar(&s.logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&s.filesS3, "files-s3", "", "keep attached files in S3-compatible object storage: s3://KEY:SECRET@host[:port]/bucket[/prefix][?region=R&insecure=1] (default: in the database)")
}

func (s *storeFlags) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(s.logLevel)); err != nil {
		return nil, usageError{fmt.Sprintf("--log-level %q: use debug, info, warn or error", s.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch s.logFormat {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, usageError{fmt.Sprintf("--log-format %q: use text or json", s.logFormat)}
}

func (s *storeFlags) config(env Env) (app.Config, error) {
	log, err := s.logger(env.Stderr)
	if err != nil {
		return app.Config{}, err
	}
	return app.Config{DataDir: s.data, DSN: s.db, SecretKey: s.secretKey, FilesS3: s.filesS3, Logger: log, Stdout: env.Stdout}, nil
}

// openCore opens the store for a one-shot command: jobs are enqueued for the
// server to run, never run here.
func openCore(ctx context.Context, env Env, s *storeFlags) (*app.Core, error) {
	cfg, err := s.config(env)
	if err != nil {
		return nil, err
	}
	cfg.NoBackground = true
	return app.OpenCore(ctx, cfg)
}

// openAsCommandLine opens the store for a command that acts as the command
// line itself (the system identity "command line", as the audit log shows
// it): the core, a context carrying that identity, and the identity.
func openAsCommandLine(ctx context.Context, env Env, s *storeFlags) (*app.Core, context.Context, *auth.Identity, error) {
	c, err := openCore(ctx, env, s)
	if err != nil {
		return nil, ctx, nil, err
	}
	id := auth.System("command line")
	return c, auth.WithIdentity(ctx, id), id, nil
}

func runVersion(_ context.Context, env Env, args []string) error {
	f := newFlags(env, "version", "version")
	if err := f.parse(args); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "certhub %s\n", Version)
	return nil
}
