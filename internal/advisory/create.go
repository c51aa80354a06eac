package advisory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Create starts a new publication as a draft.
func (s *Service) Create(ctx context.Context, id *auth.Identity, in Input) (Advisory, error) {
	if !mayEdit(id) {
		return Advisory{}, errs.Forbidden("only the coordination center's staff write publications")
	}
	if err := s.check(ctx, &in); err != nil {
		return Advisory{}, err
	}
	if err := s.checkCase(ctx, id, in.CaseID); err != nil {
		return Advisory{}, err
	}
	return s.create(ctx, id, in, false, "")
}

// checkCase makes sure the caller coordinates the case a publication is
// linked to (its participants and reporters are told when it is published).
func (s *Service) checkCase(ctx context.Context, id *auth.Identity, caseID *string) error {
	if caseID == nil || s.cases == nil {
		return nil
	}
	if _, err := s.cases.Handoff(ctx, id, *caseID); err != nil {
		var f errs.Fields
		f.Add("case_id", "not a case you coordinate: %v", err)
		return f.Err()
	}
	return nil
}

// check validates an input (validate) and resolves its audience: every
// recipient organisation must exist, and every person named, given by id
// or e-mail address, becomes a user id.
func (s *Service) check(ctx context.Context, in *Input) error {
	err := in.validate()
	var f errs.Fields
	if err != nil {
		e := errs.As(err)
		if e == nil || len(e.Fields) == 0 {
			return err
		}
		f = e.Fields
	}
	in.Recipients, in.RecipientUsers = cleanIDs(in.Recipients), cleanIDs(in.RecipientUsers)
	if len(in.Recipients) > 0 {
		orgs, err := s.orgs.GetMany(ctx, system, in.Recipients)
		if err != nil {
			return err
		}
		for i, o := range in.Recipients {
			if !slices.ContainsFunc(orgs, func(x directory.Org) bool { return x.ID == o }) {
				f.Add(fmt.Sprintf("recipients[%d]", i), "no such organisation")
			}
		}
	}
	for i, who := range in.RecipientUsers {
		var u auth.User
		var err error
		switch {
		case s.people == nil:
			err = db.ErrNoRows
		case strings.Contains(who, "@"):
			u, err = s.people.UserByEmail(ctx, who)
		default:
			u, err = s.people.GetUser(ctx, who)
		}
		switch {
		case err == nil && u.Disabled:
			f.Add(fmt.Sprintf("recipient_users[%d]", i), "%s's account is disabled", who)
		case err == nil:
			in.RecipientUsers[i] = u.ID
		case errors.Is(err, db.ErrNoRows) || errs.KindOf(err) == errs.KindNotFound:
			f.Add(fmt.Sprintf("recipient_users[%d]", i), "no user %s", who)
		default:
			return err
		}
	}
	in.RecipientUsers = cleanIDs(in.RecipientUsers)
	return f.Err()
}

// NamedPeople answers the accounts of the people named as recipients, in
// order; one that no longer exists is left out.
func (s *Service) NamedPeople(ctx context.Context, ids []string) ([]auth.User, error) {
	out := []auth.User{}
	for _, id := range ids {
		if s.people == nil {
			break
		}
		u, err := s.people.GetUser(ctx, id)
		if errors.Is(err, db.ErrNoRows) || errs.KindOf(err) == errs.KindNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func (s *Service) create(ctx context.Context, id *auth.Identity, in Input, imported bool, upload string) (Advisory, error) {
	now := s.now()
	a := Advisory{ID: db.NewID(), Kind: in.Kind, Status: StatusDraft, TLP: in.TLP, Content: in.Content, CaseID: in.CaseID,
		Imported: imported, Recipients: cleanIDs(in.Recipients), RecipientUsers: cleanIDs(in.RecipientUsers), CreatedAt: now, UpdatedAt: now}
	if !id.IsSystem() {
		a.AuthorID, a.EditorID, a.Editors = &id.User.ID, &id.User.ID, []string{id.User.ID}
	}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		if a.TrackingID, err = newTrackingID(ctx, tx, s.prefix, a.Kind, now); err != nil {
			return err
		}
		if err := insertAdvisory(ctx, tx, a, upload); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "advisory.create", ObjectType: "advisory", ObjectID: a.ID,
			Summary: fmt.Sprintf("drafted %s %s: %s", a.Kind, a.TrackingID, a.Content.Title), After: a})
	})
	if err != nil {
		return Advisory{}, err
	}
	return a, nil
}

func cleanIDs(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
