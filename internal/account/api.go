package account

import (
	"net/http"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves /api/v1/me and /api/v1/users.
type API struct {
	svc   *Service
	users *auth.Service
}

// NewAPI makes the JSON handlers.
func NewAPI(svc *Service, users *auth.Service) *API { return &API{svc: svc, users: users} }

// Register adds the routes; protect wraps each handler (authentication).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/me", a.me)
	h("PATCH /api/v1/me", a.updateMe)
	h("GET /api/v1/me/tokens", a.tokens)
	h("POST /api/v1/me/tokens", a.createToken)
	h("DELETE /api/v1/me/tokens/{id}", a.revokeToken)
	h("GET /api/v1/users", a.list)
	h("POST /api/v1/users", a.create)
	h("GET /api/v1/users/{id}", a.get)
	h("PATCH /api/v1/users/{id}", a.update)
}

// meView is GET /api/v1/me: the caller, their memberships and how they authenticated.
type meView struct {
	Detail
	AuthMethod string       `json:"auth_method"`
	Scopes     []auth.Scope `json:"scopes,omitempty"`
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	id := auth.FromContext(r.Context())
	d, err := a.svc.Get(r.Context(), id, id.User.ID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, meView{Detail: d, AuthMethod: id.Method, Scopes: id.Scopes})
	return nil
}

func (a *API) updateMe(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name     *string `json:"name"`
		TimeZone *string `json:"time_zone"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	if _, err := a.svc.Update(r.Context(), id, id.User.ID, auth.UserChanges{Name: in.Name, TimeZone: in.TimeZone}); err != nil {
		return err
	}
	return a.me(w, r)
}

func (a *API) tokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.users.ListTokens(r.Context(), auth.FromContext(r.Context()).User.ID)
	if err != nil {
		return err
	}
	httpx.WriteList(w, ts, "")
	return nil
}

// tokenInput is POST /api/v1/me/tokens: a name, scopes and either an
// expiry time or a number of days.
type tokenInput struct {
	Name          string       `json:"name"`
	Scopes        []auth.Scope `json:"scopes"`
	ExpiresAt     *time.Time   `json:"expires_at"`
	ExpiresInDays *int         `json:"expires_in_days"`
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	var in tokenInput
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	exp := in.ExpiresAt
	if in.ExpiresInDays != nil {
		if *in.ExpiresInDays < 1 || *in.ExpiresInDays > 3660 {
			return &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
				Fields: []errs.FieldError{{Field: "expires_in_days", Message: "must be from 1 to 3660"}}}
		}
		t := a.users.Now().Add(time.Duration(*in.ExpiresInDays) * 24 * time.Hour)
		exp = &t
	}
	t, secret, err := a.users.CreateToken(r.Context(), id, id.User.ID, auth.NewToken{Name: in.Name, Scopes: in.Scopes, ExpiresAt: exp})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/me/tokens/"+t.ID)
	httpx.WriteJSON(w, http.StatusCreated, struct {
		Token  auth.Token `json:"token"`
		Secret string     `json:"secret"`
	}{t, secret})
	return nil
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.users.RevokeToken(r.Context(), auth.FromContext(r.Context()).User.ID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	p, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := auth.UserFilter{Query: strings.TrimSpace(q.Get("q")), OrgID: q.Get("org_id"), After: p.Cursor, Limit: p.Limit}
	us, next, err := a.svc.List(r.Context(), auth.FromContext(r.Context()), f)
	if err != nil {
		return err
	}
	httpx.WriteList(w, us, next)
	return nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	d, err := a.svc.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) create(w http.ResponseWriter, r *http.Request) error {
	var in auth.NewUser
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	u, err := a.svc.Create(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	httpx.WriteJSON(w, http.StatusCreated, u)
	return nil
}

func (a *API) update(w http.ResponseWriter, r *http.Request) error {
	var ch auth.UserChanges
	if err := httpx.DecodeJSON(w, r, &ch, 0); err != nil {
		return err
	}
	u, err := a.svc.Update(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), ch)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, u)
	return nil
}
