package vdp

import (
	"context"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/vdp/model"
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

// matchVendor links a report to the directory's vendor when what the
// reporter wrote names exactly one: a package URL or domain the vendor
// registered, or the vendor's name. A partial name is left for triage.
func (s *Service) matchVendor(ctx context.Context, r model.Report) *string {
	for _, q := range []string{r.Vendor, r.Product} {
		q = strings.TrimSpace(q)
		if q == "" {
			continue
		}
		found, err := s.FindOrgs(ctx, system, q, directory.KindVendor)
		if err != nil || len(found) != 1 {
			continue
		}
		o, lq := found[0], strings.ToLower(q)
		name := strings.ToLower(o.Name)
		exact := strings.HasPrefix(lq, "pkg:") || lq == name || lq == strings.ToLower(o.ShortName) ||
			strings.HasPrefix(name, lq+" ") || isDomainLike(lq)
		if exact {
			return &o.ID
		}
	}
	return nil
}

// isDomainLike reports whether s looks like a host name rather than words.
func isDomainLike(s string) bool {
	_, problem := directory.NormalizeDomain(s)
	return problem == "" && strings.Contains(s, ".") && !strings.Contains(s, " ")
}

// VisibleOrgs is every organisation of the directory id may see: the
// choices of the console's pickers (a case's participants, a report's
// vendor and CERT, the routing rules).
func (s *Service) VisibleOrgs(ctx context.Context, id *auth.Identity) ([]directory.Summary, error) {
	return s.orgs.All(ctx, id, directory.Filter{})
}
