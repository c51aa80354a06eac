package account

import (
	"context"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// OrgNamer names organisations by ID for the viewer (the directory does it).
type OrgNamer interface {
	Names(ctx context.Context, id *auth.Identity, ids []string) (map[string]string, error)
}

// Service applies the account rules over auth.
type Service struct {
	users *auth.Service
	orgs  OrgNamer
}

// NewService makes the service.
func NewService(users *auth.Service, orgs OrgNamer) *Service {
	return &Service{users: users, orgs: orgs}
}

// The rule for accounts, in one place:
//   - everyone sees and edits their own profile (name, time zone), password,
//     second factor and tokens;
//   - coordination-center staff see every account;
//   - only platform administrators create accounts outside an organisation,
//     change platform roles, disable, unlock or reset another's second factor
//     (organisation admins add people through the directory's members).
func canView(id *auth.Identity, userID string) bool {
	return id != nil && (id.IsSystem() || id.IsStaff() || id.User.ID == userID)
}

func mustAdmin(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in first")
	}
	if !id.IsSystem() && !id.IsPlatformAdmin() {
		return errs.Forbidden("only platform administrators manage accounts")
	}
	return nil
}

// Detail is a user with their memberships named.
type Detail struct {
	auth.User
	Memberships []NamedMembership `json:"memberships"`
}

// NamedMembership is a membership with the organisation's name.
type NamedMembership struct {
	auth.Membership
	OrgName string `json:"org_name"`
}

// Get returns a user for id to look at.
func (s *Service) Get(ctx context.Context, id *auth.Identity, userID string) (Detail, error) {
	if !canView(id, userID) {
		return Detail{}, errs.NotFound("user not found")
	}
	u, err := s.users.GetUser(ctx, userID)
	if err != nil {
		return Detail{}, err
	}
	ms, err := s.users.Memberships(ctx, userID)
	if err != nil {
		return Detail{}, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.OrgID
	}
	names, err := s.orgs.Names(ctx, id, ids)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{User: u, Memberships: []NamedMembership{}}
	for _, m := range ms {
		n, ok := names[m.OrgID]
		if !ok {
			n = "an organisation you cannot see"
		}
		d.Memberships = append(d.Memberships, NamedMembership{Membership: m, OrgName: n})
	}
	return d, nil
}

// List returns a page of users (staff only).
func (s *Service) List(ctx context.Context, id *auth.Identity, f auth.UserFilter) ([]auth.User, string, error) {
	if id == nil || !(id.IsStaff() || id.IsSystem()) {
		return nil, "", errs.Forbidden("only coordination-center staff list all users")
	}
	return s.users.ListUsers(ctx, f)
}

// Create adds an account (platform admins).
func (s *Service) Create(ctx context.Context, id *auth.Identity, in auth.NewUser) (auth.User, error) {
	if err := mustAdmin(id); err != nil {
		return auth.User{}, err
	}
	return s.users.CreateUser(ctx, in)
}

// Update changes a user. Name and time zone are the user's own to change;
// platform role and disabling are the platform administrators'.
func (s *Service) Update(ctx context.Context, id *auth.Identity, userID string, ch auth.UserChanges) (auth.User, error) {
	if !canView(id, userID) {
		return auth.User{}, errs.NotFound("user not found")
	}
	if ch.PlatformRole != nil || ch.Disabled != nil || (id.User.ID != userID && !id.IsSystem()) {
		if err := mustAdmin(id); err != nil {
			return auth.User{}, err
		}
		if id.User.ID == userID && ch.Disabled != nil && *ch.Disabled {
			return auth.User{}, errs.Conflict("you cannot disable your own account")
		}
	}
	return s.users.UpdateUser(ctx, userID, ch)
}

// Unlock clears a sign-in lockout (platform admins).
func (s *Service) Unlock(ctx context.Context, id *auth.Identity, userID string) error {
	if err := mustAdmin(id); err != nil {
		return err
	}
	return s.users.Unlock(ctx, userID)
}

// ResetTOTP turns off another user's second factor, for a lost device (platform admins).
func (s *Service) ResetTOTP(ctx context.Context, id *auth.Identity, userID string) error {
	if err := mustAdmin(id); err != nil {
		return err
	}
	return s.users.DisableTOTP(ctx, userID, nil)
}

// Invite e-mails a user a link to choose a password (platform admins).
func (s *Service) Invite(ctx context.Context, id *auth.Identity, userID string) error {
	if err := mustAdmin(id); err != nil {
		return err
	}
	return s.users.SendInvite(ctx, userID)
}
