package vdp

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/vdp/config"
	"github.com/certhub/certhub/internal/vdp/files"
	"github.com/certhub/certhub/internal/vdp/outbound"
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
	// DataDir holds attachments (DataDir/attachments).
	DataDir string
	// CenterName signs e-mail to reporters and vendors.
	CenterName string
	// ReportAddress is the e-mail address reports arrive at (the inbound
	// listener); mail to reporters names it as Reply-To.
	ReportAddress string
}

// Service runs the disclosure program.
type Service struct {
	db      *db.DB
	orgs    Orgs
	people  People
	out     *outbound.Mailer
	key     *pgp.CenterKey
	now     func() time.Time
	log     *slog.Logger
	baseURL string
	dataDir string
	files   *files.Store  // the reports' attached files, under dataDir
	intake  *auth.Limiter // public submissions per address
	members *auth.Limiter // organisations' submissions per user
	follow  *auth.Limiter // follow-link reads and messages per address
}

// NewService makes the service.
func NewService(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: o.DB, orgs: o.Orgs, people: o.People, out: outbound.New(o.Outbox, o.Log, o.Orgs, o.CenterName, o.ReportAddress), key: o.CenterKey, now: o.Now, log: o.Log,
		baseURL: strings.TrimRight(o.BaseURL, "/"), dataDir: o.DataDir, files: files.NewStore(o.DataDir),
		// Five reports at once from one address, then one every two minutes.
		intake: auth.NewLimiter(5, 2*time.Minute, o.Now),
		// Members of organisations file batches (a pentest's findings): more room.
		members: auth.NewLimiter(30, 30*time.Second, o.Now),
		follow:  auth.NewLimiter(60, 2*time.Second, o.Now)}
}

// SetBaseURL changes the public URL used in links; call it before serving.
func (s *Service) SetBaseURL(u string) { s.baseURL = strings.TrimRight(u, "/") }

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

// FollowURL is where a reporter follows a report.
func (s *Service) FollowURL(secret string) string {
	return s.baseURL + "/report/follow?key=" + url.QueryEscape(secret)
}

func (s *Service) link(path string) string { return s.baseURL + path }

// coordinationCenter finds the organisation reports go to when no rule
// matches: "" while the directory has none yet (a fresh installation), when
// reports stay with the center's staff, who see every report anyway.
func (s *Service) coordinationCenter(ctx context.Context) (string, error) {
	all, err := s.orgs.All(ctx, system, directory.Filter{Kind: directory.KindCoordinationCenter})
	if err != nil || len(all) == 0 {
		return "", err
	}
	return all[0].ID, nil
}

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
