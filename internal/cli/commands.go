package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/demo"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

func runServe(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "serve", "serve [flags]")
	var s storeFlags
	s.add(f)
	addr := f.String("addr", "127.0.0.1:8080", "address to listen on")
	demoData := f.Bool("demo", false, "load the demo dataset (once; safe to repeat)")
	tlsCert := f.String("tls-cert", "", "TLS certificate (PEM) to serve HTTPS and HTTP/2")
	tlsKey := f.String("tls-key", "", "TLS private key (PEM)")
	baseURL := f.String("base-url", "", "public URL of this server, for links in e-mail (default: from --addr)")
	center := f.String("center-name", "CERT Coordination Center", "name of the coordination center, shown on every page")
	smtpURL := f.String("smtp-url", "", "SMTP relay, smtp://user:password@host:587?tls=starttls (default: write mail to DATA/outbox)")
	mailFrom := f.String("mail-from", "", "sender address of outgoing mail")
	smtpListen := f.String("smtp-listen", "", "receive reports and replies by e-mail: address of the inbound SMTP listener, e.g. :25 (default: off)")
	reportAddr := f.String("report-address", "", "the address reports are e-mailed to, e.g. report@cert.example (accepted by --smtp-listen; Reply-To of mail to reporters)")
	incidentAddr := f.String("incident-address", "", "the address incidents are reported to by e-mail, e.g. incident@cert.example (accepted by --smtp-listen; optional)")
	flowListen := f.String("flow-listen", "", "collect NetFlow v9 and IPFIX from gateways' exporters: UDP address, e.g. :2055 (default: off)")
	proxies := f.String("trusted-proxies", "", "comma-separated proxies whose X-Forwarded-For is believed")
	metricsAllow := f.String("metrics-allow", "", "comma-separated networks that may read /metrics (default: loopback and private)")
	workers := f.Int("workers", 4, "background jobs run at once")
	webhookPrivate := f.Bool("webhook-allow-private", false, "let webhooks, pulled intelligence feeds and federation peers (links, CSAF providers) reach private and loopback addresses (default: public addresses only)")
	adminPassword := f.String("admin-password", "", "password for the first admin (default: generated and printed once)")
	heartbeat := f.Duration("intel-heartbeat", 10*time.Second, "how often a node loading intelligence says so; a load not heard of for six of these is interrupted, and may be resumed")
	retention := f.Int("intel-retention-days", 90, "days ingest runs and TAXII status resources are kept before the intel.prune job forgets them")
	hygResolvers := f.String("hygiene-resolvers", "", "comma-separated resolvers (host:port) hygiene checks ask, each in the resolution check (default: /etc/resolv.conf's)")
	hygWorkers := f.Int("hygiene-workers", 2, "organisations' hygiene checks run at once on this node")
	hygRate := f.Float64("hygiene-rate", 5, "connections a second one organisation's hygiene checks open to its hosts")
	hygDays := f.Int("hygiene-interval-days", 7, "days between two scheduled hygiene checks of an organisation")
	hygNotify := f.String("hygiene-notify", "high", "least severity of a new hygiene finding mailed in the digest: low, medium, high or critical")
	if err := f.parse(args); err != nil {
		return err
	}
	if *hygWorkers < 1 || *hygWorkers > 64 || *hygRate <= 0 || *hygRate > 1000 || *hygDays < 1 || *hygDays > 365 {
		return usageError{"--hygiene-workers is 1 to 64, --hygiene-rate above 0 and at most 1000, --hygiene-interval-days 1 to 365"}
	}
	if !slices.Contains([]string{"low", "medium", "high", "critical"}, *hygNotify) {
		return usageError{"--hygiene-notify is low, medium, high or critical"}
	}
	if *heartbeat < 100*time.Millisecond || *heartbeat > 10*time.Minute {
		return usageError{"--intel-heartbeat is 100ms to 10m"}
	}
	if *retention < 1 || *retention > 3650 {
		return usageError{"--intel-retention-days is 1 to 3650"}
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return usageError{"--tls-cert and --tls-key go together"}
	}
	cfg, err := s.config(env)
	if err != nil {
		return err
	}
	cfg.Addr, cfg.Demo, cfg.TLSCert, cfg.TLSKey, cfg.BaseURL, cfg.CenterName = *addr, *demoData, *tlsCert, *tlsKey, *baseURL, *center
	cfg.SMTPURL, cfg.MailFrom, cfg.TrustedProxies, cfg.MetricsAllow, cfg.Workers = *smtpURL, *mailFrom, *proxies, *metricsAllow, *workers
	cfg.AdminPassword, cfg.WebhookAllowPrivate = *adminPassword, *webhookPrivate
	cfg.SMTPListen, cfg.ReportAddress, cfg.IncidentAddress = *smtpListen, *reportAddr, *incidentAddr
	cfg.FlowListen = *flowListen
	cfg.IntelRetention = time.Duration(*retention) * 24 * time.Hour
	cfg.IntelHeartbeat = *heartbeat
	cfg.Hygiene = app.HygieneConfig{Workers: *hygWorkers, Rate: *hygRate, Interval: time.Duration(*hygDays) * 24 * time.Hour, NotifyAt: *hygNotify}
	for _, r := range strings.Split(*hygResolvers, ",") {
		if r = strings.TrimSpace(r); r != "" {
			if _, _, err := net.SplitHostPort(r); err != nil {
				r = net.JoinHostPort(r, "53")
			}
			cfg.Hygiene.Resolvers = append(cfg.Hygiene.Resolvers, r)
		}
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	pw, err := a.EnsureAdmin(ctx)
	if err != nil {
		a.Core.Close()
		return err
	}
	if *demoData {
		if err := demo.Load(ctx, a.Core); err != nil {
			a.Core.Close()
			return fmt.Errorf("demo dataset: %w", err)
		}
	}
	if err := a.Start(ctx); err != nil {
		a.Core.Close()
		return err
	}
	fmt.Fprintf(env.Stdout, "certhub is running at %s\n", a.URL())
	if pw != "" {
		if *adminPassword != "" {
			fmt.Fprintf(env.Stdout, "Sign in as admin@localhost with the password from --admin-password / CERTHUB_ADMIN_PASSWORD.\n")
		} else {
			fmt.Fprintf(env.Stdout, "First start: sign in as admin@localhost with password %s\n(shown once; change it under Your account)\n", pw)
		}
	}
	if *demoData {
		fmt.Fprintf(env.Stdout, "Demo users (password %q): %s\n", demo.Password, strings.Join(demo.UserEmails(), ", "))
	}
	// Until a signal, or a listener failing: then stop everything in order
	// and exit non-zero, so a supervisor restarts the process.
	failed := a.Wait(ctx)
	shutdown, cancel := context.WithTimeout(context.Background(), app.ShutdownTimeout)
	defer cancel()
	return errors.Join(failed, a.Close(shutdown))
}

func runMigrate(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "migrate", "migrate [--data DIR] [--db DSN]")
	var s storeFlags
	s.add(f)
	if err := f.parse(args); err != nil {
		return err
	}
	cfg, err := s.config(env)
	if err != nil {
		return err
	}
	cfg.NoBackground, cfg.Migrate = true, true
	c, err := app.OpenCore(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(env.Stdout, "the %s database is up to date\n", c.DB.Engine())
	return nil
}

func runAudit(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(env.Stdout, "Usage: certhub audit verify [--data DIR] [--db DSN]\n\nChecks every row of the audit log against its hash chain (the log is written in 16 chains, lanes, so that writers on several nodes need not wait for one another); exits 1 naming the first bad row and its lane. The newest hash printed covers every lane's head: keep it elsewhere to detect a rewrite of the whole log.")
			return nil
		}
		return usageError{"usage: certhub audit verify [--data DIR] [--db DSN]"}
	}
	f := newFlags(env, "audit verify", "audit verify [--data DIR] [--db DSN]")
	var s storeFlags
	s.add(f)
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	c, err := openCore(ctx, env, &s)
	if err != nil {
		return err
	}
	defer c.Close()
	rep, err := audit.Verify(ctx, c.DB)
	if err != nil {
		return err
	}
	if rep.Problem != nil {
		return fmt.Errorf("the audit log is broken at row %d of lane %d: %s", rep.Problem.Seq, rep.Problem.Lane, rep.Problem.Reason)
	}
	fmt.Fprintf(env.Stdout, "audit log intact: %d rows, newest hash %s\n", rep.Rows, rep.HeadHash)
	return nil
}

// readPassword takes a password from stdin (first line) when asked to.
func readPassword(env Env, fromStdin bool) (string, bool, error) {
	if !fromStdin {
		return auth.GeneratePassword(), true, nil
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, err
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}

// explain turns a validation error into lines a terminal user can act on.
func explain(err error) error {
	e := errs.As(err)
	if e == nil || len(e.Fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	return errors.New(b.String())
}

func runUser(ctx context.Context, env Env, args []string) error {
	usage := "user create --email E --name N [--platform-role admin|coordinator] [--password-stdin] [--invite]\n" +
		"       certhub user passwd --email E [--password-stdin]\n" +
		"       certhub user disable|enable|unlock|reset-totp --email E"
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(env.Stdout, "Usage: certhub %s\n", usage)
		if len(args) == 0 {
			return usageError{"name a subcommand"}
		}
		return nil
	}
	sub := args[0]
	f := newFlags(env, "user "+sub, usage)
	var s storeFlags
	s.add(f)
	email := f.String("email", "", "the user's e-mail address")
	name := f.String("name", "", "full name (create)")
	role := f.String("platform-role", "", "platform role for create: admin or coordinator (default none)")
	stdin := f.Bool("password-stdin", false, "read the password from the first line of standard input (default: generate one)")
	invite := f.Bool("invite", false, "e-mail an invitation to choose a password instead of setting one (create)")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	if *email == "" {
		return usageError{"--email is required"}
	}
	c, err := openCore(ctx, env, &s)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx = auth.WithIdentity(ctx, auth.System("command line"))
	sys := auth.System("command line")
	switch sub {
	case "create":
		in := auth.NewUser{Email: *email, Name: *name, PlatformRole: auth.PlatformRole(*role), Invite: *invite}
		generated := false
		if !*invite {
			if in.Password, generated, err = readPassword(env, *stdin); err != nil {
				return err
			}
		}
		u, err := c.Accounts.Create(ctx, sys, in)
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(env.Stdout, "created %s (%s)\n", u.Email, u.ID)
		if generated {
			fmt.Fprintf(env.Stdout, "password: %s\n", in.Password)
		}
		if *invite {
			fmt.Fprintf(env.Stdout, "an invitation was queued; the server sends it\n")
		}
		return nil
	case "passwd":
		u, err := c.Auth.UserByEmail(ctx, *email)
		if err != nil {
			return err
		}
		pw, generated, err := readPassword(env, *stdin)
		if err != nil {
			return err
		}
		if err := c.Auth.SetPassword(ctx, u.ID, pw, nil); err != nil {
			return explain(err)
		}
		fmt.Fprintf(env.Stdout, "set the password of %s; their sessions were ended\n", u.Email)
		if generated {
			fmt.Fprintf(env.Stdout, "password: %s\n", pw)
		}
		return nil
	case "disable", "enable":
		u, err := c.Auth.UserByEmail(ctx, *email)
		if err != nil {
			return err
		}
		v := sub == "disable"
		if _, err := c.Accounts.Update(ctx, sys, u.ID, auth.UserChanges{Disabled: &v}); err != nil {
			return explain(err)
		}
		fmt.Fprintf(env.Stdout, "%sd %s\n", sub, u.Email)
		return nil
	case "unlock":
		u, err := c.Auth.UserByEmail(ctx, *email)
		if err != nil {
			return err
		}
		if err := c.Accounts.Unlock(ctx, sys, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "unlocked %s\n", u.Email)
		return nil
	case "reset-totp":
		u, err := c.Auth.UserByEmail(ctx, *email)
		if err != nil {
			return err
		}
		if err := c.Accounts.ResetTOTP(ctx, sys, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "turned off two-factor sign-in for %s\n", u.Email)
		return nil
	}
	return usageError{fmt.Sprintf("unknown subcommand %q; use create, passwd, disable, enable, unlock or reset-totp", sub)}
}

func runToken(ctx context.Context, env Env, args []string) error {
	usage := "token create --email E --name N [--scope read,write] [--expires-in-days D]\n\nPrints the new token, and nothing else, on standard output."
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(env.Stdout, "Usage: certhub %s\n", usage)
		if len(args) == 0 {
			return usageError{"name a subcommand: create"}
		}
		return nil
	}
	if args[0] != "create" {
		return usageError{fmt.Sprintf("unknown subcommand %q; use create", args[0])}
	}
	f := newFlags(env, "token create", usage)
	var s storeFlags
	s.add(f)
	email := f.String("email", "", "whose token")
	name := f.String("name", "", "what the token is for")
	scope := f.String("scope", "read,write", "comma-separated scopes: read, write, admin")
	days := f.Int("expires-in-days", 0, "days until the token expires (0: never)")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return usageError{"--email and --name are required"}
	}
	if *days < 0 {
		return usageError{"--expires-in-days must not be negative"}
	}
	c, err := openCore(ctx, env, &s)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx = auth.WithIdentity(ctx, auth.System("command line"))
	u, err := c.Auth.UserByEmail(ctx, *email)
	if err != nil {
		return err
	}
	in := auth.NewToken{Name: *name}
	for _, sc := range strings.Split(*scope, ",") {
		if sc = strings.TrimSpace(sc); sc != "" {
			in.Scopes = append(in.Scopes, auth.Scope(sc))
		}
	}
	if *days > 0 {
		t := c.Now().Add(time.Duration(*days) * 24 * time.Hour)
		in.ExpiresAt = &t
	}
	_, raw, err := c.Auth.CreateToken(ctx, auth.System("command line"), u.ID, in)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintln(env.Stdout, raw)
	return nil
}
