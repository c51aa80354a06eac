package vdp

import (
	"slices"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/threads"
)

// The access rule of the disclosure program's cases, in one place (the
// reports' is in vdp/reports, policy.go).
//
// Cases:
//   - the center (staff, and members of the owner CERT) sees everything;
//     staff and the owner's analysts and admins run the case;
//   - members of participant organisations see the case, the participants'
//     threads, their own vendor thread and, for vendors, their own product
//     statements (CERTs and constituents see every vendor's); vendors state
//     their products' status and everyone records their own tracking ID;
//   - the organisation that submitted a report in the case also sees the
//     reporter thread;
//   - while the case is embargoed nobody else sees anything; once it is
//     disclosed and its publication date has passed, every signed-in user
//     sees its summary, vulnerabilities and statements;
//   - objects a viewer may not see answer "not found".

// Level is how much of a case a viewer sees.
type Level int

const (
	LevelNone Level = iota
	LevelPublic
	LevelParticipant
	LevelCenter
)

// CaseViewer is a user's standing in one case.
type CaseViewer struct {
	Identity *auth.Identity
	Level    Level
	// Run: may change the case (status, dates, participants, vulnerabilities).
	Run bool
	// Orgs are the viewer's organisations taking part, with their roles.
	Orgs map[string]model.ParticipantRole
	// Submitter: the viewer's organisation submitted a report in the case.
	Submitter bool
}

// viewCase works out id's standing in c.
func viewCase(id *auth.Identity, c model.Case, parts []model.Participant, submitterOrgs []string, now time.Time) CaseViewer {
	v := CaseViewer{Identity: id, Orgs: map[string]model.ParticipantRole{}}
	if id == nil {
		return v
	}
	if id.IsSystem() || id.IsStaff() {
		v.Level, v.Run = LevelCenter, true
		return v
	}
	if role := id.RoleIn(c.OwnerOrgID); role != "" {
		v.Level, v.Run = LevelCenter, role.AtLeast(auth.RoleAnalyst)
		return v
	}
	for _, p := range parts {
		if id.RoleIn(p.OrgID) != "" {
			v.Orgs[p.OrgID] = p.Role
		}
	}
	v.Submitter = slices.ContainsFunc(submitterOrgs, func(o string) bool { return id.RoleIn(o) != "" })
	switch {
	case len(v.Orgs) > 0 || v.Submitter:
		v.Level = LevelParticipant
	case !c.Embargoed(now):
		v.Level = LevelPublic
	}
	return v
}

// Center reports whether the viewer is the coordinating side.
func (v CaseViewer) Center() bool { return v.Level == LevelCenter }

// IsVendor reports whether the viewer takes part as the vendor orgID.
func (v CaseViewer) IsVendor(orgID string) bool { return v.Orgs[orgID] == model.RoleVendor }

// onlyVendor reports whether every organisation of the viewer in the case is a vendor.
func (v CaseViewer) onlyVendor() bool {
	if len(v.Orgs) == 0 {
		return false
	}
	for _, r := range v.Orgs {
		if r != model.RoleVendor {
			return false
		}
	}
	return true
}

// SeesThread applies the thread's visibility.
func (v CaseViewer) SeesThread(t threads.Thread) bool {
	switch {
	case v.Level == LevelCenter:
		return true
	case v.Level != LevelParticipant:
		return false
	}
	switch t.Visibility {
	case model.VisibleParticipants:
		return len(v.Orgs) > 0
	case model.VisibleVendor:
		return t.VendorOrgID != nil && v.IsVendor(*t.VendorOrgID)
	case model.VisibleReporter:
		return v.Submitter
	}
	return false
}

// SeesStatus says whether the viewer may read a vendor's statement: the
// center and non-vendor participants see all, a vendor its own, and after
// disclosure everyone.
func (v CaseViewer) SeesStatus(vendorOrgID string) bool {
	switch v.Level {
	case LevelCenter, LevelPublic:
		return true
	case LevelParticipant:
		return !v.onlyVendor() || v.IsVendor(vendorOrgID)
	}
	return false
}

// SeesEvent applies an event's visibility.
func (v CaseViewer) SeesEvent(visibility string, orgID *string) bool {
	switch v.Level {
	case LevelCenter:
		return true
	case LevelParticipant:
		if visibility != model.VisibleParticipants {
			return false
		}
		if orgID == nil {
			return true
		}
		_, mine := v.Orgs[*orgID]
		return mine
	}
	return false
}
