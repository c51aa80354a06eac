package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/certhub/certhub/internal/platform/db"
)

// SessionStore keeps scs sessions in the database, keyed by the SHA-256 of
// the cookie value, so a copy of the table cannot be replayed as cookies.
type SessionStore struct {
	db  *db.DB
	now func() time.Time
}

// NewSessionStore returns a store over d.
func NewSessionStore(d *db.DB, now func() time.Time) *SessionStore {
	return &SessionStore{db: d, now: now}
}

func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var data []byte
	err := s.db.QueryRow(ctx, `SELECT data FROM sessions WHERE token = $1 AND expiry > $2`, HashSecret(token), s.now()).Scan(&data)
	if errors.Is(err, db.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("auth: find session: %w", err)
	}
	return data, true, nil
}

func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
			ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
			HashSecret(token), b, expiry.UTC().Truncate(time.Microsecond))
		return err
	})
}

func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, HashSecret(token))
	return err
}

func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}
func (s *SessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// NewSessionManager configures browser sessions: twelve hours at most, two
// hours idle, HttpOnly, SameSite=Lax, and Secure with the __Host- prefix
// when served over TLS.
func NewSessionManager(store *SessionStore, secure bool) *scs.SessionManager {
	sm := scs.New()
	sm.Store = store
	sm.Lifetime = 12 * time.Hour
	sm.IdleTimeout = 2 * time.Hour
	sm.Cookie.Name = "certhub_session"
	if secure {
		sm.Cookie.Name = "__Host-certhub_session"
	}
	sm.Cookie.HttpOnly = true
	sm.Cookie.Secure = secure
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = false
	return sm
}

// Session keys.
const (
	SessionUserID      = "uid"
	SessionAuthAt      = "auth_at"
	SessionPendingUser = "pending_uid" // passed the password, waiting for TOTP
	SessionPendingAt   = "pending_at"
	SessionTOTPSecret  = "totp_enrol" // a secret being enrolled
	SessionFlash       = "flash"
)
