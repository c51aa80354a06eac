package pages

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/procurement"
	"github.com/certhub/certhub/internal/procurement/catalogue"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are procurement's console pages.
func Templates() web.Templates {
	return web.TemplatesIn("procurement", templateFS)
}

func init() {
	labels := map[string]string{"active": "Active", "suspended": "Suspended", "withdrawn": "Withdrawn",
		"field.valid_from": "Valid from", "field.valid_until": "Valid until", "field.categories": "Categories",
		"field.requirement": "Requirement", "field.catalogue": "Catalogue"}
	for _, c := range catalogue.Categories {
		labels[c] = strings.ToUpper(c[:1]) + strings.ReplaceAll(c[1:], "_", " ")
	}
	labels["iot_ot_device"], labels["vpn_gateway"] = "IoT/OT device", "VPN gateway"
	for _, m := range catalogue.Methods {
		labels[m] = strings.ToUpper(m[:1]) + strings.ReplaceAll(m[1:], "_", " ")
	}
	labels["sbom_review"] = "SBOM review"
	web.RegisterLabels(labels)
}

// Pages serves procurement's console pages.
type Pages struct {
	s  *procurement.Service
	rd *web.Renderer
}

// New makes the pages.
func New(s *procurement.Service, rd *web.Renderer) *Pages { return &Pages{s: s, rd: rd} }

// Register adds the routes (every one for a signed-in user).
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/procurement", p.overview)
	h("GET /console/procurement/labs/{id}", p.lab)
	h("POST /console/procurement/labs/{id}", p.setLab)
	h("GET /console/procurement/catalogues/{category}", p.catalogue)
	h("POST /console/procurement/catalogues/{category}", p.catalogueAction)
	p.registerEvaluations(h)
}

type overviewData struct {
	Staff        bool
	CanRequest   bool
	Labs         []procurement.Accreditation
	Unaccredited []directory.Summary
	Catalogues   []catalogue.Summary
	Categories   []string
}

func (p *Pages) overview(w http.ResponseWriter, r *http.Request) error {
	return p.renderOverview(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderOverview(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	d := overviewData{Staff: id.IsStaff(), CanRequest: canRequest(id), Categories: catalogue.Categories}
	var err error
	if d.Labs, err = p.s.Labs(ctx, id); err != nil {
		return err
	}
	if d.Staff {
		if d.Unaccredited, err = p.s.Unaccredited(ctx, id); err != nil {
			return err
		}
	}
	if d.Catalogues, err = p.s.Criteria().Latest(ctx); err != nil {
		return err
	}
	page.Title, page.Section, page.Data = "Procurement", "procurement", d
	p.rd.Render(w, r, status, "procurement/overview", page)
	return nil
}

type labData struct {
	Staff         bool
	Scorecard     *procurement.Scorecard
	ID, Name      string
	Accreditation *procurement.Accreditation
	Categories    []string
	States        []string
}

func (p *Pages) lab(w http.ResponseWriter, r *http.Request) error {
	return p.renderLab(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderLab(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id, orgID := r.Context(), auth.FromContext(r.Context()), r.PathValue("id")
	d := labData{Staff: id.IsStaff(), ID: orgID, Categories: catalogue.Categories, States: procurement.States}
	switch a, err := p.s.Lab(ctx, id, orgID); {
	case err == nil:
		d.Accreditation, d.Name = &a, a.Lab
	case errs.KindOf(err) != errs.KindNotFound || !d.Staff:
		return err
	default:
		// Staff accredit a lab of the directory that has none yet.
		labs, err := p.s.Unaccredited(ctx, id)
		if err != nil {
			return err
		}
		for _, l := range labs {
			if l.ID == orgID {
				d.Name = l.Name
			}
		}
		if d.Name == "" {
			return errs.NotFound("no lab of that ID")
		}
	}
	if procurement.ReadsWhole(id, orgID) {
		c, err := p.s.Scorecard(ctx, id, orgID)
		if err != nil {
			return err
		}
		d.Scorecard = &c
	}
	if page.Form == nil && d.Accreditation != nil {
		a := d.Accreditation
		page.Form = url.Values{"state": {a.State}, "valid_from": {a.ValidFrom.Format("2006-01-02")},
			"valid_until": {a.ValidUntil.Format("2006-01-02")}, "reason": {a.Reason}, "categories": a.Categories}
	}
	page.Title, page.Section, page.Data = d.Name, "procurement", d
	p.rd.Render(w, r, status, "procurement/lab", page)
	return nil
}

func (p *Pages) setLab(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	in := procurement.AccreditationInput{Categories: r.PostForm["categories"], State: r.PostForm.Get("state"),
		ValidFrom: r.PostForm.Get("valid_from"), ValidUntil: r.PostForm.Get("valid_until"), Reason: r.PostForm.Get("reason")}
	a, err := p.s.SetAccreditation(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		return p.renderLab(w, r, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: e.Fields, Problem: problem(e)})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Saved the accreditation of "+a.Lab+".")
	http.Redirect(w, r, "/console/procurement/labs/"+url.PathEscape(a.OrgID), http.StatusSeeOther)
	return nil
}

// formProblem is the message at the top of a form for an invalid input
// (problem) or a conflict (its message: the record changed or is in a
// state that forbids the action).
func formProblem(e *errs.Error) string {
	if e.Kind == errs.KindConflict {
		return e.Message + "."
	}
	return problem(e)
}

// problem is an invalid input's message for the top of a form: its
// fields are named beside them.
func problem(e *errs.Error) string {
	if len(e.Fields) > 0 {
		return ""
	}
	return e.Message + "."
}

type catalogueData struct {
	Staff     bool
	Category  string
	Catalogue *catalogue.Catalogue
	Versions  []catalogue.Summary
	Latest    bool
}

func (p *Pages) catalogue(w http.ResponseWriter, r *http.Request) error {
	return p.renderCatalogue(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderCatalogue(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id, category := r.Context(), auth.FromContext(r.Context()), r.PathValue("category")
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errs.NotFound("no such catalogue version")
		}
		version = n
	}
	versions, err := p.s.Criteria().Versions(ctx, category)
	if err != nil {
		return err
	}
	d := catalogueData{Staff: id.IsStaff(), Category: category, Versions: versions}
	switch c, err := p.s.Criteria().Get(ctx, category, version); {
	case err == nil:
		d.Catalogue, d.Latest = &c, len(versions) > 0 && versions[0].Version == c.Version
	case errs.KindOf(err) != errs.KindNotFound || version != 0:
		return err
	}
	page.Title, page.Section, page.Data = web.Label(category)+" criteria", "procurement", d
	p.rd.Render(w, r, status, "procurement/catalogue", page)
	return nil
}

// catalogueAction publishes a new version (action=publish, the JSON in
// "catalogue") or clarifies the shown one (action=clarify).
func (p *Pages) catalogueAction(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, category := r.Context(), auth.FromContext(r.Context()), r.PathValue("category")
	var err error
	var done, back string
	switch r.PostForm.Get("action") {
	case "publish":
		var c catalogue.Catalogue
		if c, err = p.s.Criteria().Publish(ctx, id, category, []byte(r.PostForm.Get("catalogue"))); err == nil {
			done, back = "Published version "+strconv.Itoa(c.Version)+".", "?version="+strconv.Itoa(c.Version)
		}
	case "clarify":
		version, _ := strconv.Atoi(r.PostForm.Get("version"))
		if _, err = p.s.Criteria().Clarify(ctx, id, category, version, r.PostForm.Get("requirement"), r.PostForm.Get("text")); err == nil {
			done, back = "Issued the clarification.", "?version="+strconv.Itoa(version)+"#clarifications"
		}
		r.URL.RawQuery = "version=" + strconv.Itoa(version)
	default:
		return errs.InvalidField("action", "publish or clarify")
	}
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		return p.renderCatalogue(w, r, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: e.Fields, Problem: problem(e)})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, done)
	http.Redirect(w, r, "/console/procurement/catalogues/"+url.PathEscape(category)+back, http.StatusSeeOther)
	return nil
}
