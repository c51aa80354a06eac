package advisory

import (
	"context"
	"slices"
	"strings"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// This file is the one place that says who may read and who may change
// publications: the coordination center's staff write and review them
// (mayEdit) under the four-eyes rule (secondPerson); what is published is
// read by the rule below, whose TLP decisions are tlp's.

// mayEdit reports whether id writes and reviews publications: the
// coordination center's staff.
func mayEdit(id *auth.Identity) bool { return id.IsSystem() || id.IsStaff() }

// secondPerson reports whether id is someone other than the people who wrote
// and submitted the working copy (the four-eyes rule). The server itself
// (demo data, the command line) counts as a second person.
func secondPerson(id *auth.Identity, a Advisory) bool {
	if id.IsSystem() {
		return true
	}
	for _, p := range []*string{a.AuthorID, a.EditorID, a.SubmittedBy} {
		if p != nil && *p == id.User.ID {
			return false
		}
	}
	return !slices.Contains(a.Editors, id.User.ID)
}

// The access rule of published revisions, in one place. The viewer's
// reach to a publication decides, by tlp.Allows (here as tlp.Where):
//   - anyone: Public (TLP:CLEAR);
//   - every signed-in user: Community (GREEN);
//   - members of an organisation in a recipient's constituency (its
//     direct children): Constituent (AMBER);
//   - members of a recipient organisation: RecipientOrg (AMBER+STRICT);
//   - a person named as a recipient, and the coordination center's
//     staff: Named (RED).
//
// Nothing unpublished is ever shown outside the console.

// reader is what a viewer may read, worked out once per request.
type reader struct {
	anonymous bool
	all       bool
	user      string   // the viewer's user id
	own       []string // organisations the viewer belongs to
	under     []string // parents of those: the viewer is in their constituency
}

func (s *Service) reader(ctx context.Context, id *auth.Identity) (reader, error) {
	switch {
	case id == nil:
		return reader{anonymous: true}, nil
	case id.IsSystem() || id.IsStaff():
		return reader{all: true}, nil
	}
	r := reader{user: id.User.ID, own: id.OrgIDs()}
	if len(r.own) > 0 {
		orgs, err := s.orgs.GetMany(ctx, system, r.own)
		if err != nil {
			return r, err
		}
		for _, o := range orgs {
			if o.ParentID != nil {
				r.under = append(r.under, *o.ParentID)
			}
		}
	}
	return r, nil
}

// condition is the SQL that keeps what the reader may see, over the
// advisories table (published revisions only).
func (r reader) condition(arg func(any) string) string {
	if r.all {
		return "published_version > 0"
	}
	reach := tlp.Reaches{tlp.Public: "TRUE"}
	if !r.anonymous {
		reach[tlp.Community] = "TRUE"
		recipient := func(orgs []string) string {
			if len(orgs) == 0 {
				return ""
			}
			in := make([]string, len(orgs))
			for i, o := range orgs {
				in[i] = arg(o)
			}
			return "EXISTS (SELECT 1 FROM advisory_audience_orgs x WHERE x.advisory_id = advisories.id AND x.org_id IN (" +
				strings.Join(in, ", ") + "))"
		}
		reach[tlp.Constituent] = recipient(r.under)
		reach[tlp.RecipientOrg] = recipient(r.own)
		reach[tlp.Named] = "EXISTS (SELECT 1 FROM advisory_audience_users x WHERE x.advisory_id = advisories.id AND x.user_id = " +
			arg(r.user) + ")"
	}
	return "published_version > 0 AND " + tlp.Where("pub_tlp", reach)
}
