package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pquerna/otp"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/seal"
)

// Options configure the Service.
type Options struct {
	DB     *db.DB
	Outbox *notify.Outbox
	Key    *seal.Key
	Now    func() time.Time
	Log    *slog.Logger
	// BaseURL is the public URL of the server, for links in e-mail.
	BaseURL string
	// Issuer names the service in authenticator apps.
	Issuer string
	// LockoutThreshold failed sign-ins in a row lock the account for LockoutDuration.
	LockoutThreshold int
	LockoutDuration  time.Duration
}

// Service runs accounts, credentials and sessions' identities.
type Service struct {
	db       *db.DB
	outbox   *notify.Outbox
	key      *seal.Key
	now      func() time.Time
	log      *slog.Logger
	baseURL  string
	issuer   string
	lockN    int
	lockFor  time.Duration
	loginIPs *Limiter
	resetIPs *Limiter
	basic    *basicCache
}

// NewService makes the service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.LockoutThreshold <= 0 {
		o.LockoutThreshold = 8
	}
	if o.LockoutDuration <= 0 {
		o.LockoutDuration = 15 * time.Minute
	}
	if o.Issuer == "" {
		o.Issuer = "certhub"
	}
	return &Service{
		db: o.DB, outbox: o.Outbox, key: o.Key, now: o.Now, log: o.Log, baseURL: strings.TrimRight(o.BaseURL, "/"),
		issuer: o.Issuer, lockN: o.LockoutThreshold, lockFor: o.LockoutDuration,
		// Ten quick attempts from one address, then one every six seconds.
		loginIPs: NewLimiter(10, 6*time.Second, o.Now), basic: newBasicCache(),
		resetIPs: NewLimiter(5, time.Minute, o.Now),
	}
}

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

// ErrBadCredentials is the one answer to a wrong e-mail, a wrong password or
// a disabled account before the password is known, so sign-in reveals nothing.
var ErrBadCredentials = errs.Unauthenticated("wrong e-mail address or password")

// Login checks an e-mail and password from ip. It answers the user and
// whether a TOTP code is still needed; the sign-in is complete (and recorded)
// only after CompleteLogin.
func (s *Service) Login(ctx context.Context, email, password, ip string) (User, bool, error) {
	if ok, wait := s.loginIPs.Allow(ip); !ok {
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
	if ok, wait := s.loginIPs.Allow(ip); !ok {
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

// BeginTOTP makes a new secret for userID to enrol; nothing is stored until
// EnableTOTP confirms a code from it.
func (s *Service) BeginTOTP(ctx context.Context, userID string) (*otp.Key, error) {
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	return NewTOTPKey(s.issuer, u.Email)
}

// EnableTOTP turns on the second factor after checking a code from secret.
func (s *Service) EnableTOTP(ctx context.Context, userID, secret, code string) error {
	step, ok := matchTOTP(secret, code, s.now())
	if !ok {
		return &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
			Fields: []errs.FieldError{{Field: "code", Message: "does not match; check the clock of the device and enter the current code"}}}
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "id = $1", userID)
		if err != nil {
			return err
		}
		if u.TOTPEnabled {
			// Replacing the second factor must not be easier than removing it,
			// which needs the password.
			return errs.Conflict("two-factor sign-in is already on; turn it off (with your password) before enrolling another device")
		}
		now := s.now()
		u.totpSecret, u.TOTPEnabled, u.totpLastStep, u.UpdatedAt = s.key.Seal([]byte(secret)), true, step, now
		if err := saveUser(ctx, tx, u); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "user.totp.enable", ObjectType: "user", ObjectID: u.ID, Summary: "enabled two-factor sign-in for " + u.Email})
	})
}

// DisableTOTP turns the second factor off. When password is non-nil it must
// be the user's password (a user turning off their own).
func (s *Service) DisableTOTP(ctx context.Context, userID string, password *string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "id = $1", userID)
		if err != nil {
			return err
		}
		if password != nil {
			if ok, _ := CheckPassword(u.passwordHash, *password); !ok {
				return &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
					Fields: []errs.FieldError{{Field: "current_password", Message: "is not your current password"}}}
			}
		}
		if !u.TOTPEnabled {
			return nil
		}
		now := s.now()
		u.totpSecret, u.TOTPEnabled, u.UpdatedAt = "", false, now
		if err := saveUser(ctx, tx, u); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "user.totp.disable", ObjectType: "user", ObjectID: u.ID, Summary: "turned off two-factor sign-in for " + u.Email})
	})
}

// NewToken is the input for CreateToken.
type NewToken struct {
	Name      string     `json:"name"`
	Scopes    []Scope    `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// CreateToken issues an API token for userID on behalf of caller and returns
// it with its secret, which exists nowhere else afterwards. A caller that is
// itself a token may only mint tokens within its own scopes, and only for
// its own user.
func (s *Service) CreateToken(ctx context.Context, caller *Identity, userID string, in NewToken) (Token, string, error) {
	if caller == nil || (!caller.IsSystem() && caller.User.ID != userID) {
		return Token{}, "", errs.Forbidden("you may create tokens only for yourself")
	}
	if caller.Scopes != nil {
		for _, sc := range in.Scopes {
			if !slices.Contains(caller.Scopes, sc) {
				return Token{}, "", errs.Forbidden("a token cannot create a token with a scope (%s) it does not have itself", sc)
			}
		}
	}
	var f errs.Fields
	in.Name = strings.TrimSpace(in.Name)
	checkName(&f, in.Name)
	if len(in.Scopes) == 0 {
		in.Scopes = []Scope{ScopeRead}
	}
	for i, sc := range in.Scopes {
		if !slices.Contains(Scopes, sc) {
			f.Add(fmt.Sprintf("scopes[%d]", i), "must be read, write or admin")
		}
	}
	now := s.now()
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		f.Add("expires_at", "must be in the future")
	}
	if err := f.Err(); err != nil {
		return Token{}, "", err
	}
	slices.Sort(in.Scopes)
	in.Scopes = slices.Compact(in.Scopes)
	raw, hash, prefix := newToken()
	t := Token{ID: db.NewID(), UserID: userID, Name: in.Name, Prefix: prefix, Scopes: in.Scopes, ExpiresAt: in.ExpiresAt, CreatedAt: now, UpdatedAt: now}
	if t.ExpiresAt != nil {
		e := t.ExpiresAt.UTC().Truncate(time.Microsecond)
		t.ExpiresAt = &e
	}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "id = $1", userID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return errs.Conflict("the user is disabled")
		}
		if slices.Contains(t.Scopes, ScopeAdmin) && u.PlatformRole != PlatformAdmin {
			return &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
				Fields: []errs.FieldError{{Field: "scopes", Message: "admin scope is only for platform administrators"}}}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO api_tokens (id, user_id, name, prefix, hash, expires_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, t.ID, userID, t.Name, prefix, hash, t.ExpiresAt, now, now); err != nil {
			return fmt.Errorf("auth: create token: %w", err)
		}
		if err := saveTokenScopes(ctx, tx, t); err != nil {
			return fmt.Errorf("auth: create token: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "token.create", ObjectType: "token", ObjectID: t.ID,
			Summary: fmt.Sprintf("created API token %q (%s) for %s", t.Name, scopesString(t.Scopes), u.Email), After: t})
	})
	if err != nil {
		return Token{}, "", err
	}
	return t, raw, nil
}

// ListTokens returns userID's tokens, newest first.
func (s *Service) ListTokens(ctx context.Context, userID string) ([]Token, error) {
	var out []Token
	err := s.db.Read(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanToken(rows)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		return tokenScopes(ctx, q, out, `token_id IN (SELECT id FROM api_tokens WHERE user_id = $1)`, userID)
	})
	if err != nil {
		return nil, fmt.Errorf("auth: list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken ends one of userID's tokens.
func (s *Service) RevokeToken(ctx context.Context, userID, tokenID string) (Token, error) {
	var t Token
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		t, err = scanToken(tx.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = $1 AND user_id = $2`, tokenID, userID))
		if errors.Is(err, db.ErrNoRows) {
			return errs.NotFound("token not found")
		}
		if err == nil {
			t, err = withScopes(ctx, tx, t)
		}
		if err != nil {
			return fmt.Errorf("auth: revoke token: %w", err)
		}
		if t.RevokedAt != nil {
			return nil
		}
		now := s.now()
		t.RevokedAt, t.UpdatedAt = &now, now
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $2, updated_at = $2 WHERE id = $1`, t.ID, now); err != nil {
			return fmt.Errorf("auth: revoke token: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "token.revoke", ObjectType: "token", ObjectID: t.ID,
			Summary: fmt.Sprintf("revoked API token %q", t.Name)})
	})
	return t, err
}

// AuthenticateToken returns the identity behind a bearer token.
func (s *Service) AuthenticateToken(ctx context.Context, raw, ip string) (*Identity, error) {
	bad := errs.Unauthenticated("the API token is not valid, expired or revoked")
	if !looksLikeToken(raw) {
		return nil, bad
	}
	t, err := scanToken(s.db.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE hash = $1`, HashSecret(raw)))
	if errors.Is(err, db.ErrNoRows) {
		return nil, bad
	}
	if err == nil {
		t, err = withScopes(ctx, s.db, t)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: token lookup: %w", err)
	}
	now := s.now()
	if !t.Active(now) {
		return nil, bad
	}
	id, err := s.Identity(ctx, t.UserID)
	if errs.KindOf(err) == errs.KindUnauthenticated || errs.KindOf(err) == errs.KindNotFound {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	id.Method, id.TokenID, id.Scopes, id.IP = MethodToken, t.ID, t.Scopes, ip
	// Recording every use would turn each API read into a write; a minute's
	// precision is enough to see which tokens are alive.
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		_, _ = s.db.Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, t.ID, now)
	}
	return id, nil
}

// AuthenticateBasic accepts HTTP Basic credentials (TAXII requires them):
// the user's e-mail with either one of their API tokens or their password.
// A password is refused for accounts with TOTP, which Basic cannot carry.
func (s *Service) AuthenticateBasic(ctx context.Context, email, secret, ip string) (*Identity, error) {
	if looksLikeToken(secret) {
		id, err := s.AuthenticateToken(ctx, secret, ip)
		if err != nil {
			return nil, err
		}
		if id.User.Email != NormalizeEmail(email) {
			return nil, ErrBadCredentials
		}
		id.Method = MethodBasic
		return id, nil
	}
	key := s.basic.sum(NormalizeEmail(email), secret)
	if e, ok := s.basic.get(key, s.now()); ok {
		u, err := getUser(ctx, s.db, "id = $1", e.userID)
		if err == nil && u.passwordHash == e.hash && !u.Disabled && !locked(u, s.now()) && !u.TOTPEnabled {
			id, err := s.Identity(ctx, u.ID)
			if err != nil {
				return nil, err
			}
			id.Method, id.IP = MethodBasic, ip
			return id, nil
		}
		s.basic.drop(key) // changed, disabled or locked since: check afresh
	}
	u, needTOTP, err := s.Login(ctx, email, secret, ip)
	if err != nil {
		return nil, err
	}
	if needTOTP {
		return nil, errs.Unauthenticated("this account uses two-factor sign-in: use an API token as the password")
	}
	s.basic.put(key, basicEntry{userID: u.ID, hash: u.passwordHash, until: s.now().Add(basicTTL)})
	id, err := s.Identity(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	id.Method, id.IP = MethodBasic, ip
	return id, nil
}

// One-time links.
const (
	linkInvite = "invite"
	linkReset  = "reset"
)

var linkLifetime = map[string]time.Duration{linkInvite: 72 * time.Hour, linkReset: time.Hour}

func (s *Service) sendLink(ctx context.Context, tx *db.Tx, u User, purpose string) error {
	raw, hash := NewLinkSecret()
	now := s.now()
	if _, err := tx.Exec(ctx, `INSERT INTO user_links (hash, user_id, purpose, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)`,
		hash, u.ID, purpose, now.Add(linkLifetime[purpose]), now); err != nil {
		return fmt.Errorf("auth: issue link: %w", err)
	}
	link := s.baseURL + "/account/password?token=" + url.QueryEscape(raw)
	var m notify.Mail
	switch purpose {
	case linkInvite:
		m = notify.Mail{Subject: "Your account at " + s.issuer, Tag: "user.invite", Text: fmt.Sprintf(
			"Hello %s,\n\nan account was created for you at %s.\nChoose your password here (the link works once, for 72 hours):\n\n%s\n\nIf you did not expect this message, ignore it.\n",
			u.Name, s.issuer, link)}
	default:
		m = notify.Mail{Subject: "Reset your password at " + s.issuer, Tag: "user.reset", Text: fmt.Sprintf(
			"Hello %s,\n\nsomeone (probably you) asked to reset your password at %s.\nChoose a new password here (the link works once, for one hour):\n\n%s\n\nIf you did not ask for this, ignore this message; your password stays as it is.\n",
			u.Name, s.issuer, link)}
	}
	m.To = []string{u.Email}
	if err := s.outbox.Send(ctx, tx, m); err != nil {
		return err
	}
	return audit.Record(ctx, tx, now, audit.Event{Action: "user.link." + purpose, ObjectType: "user", ObjectID: u.ID,
		Summary: "sent a " + purpose + " link to " + u.Email})
}

// SendInvite e-mails userID a link to choose a password.
func (s *Service) SendInvite(ctx context.Context, userID string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "id = $1", userID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return errs.Conflict("the user is disabled")
		}
		return s.sendLink(ctx, tx, u, linkInvite)
	})
}

// RequestReset e-mails a reset link to the address if it belongs to an
// enabled account. The answer is the same either way, so it reveals nothing.
func (s *Service) RequestReset(ctx context.Context, email, ip string) error {
	if ok, wait := s.resetIPs.Allow(ip); !ok {
		return errs.RateLimited(wait, "too many requests from your address; wait %d seconds", wait)
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "email = $1", NormalizeEmail(email))
		if errs.KindOf(err) == errs.KindNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if u.Disabled {
			return nil
		}
		return s.sendLink(audit.WithActor(ctx, audit.Actor{Email: "system: password reset", IP: ip}), tx, u, linkReset)
	})
}

func (s *Service) linkUser(ctx context.Context, q db.Querier, raw string) (User, string, error) {
	bad := errs.NotFound("this link is not valid: it was used, replaced or has expired; ask for a new one")
	if raw == "" || len(raw) > 100 {
		return User{}, "", bad
	}
	var userID, purpose string
	var expires time.Time
	var used *time.Time
	err := q.QueryRow(ctx, `SELECT user_id, purpose, expires_at, used_at FROM user_links WHERE hash = $1`, HashSecret(raw)).Scan(&userID, &purpose, &expires, &used)
	if errors.Is(err, db.ErrNoRows) {
		return User{}, "", bad
	}
	if err != nil {
		return User{}, "", fmt.Errorf("auth: link: %w", err)
	}
	if used != nil || !s.now().Before(expires) {
		return User{}, "", bad
	}
	u, err := getUser(ctx, q, "id = $1", userID)
	if err != nil {
		return User{}, "", err
	}
	if u.Disabled {
		return User{}, "", bad
	}
	return u, purpose, nil
}

// LinkUser tells whose link raw is and what for, without using it.
func (s *Service) LinkUser(ctx context.Context, raw string) (User, string, error) {
	return s.linkUser(ctx, s.db, raw)
}

// UseLink sets a new password through a one-time link and returns the user.
func (s *Service) UseLink(ctx context.Context, raw, password string) (User, error) {
	var out User
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		u, purpose, err := s.linkUser(ctx, tx, raw)
		if err != nil {
			return err
		}
		// Claim the link in one conditional update, so it works once even
		// when two requests race.
		n, err := tx.Exec(ctx, `UPDATE user_links SET used_at = $2 WHERE hash = $1 AND used_at IS NULL`, HashSecret(raw), s.now())
		if err != nil {
			return fmt.Errorf("auth: claim link: %w", err)
		}
		if n != 1 {
			return errs.NotFound("this link is not valid: it was used, replaced or has expired; ask for a new one")
		}
		ctx := audit.WithActor(ctx, audit.Actor{UserID: u.ID, Email: u.Email, IP: audit.ActorFrom(ctx).IP})
		if err := s.setPassword(ctx, tx, u, password, "user.password."+purpose, u.Email+" set a password through a "+purpose+" link"); err != nil {
			return err
		}
		out, err = getUser(ctx, tx, "id = $1", u.ID)
		return err
	})
	return out, err
}

// CountUsers reports how many accounts exist (the first start creates the admin).
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// CountAccounts counts the accounts that are enabled and those disabled.
func (s *Service) CountAccounts(ctx context.Context) (enabled, disabled int, err error) {
	err = s.db.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN disabled THEN 0 ELSE 1 END), 0),
		COALESCE(SUM(CASE WHEN disabled THEN 1 ELSE 0 END), 0) FROM users`).Scan(&enabled, &disabled)
	if err != nil {
		return 0, 0, fmt.Errorf("auth: count accounts: %w", err)
	}
	return enabled, disabled, nil
}

// Memberships returns userID's memberships.
func (s *Service) Memberships(ctx context.Context, userID string) ([]Membership, error) {
	return membershipsOf(ctx, s.db, userID)
}

// CleanSessions deletes expired sessions and spent links.
func (s *Service) CleanSessions(ctx context.Context) (int64, error) {
	now := s.now()
	n, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE expiry < $1`, now)
	if err != nil {
		return 0, fmt.Errorf("auth: clean sessions: %w", err)
	}
	if _, err := s.db.Exec(ctx, `DELETE FROM user_links WHERE expires_at < $1`, now.Add(-7*24*time.Hour)); err != nil {
		return n, fmt.Errorf("auth: clean links: %w", err)
	}
	return n, nil
}

// GetUserTx is GetUser inside a transaction.
func (s *Service) GetUserTx(ctx context.Context, q db.Querier, id string) (User, error) {
	return getUser(ctx, q, "id = $1", id)
}

// UserByEmailTx is UserByEmail inside a transaction.
func (s *Service) UserByEmailTx(ctx context.Context, q db.Querier, email string) (User, error) {
	return getUser(ctx, q, "email = $1", NormalizeEmail(email))
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// RecordLogout notes in the audit log that id signed out.
func (s *Service) RecordLogout(ctx context.Context, id *Identity) {
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, s.now(), audit.Event{Action: "user.logout", ObjectType: "user", ObjectID: id.User.ID,
			Summary: id.User.Email + " signed out"})
	})
	if err != nil {
		s.log.Error("record sign-out", "err", err)
	}
}

// SetBaseURL changes the public URL used in e-mailed links; call it before serving.
func (s *Service) SetBaseURL(u string) { s.baseURL = strings.TrimRight(u, "/") }

// SealSecret encrypts a short secret with the server key, for keeping it in
// a browser session (a TOTP secret during enrolment).
func (s *Service) SealSecret(v string) string { return s.key.Seal([]byte(v)) }

// OpenSecret decrypts what SealSecret made.
func (s *Service) OpenSecret(v string) (string, error) {
	b, err := s.key.Open(v)
	return string(b), err
}
