package assessment

import (
	"slices"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The access rule of assessments, in one place: in Go for one record
// (reader.reads and the rest) and the same rule in SQL for lists
// (reader.where).
//
//   - Baselines are read by every signed-in user; the center's staff
//     publish them.
//   - An assessment is read by the members of the organisation assessed,
//     of the CERT it is a constituent of, and of its assessor, and by the
//     center's staff. Nobody else learns it exists.
//   - The center's staff and the analysts of a CERT open assessments of
//     the CERT's constituents. The assessor's members record verdicts and
//     report; the assessed organisation's members, the CERT's analysts,
//     the assessor and staff add to the remediation plan; the owner of an
//     action moves it on; the CERT's analysts and staff close it.

// reader is what one identity may do with assessments.
type reader struct {
	id    *auth.Identity
	staff bool
	orgs  []string // every organisation the reader is a member of
}

func readerOf(id *auth.Identity) (reader, error) {
	if id == nil {
		return reader{}, errs.Unauthenticated("sign in to see assessments")
	}
	rd := reader{id: id, staff: id.IsStaff() || id.IsSystem()}
	for _, m := range id.Memberships {
		rd.orgs = append(rd.orgs, m.OrgID)
	}
	return rd, nil
}

func (rd reader) in(orgID string, at auth.Role) bool {
	return orgID != "" && rd.id.RoleIn(orgID).AtLeast(at)
}

// reads reports whether the reader reads a.
func (rd reader) reads(a Assessment) bool {
	return rd.staff || slices.Contains(rd.orgs, a.OrgID) || slices.Contains(rd.orgs, a.CERTOrgID) || slices.Contains(rd.orgs, a.AssessorOrgID)
}

// can works out what the reader may do with a.
func (rd reader) can(a Assessment) Can {
	open := a.State != Closed
	assessor := rd.staff || rd.in(a.AssessorOrgID, auth.RoleMember)
	cert := rd.staff || rd.in(a.CERTOrgID, auth.RoleAnalyst)
	return Can{
		Assess: open && assessor && (a.State == Planned || a.State == InProgress),
		Report: open && assessor && (a.State == Planned || a.State == InProgress),
		Plan:   open && (assessor || cert || rd.in(a.OrgID, auth.RoleMember)),
		Close:  a.State == Reported && cert,
	}
}

// moves reports whether the reader moves on an action owned by orgID of a.
func (rd reader) moves(a Assessment, orgID string) bool {
	return rd.staff || rd.in(orgID, auth.RoleMember) || rd.in(a.CERTOrgID, auth.RoleAnalyst)
}

// where is reads in SQL over governance_assessments a.
func (rd reader) where(args *db.Args) string {
	if rd.staff {
		return "1 = 1"
	}
	if len(rd.orgs) == 0 {
		return "1 = 0"
	}
	return "(a.org_id IN (" + db.In(args, rd.orgs) + ") OR a.cert_org_id IN (" + db.In(args, rd.orgs) + ") OR a.assessor_org_id IN (" +
		db.In(args, rd.orgs) + "))"
}

// mayPublish: only the center's staff publish baselines.
func mayPublish(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in to publish a baseline")
	}
	if !id.IsSystem() && !id.IsStaff() {
		return errs.Forbidden("only the coordination center's staff publish control baselines")
	}
	return nil
}
