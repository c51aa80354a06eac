package maturity

import (
	"context"
	"slices"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The access rule of maturity, in one place: in Go for one record
// (reader.reads, reader.edits) and the same rule in SQL for lists
// (reader.where).
//
//   - A CERT's self-assessments and the peer reviews of it are read by its
//     members, by the members of a reviewing CERT (its review, which
//     starts from a copy of the self-assessment), by the National CERT and
//     by the center's staff. Nobody else learns they exist.
//   - A CERT's analysts and administrators write and submit its
//     self-assessments and ask another CERT for a peer review; the
//     reviewer's analysts write and submit the review. Submitted
//     assessments are kept as they were: the history.

type reader struct {
	id       *auth.Identity
	all      bool     // staff and the National CERT
	orgs     []string // organisations the reader is a member of
	analysts []string // CERTs the reader is an analyst (or more) of
}

func (s *Service) readerOf(ctx context.Context, id *auth.Identity) (reader, error) {
	if id == nil {
		return reader{}, errs.Unauthenticated("sign in to see CSIRT maturity")
	}
	rd := reader{id: id, all: id.IsStaff() || id.IsSystem()}
	for _, m := range id.Memberships {
		rd.orgs = append(rd.orgs, m.OrgID)
	}
	if len(rd.orgs) == 0 {
		return rd, nil
	}
	orgs, err := s.orgs.GetMany(ctx, system, rd.orgs)
	if err != nil {
		return reader{}, err
	}
	for _, o := range orgs {
		if o.Kind == directory.KindNationalCERT {
			rd.all = true
		}
		if o.Kind.IsCERT() && id.RoleIn(o.ID).AtLeast(auth.RoleAnalyst) {
			rd.analysts = append(rd.analysts, o.ID)
		}
	}
	return rd, nil
}

// reads reports whether the reader reads a.
func (rd reader) reads(a Assessment) bool {
	return rd.all || slices.Contains(rd.orgs, a.OrgID) || (a.ReviewerOrgID != "" && slices.Contains(rd.orgs, a.ReviewerOrgID))
}

// edits reports whether the reader writes a: its CERT's analysts a draft
// self-assessment, the reviewer's analysts a draft peer review.
func (rd reader) edits(a Assessment) bool {
	if a.State != Draft {
		return false
	}
	if a.Kind == Peer {
		return slices.Contains(rd.analysts, a.ReviewerOrgID)
	}
	return slices.Contains(rd.analysts, a.OrgID)
}

// where is reads in SQL over governance_maturity m.
func (rd reader) where(args *db.Args) string {
	if rd.all {
		return "1 = 1"
	}
	if len(rd.orgs) == 0 {
		return "1 = 0"
	}
	return "(m.org_id IN (" + db.In(args, rd.orgs) + ") OR m.reviewer_org_id IN (" + db.In(args, rd.orgs) + "))"
}
