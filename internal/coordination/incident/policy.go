package incident

import (
	"slices"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The access rule of incidents, in one place:
//   - the center's staff (and the server itself) read and handle every
//     incident;
//   - a member of the owning CERT reads it and every note; a member above
//     viewer handles it (status, assignee, tasks, notes, links, deadlines,
//     handing it over, closing it);
//   - a member of a CERT the incident involves (escalated to, asked in,
//     its previous owner) reads it and the notes for all CERTs, and writes
//     those;
//   - a member of the reporting organisation reads it and the notes
//     between it and the owning CERT, writes those, and marks its own
//     deadline steps (the early warning, the notification) done;
//   - everyone else is told the incident does not exist.
//
// Go answers it for one incident (of); SQL (reach) for lists.

// reader is who reads, as the rule needs it.
type reader struct {
	id    *auth.Identity
	staff bool
	orgs  []string
	// owner narrows the reach to the incidents one CERT handles (the
	// figures of its periodic report).
	owner string
}

func readerOf(id *auth.Identity) reader {
	r := reader{id: id, staff: id.IsSystem() || id.IsStaff()}
	for _, m := range id.Memberships {
		r.orgs = append(r.orgs, m.OrgID)
	}
	return r
}

// standing is what a reader is to one incident.
type standing struct {
	staff    bool
	owner    bool // a member of the owning CERT
	involved bool // a member of a CERT it involves
	reporter bool // a member of the reporting organisation
	handles  bool // handles it: staff, or a member above viewer of the owner
	writes   bool // writes notes: above viewer in some organisation it is of
}

func (r reader) of(in Incident, involved []Involved) standing {
	s := standing{staff: r.staff, owner: slices.Contains(r.orgs, in.OwnerOrgID)}
	for _, v := range involved {
		s.involved = s.involved || slices.Contains(r.orgs, v.OrgID)
	}
	s.reporter = in.ReporterOrgID != nil && slices.Contains(r.orgs, *in.ReporterOrgID)
	s.handles = r.staff || (s.owner && above(r.id, in.OwnerOrgID))
	s.writes = s.handles
	for _, v := range involved {
		s.writes = s.writes || above(r.id, v.OrgID)
	}
	if in.ReporterOrgID != nil {
		s.writes = s.writes || above(r.id, *in.ReporterOrgID)
	}
	return s
}

// sees reports whether the reader may read the incident at all.
func (s standing) sees() bool { return s.staff || s.owner || s.involved || s.reporter }

// reads reports whether the reader may read a note or timeline entry of
// the visibility v.
func (s standing) reads(v string) bool {
	switch {
	case s.staff || s.owner:
		return true
	case v == Reporter:
		return s.reporter
	case v == CERTs:
		return s.involved
	}
	return false
}

// mayWrite reports whether the reader may write a note of the visibility
// v: the owner any; an involved CERT's for all CERTs; the reporter's for
// the owner and itself.
func (s standing) mayWrite(v string) bool {
	switch {
	case s.handles:
		return true
	case !s.writes:
		return false
	case v == CERTs:
		return s.involved
	case v == Reporter:
		return s.reporter
	}
	return false
}

// above reports whether id is a member above viewer of org.
func above(id *auth.Identity, org string) bool {
	role := id.RoleIn(org)
	return role != "" && role != auth.RoleViewer
}

// reach is the rule as an SQL condition on coordination_incidents aliased
// i ("TRUE" for staff).
func (r reader) reach(args *db.Args) string {
	if r.owner != "" {
		return "i.owner_org_id = " + args.Add(r.owner)
	}
	if r.staff {
		return "TRUE"
	}
	if len(r.orgs) == 0 {
		return "FALSE"
	}
	in := db.In(args, r.orgs)
	return "(i.owner_org_id IN (" + in + ") OR i.reporter_org_id IN (" + in + `) OR EXISTS (SELECT 1 FROM coordination_incident_certs c
		WHERE c.incident_id = i.id AND c.org_id IN (` + in + ")))"
}

// mayReport answers whether id reports for orgID: a member above viewer
// of it, or staff for anyone.
func mayReport(id *auth.Identity, orgID string) error {
	if id == nil {
		return errs.Unauthenticated("sign in to report incidents")
	}
	if id.IsSystem() || id.IsStaff() || above(id, orgID) {
		return nil
	}
	return errs.InvalidField("reporter_org_id", "not an organisation you report for (a member above viewer)")
}
