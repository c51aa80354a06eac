package intel

import (
	"cmp"
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/actors"
	"github.com/certhub/certhub/internal/intel/asn"
	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/lookup"
	"github.com/certhub/certhub/internal/intel/routing"
	"github.com/certhub/certhub/internal/intel/sharing"
	"github.com/certhub/certhub/internal/intel/warninglist"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/seal"
)

// Options configure the Service.
type Options struct {
	DB  *db.DB
	Now func() time.Time
	Log *slog.Logger
	// CenterName appears in the MISP feed as the events' creator.
	CenterName string
	// Key seals pulled sources' credentials; nil: a key of the process's
	// own (tests).
	Key *seal.Key
	// AllowPrivate lets pulled sources reach private and loopback
	// addresses; by default the server fetches from public ones only.
	AllowPrivate bool
	// Related finds what else in certhub names a CVE ID (cases,
	// advisories); nil: nothing.
	Related lookup.Related
	// Heartbeat is how often a node working on a run says so (a run not
	// heard of for six of them is interrupted); 0: DefaultHeartbeat.
	Heartbeat time.Duration
	// People finds the accounts of people named as recipients of a
	// source's TLP:RED intelligence; nil: none can be named.
	People People
	// Retention is how long ingest runs and TAXII status resources are
	// kept (the intel.prune job); 0: DefaultRetention.
	Retention time.Duration
	// Directory answers the organisations and their constituencies; nil:
	// none (nothing is routed).
	Directory Directory
	// Records answers the incidents, cases and advisories actor profiles
	// link to; nil: none.
	Records actors.Records
}

// People is what threat intelligence needs of the accounts.
type People interface {
	GetUser(ctx context.Context, id string) (auth.User, error)
	UserByEmail(ctx context.Context, email string) (auth.User, error)
}

// Service keeps the threat-intelligence store.
type Service struct {
	db         *db.DB
	now        func() time.Time
	log        *slog.Logger
	warn       *warninglist.Store
	asn        *asn.Store
	orgTable   ttlCache[map[string]access.Org]
	access     *access.Store
	share      *sharing.Service
	look       *lookup.Service
	actors     *actors.Store
	routes     ttlCache[*routing.Routes]
	key        *seal.Key
	client     *http.Client
	queue      *jobs.Queue
	heartbeat  time.Duration
	people     People
	dir        Directory
	retention  time.Duration
	batchSize  int    // indicators per write transaction (tests make it smaller)
	afterBatch func() // tests: called after each batch a load commits

	allowPrivate bool
	centerName   string
}

// NewService makes the service.
func NewService(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Key == nil {
		k := make([]byte, 32)
		_, _ = rand.Read(k)
		o.Key, _ = seal.New(k)
	}
	s := &Service{db: o.DB, now: o.Now, log: o.Log, key: o.Key,
		warn: warninglist.NewStore(o.DB, o.Now),
		// No overall timeout: a feed may take minutes; each pull has its
		// own deadline and the transport its connection timeouts.
		client:       &http.Client{Transport: notify.EgressTransport(o.AllowPrivate)},
		allowPrivate: o.AllowPrivate, heartbeat: cmp.Or(o.Heartbeat, DefaultHeartbeat), people: o.People, dir: o.Directory, retention: cmp.Or(o.Retention, DefaultRetention),
		batchSize:  ingest.BatchSize,
		centerName: cmp.Or(o.CenterName, "The CERT coordination center")}
	// Routing reaches those who registered an AS: a new table, new routes.
	s.asn = asn.NewStore(o.DB, o.Now, s.routes.forget)
	s.access = access.NewStore(o.DB, o.Now, orgSource{s})
	s.share = sharing.New(o.DB, o.Now, s.access, s.centerName)
	s.actors = actors.NewStore(o.DB, o.Now, s.access, o.Records)
	s.look = lookup.New(lookup.Options{DB: o.DB, Now: o.Now, Access: s.access, Orgs: orgSource{s}, Warn: s.warn,
		Related: o.Related, Origins: s.Origins})
	return s
}

// Access answers the collections and who reads what in them.
func (s *Service) Access() *access.Store { return s.access }

// Sharing answers the collections' contents: TAXII pages, exports and
// the MISP feed.
func (s *Service) Sharing() *sharing.Service { return s.share }

// Lookup answers what is known of observables: bulk lookups, one
// observable whole, the list.
func (s *Service) Lookup() *lookup.Service { return s.look }

// Viewer works out what id may read (access.Store.Viewer): every read of
// threat intelligence asks one.
func (s *Service) Viewer(ctx context.Context, id *auth.Identity) (*access.Viewer, error) {
	return s.access.Viewer(ctx, id)
}

// Actors answers the profiles of the actors, campaigns and software the
// sources' objects describe.
func (s *Service) Actors() *actors.Store { return s.actors }

// Warninglists are the lists of values ingest does not store.
func (s *Service) Warninglists() *warninglist.Store { return s.warn }

// Register adds the service's background work to q: pulls of the sources
// due every minute, and the pruning of old runs. (The digests are
// intel/digest's.)
func (s *Service) Register(q *jobs.Queue) {
	s.queue = q
	jobs.AddWorker(q, &pullWorker{s: s})
	jobs.AddWorker(q, &loadWorker{s: s})
	jobs.AddWorker(q, &scheduleWorker{s: s})
	q.Every("intel.schedule", time.Minute, func() jobs.Args { return ScheduleArgs{} })
	jobs.AddWorker(q, &pruneWorker{s: s})
	q.Every("intel.prune", 6*time.Hour, func() jobs.Args { return PruneArgs{} })
}
