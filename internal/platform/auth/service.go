package auth

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
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
	// basicLogins lets concurrent requests with the same HTTP Basic pair
	// share one password check (a TAXII client's parallel pages).
	basicLogins singleflight.Group
	// foreign are the prefixes of bearer tokens that are not API tokens
	// (a domain's own credentials, such as a gateway's ingest token):
	// Authenticate lets them through to the handler, anonymous.
	foreign []string
}

// AllowForeignTokens lets bearer tokens starting with prefix through
// Authenticate without an identity: the handler that takes them checks
// them itself. Call it while wiring, before serving.
func (s *Service) AllowForeignTokens(prefix string) { s.foreign = append(s.foreign, prefix) }

func (s *Service) isForeign(cred string) bool {
	for _, p := range s.foreign {
		if strings.HasPrefix(cred, p) {
			return true
		}
	}
	return false
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
		loginIPs: NewSharedLimiter(o.DB, "auth.login", 10, 6*time.Second, o.Now), basic: newBasicCache(),
		resetIPs: NewSharedLimiter(o.DB, "auth.reset", 5, time.Minute, o.Now),
	}
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
	// Sessions' expiries are stamped by scs with the real clock.
	n, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE expiry < $1`, time.Now())
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
