package access

import (
	"slices"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// The access rule of threat intelligence, in one place. A collection is an
// audience; within it each object's TLP marking narrows who reads it. The
// viewer's reach to an object decides, by tlp.Allows:
//
//   - the coordination center's staff, and the people named as recipients
//     of the object's source: Named (everything, RED included);
//   - members of the organisation that owns the object's source:
//     RecipientOrg (all it reported but RED);
//   - in an organisation's own collection (what was routed to it because
//     it concerns its networks or domains): its members RecipientOrg, its
//     parent CERT's members Constituent (AMBER: the recipients and their
//     constituency, as TLP 2.0 has it);
//   - in the community's and a sector's collections, the organisations
//     the audience holds: Community (CLEAR and GREEN);
//   - anyone else: nothing (threat intelligence is never public here).
//
// TLP:RED is never routed. Lookups, pages, exports, digests and TAXII all
// ask the viewer below.

// Viewer is what one caller may read, worked out once per request
// (Store.Viewer).
type Viewer struct {
	all     bool
	orgs    []string // the caller's organisations
	sectors []string // their sectors
	// children: organisations whose parent is one of the caller's (a
	// sectoral CERT reads what was routed to its constituents).
	children map[string]bool
	owned    []int64 // sources the caller's organisations own
	named    []int64 // sources whose RED the caller is named to read
	// A peer instance's account reads nothing above its link's ceiling and
	// nothing its own instance sent (echo: the source that pulls from it).
	ceiling tlp.Label
	echo    []int64
}

// All reports whether the viewer reads everything (staff).
func (v *Viewer) All() bool { return v.all }

// Member reports whether the viewer belongs to org.
func (v *Viewer) Member(org string) bool { return org != "" && slices.Contains(v.orgs, org) }

// Covers reports whether what is routed to org reaches the viewer at all:
// staff, org's members and its parent CERT's.
func (v *Viewer) Covers(org string) bool { return v.all || v.Member(org) || v.children[org] }

// RouteOrgs lists the organisations whose routes the viewer may read
// (RoutedTo decides per marking): its own and their constituents; nil for
// staff, who read every route.
func (v *Viewer) RouteOrgs() []string {
	if v.all {
		return nil
	}
	out := slices.Clone(v.orgs)
	for o := range v.children {
		out = append(out, o)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ReadsCollection reports whether c's audience holds the viewer.
func (v *Viewer) ReadsCollection(c Collection) bool {
	_, ok := v.collectionReach(c)
	return ok
}

// collectionReach is how close the viewer stands to what c holds as one of
// its audience; ok is false when the audience does not hold it.
func (v *Viewer) collectionReach(c Collection) (tlp.Reach, bool) {
	switch {
	case v.all:
		return tlp.Named, true
	case len(v.orgs) == 0:
		return 0, false
	}
	switch c.Audience {
	case AudienceCommunity:
		return tlp.Community, true
	case AudienceSector:
		return tlp.Community, slices.Contains(v.sectors, c.Sector)
	case AudienceOrg:
		switch {
		case v.Member(c.OrgID):
			return tlp.RecipientOrg, true
		case v.children[c.OrgID]:
			return tlp.Constituent, true
		}
	}
	return 0, false
}

// Reads reports whether the viewer reads an object marked label in c,
// reported by the source numbered source (0 when none: a route).
func (v *Viewer) Reads(c Collection, label string, source int64) bool {
	if !v.crosses(label, source) {
		return false
	}
	if v.all || (source != 0 && slices.Contains(v.named, source)) {
		return true
	}
	if source != 0 && slices.Contains(v.owned, source) && tlp.Allows(tlp.Label(label), tlp.RecipientOrg) {
		return true
	}
	r, ok := v.collectionReach(c)
	return ok && tlp.Allows(tlp.Label(label), r)
}

// Where is Reads as one SQL condition over rows of c whose label is in
// tlpCol and source number in sourceCol ("" for rows without one: routes),
// its arguments added to args; "" when the viewer reads every row.
func (v *Viewer) Where(c Collection, tlpCol, sourceCol string, args *db.Args) string {
	if v.all {
		return ""
	}
	cond := v.where(c, tlpCol, sourceCol, args)
	if v.ceiling != "" {
		cond += " AND " + tlp.WhereWithin(tlpCol, v.ceiling)
	}
	if len(v.echo) > 0 && sourceCol != "" {
		cond += " AND (" + sourceCol + " IS NULL OR " + sourceCol + " NOT IN (" + db.In(args, v.echo) + "))"
	}
	return cond
}

// crosses reports whether an object marked label from source (0: none)
// may go to the viewer as far as a peer's link allows: always, for anyone
// else.
func (v *Viewer) crosses(label string, source int64) bool {
	if v.ceiling != "" && !tlp.Within(tlp.Label(label), v.ceiling) {
		return false
	}
	return source == 0 || !slices.Contains(v.echo, source)
}

// Peer reports whether the viewer reads for a linked instance.
func (v *Viewer) Peer() bool { return v.ceiling != "" }

func (v *Viewer) where(c Collection, tlpCol, sourceCol string, args *db.Args) string {
	out := tlp.Reaches{}
	or := func(r tlp.Reach, cond string) {
		if out[r] != "" {
			cond = out[r] + " OR " + cond
		}
		out[r] = cond
	}
	if r, ok := v.collectionReach(c); ok {
		or(r, "TRUE")
	}
	if sourceCol != "" && len(v.owned) > 0 {
		or(tlp.RecipientOrg, sourceCol+" IN ("+db.In(args, v.owned)+")")
	}
	if sourceCol != "" && len(v.named) > 0 {
		or(tlp.Named, sourceCol+" IN ("+db.In(args, v.named)+")")
	}
	return tlp.Where(tlpCol, out)
}

// RoutedTo reports whether the viewer reads what was routed to org under
// label: as a member of org (RecipientOrg), or of its parent CERT
// (Constituent).
func (v *Viewer) RoutedTo(org, label string) bool {
	if !v.crosses(label, 0) {
		return false
	}
	reach := tlp.Reach(-1)
	switch {
	case v.all:
		reach = tlp.Named
	case v.Member(org):
		reach = tlp.RecipientOrg
	case v.children[org]:
		reach = tlp.Constituent
	}
	return reach >= 0 && tlp.Allows(tlp.Label(label), reach)
}

// MayWrite reports whether id (seen as v) may add objects to c: the
// center's staff anywhere; analysts of a member organisation into the
// community's and their sector's collections (as a source their
// organisation owns).
func MayWrite(v *Viewer, id *auth.Identity, c Collection) bool {
	if v.all {
		return true
	}
	if c.Audience != AudienceCommunity && c.Audience != AudienceSector {
		return false
	}
	return v.ReadsCollection(c) && WriterOrg(id) != ""
}

// WriterOrg is the organisation an analyst writes for: the first where the
// caller is at least an analyst ("" when none).
func WriterOrg(id *auth.Identity) string {
	for _, m := range id.Memberships {
		if m.Role.AtLeast(auth.RoleAnalyst) {
			return m.OrgID
		}
	}
	return ""
}
