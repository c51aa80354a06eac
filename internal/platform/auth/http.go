package auth

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

type identityKey struct{}

// WithIdentity returns ctx carrying id, which also becomes the audit actor.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	ctx = context.WithValue(ctx, identityKey{}, id)
	return audit.WithActor(ctx, id.Actor())
}

// FromContext returns the caller's identity, or nil for an anonymous request.
func FromContext(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey{}).(*Identity)
	return id
}

// Authenticate works out who is calling — a bearer token or a browser
// session — and puts the identity in the request context. It lets anonymous
// requests through (public pages exist); handlers that need a user ask
// RequireAPI or the page equivalent. A bearer token that is not valid is
// answered 401 at once instead of falling back to a cookie.
func (s *Service) Authenticate(sm *scs.SessionManager) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			ip := httpx.ClientIP(ctx)
			ctx = audit.WithActor(ctx, audit.Actor{IP: ip})
			if h := r.Header.Get("Authorization"); h != "" {
				scheme, cred, _ := strings.Cut(h, " ")
				if !strings.EqualFold(scheme, "Bearer") {
					// Basic is for TAXII only (its own handler); anything else is refused here.
					if strings.EqualFold(scheme, "Basic") && strings.HasPrefix(r.URL.Path, "/taxii2/") {
						next.ServeHTTP(w, r.WithContext(ctx))
						return
					}
					httpx.WriteProblem(w, r, errs.Unauthenticated("use Authorization: Bearer <API token>"))
					return
				}
				if s.isForeign(strings.TrimSpace(cred)) {
					next.ServeHTTP(w, r.WithContext(ctx))
					return
				}
				id, err := s.AuthenticateToken(ctx, strings.TrimSpace(cred), ip)
				if err != nil {
					httpx.WriteProblem(w, r, err)
					return
				}
				if !safeMethod(r.Method) && !id.HasScope(ScopeWrite) {
					httpx.WriteProblem(w, r, errs.Forbidden("this API token has no write scope"))
					return
				}
				next.ServeHTTP(w, r.WithContext(WithIdentity(ctx, id)))
				return
			}
			if uid := sm.GetString(ctx, SessionUserID); uid != "" {
				authAt := time.UnixMicro(sm.GetInt64(ctx, SessionAuthAt))
				id, err := s.Identity(ctx, uid)
				switch {
				case err == nil && SessionValid(id.User, authAt):
					id.Method, id.IP = MethodSession, ip
					ctx = WithIdentity(ctx, id)
				case err == nil || errs.KindOf(err) == errs.KindUnauthenticated || errs.KindOf(err) == errs.KindNotFound:
					// Password changed, account disabled or deleted: the session is over.
					_ = sm.Destroy(ctx)
				default:
					httpx.WriteProblem(w, r, err)
					return
				}
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// StartSession signs the user into the browser session: a new session token
// (no fixation), the user and the moment of authentication.
func StartSession(ctx context.Context, sm *scs.SessionManager, userID string, at time.Time) error {
	if err := sm.RenewToken(ctx); err != nil {
		return err
	}
	sm.Remove(ctx, SessionPendingUser)
	sm.Remove(ctx, SessionPendingAt)
	sm.Put(ctx, SessionUserID, userID)
	sm.Put(ctx, SessionAuthAt, at.UnixMicro())
	return nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// RequireAPI rejects anonymous API requests with 401.
func RequireAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if FromContext(r.Context()) == nil {
			httpx.WriteProblem(w, r, errs.Unauthenticated("sign in or send Authorization: Bearer <API token>"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
