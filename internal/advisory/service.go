package advisory

import (
	"cmp"
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/vdp"
)

// Cases is what publication needs of the disclosure program.
type Cases interface {
	Handoff(ctx context.Context, id *auth.Identity, caseID string) (vdp.Handoff, error)
	AnnouncePublication(ctx context.Context, caseID, trackingID, title, pageURL string) error
}

// People is what publication needs of the accounts: the people named as
// recipients.
type People interface {
	GetUser(ctx context.Context, id string) (auth.User, error)
	UserByEmail(ctx context.Context, email string) (auth.User, error)
}

// Orgs is what publication needs of the directory.
type Orgs interface {
	GetMany(ctx context.Context, id *auth.Identity, orgIDs []string) ([]directory.Org, error)
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
	Get(ctx context.Context, id *auth.Identity, orgID string) (directory.Org, error)
}

// Options configure the Service.
type Options struct {
	DB        *db.DB
	Cases     Cases
	Orgs      Orgs
	People    People
	Queue     *jobs.Queue
	Outbox    *notify.Outbox
	CenterKey *pgp.CenterKey
	Now       func() time.Time
	Log       *slog.Logger
	BaseURL   string
	// CenterName is the publisher of every document.
	CenterName string
	// Contact is the center's security contact (an e-mail address).
	Contact string
	// Prefix starts every tracking ID (CC-SA-2026-0001).
	Prefix string
}

// Service runs publication.
type Service struct {
	db         *db.DB
	cases      Cases
	orgs       Orgs
	people     People
	queue      *jobs.Queue
	outbox     *notify.Outbox
	key        *pgp.CenterKey
	now        func() time.Time
	log        *slog.Logger
	baseURL    string
	centerName string
	contact    string
	prefix     string
	subscribe  *auth.Limiter
	cache      *providerCache
}

// NewService makes the service.
func NewService(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: o.DB, cases: o.Cases, orgs: o.Orgs, people: o.People, queue: o.Queue, outbox: o.Outbox, key: o.CenterKey, now: o.Now,
		log: o.Log, baseURL: strings.TrimRight(o.BaseURL, "/"), centerName: o.CenterName, contact: o.Contact,
		prefix: cmp.Or(o.Prefix, "CC"), subscribe: auth.NewSharedLimiter(o.DB, "advisory.subscribe", 5, 10*time.Minute, o.Now), cache: &providerCache{}}
	o.DB.Watch(Topic, s.cache.clear)
	return s
}

// Topic is announced (db.Tx.Announce) when a publication changes what the
// public reads: every process drops its copies of the provider's files.
const Topic = "advisory.published"

// SetBaseURL changes the public URL used in documents and links; call it before serving.
func (s *Service) SetBaseURL(u string) { s.baseURL = strings.TrimRight(u, "/") }

// BaseURL is the public URL.
func (s *Service) BaseURL() string { return s.baseURL }

// CenterName is the publisher's name.
func (s *Service) CenterName() string { return s.centerName }

var system = auth.System("publication")
