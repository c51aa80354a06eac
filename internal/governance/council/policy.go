package council

import (
	"context"
	"fmt"
	"slices"

	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The access rule of the council, in one place:
//
//   - The council's records (members, meetings, agenda and papers,
//     attendance, draft and approved minutes, decisions, actions) are read
//     by its members (representatives within their term) and the center's
//     staff; nobody else learns a meeting exists.
//   - The center's staff, the chair and the secretary keep them; the
//     chair approves minutes: the council's own word, not the secretariat's.
//   - An organisation given an action item reads that item and, above
//     viewer, moves it on, without reading the rest.
//   - A meeting's public summary, once published, is the website's.

// reader is what one identity may do on the council.
type reader struct {
	id              *auth.Identity
	staff           bool
	member          bool // an active representative
	keeps, approves bool
	role            string
}

// reads reports whether the reader reads the council's records.
func (rd reader) reads() bool { return rd.staff || rd.member }

// readerOf looks up id's seat on the council today.
func (s *Service) readerOf(ctx context.Context, id *auth.Identity) (reader, error) {
	if id == nil {
		return reader{}, errs.Unauthenticated("sign in to see the council")
	}
	rd := reader{id: id, staff: id.IsStaff() || id.IsSystem()}
	if rd.staff {
		rd.keeps = true
	}
	if id.User.ID == "" {
		return rd, nil
	}
	today := actions.Today(s.now())
	var roles []string
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		roles, err = db.QueryAll(ctx, q, func(r db.Row) (string, error) {
			var role string
			return role, r.Scan(&role)
		}, `SELECT role FROM governance_council_members WHERE user_id = $1 AND term_start <= $2 AND (term_end = '' OR term_end >= $2)`,
			id.User.ID, today)
		return err
	})
	if err != nil {
		return reader{}, fmt.Errorf("council: seat: %w", err)
	}
	for _, r := range roles {
		rd.member = true
		if rd.role == "" || slices.Index(Roles, r) < slices.Index(Roles, rd.role) {
			rd.role = r
		}
	}
	if rd.role == Chair || rd.role == Secretary {
		rd.keeps = true
	}
	if rd.role == Chair {
		rd.approves = true
	}
	return rd, nil
}

// mustRead refuses a reader who is not on the council.
func (rd reader) mustRead(what string) error {
	if !rd.reads() {
		return errs.NotFound("no such %s", what)
	}
	return nil
}

// mustKeep refuses a reader who does not keep the council's records.
func (rd reader) mustKeep() error {
	if !rd.keeps {
		if rd.reads() {
			return errs.Forbidden("the chair, the secretary and the center keep the council's records")
		}
		return errs.Forbidden("only the council's chair and secretary and the center's staff keep its records")
	}
	return nil
}

// movesFor reports whether the reader moves on an action of orgID.
func (rd reader) movesFor(orgID string) bool {
	return rd.keeps || rd.id.RoleIn(orgID).AtLeast(auth.RoleMember)
}
