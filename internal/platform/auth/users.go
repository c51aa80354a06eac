package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// NormalizeEmail is how addresses are compared and stored: trimmed, lower-case.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NewUser is the input for CreateUser.
type NewUser struct {
	Email        string       `json:"email"`
	Name         string       `json:"name"`
	PlatformRole PlatformRole `json:"platform_role"`
	// Password, when set, is the initial password; otherwise the user sets
	// one through an invitation link (Invite).
	Password string `json:"password,omitempty"`
	Invite   bool   `json:"invite"`
	TimeZone string `json:"time_zone"`
}

func (s *Service) validateNewUser(in *NewUser) error {
	var f errs.Fields
	in.Email = NormalizeEmail(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	if !notify.ValidAddress(in.Email) {
		f.Add("email", "must be an e-mail address such as analyst@cert.example")
	}
	checkName(&f, in.Name)
	if !in.PlatformRole.Valid() {
		f.Add("platform_role", "must be empty, coordinator or admin")
	}
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	} else if _, err := time.LoadLocation(in.TimeZone); err != nil {
		f.Add("time_zone", "is not a time zone name such as Asia/Karachi")
	}
	if in.Password != "" {
		if p := PasswordProblem(in.Password, in.Email, in.Name); p != "" {
			f.Add("password", "%s", p)
		}
	}
	return f.Err()
}

func checkName(f *errs.Fields, name string) {
	switch {
	case name == "":
		f.Add("name", "is required")
	case utf8.RuneCountInString(name) > 200:
		f.Add("name", "must be at most 200 characters")
	case strings.ContainsAny(name, "\r\n\t\x00"):
		f.Add("name", "must be one line of text")
	}
}

// CreateUser adds an account. The caller has checked that the actor may.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, error) {
	var u User
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		u, err = s.CreateUserTx(ctx, tx, in)
		return err
	})
	return u, err
}

// CreateUserTx is CreateUser inside the caller's transaction.
func (s *Service) CreateUserTx(ctx context.Context, tx *db.Tx, in NewUser) (User, error) {
	if err := s.validateNewUser(&in); err != nil {
		return User{}, err
	}
	now := s.now()
	u := User{ID: db.NewID(), Email: in.Email, Name: in.Name, PlatformRole: in.PlatformRole, TimeZone: in.TimeZone,
		CreatedAt: now, UpdatedAt: now, sessionsValidAfter: now}
	if in.Password != "" {
		h, err := HashPassword(in.Password)
		if err != nil {
			return User{}, err
		}
		u.passwordHash, u.HasPassword = h, true
	}
	if err := insertUser(ctx, tx, u); err != nil {
		return User{}, err
	}
	if err := audit.Record(ctx, tx, now, audit.Event{Action: "user.create", ObjectType: "user", ObjectID: u.ID,
		Summary: "created user " + u.Email, After: u}); err != nil {
		return User{}, err
	}
	if in.Invite {
		if err := s.sendLink(ctx, tx, u, linkInvite); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

// GetUser returns the user with id.
func (s *Service) GetUser(ctx context.Context, id string) (User, error) {
	return getUser(ctx, s.db, "id = $1", id)
}

// UserByEmail returns the user with the address.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	return getUser(ctx, s.db, "email = $1", NormalizeEmail(email))
}

// ListUsers returns a page of users ordered by e-mail and the cursor of the next page.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]User, string, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	us, err := listUsers(ctx, s.db, f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(us) > f.Limit {
		us = us[:f.Limit]
		next = us[len(us)-1].Email
	}
	return us, next, nil
}

// UserChanges are the editable fields of a user; nil means unchanged.
type UserChanges struct {
	Name         *string       `json:"name"`
	TimeZone     *string       `json:"time_zone"`
	PlatformRole *PlatformRole `json:"platform_role"`
	Disabled     *bool         `json:"disabled"`
}

// UpdateUser applies ch to user id. The caller has checked permission for each field.
func (s *Service) UpdateUser(ctx context.Context, id string, ch UserChanges) (User, error) {
	var f errs.Fields
	if ch.Name != nil {
		*ch.Name = strings.TrimSpace(*ch.Name)
		checkName(&f, *ch.Name)
	}
	if ch.TimeZone != nil {
		if _, err := time.LoadLocation(*ch.TimeZone); err != nil || *ch.TimeZone == "" {
			f.Add("time_zone", "is not a time zone name such as Asia/Karachi")
		}
	}
	if ch.PlatformRole != nil && !ch.PlatformRole.Valid() {
		f.Add("platform_role", "must be empty, coordinator or admin")
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	var after User
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		if ch.PlatformRole != nil || ch.Disabled != nil {
			// Changes to who administers the platform take turns, so two
			// admins demoting each other cannot both pass the last-admin check.
			if err := tx.Lock(ctx, "users.admins"); err != nil {
				return err
			}
		}
		u, err := getUser(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		before := u
		now := s.now()
		if ch.Name != nil {
			u.Name = *ch.Name
		}
		if ch.TimeZone != nil {
			u.TimeZone = *ch.TimeZone
		}
		if ch.PlatformRole != nil {
			u.PlatformRole = *ch.PlatformRole
		}
		if ch.Disabled != nil && *ch.Disabled != u.Disabled {
			u.Disabled = *ch.Disabled
			if u.Disabled {
				// Signing the user out everywhere is part of disabling.
				u.sessionsValidAfter = now
				if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $2, updated_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, u.ID, now); err != nil {
					return fmt.Errorf("auth: revoke tokens: %w", err)
				}
			}
		}
		if u == before {
			after = u
			return nil
		}
		u.UpdatedAt = now
		if err := saveUser(ctx, tx, u); err != nil {
			return err
		}
		wasAdmin := before.PlatformRole == PlatformAdmin && !before.Disabled
		isAdmin := u.PlatformRole == PlatformAdmin && !u.Disabled
		if wasAdmin && !isAdmin {
			if err := s.lastAdminGuard(ctx, tx); err != nil {
				return err
			}
		}
		after = u
		action, summary := "user.update", "updated user "+u.Email
		if ch.Disabled != nil && before.Disabled != u.Disabled {
			action, summary = "user.disable", "disabled user "+u.Email
			if !u.Disabled {
				action, summary = "user.enable", "enabled user "+u.Email
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: action, ObjectType: "user", ObjectID: u.ID, Summary: summary, Before: before, After: u})
	})
	return after, err
}

// lastAdminGuard refuses a change that leaves no enabled platform admin.
func (s *Service) lastAdminGuard(ctx context.Context, tx *db.Tx) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE platform_role = 'admin' AND disabled = FALSE`).Scan(&n); err != nil {
		return fmt.Errorf("auth: count admins: %w", err)
	}
	if n == 0 {
		return errs.Conflict("this would leave the platform without an enabled administrator")
	}
	return nil
}

// SetPassword sets id's password. When current is non-nil it must match the
// existing password (a user changing their own). Every session and link of
// the user ends, except that the caller may start a fresh session.
func (s *Service) SetPassword(ctx context.Context, id, password string, current *string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		if current != nil {
			if ok, _ := CheckPassword(u.passwordHash, *current); !ok {
				return &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
					Fields: []errs.FieldError{{Field: "current_password", Message: "is not your current password"}}}
			}
		}
		return s.setPassword(ctx, tx, u, password, "user.password.change", "changed the password of "+u.Email)
	})
}

func (s *Service) setPassword(ctx context.Context, tx *db.Tx, u User, password, action, summary string) error {
	if p := PasswordProblem(password, u.Email, u.Name); p != "" {
		return &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
			Fields: []errs.FieldError{{Field: "password", Message: p}}}
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	now := s.now()
	u.passwordHash = h
	u.HasPassword = true
	u.sessionsValidAfter = now
	u.failedLogins = 0
	u.LockedUntil = nil
	u.UpdatedAt = now
	if err := saveUser(ctx, tx, u); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE user_links SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, u.ID, now); err != nil {
		return fmt.Errorf("auth: void links: %w", err)
	}
	return audit.Record(ctx, tx, now, audit.Event{Action: action, ObjectType: "user", ObjectID: u.ID, Summary: summary})
}

// Unlock clears a lockout after failed sign-ins.
func (s *Service) Unlock(ctx context.Context, id string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		u.failedLogins, u.LockedUntil, u.UpdatedAt = 0, nil, s.now()
		if err := saveUser(ctx, tx, u); err != nil {
			return err
		}
		return audit.Record(ctx, tx, u.UpdatedAt, audit.Event{Action: "user.unlock", ObjectType: "user", ObjectID: u.ID, Summary: "unlocked " + u.Email})
	})
}
