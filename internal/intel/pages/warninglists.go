package pages

import (
	"net/http"
	"strings"

	"github.com/certhub/certhub/internal/intel/warninglist"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/web"
)

// The console's warninglist pages: every list with its switch, a form to
// load a MISP list, a check of values, and one list's values.

type warninglistsData struct {
	Staff  bool
	Lists  []warninglist.Info
	Check  string
	Checks []warninglist.ValueCheck
}

func (p *Pages) warninglists(w http.ResponseWriter, r *http.Request) error {
	return p.renderWarninglists(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderWarninglists(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	d := warninglistsData{Staff: id.IsStaff(), Check: r.URL.Query().Get("check")}
	var err error
	if d.Lists, err = p.s.Warninglists().All(ctx, id); err != nil {
		return err
	}
	if values := splitValues(d.Check); len(values) > 0 {
		if d.Checks, err = p.s.Warninglists().Check(ctx, id, values); err != nil {
			return err
		}
	}
	page.Title, page.Section, page.Data = "Warninglists", "intel", d
	p.rd.Render(w, r, status, "intel/warninglists", page)
	return nil
}

// splitValues reads values typed one a line, or separated by commas or
// spaces.
func splitValues(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' })
}

// loadWarninglist takes a MISP list as a file; a list that cannot be used
// is shown on the page with why.
func (p *Pages) loadWarninglist(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	part, _, err := formFile(w, r, warninglist.MaxBytes+1<<20)
	if err != nil {
		return err
	}
	if part == nil {
		return p.renderWarninglists(w, r, http.StatusUnprocessableEntity, web.Page{Problem: "Choose a file to load."})
	}
	l, err := warninglist.Load(part)
	if err == nil {
		var info warninglist.Info
		var created bool
		if info, created, err = p.s.Warninglists().Put(ctx, id, l); err == nil {
			if created {
				p.rd.Flash(r, "Loaded "+info.Name+".")
			} else {
				p.rd.Flash(r, "Replaced the values of "+info.Name+".")
			}
			http.Redirect(w, r, "/console/intel/warninglists/"+info.ID, http.StatusSeeOther)
			return nil
		}
	}
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindConflict) {
		return p.renderWarninglists(w, r, http.StatusUnprocessableEntity,
			web.Page{Problem: part.FileName() + " was not loaded: " + e.Message + ".", Errors: e.Fields})
	}
	return err
}

// maxShownValues bounds the values one list's page shows.
const maxShownValues = 2000

type warninglistData struct {
	warninglist.Info
	Staff bool
	Shown []string
}

func (p *Pages) warninglist(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	l, err := p.s.Warninglists().Get(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := warninglistData{Info: l, Staff: id.IsStaff(), Shown: l.List[:min(len(l.List), maxShownValues)]}
	p.rd.Render(w, r, http.StatusOK, "intel/warninglist", web.Page{Title: l.Name, Section: "intel", Data: d})
	return nil
}

func (p *Pages) warninglistAction(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id := r.Context(), auth.FromContext(r.Context())
	key := r.PathValue("id")
	switch action := r.PostForm.Get("action"); action {
	case "enable", "disable":
		l, err := p.s.Warninglists().SetEnabled(ctx, id, key, action == "enable")
		if err != nil {
			return err
		}
		p.rd.Flash(r, map[bool]string{true: "Enabled ", false: "Disabled "}[l.Enabled]+l.Name+".")
		http.Redirect(w, r, "/console/intel/warninglists", http.StatusSeeOther)
		return nil
	case "delete":
		l, err := p.s.Warninglists().Get(ctx, id, key)
		if err != nil {
			return err
		}
		if err := p.s.Warninglists().Delete(ctx, id, key); err != nil {
			return err
		}
		p.rd.Flash(r, "Deleted "+l.Name+".")
		http.Redirect(w, r, "/console/intel/warninglists", http.StatusSeeOther)
		return nil
	default:
		return errs.Invalid("unknown action")
	}
}
