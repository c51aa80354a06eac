package hygiene

import (
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The access rule of hygiene, in one place: in Go for one organisation
// (auth.OrgScope.Reads, reader.can) and the same reach in SQL for
// lists (auth.OrgScope.Where).
//
//   - An organisation's results, findings and permission are read by its
//     members, by the members of the CERT it is a constituent of, and by
//     the center's staff. Nobody else learns anything of them; sector and
//     national roll-ups are computed over what the reader reads.
//   - Its members, the CERT's analysts and staff run its checks now.
//   - Its administrators record its permission (they grant it), as do
//     the CERT's analysts and staff on its written word (naming who
//     granted it).

// reader is what one identity may do: the common reach of records about
// an organisation (auth.OrgScope) and this domain's own rights.
type reader struct{ auth.OrgScope }

func readerOf(id *auth.Identity) (reader, error) {
	s, ok := auth.ScopeOf(id)
	if !ok {
		return reader{}, errs.Unauthenticated("sign in to see hygiene results")
	}
	return reader{s}, nil
}

func (rd reader) can(orgID, certOrgID string) Can {
	cert := rd.Staff || rd.In(certOrgID, auth.RoleAnalyst)
	return Can{
		Check:  cert || rd.In(orgID, auth.RoleMember),
		Permit: cert || rd.In(orgID, auth.RoleAdmin),
	}
}
