package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

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
	err := s.db.Write(ctx, func(tx *db.Tx) error { return s.insertToken(ctx, tx, t, hash) })
	if err != nil {
		return Token{}, "", err
	}
	return t, raw, nil
}

// CreateTokenTx issues a token inside tx, for a change that makes an
// account and its token together (a federation link's peer account); the
// caller has checked who may.
func (s *Service) CreateTokenTx(ctx context.Context, tx *db.Tx, userID string, in NewToken) (Token, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	if len(in.Scopes) == 0 {
		in.Scopes = []Scope{ScopeRead}
	}
	slices.Sort(in.Scopes)
	in.Scopes = slices.Compact(in.Scopes)
	now := s.now()
	raw, hash, prefix := newToken()
	t := Token{ID: db.NewID(), UserID: userID, Name: in.Name, Prefix: prefix, Scopes: in.Scopes, ExpiresAt: in.ExpiresAt, CreatedAt: now, UpdatedAt: now}
	if err := s.insertToken(ctx, tx, t, hash); err != nil {
		return Token{}, "", err
	}
	return t, raw, nil
}

// insertToken stores a new token, checked against its user, and audits it.
func (s *Service) insertToken(ctx context.Context, tx *db.Tx, t Token, hash string) error {
	now, userID, prefix := t.CreatedAt, t.UserID, t.Prefix
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
		t, err = s.RevokeTokenTx(ctx, tx, userID, tokenID)
		return err
	})
	return t, err
}

// RevokeTokenTx ends one of userID's tokens inside tx (nothing when it has
// ended already).
func (s *Service) RevokeTokenTx(ctx context.Context, tx *db.Tx, userID, tokenID string) (Token, error) {
	t, err := scanToken(tx.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = $1 AND user_id = $2`, tokenID, userID))
	if errors.Is(err, db.ErrNoRows) {
		return t, errs.NotFound("token not found")
	}
	if err == nil {
		t, err = withScopes(ctx, tx, t)
	}
	if err != nil {
		return t, fmt.Errorf("auth: revoke token: %w", err)
	}
	if t.RevokedAt != nil {
		return t, nil
	}
	now := s.now()
	t.RevokedAt, t.UpdatedAt = &now, now
	if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $2, updated_at = $2 WHERE id = $1`, t.ID, now); err != nil {
		return t, fmt.Errorf("auth: revoke token: %w", err)
	}
	return t, audit.Record(ctx, tx, now, audit.Event{Action: "token.revoke", ObjectType: "token", ObjectID: t.ID,
		Summary: fmt.Sprintf("revoked API token %q", t.Name)})
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
	// Requests that arrive with the pair while it is being checked wait for
	// that check: one argon2 hash and one sign-in attempt against the
	// address's limit, not one each (a client paging in parallel would run
	// into the limit before the first check was done).
	userID, err, _ := s.basicLogins.Do(string(key[:]), func() (any, error) {
		u, needTOTP, err := s.Login(context.WithoutCancel(ctx), email, secret, ip)
		if err != nil {
			return "", err
		}
		if needTOTP {
			return "", errs.Unauthenticated("this account uses two-factor sign-in: use an API token as the password")
		}
		s.basic.put(key, basicEntry{userID: u.ID, hash: u.passwordHash, until: s.now().Add(basicTTL)})
		return u.ID, nil
	})
	if err != nil {
		return nil, err
	}
	id, err := s.Identity(ctx, userID.(string))
	if err != nil {
		return nil, err
	}
	id.Method, id.IP = MethodBasic, ip
	return id, nil
}
