package vdp

import (
	"context"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
)

// FindOrgs searches the directory for organisations to bring into a case or
// link to a report: by name, short name, domain or host name, or package URL
// (purl), as the viewer may see them. kind narrows to one kind ("" for any).
func (s *Service) FindOrgs(ctx context.Context, id *auth.Identity, query string, kind directory.Kind) ([]directory.Summary, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, nil
	}
	return s.orgs.All(ctx, id, directory.Filter{Query: query, Kind: kind})
}

// VisibleOrgs is every organisation of the directory id may see: the
// choices of the console's pickers (a case's participants, a report's
// vendor and CERT, the routing rules).
func (s *Service) VisibleOrgs(ctx context.Context, id *auth.Identity) ([]directory.Summary, error) {
	return s.orgs.All(ctx, id, directory.Filter{})
}
