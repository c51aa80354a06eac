package account

import (
	"bytes"
	"embed"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/pquerna/otp"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the account pages for the renderer.
func Templates() web.Templates {
	return web.TemplatesIn("account", templateFS)
}

// Pages serves sign-in, the account page and user administration.
type Pages struct {
	svc   *Service
	users *auth.Service
	rd    *web.Renderer
	sm    *scs.SessionManager
}

// NewPages makes the page handlers.
func NewPages(svc *Service, users *auth.Service, rd *web.Renderer, sm *scs.SessionManager) *Pages {
	return &Pages{svc: svc, users: users, rd: rd, sm: sm}
}

// Register adds the routes.
func (p *Pages) Register(rt *httpx.Router) {
	open := func(pattern string, f web.HandlerFunc) { rt.Handle(pattern, p.rd.Handler(f)) }
	user := p.rd.SignedIn(rt)
	open("GET /login", p.loginForm)
	open("POST /login", p.login)
	open("GET /login/totp", p.totpForm)
	open("POST /login/totp", p.totp)
	open("POST /logout", p.logout)
	open("GET /login/forgot", p.forgotForm)
	open("POST /login/forgot", p.forgot)
	open("GET /account/password", p.linkForm)
	open("POST /account/password", p.useLink)
	user("GET /account", p.account)
	user("POST /account/profile", p.profile)
	user("POST /account/password/change", p.changePassword)
	user("GET /account/totp", p.totpEnrol)
	user("GET /account/totp/qr.png", p.totpQR)
	user("POST /account/totp", p.totpEnable)
	user("POST /account/totp/disable", p.totpDisable)
	user("POST /account/tokens", p.createToken)
	user("POST /account/tokens/{id}/revoke", p.revokeToken)
	user("GET /console/users", p.userList)
	user("GET /console/users/new", p.userNew)
	user("POST /console/users", p.userCreate)
	user("GET /console/users/{id}", p.userShow)
	user("POST /console/users/{id}", p.userUpdate)
	user("POST /console/users/{id}/unlock", p.userUnlock)
	user("POST /console/users/{id}/invite", p.userInvite)
	user("POST /console/users/{id}/totp-reset", p.userTOTPReset)
}

// pendingTTL bounds the time between the password and the TOTP step.
const pendingTTL = 5 * time.Minute

func (p *Pages) loginForm(w http.ResponseWriter, r *http.Request) error {
	if auth.FromContext(r.Context()) != nil {
		http.Redirect(w, r, web.SafeNext(r.URL.Query().Get("next"), "/console"), http.StatusSeeOther)
		return nil
	}
	p.rd.Render(w, r, http.StatusOK, "account/login", web.Page{Title: "Sign in", Form: r.URL.Query()})
	return nil
}

func (p *Pages) login(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, ip := r.Context(), httpx.ClientIP(r.Context())
	email, password, next := r.PostForm.Get("email"), r.PostForm.Get("password"), web.SafeNext(r.PostForm.Get("next"), "/console")
	u, needTOTP, err := p.users.Login(ctx, email, password, ip)
	if err != nil {
		return p.loginFailed(w, r, "account/login", err)
	}
	if needTOTP {
		if err := p.sm.RenewToken(ctx); err != nil {
			return err
		}
		p.sm.Put(ctx, auth.SessionPendingUser, u.ID)
		p.sm.Put(ctx, auth.SessionPendingAt, p.users.Now().UnixMicro())
		http.Redirect(w, r, "/login/totp?next="+url.QueryEscape(next), http.StatusSeeOther)
		return nil
	}
	return p.finishLogin(w, r, u.ID, next)
}

// loginFailed shows the form again with the e-mail typed and the reason;
// the password is never echoed back.
func (p *Pages) loginFailed(w http.ResponseWriter, r *http.Request, page string, err error) error {
	e := errs.As(err)
	if e == nil || (e.Kind != errs.KindUnauthenticated && e.Kind != errs.KindRateLimited) {
		return err
	}
	if e.Kind == errs.KindRateLimited {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	form := r.PostForm
	form.Del("password")
	form.Del("code")
	status, _, _ := httpx.Status(err)
	p.rd.Render(w, r, status, page, web.Page{Title: "Sign in", Form: form, Problem: e.Message})
	return nil
}

func (p *Pages) finishLogin(w http.ResponseWriter, r *http.Request, userID, next string) error {
	ctx := r.Context()
	if _, err := p.users.CompleteLogin(ctx, userID, httpx.ClientIP(ctx), auth.MethodSession); err != nil {
		return err
	}
	if err := auth.StartSession(ctx, p.sm, userID, p.users.Now()); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (p *Pages) pendingUser(r *http.Request) string {
	ctx := r.Context()
	uid := p.sm.GetString(ctx, auth.SessionPendingUser)
	at := time.UnixMicro(p.sm.GetInt64(ctx, auth.SessionPendingAt))
	if uid == "" || p.users.Now().Sub(at) > pendingTTL {
		return ""
	}
	return uid
}

func (p *Pages) totpForm(w http.ResponseWriter, r *http.Request) error {
	if p.pendingUser(r) == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	p.rd.Render(w, r, http.StatusOK, "account/totp_login", web.Page{Title: "Sign in", Form: r.URL.Query()})
	return nil
}

func (p *Pages) totp(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	uid := p.pendingUser(r)
	if uid == "" {
		p.rd.Flash(r, "The sign-in took too long; enter your password again.")
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	u, err := p.users.LoginTOTP(r.Context(), uid, r.PostForm.Get("code"), httpx.ClientIP(r.Context()))
	if err != nil {
		return p.loginFailed(w, r, "account/totp_login", err)
	}
	return p.finishLogin(w, r, u.ID, web.SafeNext(r.PostForm.Get("next"), "/console"))
}

func (p *Pages) logout(w http.ResponseWriter, r *http.Request) error {
	if id := auth.FromContext(r.Context()); id != nil {
		p.users.RecordLogout(r.Context(), id)
	}
	if err := p.sm.Destroy(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (p *Pages) forgotForm(w http.ResponseWriter, r *http.Request) error {
	p.rd.Render(w, r, http.StatusOK, "account/forgot", web.Page{Title: "Forgot your password"})
	return nil
}

func (p *Pages) forgot(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	if err := p.users.RequestReset(r.Context(), r.PostForm.Get("email"), httpx.ClientIP(r.Context())); err != nil {
		if errs.KindOf(err) == errs.KindRateLimited {
			return p.loginFailed(w, r, "account/forgot", err)
		}
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "account/forgot", web.Page{Title: "Forgot your password", Data: true})
	return nil
}

func (p *Pages) linkForm(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	u, purpose, err := p.users.LinkUser(r.Context(), token)
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "account/set_password", web.Page{Title: "Choose a password",
		Data: map[string]any{"Email": u.Email, "Purpose": purpose}, Form: r.URL.Query()})
	return nil
}

func (p *Pages) useLink(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	token, pw := r.PostForm.Get("token"), r.PostForm.Get("password")
	u, purpose, err := p.users.LinkUser(r.Context(), token)
	if err != nil {
		return err
	}
	if pw != r.PostForm.Get("confirm") {
		err = &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
			Fields: []errs.FieldError{{Field: "confirm", Message: "does not match the password"}}}
	} else {
		_, err = p.users.UseLink(r.Context(), token, pw)
	}
	if err != nil {
		e := errs.As(err)
		if e == nil || e.Kind != errs.KindInvalid {
			return err
		}
		p.rd.Render(w, r, http.StatusUnprocessableEntity, "account/set_password", web.Page{Title: "Choose a password",
			Data: map[string]any{"Email": u.Email, "Purpose": purpose}, Form: map[string][]string{"token": {token}}, Errors: e.Fields})
		return nil
	}
	p.rd.Flash(r, "Your password is set. Sign in with it now.")
	http.Redirect(w, r, "/login?email="+url.QueryEscape(u.Email), http.StatusSeeOther)
	return nil
}

type accountData struct {
	Detail    Detail
	Tokens    []auth.Token
	NewToken  *auth.Token
	Secret    string
	Scopes    []auth.Scope
	Now       time.Time
	TimeZones []string
}

func (p *Pages) account(w http.ResponseWriter, r *http.Request) error {
	return p.renderAccount(w, r, http.StatusOK, web.Page{}, nil, "")
}

func (p *Pages) renderAccount(w http.ResponseWriter, r *http.Request, status int, page web.Page, newToken *auth.Token, secret string) error {
	id := auth.FromContext(r.Context())
	d, err := p.svc.Get(r.Context(), id, id.User.ID)
	if err != nil {
		return err
	}
	tokens, err := p.users.ListTokens(r.Context(), id.User.ID)
	if err != nil {
		return err
	}
	scopes := []auth.Scope{auth.ScopeRead, auth.ScopeWrite}
	if id.User.PlatformRole == auth.PlatformAdmin {
		scopes = append(scopes, auth.ScopeAdmin)
	}
	page.Title, page.Section = "Your account", "account"
	page.Data = accountData{Detail: d, Tokens: tokens, NewToken: newToken, Secret: secret, Scopes: scopes, Now: p.users.Now(), TimeZones: commonZones}
	if page.Form == nil {
		page.Form = map[string][]string{"name": {d.Name}, "time_zone": {d.TimeZone}, "token_days": {"90"}}
	}
	p.rd.Render(w, r, status, "account/account", page)
	return nil
}

// commonZones are offered in the profile form; any IANA name is accepted.
var commonZones = []string{"UTC", "Asia/Karachi", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo",
	"Europe/London", "Europe/Berlin", "Europe/Istanbul", "Africa/Nairobi", "America/New_York", "America/Los_Angeles",
	"Australia/Sydney"}

func (p *Pages) formProblem(w http.ResponseWriter, r *http.Request, err error) error {
	e := errs.As(err)
	if e == nil || (e.Kind != errs.KindInvalid && e.Kind != errs.KindConflict) {
		return err
	}
	page := web.Page{Form: r.PostForm, Errors: e.Fields}
	if len(e.Fields) == 0 {
		page.Problem = e.Message
	}
	status, _, _ := httpx.Status(err)
	return p.renderAccount(w, r, status, page, nil, "")
}

func (p *Pages) profile(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	name, tz := r.PostForm.Get("name"), r.PostForm.Get("time_zone")
	if _, err := p.svc.Update(r.Context(), id, id.User.ID, auth.UserChanges{Name: &name, TimeZone: &tz}); err != nil {
		return p.formProblem(w, r, err)
	}
	p.rd.Flash(r, "Saved your profile.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

func (p *Pages) changePassword(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id := r.Context(), auth.FromContext(r.Context())
	cur, pw := r.PostForm.Get("current_password"), r.PostForm.Get("password")
	var err error
	if pw != r.PostForm.Get("confirm") {
		err = &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
			Fields: []errs.FieldError{{Field: "confirm", Message: "does not match the new password"}}}
	} else {
		err = p.users.SetPassword(ctx, id.User.ID, pw, &cur)
	}
	if err != nil {
		r.PostForm.Del("current_password")
		r.PostForm.Del("password")
		r.PostForm.Del("confirm")
		return p.formProblem(w, r, err)
	}
	// Every other session ended with the change; this one starts afresh.
	if err := auth.StartSession(ctx, p.sm, id.User.ID, p.users.Now()); err != nil {
		return err
	}
	p.rd.Flash(r, "Changed your password. Other sessions were signed out.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// enrolKey returns the TOTP key being enrolled, kept sealed in the session
// between the page with the QR code and the confirmation.
func (p *Pages) enrolKey(r *http.Request) (*otp.Key, error) {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	if id.User.TOTPEnabled {
		return nil, errs.Conflict("two-factor sign-in is already on; turn it off (with your password) before enrolling another device")
	}
	if sealed := p.sm.GetString(ctx, auth.SessionTOTPSecret); sealed != "" {
		if raw, err := p.users.OpenSecret(sealed); err == nil {
			return otp.NewKeyFromURL(raw)
		}
	}
	key, err := p.users.BeginTOTP(ctx, id.User.ID)
	if err != nil {
		return nil, err
	}
	p.sm.Put(ctx, auth.SessionTOTPSecret, p.users.SealSecret(key.URL()))
	return key, nil
}

func (p *Pages) totpEnrol(w http.ResponseWriter, r *http.Request) error {
	if auth.FromContext(r.Context()).User.TOTPEnabled {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	}
	key, err := p.enrolKey(r)
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "account/totp_enrol", web.Page{Title: "Two-factor sign-in", Section: "account",
		Data: map[string]string{"Secret": key.Secret(), "URL": key.URL()}})
	return nil
}

func (p *Pages) totpQR(w http.ResponseWriter, r *http.Request) error {
	key, err := p.enrolKey(r)
	if err != nil {
		return err
	}
	img, err := key.Image(220, 220)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}

func (p *Pages) totpEnable(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id := r.Context(), auth.FromContext(r.Context())
	key, err := p.enrolKey(r)
	if err != nil {
		return err
	}
	if err := p.users.EnableTOTP(ctx, id.User.ID, key.Secret(), r.PostForm.Get("code")); err != nil {
		e := errs.As(err)
		if e == nil || e.Kind != errs.KindInvalid {
			return err
		}
		p.rd.Render(w, r, http.StatusUnprocessableEntity, "account/totp_enrol", web.Page{Title: "Two-factor sign-in", Section: "account",
			Data: map[string]string{"Secret": key.Secret(), "URL": key.URL()}, Errors: e.Fields})
		return nil
	}
	p.sm.Remove(ctx, auth.SessionTOTPSecret)
	p.rd.Flash(r, "Two-factor sign-in is on. You will be asked for a code at every sign-in.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

func (p *Pages) totpDisable(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	pw := r.PostForm.Get("current_password")
	if err := p.users.DisableTOTP(r.Context(), id.User.ID, &pw); err != nil {
		r.PostForm.Del("current_password")
		return p.formProblem(w, r, err)
	}
	p.rd.Flash(r, "Two-factor sign-in is off.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

func (p *Pages) createToken(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	in := auth.NewToken{Name: r.PostForm.Get("token_name")}
	for _, s := range r.PostForm["scopes"] {
		in.Scopes = append(in.Scopes, auth.Scope(s))
	}
	var perr error
	if d := strings.TrimSpace(r.PostForm.Get("token_days")); d != "" && d != "0" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 3660 {
			perr = &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
				Fields: []errs.FieldError{{Field: "token_days", Message: "must be a number of days from 1 to 3660, or 0 for no expiry"}}}
		} else {
			t := p.users.Now().Add(time.Duration(n) * 24 * time.Hour)
			in.ExpiresAt = &t
		}
	}
	if perr != nil {
		return p.formProblem(w, r, perr)
	}
	t, secret, err := p.users.CreateToken(r.Context(), id, id.User.ID, in)
	if err != nil {
		if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
			fields := make(errs.Fields, 0, len(e.Fields))
			for _, f := range e.Fields {
				if f.Field == "name" {
					f.Field = "token_name"
				}
				fields = append(fields, f)
			}
			e.Fields = fields
		}
		return p.formProblem(w, r, err)
	}
	// Shown once, on this response; the list afterwards has only its prefix.
	return p.renderAccount(w, r, http.StatusCreated, web.Page{Flash: "Created the token. Copy it now: it is not shown again."}, &t, secret)
}

func (p *Pages) revokeToken(w http.ResponseWriter, r *http.Request) error {
	t, err := p.users.RevokeToken(r.Context(), auth.FromContext(r.Context()).User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Revoked the token "+t.Name+".")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}
