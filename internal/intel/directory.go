package intel

import (
	"context"
	"fmt"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/platform/auth"
)

// Directory is what threat intelligence needs of the directory: the
// organisations' names, parents and sectors (the access rule, collections'
// titles), their contacts and OpenPGP keys (digests), and their
// constituencies — networks, AS numbers, domains — for routing. The app
// wires directory.Service in; threat intelligence never reads the
// directory's tables.
type Directory interface {
	// All lists the organisations (the system sees every one).
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
	// GetMany loads organisations whole: contacts and OpenPGP key.
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error)
	// Constituencies answers every organisation's networks, AS numbers
	// and domains.
	Constituencies(ctx context.Context, id *auth.Identity) (map[string]directory.Constituency, error)
}

// platform is who threat intelligence asks the directory as: its own work,
// not a user's request (each answer is filtered by intel's access rule).
var platform = auth.System("intel")

// orgByID answers an organisation as the directory has it now (not the
// cached table: a source's owner or a collection named just after the
// organisation was registered must be found).
func (s *Service) orgByID(ctx context.Context, id string) (directory.Org, bool, error) {
	if s.dir == nil || id == "" {
		return directory.Org{}, false, nil
	}
	orgs, err := s.dir.GetMany(ctx, platform, []string{id})
	if err != nil {
		return directory.Org{}, false, fmt.Errorf("intel: organisation %s: %w", id, err)
	}
	if len(orgs) == 0 {
		return directory.Org{}, false, nil
	}
	return orgs[0], true, nil
}

// sectorHasOrgs answers whether any organisation is of the sector.
func (s *Service) sectorHasOrgs(ctx context.Context, sector string) (bool, error) {
	if s.dir == nil || sector == "" {
		return false, nil
	}
	orgs, err := s.dir.All(ctx, platform, directory.Filter{Sector: sector})
	if err != nil {
		return false, fmt.Errorf("intel: organisations of %s: %w", sector, err)
	}
	return len(orgs) > 0, nil
}

// OrgNames answers the organisations' names by ID, as the directory has
// them (at most directoryTTL old), for pages that name an owner or offer
// a choice of organisations. Names only: who may see what is decided by
// the methods that answer the data.
func (s *Service) OrgNames(ctx context.Context) (map[string]string, error) {
	orgs, err := s.orgs(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(orgs))
	for id, o := range orgs {
		out[id] = o.Name
	}
	return out, nil
}

// orgs answers the organisations' names, parents and sectors (at most
// directoryTTL old).
func (s *Service) orgs(ctx context.Context) (map[string]access.Org, error) {
	return s.orgTable.get(func() (map[string]access.Org, error) {
		m := map[string]access.Org{}
		if s.dir == nil {
			return m, nil
		}
		all, err := s.dir.All(ctx, platform, directory.Filter{})
		if err != nil {
			return nil, fmt.Errorf("intel: organisations: %w", err)
		}
		for _, o := range all {
			m[o.ID] = access.Org{Name: o.Name, Parent: deref(o.ParentID), Sector: o.Sector}
		}
		return m, nil
	})
}

// orgSource is the directory as the access rule asks it.
type orgSource struct{ s *Service }

func (o orgSource) Orgs(ctx context.Context) (map[string]access.Org, error) { return o.s.orgs(ctx) }

func (o orgSource) Org(ctx context.Context, id string) (access.Org, bool, error) {
	org, ok, err := o.s.orgByID(ctx, id)
	return access.Org{Name: org.Name, Parent: deref(org.ParentID), Sector: org.Sector}, ok, err
}

func (o orgSource) SectorHasOrgs(ctx context.Context, sector string) (bool, error) {
	return o.s.sectorHasOrgs(ctx, sector)
}
