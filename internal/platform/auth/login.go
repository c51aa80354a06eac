package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// ErrBadCredentials is the one answer to a wrong e-mail, a wrong password or
// a disabled account before the password is known, so sign-in reveals nothing.
var ErrBadCredentials = errs.Unauthenticated("wrong e-mail address or password")

// Login checks an e-mail and password from ip. It answers the user and
// whether a TOTP code is still needed; the sign-in is complete (and recorded)
// only after CompleteLogin.
func (s *Service) Login(ctx context.Context, email, password, ip string) (User, bool, error) {
	if ok, wait := s.loginIPs.Allow(ctx, ip); !ok {
		return User{}, false, errs.RateLimited(wait, "too many sign-in attempts from your address; wait %d seconds", wait)
	}
	u, err := getUser(ctx, s.db, "email = $1", NormalizeEmail(email))
	if errs.KindOf(err) == errs.KindNotFound {
		CheckPassword(dummyHash, password)
		return User{}, false, ErrBadCredentials
	}
	if err != nil {
		return User{}, false, err
	}
	now := s.now()
	ok, rehash := CheckPassword(u.passwordHash, password)
	if locked(u, now) {
		// Say that the account is locked only to someone who knows its
		// password; to anyone else it looks like any wrong guess.
		if !ok {
			return User{}, false, ErrBadCredentials
		}
		return User{}, false, lockedErr(u)
	}
	if !ok {
		return User{}, false, s.failedLogin(ctx, u, ip, "password")
	}
	if u.Disabled {
		return User{}, false, errs.Unauthenticated("this account is disabled; ask your administrator")
	}
	if rehash {
		if h, err := HashPassword(password); err == nil {
			_, _ = s.db.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, u.ID, h)
		}
	}
	return u, u.TOTPEnabled, nil
}

func locked(u User, now time.Time) bool { return u.LockedUntil != nil && now.Before(*u.LockedUntil) }

func lockedErr(u User) error {
	return errs.Unauthenticated("too many failed sign-ins: the account is locked until %s UTC", u.LockedUntil.Format("15:04"))
}

// LoginTOTP checks the second factor of a sign-in that passed Login.
func (s *Service) LoginTOTP(ctx context.Context, userID, code, ip string) (User, error) {
	if ok, wait := s.loginIPs.Allow(ctx, ip); !ok {
		return User{}, errs.RateLimited(wait, "too many sign-in attempts from your address; wait %d seconds", wait)
	}
	var out User
	var failed bool
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "id = $1", userID)
		if err != nil {
			return err
		}
		if u.Disabled || !u.TOTPEnabled {
			return ErrBadCredentials
		}
		if locked(u, s.now()) {
			return lockedErr(u)
		}
		secret, err := s.key.Open(u.totpSecret)
		if err != nil {
			return fmt.Errorf("auth: totp secret of %s: %w", u.Email, err)
		}
		out = u
		step, ok := matchTOTP(string(secret), code, s.now())
		if !ok {
			failed = true
			return nil
		}
		// Accept the step only if it is newer than the last accepted one, in
		// one conditional update: two requests racing with the same code
		// cannot both win.
		n, err := tx.Exec(ctx, `UPDATE users SET totp_last_step = $2, updated_at = $3 WHERE id = $1 AND totp_last_step < $2`, u.ID, step, s.now())
		if err != nil {
			return fmt.Errorf("auth: totp step: %w", err)
		}
		failed = n == 0
		return nil
	})
	if err != nil {
		return User{}, err
	}
	if failed {
		if err := s.failedLogin(ctx, out, ip, "totp"); err != nil && errs.KindOf(err) != errs.KindUnauthenticated {
			return User{}, err
		}
		return User{}, errs.Unauthenticated("the code is wrong or was already used; enter the current code from your authenticator app")
	}
	return out, nil
}

func (s *Service) failedLogin(ctx context.Context, u User, ip, factor string) error {
	s.log.Warn("failed sign-in", "user", u.Email, "ip", ip, "factor", factor)
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		now := s.now()
		var n int
		if err := tx.QueryRow(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins`, u.ID).Scan(&n); err != nil {
			return fmt.Errorf("auth: count failure: %w", err)
		}
		if n < s.lockN {
			return nil
		}
		until := now.Add(s.lockFor)
		if _, err := tx.Exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = $2, updated_at = $3 WHERE id = $1`, u.ID, until, now); err != nil {
			return fmt.Errorf("auth: lock: %w", err)
		}
		return audit.Record(audit.WithActor(ctx, audit.Actor{Email: "system: sign-in guard", IP: ip}), tx, now, audit.Event{
			Action: "user.lock", ObjectType: "user", ObjectID: u.ID,
			Summary: fmt.Sprintf("locked %s until %s after %d failed sign-ins", u.Email, until.Format(time.RFC3339), n)})
	})
	if err != nil {
		return err
	}
	return ErrBadCredentials
}

// CompleteLogin records a successful sign-in and returns the identity.
func (s *Service) CompleteLogin(ctx context.Context, userID, ip, method string) (*Identity, error) {
	now := s.now()
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "id = $1", userID)
		if err != nil {
			return err
		}
		u.LastLoginAt, u.failedLogins, u.LockedUntil = &now, 0, nil
		if err := saveUser(ctx, tx, u); err != nil {
			return err
		}
		return audit.Record(audit.WithActor(ctx, audit.Actor{UserID: u.ID, Email: u.Email, IP: ip}), tx, now,
			audit.Event{Action: "user.login", ObjectType: "user", ObjectID: u.ID, Summary: u.Email + " signed in (" + method + ")"})
	})
	if err != nil {
		return nil, err
	}
	id, err := s.Identity(ctx, userID)
	if err != nil {
		return nil, err
	}
	id.Method, id.IP = method, ip
	return id, nil
}

// Identity loads the user and memberships behind a session. It fails for a
// disabled user, so a disabled account's sessions stop working at once.
func (s *Service) Identity(ctx context.Context, userID string) (*Identity, error) {
	var id *Identity
	err := s.db.Read(ctx, func(q db.Querier) error {
		u, err := getUser(ctx, q, "id = $1", userID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return errs.Unauthenticated("this account is disabled")
		}
		ms, err := membershipsOf(ctx, q, userID)
		if err != nil {
			return err
		}
		id = &Identity{User: u, Memberships: ms, Method: MethodSession}
		return nil
	})
	return id, err
}

// SessionValid reports whether a session that authenticated at authAt is still good for u.
func SessionValid(u User, authAt time.Time) bool {
	return !u.Disabled && !authAt.Before(u.sessionsValidAfter)
}
