package training

import (
	"context"
	"slices"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The access rule of training, in one place: in Go for one record
// (reader.reads, reader.decides) and the same rule in SQL for lists
// (reader.where).
//
//   - Courses and sessions: every signed-in user reads them; the center's
//     staff keep them and record results.
//   - An enrolment: the person it is for; the administrators of their
//     organisation, who approve it; the members of the CERT the
//     organisation is a constituent of; the center's staff. Nobody else
//     learns it exists.
//   - A certificate: public by its code, showing only what is printed on it.

// reader is what one identity may read and decide of enrolments.
type reader struct {
	staff  bool
	userID string
	// admins are the organisations whose enrolments the reader approves;
	// sees are every organisation whose enrolments the reader reads
	// (admins, and the constituents of the reader's CERTs).
	admins, sees []string
}

// readerOf works out id's reach, asking the directory for the
// constituents of the CERTs id is a member of.
func (s *Service) readerOf(ctx context.Context, id *auth.Identity) (reader, error) {
	if id == nil {
		return reader{}, errs.Unauthenticated("sign in to see training records")
	}
	rd := reader{staff: id.IsStaff() || id.IsSystem(), userID: id.User.ID}
	if rd.staff {
		return rd, nil
	}
	var mine []string
	for _, m := range id.Memberships {
		mine = append(mine, m.OrgID)
		if m.Role == auth.RoleAdmin {
			rd.admins = append(rd.admins, m.OrgID)
			rd.sees = append(rd.sees, m.OrgID)
		}
	}
	if len(mine) > 0 {
		orgs, err := s.orgs.GetMany(ctx, system, mine)
		if err != nil {
			return reader{}, err
		}
		for _, o := range orgs {
			if !o.Kind.IsCERT() {
				continue
			}
			rd.sees = append(rd.sees, o.ID)
			under, err := s.orgs.All(ctx, system, directory.Filter{ParentID: o.ID})
			if err != nil {
				return reader{}, err
			}
			for _, u := range under {
				rd.sees = append(rd.sees, u.ID)
			}
		}
	}
	slices.Sort(rd.sees)
	rd.sees = slices.Compact(rd.sees)
	return rd, nil
}

// reads reports whether the reader may read e.
func (rd reader) reads(e Enrolment) bool {
	return rd.staff || (rd.userID != "" && e.UserID == rd.userID) || slices.Contains(rd.sees, e.OrgID)
}

// decides reports whether the reader approves or refuses e for its
// organisation.
func (rd reader) decides(e Enrolment) bool {
	return rd.staff || slices.Contains(rd.admins, e.OrgID)
}

// cancels reports whether the reader may withdraw e: the person, or who
// decides for their organisation.
func (rd reader) cancels(e Enrolment) bool {
	return rd.decides(e) || (rd.userID != "" && e.UserID == rd.userID)
}

// where is reads in SQL over training_enrolments e.
func (rd reader) where(a *db.Args) string {
	if rd.staff {
		return "1 = 1"
	}
	cond := "e.user_id = " + a.Add(rd.userID)
	if len(rd.sees) > 0 {
		cond += " OR e.org_id IN (" + db.In(a, rd.sees) + ")"
	}
	return "(" + cond + ")"
}

// mayKeep: the center's staff keep courses and sessions and record results.
func mayKeep(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in to keep the training catalogue")
	}
	if !id.IsStaff() && !id.IsSystem() {
		return errs.Forbidden("only the coordination center's staff keep courses and sessions and record results")
	}
	return nil
}

// signedIn: every account reads the catalogue.
func signedIn(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in to see the training catalogue")
	}
	return nil
}
