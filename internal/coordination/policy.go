package coordination

import (
	"slices"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The access rule of alerts, in one place:
//   - the center's staff (and the server itself) send alerts and read
//     every recipient's answer and the timeline;
//   - a member of a recipient organisation reads the alert and its own
//     organisation's answer; a member above viewer answers for it;
//   - a member of a CERT reads the answers of the recipients that were
//     its constituents (the CERT above them in the directory) when the
//     alert was sent;
//   - everyone else is told the alert does not exist.
//
// Go answers it for one recipient (sees); SQL (reach) for lists.

// reader is who reads, as the rule needs it.
type reader struct {
	staff bool
	orgs  []string // every organisation the reader is a member of
}

func readerOf(id *auth.Identity) reader {
	r := reader{staff: id.IsSystem() || id.IsStaff()}
	if id != nil {
		for _, m := range id.Memberships {
			r.orgs = append(r.orgs, m.OrgID)
		}
	}
	return r
}

// sees reports whether the reader may read the answer of rec.
func (r reader) sees(rec Recipient) bool {
	return r.staff || slices.Contains(r.orgs, rec.OrgID) || (rec.ParentID != nil && slices.Contains(r.orgs, *rec.ParentID))
}

// reach is the rule as an SQL condition on coordination_alert_recipients
// aliased x ("TRUE" for staff).
func (r reader) reach(args *db.Args) string {
	if r.staff {
		return "TRUE"
	}
	if len(r.orgs) == 0 {
		return "FALSE"
	}
	in := db.In(args, r.orgs)
	return "(x.org_id IN (" + in + ") OR x.parent_id IN (" + in + "))"
}

// maySend: only the center's staff send alerts that must be acknowledged.
func maySend(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in to send alerts")
	}
	if !id.IsSystem() && !id.IsStaff() {
		return errs.Forbidden("only the coordination center's staff ask an audience to acknowledge a publication")
	}
	return nil
}

// mayAnswer reports whether id answers for orgID: a member above viewer.
func mayAnswer(id *auth.Identity, orgID string) bool {
	role := id.RoleIn(orgID)
	return role != "" && role != auth.RoleViewer
}
