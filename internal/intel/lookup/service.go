package lookup

import (
	"context"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/asn"
	"github.com/certhub/certhub/internal/intel/index"
	"github.com/certhub/certhub/internal/intel/warninglist"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Options configure the Service.
type Options struct {
	DB     *db.DB
	Now    func() time.Time
	Access *access.Store
	// Orgs names the organisations routes went to.
	Orgs access.Directory
	// Warn says which values are known benign.
	Warn *warninglist.Store
	// Related finds what else in certhub names a CVE ID; nil: nothing.
	Related Related
	// Origins answers the AS table (nil when there is none): addresses
	// are shown with their AS.
	Origins func(context.Context) *asn.Table
}

// Service answers lookups and observables.
type Service struct {
	db      *db.DB
	now     func() time.Time
	access  *access.Store
	orgs    access.Directory
	warn    *warninglist.Store
	related Related
	origins func(context.Context) *asn.Table
	index   *index.Index
}

// New makes the service, its index empty (filled on the first lookup).
func New(o Options) *Service {
	if o.Origins == nil {
		o.Origins = func(context.Context) *asn.Table { return nil }
	}
	return &Service{db: o.DB, now: o.Now, access: o.Access, orgs: o.Orgs, warn: o.Warn, related: o.Related, origins: o.Origins, index: index.New()}
}

// Refresh indexes the observables stored since the last refresh.
func (s *Service) Refresh(ctx context.Context) error { return s.refreshIndex(ctx) }

// Indexed is how many observables the index holds.
func (s *Service) Indexed() int { return s.index.Len() }

// Known counts the values the index knows (no access check: for the
// benchmark of the index alone).
func (s *Service) Known(values []string) int {
	_, obs := normalizeAll(values)
	known := 0
	s.index.FindAll(obs, func(int, int64) { known++ })
	return known
}

func badCursor() error {
	var f errs.Fields
	f.Add("cursor", "not a cursor this list gave")
	return f.Err()
}
