package telemetry

import (
	"slices"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The access rule of telemetry, in one place: in Go for one organisation
// (reader.reads, reader.can) and the same rule in SQL for lists
// (reader.where).
//
//   - An organisation's gateways, their traffic and anomalies are read by
//     its members, by the members of the CERT it is a constituent of, and
//     by the center's staff. Nobody else learns anything of them.
//   - Its administrators, the CERT's analysts and staff register and
//     revoke its gateways.
//   - Its members, the CERT's analysts and staff acknowledge or dismiss
//     its anomalies.

type reader struct {
	id    *auth.Identity
	staff bool
	orgs  []string
}

func readerOf(id *auth.Identity) (reader, error) {
	if id == nil {
		return reader{}, errs.Unauthenticated("sign in to see gateway telemetry")
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

// reads reports whether the reader reads the telemetry of orgID, a
// constituent of certOrgID.
func (rd reader) reads(orgID, certOrgID string) bool {
	return rd.staff || slices.Contains(rd.orgs, orgID) || (certOrgID != "" && slices.Contains(rd.orgs, certOrgID))
}

// registers reports whether the reader registers orgID's gateways.
func (rd reader) registers(orgID, certOrgID string) bool {
	return rd.staff || rd.in(certOrgID, auth.RoleAnalyst) || rd.in(orgID, auth.RoleAdmin)
}

// decides reports whether the reader acknowledges or dismisses orgID's
// anomalies.
func (rd reader) decides(orgID, certOrgID string) bool {
	return rd.staff || rd.in(certOrgID, auth.RoleAnalyst) || rd.in(orgID, auth.RoleMember)
}

// where is reads in SQL over a table aliased t with org_id and
// cert_org_id.
func (rd reader) where(args *db.Args, t string) string {
	if rd.staff {
		return "1 = 1"
	}
	if len(rd.orgs) == 0 {
		return "1 = 0"
	}
	return "(" + t + ".org_id IN (" + db.In(args, rd.orgs) + ") OR " + t + ".cert_org_id IN (" + db.In(args, rd.orgs) + "))"
}
