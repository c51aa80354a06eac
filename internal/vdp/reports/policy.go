package reports

import (
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/vdp/model"
)

// The access rule of the disclosure program's reports, in one place.
//
//   - coordination-center staff see and triage every report;
//   - members of the CERT a report is assigned to see it; its analysts and
//     admins triage it;
//   - members of the organisation that submitted a report see it (its
//     details, status and messages, not the triage);
//   - the reporter follows it through the secret link;
//   - nobody else learns that it exists.
//

// reportAccess says whether id may see r and whether it may triage it.
func reportAccess(id *auth.Identity, r *model.Report) (see, triage bool) {
	if id == nil {
		return false, false
	}
	if id.IsSystem() || id.IsStaff() {
		return true, true
	}
	if r.AssignedOrgID != nil {
		if role := id.RoleIn(*r.AssignedOrgID); role != "" {
			return true, role.AtLeast(auth.RoleAnalyst)
		}
	}
	if r.SubmitterOrgID != nil && id.RoleIn(*r.SubmitterOrgID) != "" {
		return true, false
	}
	return false, false
}
