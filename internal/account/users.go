package account

import (
	"net/http"
	"strings"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

type userListData struct {
	Users []auth.User
	Next  string
	Admin bool
}

func (p *Pages) userList(w http.ResponseWriter, r *http.Request) error {
	page, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	us, next, err := p.svc.List(r.Context(), id, auth.UserFilter{Query: strings.TrimSpace(r.URL.Query().Get("q")), After: page.Cursor, Limit: page.Limit})
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "account/users", web.Page{Title: "Users", Section: "users",
		Data: userListData{Users: us, Next: next, Admin: id.IsPlatformAdmin()}})
	return nil
}

var platformRoles = []auth.PlatformRole{auth.PlatformNone, auth.PlatformCoordinator, auth.PlatformAdmin}

func (p *Pages) userNew(w http.ResponseWriter, r *http.Request) error {
	if err := mustAdmin(auth.FromContext(r.Context())); err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "account/user_new", web.Page{Title: "New user", Section: "users", Data: platformRoles,
		Form: map[string][]string{"invite": {"on"}}})
	return nil
}

func (p *Pages) userCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := auth.NewUser{Email: f.Get("email"), Name: f.Get("name"), PlatformRole: auth.PlatformRole(f.Get("platform_role")),
		Invite: f.Get("invite") != "", TimeZone: f.Get("time_zone")}
	u, err := p.svc.Create(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		e := errs.As(err)
		if e == nil || (e.Kind != errs.KindInvalid && e.Kind != errs.KindConflict) {
			return err
		}
		status, _, _ := httpx.Status(err)
		p.rd.Render(w, r, status, "account/user_new", web.Page{Title: "New user", Section: "users", Data: platformRoles, Form: f, Errors: e.Fields})
		return nil
	}
	msg := "Created " + u.Email + "."
	if in.Invite {
		msg += " An invitation to choose a password was e-mailed."
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/users/"+u.ID, http.StatusSeeOther)
	return nil
}

type userData struct {
	Detail Detail
	Admin  bool
	Self   bool
	Roles  []auth.PlatformRole
	Locked bool
}

func (p *Pages) userShow(w http.ResponseWriter, r *http.Request) error {
	id := auth.FromContext(r.Context())
	d, err := p.svc.Get(r.Context(), id, r.PathValue("id"))
	if err != nil {
		return err
	}
	locked := d.LockedUntil != nil && p.users.Now().Before(*d.LockedUntil)
	p.rd.Render(w, r, http.StatusOK, "account/user", web.Page{Title: d.Name, Section: "users",
		Data: userData{Detail: d, Admin: id.IsPlatformAdmin(), Self: id.User.ID == d.ID, Roles: platformRoles, Locked: locked}})
	return nil
}

func (p *Pages) userUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	id, userID := auth.FromContext(r.Context()), r.PathValue("id")
	name := r.PostForm.Get("name")
	role := auth.PlatformRole(r.PostForm.Get("platform_role"))
	disabled := r.PostForm.Get("disabled") != ""
	ch := auth.UserChanges{Name: &name, PlatformRole: &role, Disabled: &disabled}
	if _, err := p.svc.Update(r.Context(), id, userID, ch); err != nil {
		if e := errs.As(err); e != nil && (e.Kind == errs.KindConflict || e.Kind == errs.KindInvalid) {
			d, gerr := p.svc.Get(r.Context(), id, userID)
			if gerr != nil {
				return gerr
			}
			status, _, _ := httpx.Status(err)
			p.rd.Render(w, r, status, "account/user", web.Page{Title: d.Name, Section: "users", Problem: e.Message, Errors: e.Fields,
				Data: userData{Detail: d, Admin: id.IsPlatformAdmin(), Self: id.User.ID == d.ID, Roles: platformRoles}})
			return nil
		}
		return err
	}
	p.rd.Flash(r, "Saved.")
	http.Redirect(w, r, "/console/users/"+userID, http.StatusSeeOther)
	return nil
}

func (p *Pages) userAction(w http.ResponseWriter, r *http.Request, do func() error, msg string) error {
	if err := do(); err != nil {
		return err
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/users/"+r.PathValue("id"), http.StatusSeeOther)
	return nil
}

func (p *Pages) userUnlock(w http.ResponseWriter, r *http.Request) error {
	return p.userAction(w, r, func() error {
		return p.svc.Unlock(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	}, "Unlocked the account.")
}

func (p *Pages) userInvite(w http.ResponseWriter, r *http.Request) error {
	return p.userAction(w, r, func() error {
		return p.svc.Invite(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	}, "E-mailed a link to choose a password.")
}

func (p *Pages) userTOTPReset(w http.ResponseWriter, r *http.Request) error {
	return p.userAction(w, r, func() error {
		return p.svc.ResetTOTP(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	}, "Turned off two-factor sign-in; the user can enrol a new device.")
}
