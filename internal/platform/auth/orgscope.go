package auth

import (
	"slices"

	"github.com/certhub/certhub/internal/platform/db"
)

// OrgScope is the common reach of records kept about an organisation
// that is a constituent of a CERT (its hygiene, its gateways' traffic):
// the organisation's members, the CERT's members and the center's staff
// read them. Reads decides it for one record and Where says the same in
// SQL, over a table with org_id and cert_org_id columns.
type OrgScope struct {
	ID    *Identity
	Staff bool     // the center's staff, or the platform itself
	Orgs  []string // every organisation the identity is a member of
}

// ScopeOf is id's scope (false when there is no identity).
func ScopeOf(id *Identity) (OrgScope, bool) {
	if id == nil {
		return OrgScope{}, false
	}
	s := OrgScope{ID: id, Staff: id.IsStaff() || id.IsSystem()}
	for _, m := range id.Memberships {
		s.Orgs = append(s.Orgs, m.OrgID)
	}
	return s, true
}

// In reports whether the identity holds at least role in orgID.
func (s OrgScope) In(orgID string, at Role) bool {
	return orgID != "" && s.ID.RoleIn(orgID).AtLeast(at)
}

// Reads reports whether the records of orgID, a constituent of certOrgID,
// are in reach.
func (s OrgScope) Reads(orgID, certOrgID string) bool {
	return s.Staff || slices.Contains(s.Orgs, orgID) || (certOrgID != "" && slices.Contains(s.Orgs, certOrgID))
}

// Where is Reads in SQL over the table aliased t.
func (s OrgScope) Where(args *db.Args, t string) string {
	if s.Staff {
		return "1 = 1"
	}
	if len(s.Orgs) == 0 {
		return "1 = 0"
	}
	return "(" + t + ".org_id IN (" + db.In(args, s.Orgs) + ") OR " + t + ".cert_org_id IN (" + db.In(args, s.Orgs) + "))"
}
