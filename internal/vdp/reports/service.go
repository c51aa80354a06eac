package reports

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/vdp/outbound"
)

// Orgs is what intake and triage need of the directory.
type Orgs interface {
	Get(ctx context.Context, id *auth.Identity, orgID string) (directory.Org, error)
	GetMany(ctx context.Context, id *auth.Identity, orgIDs []string) ([]directory.Org, error)
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
}

// People is what reports need of the accounts: the names of the center's
// people who wrote to a reporter.
type People interface {
	GetUser(ctx context.Context, id string) (auth.User, error)
}

// Options configure the Service.
type Options struct {
	DB      *db.DB
	Orgs    Orgs
	People  People
	Cases   Cases
	Mail    *outbound.Mailer
	Files   *files.Store
	Key     *pgp.CenterKey
	Now     func() time.Time
	Log     *slog.Logger
	BaseURL string
}

// Service takes reports in and triages them.
type Service struct {
	db      *db.DB
	orgs    Orgs
	people  People
	cases   Cases
	out     *outbound.Mailer
	files   *files.Store
	key     *pgp.CenterKey
	now     func() time.Time
	log     *slog.Logger
	baseURL string
	intake  *auth.Limiter // public submissions per address
	members *auth.Limiter // organisations' submissions per user
	follow  *auth.Limiter // follow-link reads and messages per address
}

// New makes the service.
func New(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: o.DB, orgs: o.Orgs, people: o.People, cases: o.Cases, out: o.Mail, files: o.Files, key: o.Key, now: o.Now,
		log: o.Log, baseURL: strings.TrimRight(o.BaseURL, "/"),
		// Five reports at once from one address, then one every two minutes.
		intake: auth.NewSharedLimiter(o.DB, "vdp.intake", 5, 2*time.Minute, o.Now),
		// Members of organisations file batches (a pentest's findings): more room.
		members: auth.NewSharedLimiter(o.DB, "vdp.members", 30, 30*time.Second, o.Now),
		follow:  auth.NewSharedLimiter(o.DB, "vdp.follow", 60, 2*time.Second, o.Now)}
}

// SetBaseURL changes the public URL used in links; call it before serving.
func (s *Service) SetBaseURL(u string) { s.baseURL = strings.TrimRight(u, "/") }

// FollowURL is where a reporter follows a report.
func (s *Service) FollowURL(secret string) string {
	return s.baseURL + "/report/follow?key=" + url.QueryEscape(secret)
}

func (s *Service) link(path string) string { return s.baseURL + path }

// system is who intake asks the directory as.
var system = auth.System("disclosure program")

// CoordinationCenter finds the organisation reports go to when no rule
// matches: "" while the directory has none yet (a fresh installation),
// when reports stay with the center's staff, who see every report anyway.
func (s *Service) CoordinationCenter(ctx context.Context) (string, error) {
	all, err := s.orgs.All(ctx, system, directory.Filter{Kind: directory.KindCoordinationCenter})
	if err != nil || len(all) == 0 {
		return "", err
	}
	return all[0].ID, nil
}

// deref is the string p points to, or "".
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
