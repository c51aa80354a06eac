package directory

import (
	"slices"

	"github.com/certhub/certhub/internal/platform/auth"
)

// Action is something a user may want to do to an organisation.
type Action string

const (
	// ActionView: see the organisation's entry (contacts, key, RFC 2350, constituency).
	ActionView Action = "view"
	// ActionEdit: change its description, contacts, key, RFC 2350 and constituency.
	ActionEdit Action = "edit"
	// ActionStructure: change what it is and where it sits: kind, parent,
	// CII designation, public listing. These are the coordination center's decisions.
	ActionStructure Action = "structure"
	// ActionMembers: see and manage who belongs to it, and its webhooks.
	ActionMembers Action = "members"
	// ActionCreateChild: register a new constituent below it.
	ActionCreateChild Action = "create_child"
	// ActionDelete: remove it from the directory.
	ActionDelete Action = "delete"
)

// Actions lists every action, for the access matrix.
var Actions = []Action{ActionView, ActionEdit, ActionStructure, ActionMembers, ActionCreateChild, ActionDelete}

// Subject is what the rule needs to know about an organisation.
type Subject struct {
	ID        string
	Kind      Kind
	Ancestors []string // parent first, up to the root
}

// Viewer is what the rule needs to know about the person asking.
type Viewer struct {
	Identity *auth.Identity
	// InCERT is true when the viewer belongs to at least one CERT.
	InCERT bool
}

// Allowed is the directory's access rule, the only place it is written:
//   - coordination-center staff (and the system) may do everything but
//     delete, which needs a platform administrator;
//   - members of an organisation see it; its admins, and admins of any
//     organisation above it, edit it and manage its members;
//   - CERTs and ministries are the community's directory: every signed-in
//     user sees them;
//   - vendors and labs are seen by every member of a CERT, who coordinate with them;
//   - constituents are seen only by their own members, the CERTs above them
//     and the center: their networks and contacts are nobody else's business;
//   - only the center changes an organisation's kind, parent, CII designation
//     or public listing;
//   - admins of a CERT may register constituents below it.
func Allowed(v Viewer, a Action, o Subject) bool {
	id := v.Identity
	if id == nil {
		return false
	}
	if id.IsSystem() {
		return true
	}
	if a == ActionDelete {
		return id.IsPlatformAdmin()
	}
	if a == ActionCreateChild && (o.Kind == KindVendor || o.Kind == KindLab) {
		return false // nothing is registered below a vendor or a lab
	}
	if id.IsStaff() {
		return true
	}
	role := id.RoleIn(o.ID)
	adminAbove := slices.ContainsFunc(o.Ancestors, func(anc string) bool { return id.RoleIn(anc) == auth.RoleAdmin })
	memberAbove := slices.ContainsFunc(o.Ancestors, func(anc string) bool { return id.RoleIn(anc) != "" })
	switch a {
	case ActionView:
		return role != "" || memberAbove || o.Kind.community() ||
			((o.Kind == KindVendor || o.Kind == KindLab) && v.InCERT)
	case ActionEdit, ActionMembers:
		return role == auth.RoleAdmin || adminAbove
	case ActionCreateChild:
		return o.Kind.IsCERT() && (role == auth.RoleAdmin || adminAbove)
	}
	return false
}

// MayCreate reports whether v may create an organisation of kind under
// parent (nil: at the top). Only the center creates CERTs, vendors, labs and
// top-level entries; a CERT's admins register constituents below it.
func MayCreate(v Viewer, kind Kind, parent *Subject) bool {
	id := v.Identity
	if id == nil {
		return false
	}
	if id.IsSystem() || id.IsStaff() {
		return true
	}
	return parent != nil && kind == KindConstituent && Allowed(v, ActionCreateChild, *parent)
}
