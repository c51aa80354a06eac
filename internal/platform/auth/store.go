package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

const userColumns = `id, email, name, password_hash, platform_role, totp_secret, totp_enabled, totp_last_step,
	disabled, failed_logins, locked_until, last_login_at, sessions_valid_after, time_zone, created_at, updated_at`

func scanUser(r db.Row) (User, error) {
	var u User
	err := r.Scan(&u.ID, &u.Email, &u.Name, &u.passwordHash, &u.PlatformRole, &u.totpSecret, &u.TOTPEnabled,
		&u.totpLastStep, &u.Disabled, &u.failedLogins, &u.LockedUntil, &u.LastLoginAt, &u.sessionsValidAfter,
		&u.TimeZone, &u.CreatedAt, &u.UpdatedAt)
	u.HasPassword = u.passwordHash != ""
	return u, err
}

func getUser(ctx context.Context, q db.Querier, where string, arg any) (User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, db.ErrNoRows) {
		return User{}, errs.NotFound("user not found")
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: load user: %w", err)
	}
	return u, nil
}

func insertUser(ctx context.Context, q db.Querier, u User) error {
	_, err := q.Exec(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		u.ID, u.Email, u.Name, u.passwordHash, string(u.PlatformRole), u.totpSecret, u.TOTPEnabled, u.totpLastStep,
		u.Disabled, u.failedLogins, u.LockedUntil, u.LastLoginAt, u.sessionsValidAfter, u.TimeZone, u.CreatedAt, u.UpdatedAt)
	if db.IsUniqueViolation(err) {
		return &errs.Error{Kind: errs.KindConflict, Message: "a user with this e-mail address exists",
			Fields: []errs.FieldError{{Field: "email", Message: "is already registered"}}}
	}
	if err != nil {
		return fmt.Errorf("auth: insert user: %w", err)
	}
	return nil
}

// saveUser writes every mutable column of u.
func saveUser(ctx context.Context, q db.Querier, u User) error {
	_, err := q.Exec(ctx, `UPDATE users SET name = $2, password_hash = $3, platform_role = $4, totp_secret = $5,
		totp_enabled = $6, totp_last_step = $7, disabled = $8, failed_logins = $9, locked_until = $10,
		last_login_at = $11, sessions_valid_after = $12, time_zone = $13, updated_at = $14 WHERE id = $1`,
		u.ID, u.Name, u.passwordHash, string(u.PlatformRole), u.totpSecret, u.TOTPEnabled, u.totpLastStep, u.Disabled,
		u.failedLogins, u.LockedUntil, u.LastLoginAt, u.sessionsValidAfter, u.TimeZone, u.UpdatedAt)
	if err != nil {
		return fmt.Errorf("auth: save user: %w", err)
	}
	return nil
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Query string // matches e-mail or name
	OrgID string // members of this organisation
	After string // cursor: the last e-mail of the previous page
	Limit int
}

func listUsers(ctx context.Context, q db.Querier, f UserFilter) ([]User, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Query != "" {
		p := "%" + db.EscapeLike(strings.ToLower(f.Query)) + "%"
		where = append(where, fmt.Sprintf(`(email LIKE %s ESCAPE '\' OR LOWER(name) LIKE %s ESCAPE '\')`, arg(p), arg(p)))
	}
	if f.OrgID != "" {
		where = append(where, `id IN (SELECT user_id FROM memberships WHERE org_id = `+arg(f.OrgID)+`)`)
	}
	if f.After != "" {
		where = append(where, `email > `+arg(f.After))
	}
	query := `SELECT ` + userColumns + ` FROM users`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += fmt.Sprintf(` ORDER BY email LIMIT %d`, f.Limit+1)
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("auth: list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func membershipsOf(ctx context.Context, q db.Querier, userID string) ([]Membership, error) {
	rows, err := q.Query(ctx, `SELECT user_id, org_id, role, created_at FROM memberships WHERE user_id = $1 ORDER BY created_at, org_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("auth: memberships: %w", err)
	}
	defer rows.Close()
	var out []Membership
	for rows.Next() {
		var m Membership
		if err := rows.Scan(&m.UserID, &m.OrgID, &m.Role, &m.CreatedAt); err != nil {
			return nil, fmt.Errorf("auth: memberships: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Member is a membership with the user's name and address, for member lists.
type Member struct {
	Membership
	Email    string `json:"email"`
	Name     string `json:"name"`
	Disabled bool   `json:"disabled"`
}

// Members lists the members of orgID.
func Members(ctx context.Context, q db.Querier, orgID string) ([]Member, error) {
	by, err := MembersOf(ctx, q, []string{orgID})
	return by[orgID], err
}

// MembersOf returns the members of several organisations in one query, by
// organisation.
func MembersOf(ctx context.Context, q db.Querier, orgIDs []string) (map[string][]Member, error) {
	out := map[string][]Member{}
	if len(orgIDs) == 0 {
		return out, nil
	}
	ph, args := make([]string, len(orgIDs)), make([]any, len(orgIDs))
	for i, id := range orgIDs {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	rows, err := q.Query(ctx, `SELECT m.user_id, m.org_id, m.role, m.created_at, u.email, u.name, u.disabled
		FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id IN (`+strings.Join(ph, ", ")+`) ORDER BY u.name, u.email`, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.OrgID, &m.Role, &m.CreatedAt, &m.Email, &m.Name, &m.Disabled); err != nil {
			return nil, fmt.Errorf("auth: members: %w", err)
		}
		out[m.OrgID] = append(out[m.OrgID], m)
	}
	return out, rows.Err()
}

// PutMembership gives userID role in orgID (adding or changing it) and
// returns the previous role ("" when new). The caller checks permission and
// records the audit event.
func PutMembership(ctx context.Context, tx *db.Tx, userID, orgID string, role Role, at time.Time) (Role, error) {
	if !role.Valid() {
		return "", &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
			Fields: []errs.FieldError{{Field: "role", Message: "must be one of viewer, member, analyst, admin"}}}
	}
	var prev Role
	err := tx.QueryRow(ctx, `SELECT role FROM memberships WHERE user_id = $1 AND org_id = $2`, userID, orgID).Scan(&prev)
	if err != nil && !errors.Is(err, db.ErrNoRows) {
		return "", fmt.Errorf("auth: membership: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role`, userID, orgID, string(role), at)
	if db.IsForeignKeyViolation(err) {
		return "", errs.NotFound("no such user or organisation")
	}
	if err != nil {
		return "", fmt.Errorf("auth: put membership: %w", err)
	}
	return prev, nil
}

// RemoveMembership removes userID from orgID and returns the role it had.
func RemoveMembership(ctx context.Context, tx *db.Tx, userID, orgID string) (Role, error) {
	var prev Role
	err := tx.QueryRow(ctx, `DELETE FROM memberships WHERE user_id = $1 AND org_id = $2 RETURNING role`, userID, orgID).Scan(&prev)
	if errors.Is(err, db.ErrNoRows) {
		return "", errs.NotFound("the user is not a member of this organisation")
	}
	if err != nil {
		return "", fmt.Errorf("auth: remove membership: %w", err)
	}
	return prev, nil
}

// RemoveOrgMemberships removes every membership of orgID: an organisation
// the directory deletes (the kernel holds memberships by an opaque id).
func RemoveOrgMemberships(ctx context.Context, tx *db.Tx, orgID string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM memberships WHERE org_id = $1`, orgID); err != nil {
		return fmt.Errorf("auth: remove the organisation's memberships: %w", err)
	}
	return nil
}

const tokenColumns = `id, user_id, name, prefix, expires_at, last_used_at, revoked_at, created_at, updated_at`

// scanToken reads a token's row; its scopes are rows of their own
// (tokenScopes).
func scanToken(r db.Row) (Token, error) {
	var t Token
	err := r.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.ExpiresAt, &t.LastUsedAt, &t.RevokedAt, &t.CreatedAt, &t.UpdatedAt)
	return t, err
}

// tokenScopes fills in the scopes of tokens, read in one query: those
// whose ids are given, or every token of the user when where names it.
func tokenScopes(ctx context.Context, q db.Querier, tokens []Token, where string, arg any) error {
	if len(tokens) == 0 {
		return nil
	}
	at := make(map[string]int, len(tokens))
	for i := range tokens {
		at[tokens[i].ID] = i
		tokens[i].Scopes = []Scope{}
	}
	rows, err := q.Query(ctx, `SELECT token_id, scope FROM api_token_scopes WHERE `+where+` ORDER BY token_id, scope`, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var sc Scope
		if err := rows.Scan(&id, &sc); err != nil {
			return err
		}
		if i, ok := at[id]; ok {
			tokens[i].Scopes = append(tokens[i].Scopes, sc)
		}
	}
	return rows.Err()
}

// withScopes answers t with its scopes read.
func withScopes(ctx context.Context, q db.Querier, t Token) (Token, error) {
	ts := []Token{t}
	err := tokenScopes(ctx, q, ts, `token_id = $1`, t.ID)
	return ts[0], err
}

// saveTokenScopes writes a new token's scopes.
func saveTokenScopes(ctx context.Context, tx *db.Tx, t Token) error {
	for _, sc := range t.Scopes {
		if _, err := tx.Exec(ctx, `INSERT INTO api_token_scopes (token_id, scope) VALUES ($1, $2)`, t.ID, string(sc)); err != nil {
			return err
		}
	}
	return nil
}

func scopesString(ss []Scope) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, " ")
}

// Handlers answers the addresses of the members who handle their
// organisation's work (analysts and administrators, not disabled): whom
// a domain mails about that work.
func Handlers(people []Member) []string {
	var to []string
	for _, m := range people {
		if m.Role.AtLeast(RoleAnalyst) && !m.Disabled {
			to = append(to, m.Email)
		}
	}
	return to
}
