package reporting

import (
	"context"
	"slices"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The access rule of periodic reporting, in one place:
//
//   - The National CERT reviews: the center's staff and the analysts and
//     administrators of a national CERT read every report, accept or
//     return them, keep the schedules and read the roll-up.
//   - A reporting CERT's members read its reports; its analysts and
//     administrators assemble, write and submit them.
//   - Nobody else learns a report exists.

type reader struct {
	id      *auth.Identity
	reviews bool
	writes  []string // the organisations whose reports the reader writes
	reads   []string // and reads
}

func (s *Service) readerOf(ctx context.Context, id *auth.Identity) (reader, error) {
	if id == nil {
		return reader{}, errs.Unauthenticated("sign in to see periodic reports")
	}
	rd := reader{id: id, reviews: id.IsStaff() || id.IsSystem()}
	if len(id.Memberships) == 0 {
		return rd, nil
	}
	orgs, err := s.orgs.GetMany(ctx, system, id.OrgIDs())
	if err != nil {
		return reader{}, err
	}
	for _, o := range orgs {
		role := id.RoleIn(o.ID)
		if o.Kind == directory.KindNationalCERT && role.AtLeast(auth.RoleAnalyst) {
			rd.reviews = true
		}
		rd.reads = append(rd.reads, o.ID)
		if role.AtLeast(auth.RoleAnalyst) {
			rd.writes = append(rd.writes, o.ID)
		}
	}
	return rd, nil
}

// readsOrg reports whether the reader reads orgID's reports.
func (rd reader) readsOrg(orgID string) bool { return rd.reviews || slices.Contains(rd.reads, orgID) }

// writesOrg reports whether the reader writes orgID's reports.
func (rd reader) writesOrg(orgID string) bool {
	return slices.Contains(rd.writes, orgID) || (rd.id.IsSystem())
}

func (rd reader) mustReview() error {
	if !rd.reviews {
		return errs.Forbidden("the National CERT and the center review periodic reports and keep the schedules")
	}
	return nil
}
