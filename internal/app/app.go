// Package app wires certhub together: configuration → database → services →
// routes, and starts and stops everything. The command line and the tests
// use the same App, so what is tested is what runs.
package app

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/certhub/certhub/internal/account"
	"github.com/certhub/certhub/internal/admin"
	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/coordination"
	"github.com/certhub/certhub/internal/coordination/incident"
	"github.com/certhub/certhub/internal/coordination/thread"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/federation"
	"github.com/certhub/certhub/internal/governance/assessment"
	"github.com/certhub/certhub/internal/governance/council"
	"github.com/certhub/certhub/internal/governance/maturity"
	"github.com/certhub/certhub/internal/governance/reporting"
	"github.com/certhub/certhub/internal/hygiene"
	"github.com/certhub/certhub/internal/hygiene/probe"
	"github.com/certhub/certhub/internal/intel"
	inteldigest "github.com/certhub/certhub/internal/intel/digest"
	"github.com/certhub/certhub/internal/intel/lookup"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/mailin"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/platform/seal"
	"github.com/certhub/certhub/internal/platform/threads"
	"github.com/certhub/certhub/internal/procurement"
	"github.com/certhub/certhub/internal/schema"
	"github.com/certhub/certhub/internal/situation"
	"github.com/certhub/certhub/internal/telemetry"
	"github.com/certhub/certhub/internal/training"
	"github.com/certhub/certhub/internal/vdp"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/web"
)

// Config is everything certhub can be told at start.
type Config struct {
	Addr          string // listen address, e.g. 127.0.0.1:8080
	DataDir       string // data directory (SQLite database, key, outbox)
	DSN           string // postgres://… for PostgreSQL; empty for SQLite in DataDir
	TLSCert       string
	TLSKey        string
	BaseURL       string // public URL for links in e-mail; default from Addr
	CenterName    string // shown on every page and in e-mail
	SMTPURL       string // smtp://user:pass@host:587?tls=starttls; empty writes mail to DataDir/outbox
	MailFrom      string
	SMTPListen    string // address of the inbound SMTP listener for reports by e-mail; empty: off
	FlowListen    string // UDP address of the NetFlow v9 / IPFIX collector for gateway telemetry; empty: off
	ReportAddress string // the address reports are sent to (accepted by the listener, Reply-To of mail to reporters)
	// IncidentAddress is where incidents are reported by e-mail (accepted by
	// the listener); empty: not by e-mail.
	IncidentAddress string
	SecretKey       string // 32 bytes hex/base64; empty uses DataDir/secret.key
	TrustedProxies  string // comma-separated addresses/prefixes whose X-Forwarded-For is believed
	MetricsAllow    string // comma-separated prefixes allowed to read /metrics (default: loopback and private)
	AdminPassword   string // password of the first admin; generated when empty
	Demo            bool   // load the demo dataset (once)
	Workers         int    // background jobs run at once
	// WebhookAllowPrivate lets webhooks, pulled intelligence feeds and federation peers reach
	// private and loopback addresses (an internal SOAR, the center's own
	// sensors); by default they go to public addresses only.
	WebhookAllowPrivate bool
	// IntelRetention is how long ingest runs and TAXII status resources
	// are kept; 0: intel.DefaultRetention.
	IntelRetention time.Duration
	// IntelHeartbeat is how often a node loading intelligence says so; a
	// load not heard of for six of them is interrupted (0: 10 s).
	IntelHeartbeat time.Duration
	// FilesS3, when set, is the S3-compatible bucket that keeps the bytes
	// of attached files (files.OpenObjects); empty: the database.
	FilesS3 string
	// Hygiene tunes the hygiene checks: the resolvers names are asked of
	// (the system's when empty), how many organisations' checks run at
	// once on this node (default 2), how many connections a second one
	// organisation's checks open (default 5), how often each organisation
	// is checked (default a week) and the least severity of a finding
	// mailed in the digest (default high).
	Hygiene HygieneConfig

	// For tests: an injected clock and a faster job poll.
	Now          func() time.Time
	JobPoll      time.Duration
	Logger       *slog.Logger
	Stdout       io.Writer // where the first admin's password is printed
	NoBackground bool      // enqueue jobs but do not run them (command-line tools)
	// Migrate applies pending migrations on open (serve and migrate);
	// without it the database must already be at this binary's schema.
	Migrate bool
}

// HygieneConfig is Config.Hygiene.
type HygieneConfig struct {
	Resolvers []string
	Workers   int
	Rate      float64
	Interval  time.Duration
	NotifyAt  string
	// Probe replaces the prober's options whole (tests point it at a
	// loopback internet); Resolvers and Rate are ignored then.
	Probe *probe.Options
}

// Core is the store and the services, without HTTP: what the command line
// needs to act on the data directory while a server may be running.
type Core struct {
	Cfg   Config
	Log   *slog.Logger
	Now   func() time.Time
	DB    *db.DB
	Key   *seal.Key
	Queue *jobs.Queue
	// Files keeps the files people attach, in the database.
	Files     *files.Store
	Mailer    *notify.Mailer
	Webhooks  *notify.Webhooks
	Auth      *auth.Service
	Directory *directory.Service
	Accounts  *account.Service
	Admin     *admin.Service
	VDP       *vdp.Service
	Advisory  *advisory.Service
	Intel     *intel.Service
	// Procurement is procurement security testing: the accredited labs.
	Procurement *procurement.Service
	// Coordination is the hub's work between organisations: alerts that
	// must be acknowledged.
	Coordination *coordination.Service
	Incidents    *incident.Service
	Threads      *thread.Service
	// Training is capacity building: courses, sessions, enrolments and
	// the certificates of completion.
	Training *training.Service
	// Council is the CERT Council: members, meetings, decisions, actions.
	Council *council.Service
	// Reporting is the CERTs' periodic reports to the National CERT.
	Reporting *reporting.Service
	// Assessments are the assessments of constituents against control
	// baselines, with their remediation plans.
	Assessments *assessment.Service
	// Hygiene is the constituents' cyber hygiene: scheduled checks,
	// findings, scores.
	Hygiene *hygiene.Service
	// Telemetry is the constituents' gateway traffic and its anomalies.
	Telemetry *telemetry.Service
	// Situation is the national picture, over every domain.
	Situation *situation.Service
	// Maturity is each CERT's SIM3 maturity: self-assessments, peer
	// reviews, the history of levels.
	Maturity *maturity.Service
	// Federation is the links with other certhub instances.
	Federation *federation.Service
	// IntelDigests mails each constituent what was routed to it.
	IntelDigests *inteldigest.Sender
	CenterKey    *pgp.CenterKey
}

// OpenCore opens the store, applies migrations and builds the services.
func OpenCore(ctx context.Context, cfg Config) (*Core, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	}
	if cfg.CenterName == "" {
		cfg.CenterName = "CERT Coordination Center"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "data"
	}
	if cfg.MailFrom == "" {
		cfg.MailFrom = cfg.CenterName + " <noreply@localhost>"
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	cfg.ReportAddress = strings.ToLower(strings.TrimSpace(cfg.ReportAddress))
	if cfg.ReportAddress != "" && !notify.ValidAddress(cfg.ReportAddress) {
		return nil, fmt.Errorf("the report address %q is not an e-mail address", cfg.ReportAddress)
	}
	cfg.IncidentAddress = strings.ToLower(strings.TrimSpace(cfg.IncidentAddress))
	if cfg.IncidentAddress != "" && (!notify.ValidAddress(cfg.IncidentAddress) || cfg.IncidentAddress == cfg.ReportAddress) {
		return nil, fmt.Errorf("the incident address %q is not an e-mail address of its own", cfg.IncidentAddress)
	}
	if cfg.SMTPListen != "" && cfg.ReportAddress == "" {
		return nil, errors.New("receiving reports by e-mail (--smtp-listen) needs the address they are sent to (--report-address)")
	}
	c := &Core{Cfg: cfg, Log: cfg.Logger, Now: cfg.Now}
	if cfg.DSN == "" && !cfg.Migrate {
		// Opening SQLite makes the file: a tool that must not create a
		// database says there is none instead.
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "certhub.db")); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("there is no certhub database in %s: create it with certhub migrate --data %s (or certhub serve), or point --data at the data directory",
				cfg.DataDir, cfg.DataDir)
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	var err error
	if c.DB, err = db.Open(ctx, db.Options{DSN: cfg.DSN, DataDir: cfg.DataDir, Logger: cfg.Logger}); err != nil {
		return nil, err
	}
	fail := func(err error) (*Core, error) { c.DB.Close(); return nil, err }
	check := schema.Check
	if cfg.Migrate {
		check = schema.Migrate
	}
	if err := check(ctx, c.DB); err != nil {
		return fail(err)
	}
	key, created, err := seal.LoadOrCreate(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		return fail(err)
	}
	if created {
		c.Log.Info("created a new server key", "file", filepath.Join(cfg.DataDir, "secret.key"))
		if c.DB.Engine() == db.Postgres {
			c.Log.Warn("with PostgreSQL every node needs the same key: set CERTHUB_SECRET_KEY on all of them")
		}
	}
	c.Key = key
	if c.Queue, err = jobs.New(c.DB, jobs.Options{Work: !cfg.NoBackground, Workers: cfg.Workers, PollInterval: cfg.JobPoll, Logger: cfg.Logger,
		Queues: map[string]int{hygiene.Queue: cmp.Or(cfg.Hygiene.Workers, 2)}}); err != nil {
		return fail(err)
	}
	if c.Mailer, err = notify.NewMailer(notify.MailConfig{URL: cfg.SMTPURL, From: cfg.MailFrom, OutboxDir: filepath.Join(cfg.DataDir, "outbox")}, key, cfg.Logger); err != nil {
		return fail(err)
	}
	jobs.AddWorker(c.Queue, c.Mailer)
	c.Webhooks = notify.NewWebhooks(c.DB, c.Queue, key, cfg.Now, cfg.WebhookAllowPrivate, cfg.Logger)
	c.Auth = auth.NewService(auth.Options{DB: c.DB, Outbox: notify.NewOutbox(c.Queue, key), Key: key, Now: cfg.Now, Log: cfg.Logger,
		BaseURL: c.baseURL(""), Issuer: cfg.CenterName})
	c.Directory = directory.NewService(c.DB, c.Auth, c.Webhooks, cfg.Now, cfg.Logger)
	c.Accounts = account.NewService(c.Auth, c.Directory)
	c.Admin = admin.NewService(c.DB, c.Queue, cfg.Now)
	keyAddr := cfg.ReportAddress
	if keyAddr == "" {
		keyAddr = "security@localhost"
	}
	if c.CenterKey, err = pgp.LoadOrCreateCenterKey(ctx, c.DB, key, cfg.CenterName, keyAddr, cfg.Now()); err != nil {
		return fail(err)
	}
	c.Files = files.NewStore(c.DB, cfg.DataDir)
	if cfg.FilesS3 != "" {
		objects, err := files.OpenObjects(ctx, cfg.FilesS3)
		if err != nil {
			return fail(err)
		}
		c.Files.UseObjects(objects)
	}
	if n, err := c.Files.Import(ctx); err != nil {
		return fail(fmt.Errorf("moving the attachments of %s into the database: %w", filepath.Join(cfg.DataDir, "attachments"), err))
	} else if n > 0 {
		c.Log.Info("moved attachments into the database; the folder may be removed once backed up", "files", n,
			"folder", filepath.Join(cfg.DataDir, "attachments"))
	}
	c.VDP = vdp.NewService(vdp.Options{DB: c.DB, Orgs: c.Directory, People: c.Auth, Outbox: notify.NewOutbox(c.Queue, key), CenterKey: c.CenterKey,
		Now: cfg.Now, Log: cfg.Logger, BaseURL: c.baseURL(""), Files: c.Files, CenterName: cfg.CenterName,
		ReportAddress: cfg.ReportAddress})
	c.VDP.Register(c.Queue)
	c.Advisory = advisory.NewService(advisory.Options{DB: c.DB, Cases: c.VDP, Orgs: c.Directory, People: c.Auth, Queue: c.Queue,
		Outbox: notify.NewOutbox(c.Queue, key), CenterKey: c.CenterKey, Now: cfg.Now, Log: cfg.Logger, BaseURL: c.baseURL(""),
		CenterName: cfg.CenterName, Contact: cfg.ReportAddress})
	c.Advisory.Register(c.Queue)
	c.Intel = intel.NewService(intel.Options{DB: c.DB, Now: cfg.Now, Log: cfg.Logger,
		CenterName: cfg.CenterName, Key: key, AllowPrivate: cfg.WebhookAllowPrivate,
		Heartbeat: cfg.IntelHeartbeat, Related: c.relatedToCVE, People: c.Auth,
		Directory: c.Directory, Retention: cfg.IntelRetention, Records: actorRecords{c}})
	c.Intel.Register(c.Queue)
	c.DB.Watch(directory.Topic, c.Intel.ForgetDirectory)
	c.IntelDigests = inteldigest.New(inteldigest.Options{DB: c.DB, Origins: c.Intel, Directory: c.Directory,
		Outbox: notify.NewOutbox(c.Queue, key), CenterName: cfg.CenterName, BaseURL: c.baseURL(""), Now: cfg.Now, Log: cfg.Logger})
	c.IntelDigests.Register(c.Queue)
	c.Procurement = procurement.NewService(procurement.Options{DB: c.DB, Orgs: c.Directory, Outbox: notify.NewOutbox(c.Queue, key),
		News: procurementNews{advisories: c.Advisory, cases: c.VDP}, Guidelines: procurementGuidelines{advisories: c.Advisory}, Now: cfg.Now,
		BaseURL: c.baseURL(""), Center: cfg.ReportAddress})
	c.Procurement.Register(c.Queue)
	c.Coordination = coordination.NewService(coordination.Options{DB: c.DB, Orgs: c.Directory,
		Publications: coordinationPublications{advisories: c.Advisory}, Outbox: notify.NewOutbox(c.Queue, key), Now: cfg.Now,
		BaseURL: c.baseURL(""), CenterName: cfg.CenterName})
	c.Coordination.Register(c.Queue)
	c.Incidents = incident.NewService(incident.Options{DB: c.DB, Orgs: c.Directory, Routes: incidentRoutes{vdp: c.VDP},
		Indicators: incidentIndicators{intel: c.Intel}, Outbox: notify.NewOutbox(c.Queue, key), Files: c.Files, Now: cfg.Now, Log: cfg.Logger,
		BaseURL: c.baseURL(""), CenterName: cfg.CenterName})
	c.Incidents.Register(c.Queue)
	c.Threads = thread.NewService(thread.Options{DB: c.DB, Files: c.Files, Orgs: c.Directory, People: c.Auth, Outbox: notify.NewOutbox(c.Queue, key),
		Signer: c.CenterKey, Now: cfg.Now, BaseURL: c.baseURL(""), CenterName: cfg.CenterName, ReplyDomain: replyDomain(cfg)})
	c.Training = training.NewService(training.Options{DB: c.DB, Orgs: c.Directory, Outbox: notify.NewOutbox(c.Queue, key), Signer: c.CenterKey,
		Now: cfg.Now, Log: cfg.Logger, BaseURL: c.baseURL(""), CenterName: cfg.CenterName})
	c.Council = council.NewService(council.Options{DB: c.DB, Orgs: c.Directory, Records: councilRecords{c: c}, Outbox: notify.NewOutbox(c.Queue, key),
		Files: c.Files,
		Now:   cfg.Now, Log: cfg.Logger, BaseURL: c.baseURL(""), CenterName: cfg.CenterName, Organizer: cfg.ReportAddress})
	c.Council.Register(c.Queue)
	c.Reporting = reporting.NewService(reporting.Options{DB: c.DB, Orgs: c.Directory, Records: reportRecords{c: c}, Outbox: notify.NewOutbox(c.Queue, key),
		Now: cfg.Now, Log: cfg.Logger, BaseURL: c.baseURL(""), CenterName: cfg.CenterName})
	c.Assessments = assessment.NewService(assessment.Options{DB: c.DB, Orgs: c.Directory, Labs: assessmentLabs{p: c.Procurement},
		Outbox: notify.NewOutbox(c.Queue, key), Now: cfg.Now, Log: cfg.Logger, BaseURL: c.baseURL(""), CenterName: cfg.CenterName})
	c.Assessments.Register(c.Queue)
	c.Maturity = maturity.NewService(maturity.Options{DB: c.DB, Orgs: c.Directory, Records: maturityRecords{c: c}, Outbox: notify.NewOutbox(c.Queue, key),
		Now: cfg.Now, Log: cfg.Logger, BaseURL: c.baseURL(""), CenterName: cfg.CenterName})
	c.Hygiene = hygiene.NewService(hygiene.Options{DB: c.DB, Orgs: c.Directory, Outbox: notify.NewOutbox(c.Queue, key), Probe: hygieneProbe(cfg.Hygiene, c),
		Interval: cfg.Hygiene.Interval, NotifyAt: probe.Severity(cfg.Hygiene.NotifyAt), Now: cfg.Now, Log: cfg.Logger, BaseURL: c.baseURL(""),
		CenterName: cfg.CenterName})
	c.Hygiene.Register(c.Queue)
	c.Telemetry = telemetry.NewService(telemetry.Options{DB: c.DB, Orgs: c.Directory, Indicators: telemetryIndicators{intel: c.Intel},
		Outbox: notify.NewOutbox(c.Queue, key), Now: cfg.Now, Log: cfg.Logger, BaseURL: c.baseURL(""), CenterName: cfg.CenterName})
	c.Telemetry.Register(c.Queue)
	c.Auth.AllowForeignTokens(telemetry.TokenPrefix)
	c.Situation = situation.NewService(c.DB, situationSources{c: c}, cfg.Now)
	c.Federation = federation.NewService(federation.Options{DB: c.DB, Orgs: c.Directory, Accounts: c.Auth,
		Intel: federationIntel{intel: c.Intel, auth: c.Auth}, Incidents: federationIncidents{incidents: c.Incidents},
		Reports: federationReports{vdp: c.VDP}, Key: c.CenterKey, PublicKey: c.CenterKey.Public, Fingerprint: c.CenterKey.Fingerprint,
		CenterName: cfg.CenterName, BaseURL: c.baseURL(""), AllowPrivate: cfg.WebhookAllowPrivate, Now: cfg.Now, Log: cfg.Logger})
	c.Federation.Register(c.Queue)
	jobs.AddWorker(c.Queue, &cleanupWorker{auth: c.Auth, db: c.DB, now: cfg.Now, log: cfg.Logger})
	c.Queue.Every("auth.cleanup", time.Hour, func() jobs.Args { return cleanupArgs{} })
	return c, nil
}

// baseURL is the configured public URL, or one made from the listen address.
func (c *Core) baseURL(listening string) string {
	if c.Cfg.BaseURL != "" {
		return strings.TrimRight(c.Cfg.BaseURL, "/")
	}
	addr := c.Cfg.Addr
	if listening != "" {
		addr = listening
	}
	scheme := "http"
	if c.Cfg.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + addr
}

// Close releases the store.
func (c *Core) Close() error {
	return c.DB.Close()
}

// relatedToCVE finds the cases and publications that name a CVE ID, as id
// may see them: the observable page's links from threat intelligence to
// the disclosure program.
func (c *Core) relatedToCVE(ctx context.Context, id *auth.Identity, cve string) ([]lookup.Link, error) {
	out := []lookup.Link{}
	cases, _, err := c.VDP.ListCases(ctx, id, model.CaseFilter{CVE: cve, Limit: 20})
	if err != nil && errs.KindOf(err) != errs.KindForbidden && errs.KindOf(err) != errs.KindUnauthenticated {
		return nil, err
	}
	for _, k := range cases {
		out = append(out, lookup.Link{Kind: "case", Title: k.Title, Label: k.Number, URL: "/console/cases/" + k.ID})
	}
	pubs, err := c.Advisory.Publications(ctx, id, advisory.PublicFilter{CVE: cve, Page: 1})
	if err != nil {
		return nil, err
	}
	for _, p := range pubs.Items {
		out = append(out, lookup.Link{Kind: "advisory", Title: p.Content.Title, Label: p.TrackingID, URL: "/advisories/" + p.TrackingID})
	}
	return out, nil
}

// EnsureAdmin creates the first administrator when there is no user at all,
// and returns the password it was given ("" when nothing was created).
func (c *Core) EnsureAdmin(ctx context.Context) (string, error) {
	n, err := c.Auth.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	pw := c.Cfg.AdminPassword
	if pw == "" {
		pw = auth.GeneratePassword()
	}
	ctx = auth.WithIdentity(ctx, auth.System("first start"))
	if _, err := c.Auth.CreateUser(ctx, auth.NewUser{Email: "admin@localhost", Name: "Administrator",
		PlatformRole: auth.PlatformAdmin, Password: pw}); err != nil {
		return "", fmt.Errorf("create the first admin: %w", err)
	}
	return pw, nil
}

type cleanupArgs struct{}

func (cleanupArgs) Kind() string { return "auth.cleanup" }

type cleanupWorker struct {
	jobs.WorkerDefaults[cleanupArgs]
	auth *auth.Service
	db   *db.DB
	now  func() time.Time
	log  *slog.Logger
}

func (w *cleanupWorker) Work(ctx context.Context, _ *jobs.Job[cleanupArgs]) error {
	n, err := w.auth.CleanSessions(ctx)
	if err == nil && n > 0 {
		w.log.Info("removed expired sessions", "count", n)
	}
	if err != nil {
		return err
	}
	_, err = mailin.Forget(ctx, w.db, w.now())
	return err
}

// App is the running server: Core plus HTTP.
type App struct {
	*Core
	Router   *httpx.Router
	Sessions *scs.SessionManager
	Renderer *web.Renderer
	Metrics  *prometheus.Registry
	server   *http.Server
	listener net.Listener
	mail     *mailin.Server
	mailLn   net.Listener
	// flows is the flow collector (nil when off), stopped by stopFlows.
	flows     *telemetry.Collector
	flowConn  net.PacketConn
	stopFlows context.CancelFunc
	handler   http.Handler
	// failed receives the first listener (HTTP or inbound mail) that stops
	// on its own; Wait returns it.
	failed chan error
}

// New builds the server on a Core (opened here).
func New(ctx context.Context, cfg Config) (*App, error) {
	cfg.Migrate = true // the server brings its database up to date
	core, err := OpenCore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{Core: core, Router: httpx.NewRouter(), Metrics: prometheus.NewRegistry(), failed: make(chan error, 2)}
	if err := a.routes(); err != nil {
		core.Close()
		return nil, err
	}
	return a, nil
}

// Handler is the whole HTTP stack (for httptest).
func (a *App) Handler() http.Handler { return a.handler }

// Start listens and serves in the background, and starts the job workers.
func (a *App) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Cfg.Addr, err)
	}
	a.listener = ln
	if a.Cfg.BaseURL == "" {
		// Links in e-mail point at the address actually listened on (":0" in tests).
		a.Auth.SetBaseURL(a.baseURL(ln.Addr().String()))
		a.VDP.SetBaseURL(a.baseURL(ln.Addr().String()))
		a.Advisory.SetBaseURL(a.baseURL(ln.Addr().String()))
		a.Federation.SetBaseURL(a.baseURL(ln.Addr().String()))
	}
	a.server = &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      10 * time.Minute, // large exports stream for a while
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if a.Cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(a.Cfg.TLSCert, a.Cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("TLS certificate: %w", err)
		}
		a.server.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
		ln = tls.NewListener(ln, a.server.TLSConfig)
	}
	// The mail listener reads the TLS settings, so it starts before Serve
	// (which adjusts them for HTTP/2).
	if a.Cfg.SMTPListen != "" {
		if err := a.startMail(); err != nil {
			ln.Close()
			return err
		}
	}
	if a.Cfg.FlowListen != "" {
		conn, err := net.ListenPacket("udp", a.Cfg.FlowListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen for flows on %s: %w", a.Cfg.FlowListen, err)
		}
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		a.flows, a.flowConn, a.stopFlows = a.Telemetry.NewCollector(), conn, cancel
		go func() {
			if err := a.flows.Serve(fctx, conn); err != nil {
				a.failed <- fmt.Errorf("the flow collector on %s stopped: %w", conn.LocalAddr(), err)
			}
		}()
		a.Log.Info("collecting NetFlow v9 and IPFIX", "udp", conn.LocalAddr().String())
	}
	go func() {
		if err := a.server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			a.failed <- fmt.Errorf("the HTTP listener on %s stopped: %w", ln.Addr(), err)
		}
	}()
	if err := a.Queue.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	a.Log.Info("certhub is listening", "url", a.URL(), "database", a.DB.Engine(), "mail", a.Mailer.Describe())
	return nil
}

// URL is where the server answers.
func (a *App) URL() string {
	scheme := "http"
	if a.Cfg.TLSCert != "" {
		scheme = "https"
	}
	if a.listener == nil {
		return scheme + "://" + a.Cfg.Addr
	}
	return scheme + "://" + a.listener.Addr().String()
}

// Wait blocks until ctx ends (nil: a signal asked the server to stop) or
// a listener stops on its own (its error: the process must not keep
// running without it).
func (a *App) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-a.failed:
		a.Log.Error("a listener failed; shutting down", "err", err)
		return err
	}
}

// ShutdownTimeout bounds a graceful shutdown: in-flight requests, running
// jobs and background loads get this long to finish.
const ShutdownTimeout = 30 * time.Second

// Run starts the server and blocks until ctx ends or a listener fails,
// then shuts down within ShutdownTimeout.
func (a *App) Run(ctx context.Context) error {
	if err := a.Start(ctx); err != nil {
		return err
	}
	err := a.Wait(ctx)
	shutdown, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	return errors.Join(err, a.Close(shutdown))
}

// startMail runs the inbound SMTP listener that takes reports by e-mail.
func (a *App) startMail() error {
	var tlsCfg *tls.Config
	if a.server.TLSConfig != nil {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: a.server.TLSConfig.Certificates}
	}
	recipients := []string{a.Cfg.ReportAddress}
	if a.Cfg.IncidentAddress != "" {
		recipients = append(recipients, a.Cfg.IncidentAddress)
	}
	srv, err := mailin.New(mailin.Config{Domain: hostOf(a.baseURL("")), Recipients: recipients, TLS: tlsCfg,
		Decrypt: a.VDP.Reports().Decrypt, Logger: a.Log, Accept: a.isReplyAddress,
		// Every node may listen: a message is taken once, whichever node
		// the sending server gives it to, however often.
		Deliver: mailin.Once(a.DB, a.Now, a.Log, func(ctx context.Context, to string, m mailin.Message, ip string) error {
			if token, ok := threads.TokenOf(to); ok {
				return a.deliverReply(ctx, token, m)
			}
			if to == a.Cfg.IncidentAddress {
				return a.deliverIncident(ctx, m, ip)
			}
			return a.VDP.Reports().ReceiveMail(ctx, m, ip)
		})})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.Cfg.SMTPListen)
	if err != nil {
		return fmt.Errorf("listen for mail on %s: %w", a.Cfg.SMTPListen, err)
	}
	a.mail, a.mailLn = srv, ln
	go func() {
		if err := srv.Serve(ln); err != nil {
			a.failed <- fmt.Errorf("the inbound mail listener on %s stopped: %w", ln.Addr(), err)
		}
	}()
	a.Log.Info("receiving reports by e-mail", "smtp", ln.Addr().String(), "address", a.Cfg.ReportAddress)
	return nil
}

// FlowAddr is where the flow collector listens ("" when off).
func (a *App) FlowAddr() string {
	if a.flowConn == nil {
		return ""
	}
	return a.flowConn.LocalAddr().String()
}

// FlowCollector is the flow collector (nil when off).
func (a *App) FlowCollector() *telemetry.Collector { return a.flows }

// MailAddr is where the inbound SMTP listener listens ("" when off).
func (a *App) MailAddr() string {
	if a.mailLn == nil {
		return ""
	}
	return a.mailLn.Addr().String()
}

func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Hostname() != "" {
		return p.Hostname()
	}
	return "localhost"
}

// Close stops serving (in-flight requests finish), stops the job workers and
// closes the database.
func (a *App) Close(ctx context.Context) error {
	var errs []error
	if a.stopFlows != nil {
		a.stopFlows()
	}
	if a.mail != nil {
		// A listener that already failed is closed: not a second error.
		if err := a.mail.Shutdown(ctx); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("mail shutdown: %w", err))
		}
	}
	if a.server != nil {
		if err := a.server.Shutdown(ctx); err != nil {
			// Past the deadline: cut the connections still open.
			_ = a.server.Close()
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
	}
	if err := a.Queue.Stop(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := a.Core.Close(); err != nil {
		errs = append(errs, err)
	}
	a.Log.Info("certhub stopped")
	return errors.Join(errs...)
}
