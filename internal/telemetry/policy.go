package telemetry

import (
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The access rule of telemetry, in one place: in Go for one organisation
// (auth.OrgScope.Reads, reader.registers, reader.decides) and the same reach in SQL for
// lists (auth.OrgScope.Where).
//
//   - An organisation's gateways, their traffic and anomalies are read by
//     its members, by the members of the CERT it is a constituent of, and
//     by the center's staff. Nobody else learns anything of them.
//   - Its administrators, the CERT's analysts and staff register and
//     revoke its gateways.
//   - Its members, the CERT's analysts and staff acknowledge or dismiss
//     its anomalies.

// reader is what one identity may do: the common reach of records about
// an organisation (auth.OrgScope) and this domain's own rights.
type reader struct{ auth.OrgScope }

func readerOf(id *auth.Identity) (reader, error) {
	s, ok := auth.ScopeOf(id)
	if !ok {
		return reader{}, errs.Unauthenticated("sign in to see gateway telemetry")
	}
	return reader{s}, nil
}

// registers reports whether the reader registers orgID's gateways.
func (rd reader) registers(orgID, certOrgID string) bool {
	return rd.Staff || rd.In(certOrgID, auth.RoleAnalyst) || rd.In(orgID, auth.RoleAdmin)
}

// decides reports whether the reader acknowledges or dismisses orgID's
// anomalies.
func (rd reader) decides(orgID, certOrgID string) bool {
	return rd.Staff || rd.In(certOrgID, auth.RoleAnalyst) || rd.In(orgID, auth.RoleMember)
}
