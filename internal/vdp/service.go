package vdp

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/vdp/config"
	"github.com/certhub/certhub/internal/vdp/outbound"
	"github.com/certhub/certhub/internal/vdp/reports"
)

// Orgs is what the disclosure program needs of the directory.
type Orgs interface {
	Get(ctx context.Context, id *auth.Identity, orgID string) (directory.Org, error)
	GetMany(ctx context.Context, id *auth.Identity, orgIDs []string) ([]directory.Org, error)
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
}

// People is what the disclosure program needs of the accounts: the names of
// the center's people who wrote to a reporter.
type People interface {
	GetUser(ctx context.Context, id string) (auth.User, error)
}

// Options configure the Service.
type Options struct {
	DB        *db.DB
	Orgs      Orgs
	People    People
	Outbox    *notify.Outbox
	CenterKey *pgp.CenterKey
	Now       func() time.Time
	Log       *slog.Logger
	BaseURL   string
	// Files keeps the reports' attachments.
	Files *files.Store
	// CenterName signs e-mail to reporters and vendors.
	CenterName string
	// ReportAddress is the e-mail address reports arrive at (the inbound
	// listener); mail to reporters names it as Reply-To.
	ReportAddress string
}

// Service runs the disclosure program: the cases, and the reports through
// Reports().
type Service struct {
	db      *db.DB
	orgs    Orgs
	people  People
	out     *outbound.Mailer
	key     *pgp.CenterKey
	now     func() time.Time
	log     *slog.Logger
	baseURL string
	reports *reports.Service
}

// NewService makes the service.
func NewService(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: o.DB, orgs: o.Orgs, people: o.People, out: outbound.New(o.Outbox, o.Log, o.Orgs, o.CenterName, o.ReportAddress),
		key: o.CenterKey, now: o.Now, log: o.Log, baseURL: strings.TrimRight(o.BaseURL, "/")}
	s.reports = reports.New(reports.Options{DB: o.DB, Orgs: o.Orgs, People: o.People, Cases: caseDesk{s}, Mail: s.out,
		Files: o.Files, Key: o.CenterKey, Now: o.Now, Log: o.Log, BaseURL: o.BaseURL})
	return s
}

// SetBaseURL changes the public URL used in links; call it before serving.
func (s *Service) SetBaseURL(u string) {
	s.baseURL = strings.TrimRight(u, "/")
	s.reports.SetBaseURL(u)
}

// Reports is the intake and triage of reports.
func (s *Service) Reports() *reports.Service { return s.reports }

// Now is the service's clock (the test clock in tests).
func (s *Service) Now() time.Time { return s.now() }

// CenterKey is the center's public key for reporters to encrypt to.
func (s *Service) CenterKey() *pgp.CenterKey { return s.key }

var system = auth.System("disclosure program")

// Settings returns the current policies.
func (s *Service) Settings(ctx context.Context) (config.Settings, error) {
	return config.Load(ctx, s.db)
}

// SaveSettings changes the policies (platform administrators).
func (s *Service) SaveSettings(ctx context.Context, id *auth.Identity, in config.Settings) error {
	return config.Save(ctx, s.db, s.now(), id, in)
}

func (s *Service) link(path string) string { return s.baseURL + path }

func actorName(id *auth.Identity) string {
	if id == nil {
		return "the reporter"
	}
	if id.IsSystem() {
		return id.User.Name
	}
	return id.User.Name
}

// deref is the string p points to, or "".
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
