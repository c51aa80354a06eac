package intel

import (
	"cmp"
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/certhub/certhub/internal/intel/asn"
	"github.com/certhub/certhub/internal/intel/index"
	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/routing"
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
	Related Related
	// SpoolDir holds large pushed bodies while they load in the
	// background; empty: the system's temporary directory.
	SpoolDir string
	// People finds the accounts of people named as recipients of a
	// source's TLP:RED intelligence; nil: none can be named.
	People People
	// Retention is how long ingest runs and TAXII status resources are
	// kept (the intel.prune job); 0: DefaultRetention.
	Retention time.Duration
	// Directory answers the organisations and their constituencies; nil:
	// none (nothing is routed).
	Directory Directory
}

// People is what threat intelligence needs of the accounts.
type People interface {
	GetUser(ctx context.Context, id string) (auth.User, error)
	UserByEmail(ctx context.Context, email string) (auth.User, error)
}

// Service keeps the threat-intelligence store.
type Service struct {
	db        *db.DB
	now       func() time.Time
	log       *slog.Logger
	warn      *warninglist.Store
	asn       *asn.Store
	orgTable  ttlCache[map[string]orgInfo]
	cols      collectionCache
	routes    ttlCache[*routing.Routes]
	index     *index.Index
	key       *seal.Key
	client    *http.Client
	queue     *jobs.Queue
	spoolDir  string
	related   Related
	people    People
	dir       Directory
	retention time.Duration
	batchSize int            // indicators per write transaction (tests make it smaller)
	bg        sync.WaitGroup // loads running after their request answered 202
	life      context.Context
	stop      context.CancelFunc

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
	life, stop := context.WithCancel(context.Background())
	s := &Service{life: life, stop: stop, db: o.DB, now: o.Now, log: o.Log, index: index.New(), key: o.Key,
		warn: warninglist.NewStore(o.DB, o.Now),
		// No overall timeout: a feed may take minutes; each pull has its
		// own deadline and the transport its connection timeouts.
		client:       &http.Client{Transport: notify.EgressTransport(o.AllowPrivate)},
		allowPrivate: o.AllowPrivate, spoolDir: o.SpoolDir, related: o.Related, people: o.People, dir: o.Directory, retention: cmp.Or(o.Retention, DefaultRetention),
		batchSize:  ingest.BatchSize,
		centerName: cmp.Or(o.CenterName, "The CERT coordination center")}
	// Routing reaches those who registered an AS: a new table, new routes.
	s.asn = asn.NewStore(o.DB, o.Now, s.routes.forget)
	return s
}

// Warninglists are the lists of values ingest does not store.
func (s *Service) Warninglists() *warninglist.Store { return s.warn }

// Register adds the service's background work to q: pulls of the sources
// due every minute, and the pruning of old runs. (The digests are
// intel/digest's.)
func (s *Service) Register(q *jobs.Queue) {
	s.queue = q
	jobs.AddWorker(q, &pullWorker{s: s})
	jobs.AddWorker(q, &scheduleWorker{s: s})
	q.Every("intel.schedule", time.Minute, func() jobs.Args { return ScheduleArgs{} })
	jobs.AddWorker(q, &pruneWorker{s: s})
	q.Every("intel.prune", 6*time.Hour, func() jobs.Args { return PruneArgs{} })
}
