package pages

import (
	"net/http"

	"github.com/certhub/certhub/internal/intel/api"
	"github.com/certhub/certhub/internal/intel/asn"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/web"
)

// The console's AS table page: what is loaded, a lookup of addresses, and
// for the center's staff a form to load a dump and a button to remove it.

type asnTableData struct {
	Staff   bool
	Table   *asn.Info
	Lookup  string
	Origins []asn.Lookup
}

func (p *Pages) asnTable(w http.ResponseWriter, r *http.Request) error {
	return p.renderASNTable(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderASNTable(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	d := asnTableData{Staff: id.IsStaff(), Lookup: r.URL.Query().Get("lookup")}
	switch info, err := p.s.ASNTable().Info(ctx, id); {
	case err == nil:
		d.Table = &info
	case errs.KindOf(err) != errs.KindNotFound:
		return err
	}
	if values := splitValues(d.Lookup); len(values) > 0 && d.Table != nil {
		var err error
		if d.Origins, err = p.s.ASNTable().Lookup(ctx, id, values); err != nil {
			if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
				page.Problem, page.Errors = e.Message+".", e.Fields
			} else {
				return err
			}
		}
	}
	page.Title, page.Section, page.Data = "AS table", "intel", d
	p.rd.Render(w, r, status, "intel/asn", page)
	return nil
}

// asnTableAction loads a dump sent as the form's file, or deletes the
// table (action=delete, no file).
func (p *Pages) asnTableAction(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	part, form, err := formFile(w, r, asn.MaxBytes+1<<20)
	if err != nil {
		return err
	}
	if part == nil && form.Get("action") == "delete" {
		if err := p.s.ASNTable().Delete(ctx, id); err != nil {
			return err
		}
		p.rd.Flash(r, "Removed the AS table: addresses are no longer enriched nor routed by their AS.")
		http.Redirect(w, r, "/console/intel/asn", http.StatusSeeOther)
		return nil
	}
	if part == nil {
		return p.renderASNTable(w, r, http.StatusUnprocessableEntity, web.Page{Problem: "Choose a file to load."})
	}
	info, err := p.s.ASNTable().Load(ctx, id, part.FileName(), part)
	if err = api.ASNTooLarge(err); errs.KindOf(err) == errs.KindInvalid {
		e := errs.As(err)
		return p.renderASNTable(w, r, http.StatusUnprocessableEntity,
			web.Page{Problem: part.FileName() + " was not loaded: " + e.Message + ".", Errors: e.Fields})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Loaded "+info.Name+".")
	http.Redirect(w, r, "/console/intel/asn", http.StatusSeeOther)
	return nil
}
