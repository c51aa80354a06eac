package intel

import (
	"context"
	"fmt"

	"github.com/certhub/certhub/internal/directory"
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
