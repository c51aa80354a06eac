package reports

import (
	"context"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/vdp/model"
)

// matchVendor links a report to the directory's vendor when what the
// reporter wrote names exactly one: a package URL or domain the vendor
// registered, or the vendor's name. A partial name is left for triage.
func (s *Service) matchVendor(ctx context.Context, r model.Report) *string {
	for _, q := range []string{r.Vendor, r.Product} {
		q = strings.TrimSpace(q)
		if q == "" {
			continue
		}
		found, err := s.orgs.All(ctx, system, directory.Filter{Query: q, Kind: directory.KindVendor})
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
