package intel

import (
	"context"

	"github.com/certhub/certhub/internal/intel/asn"
)

// ASNTable is the AS table's store (intel/asn): which autonomous system
// announces which prefix.
func (s *Service) ASNTable() *asn.Store { return s.asn }

// Origins answers the AS table for enrichment and routing (and the
// digests, intel/digest): nil when there is none or it cannot be read now
// (logged) — an enrichment failing must not stop ingest, lookups, pages or
// digests. It is public routing data, not intelligence: no access rule
// applies.
func (s *Service) Origins(ctx context.Context) *asn.Table {
	t, err := s.asn.Table(ctx)
	if err != nil {
		s.log.Error("the AS table cannot be read: addresses go without their AS", "err", err)
		return nil
	}
	return t
}
