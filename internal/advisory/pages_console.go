package advisory

import (
	"embed"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the publication pages.
func Templates() web.Templates {
	return web.TemplatesIn("advisory", templateFS)
}

func init() {
	web.RegisterLabels(map[string]string{
		"draft": "Draft", "in_review": "In review", "approved": "Approved", "published": "Published",
		"advisory": "Advisory", "alert": "Alert", "guideline": "Guideline", "news": "News",
		"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low", "none": "None",
		"first_fixed": "First fixed", "recommended": "Recommended",
		"vendor_fix": "Vendor fix", "mitigation": "Mitigation", "workaround": "Workaround",
		"none_available": "No fix available", "no_fix_planned": "No fix planned",
		"content.title": "Title", "content.summary": "Summary", "content.products": "Products",
		"content.vulnerabilities": "Vulnerabilities", "content.references": "References", "revision_note": "What the correction changes",
		"publish_at": "Publish at",
	})
}

// Pages are the console's publication pages.
type Pages struct {
	s  *Service
	rd *web.Renderer
}

// NewPages makes the handlers.
func NewPages(s *Service, rd *web.Renderer) *Pages { return &Pages{s: s, rd: rd} }

// Register adds the routes.
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/advisories", p.list)
	h("GET /console/advisories/new", p.newForm)
	h("POST /console/advisories", p.create)
	h("POST /console/advisories/import", p.importCSAF)
	h("GET /console/advisories/{id}", p.detail)
	h("GET /console/advisories/{id}/edit", p.editForm)
	h("POST /console/advisories/{id}/edit", p.update)
	h("POST /console/advisories/{id}/action", p.action)
	h("GET /console/advisories/{id}/csaf.json", p.preview)
	h("POST /console/cases/{id}/advisory", p.fromCase)
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	items, total, err := p.s.List(r.Context(), auth.FromContext(r.Context()), Filter{Status: q.Get("status"), Kind: q.Get("kind"),
		Query: q.Get("q"), Limit: 50, Offset: (page - 1) * 50})
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "advisory/console_list", web.Page{Title: "Publications", Section: "publications",
		Data: map[string]any{"Items": items, "Total": total, "Page": page, "More": page*50 < total, "Kinds": Kinds}})
	return nil
}

// editData is the editor's data.
type editData struct {
	A          Advisory
	New        bool
	Kinds      []Kind
	Statuses   []string
	Severities []string
	Remedies   []string
	Products   []Product // the advisory's and two empty rows
	Vulns      []Vuln    // the advisory's and one empty
	Orgs       []directory.Summary
	People     string // the people named as recipients, an e-mail address a line
}

func (p *Pages) editPage(w http.ResponseWriter, r *http.Request, status int, a Advisory, isNew bool, form url.Values, err error) error {
	d := editData{A: a, New: isNew, Kinds: Kinds, Statuses: ProductStatuses, Severities: Severities, Remedies: RemediationCategories}
	d.Products = append(append([]Product{}, a.Content.Products...), Product{}, Product{})
	d.Vulns = append(append([]Vuln{}, a.Content.Vulns...), Vuln{Status: map[string]string{}})
	if form != nil {
		d.People = form.Get("recipient_users")
	} else {
		people, perr := p.s.NamedPeople(r.Context(), a.RecipientUsers)
		if perr != nil {
			return perr
		}
		for _, u := range people {
			d.People += u.Email + "\n"
		}
	}
	orgs, oerr := p.s.orgs.All(r.Context(), system, directory.Filter{})
	if oerr != nil {
		return oerr
	}
	d.Orgs = orgs
	pg := web.Page{Title: "Edit " + a.TrackingID, Section: "publications", Data: d, Form: form}
	if isNew {
		pg.Title = "New publication"
	}
	if e := errs.As(err); e != nil {
		pg.Errors, pg.Problem = e.Fields, e.Message
		if len(e.Fields) > 0 {
			pg.Problem = ""
		}
	}
	p.rd.Render(w, r, status, "advisory/edit", pg)
	return nil
}

func (p *Pages) newForm(w http.ResponseWriter, r *http.Request) error {
	if !mayEdit(auth.FromContext(r.Context())) {
		return errs.Forbidden("only the coordination center's staff write publications")
	}
	kind := Kind(r.URL.Query().Get("kind"))
	if !kind.valid() {
		kind = KindAdvisory
	}
	return p.editPage(w, r, http.StatusOK, Advisory{Kind: kind, TLP: "CLEAR", Content: Content{Lang: "en"}}, true, nil, nil)
}

// inputFromForm reads the editor's form.
func inputFromForm(f url.Values) Input {
	in := Input{Kind: Kind(f.Get("kind")), TLP: f.Get("tlp"), RevisionNote: f.Get("revision_note"),
		Recipients: f["recipients"], RecipientUsers: strings.Fields(strings.ReplaceAll(f.Get("recipient_users"), ",", " "))}
	if c := strings.TrimSpace(f.Get("case_id")); c != "" {
		in.CaseID = &c
	}
	c := &in.Content
	c.Title, c.Summary, c.Details, c.Action = f.Get("title"), f.Get("summary"), f.Get("details"), f.Get("action")
	c.Severity, c.Lang = f.Get("severity"), f.Get("lang")
	c.Sectors = strings.Fields(strings.ReplaceAll(f.Get("sectors"), ",", " "))
	for _, line := range strings.Split(f.Get("references"), "\n") {
		if u, summary, _ := strings.Cut(strings.TrimSpace(line), " "); u != "" {
			c.References = append(c.References, Reference{URL: u, Summary: strings.TrimSpace(summary)})
		}
	}
	c.Acknowledgments = strings.Split(f.Get("acknowledgments"), "\n")
	for i := 0; ; i++ {
		k := fmt.Sprintf("products[%d].", i)
		if _, ok := f[k+"vendor"]; !ok {
			break
		}
		pr := Product{ID: strings.TrimSpace(f.Get(k + "id")), Vendor: f.Get(k + "vendor"), Name: f.Get(k + "name"),
			Versions: f.Get(k + "versions"), CPE: f.Get(k + "cpe"), PURL: f.Get(k + "purl")}
		if strings.TrimSpace(pr.Vendor+pr.Name+pr.Versions+pr.CPE+pr.PURL) == "" || f.Get(k+"delete") != "" {
			continue
		}
		c.Products = append(c.Products, pr)
	}
	for i := 0; ; i++ {
		k := fmt.Sprintf("vulnerabilities[%d].", i)
		if _, ok := f[k+"title"]; !ok {
			break
		}
		v := Vuln{CVE: f.Get(k + "cve"), Title: f.Get(k + "title"), Description: f.Get(k + "description"), CWE: f.Get(k + "cwe"),
			CVSS3: f.Get(k + "cvss3"), CVSS4: f.Get(k + "cvss4"), Exploited: f.Get(k+"exploited") != "", Status: map[string]string{}}
		if strings.TrimSpace(v.CVE+v.Title+v.Description) == "" || f.Get(k+"delete") != "" {
			continue
		}
		for key, vals := range f {
			if pid, ok := strings.CutPrefix(key, k+"status."); ok && len(vals) > 0 && vals[0] != "" {
				v.Status[pid] = vals[0]
			}
		}
		for _, line := range strings.Split(f.Get(k+"remediations"), "\n") {
			parts := strings.Split(line, "|")
			if len(parts) < 3 {
				continue
			}
			rem := Remediation{Category: strings.TrimSpace(parts[0]), Details: strings.TrimSpace(parts[2])}
			for _, id := range strings.FieldsFunc(parts[1], func(r rune) bool { return r == ',' || r == ' ' }) {
				rem.ProductIDs = append(rem.ProductIDs, id)
			}
			if len(parts) > 3 {
				rem.URL = strings.TrimSpace(parts[3])
			}
			v.Remediations = append(v.Remediations, rem)
		}
		c.Vulns = append(c.Vulns, v)
	}
	return in
}

func (p *Pages) create(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	in := inputFromForm(r.PostForm)
	a, err := p.s.Create(r.Context(), auth.FromContext(r.Context()), in)
	if errs.KindOf(err) == errs.KindInvalid {
		return p.editPage(w, r, http.StatusUnprocessableEntity, Advisory{Kind: in.Kind, TLP: in.TLP, Content: in.Content,
			Recipients: in.Recipients}, true, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Draft "+a.TrackingID+" created.")
	http.Redirect(w, r, "/console/advisories/"+a.ID, http.StatusSeeOther)
	return nil
}

func (p *Pages) editForm(w http.ResponseWriter, r *http.Request) error {
	d, err := p.s.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	return p.editPage(w, r, http.StatusOK, d.Advisory, false, nil, nil)
}

func (p *Pages) update(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	in := inputFromForm(r.PostForm)
	a, err := p.s.Update(r.Context(), id, r.PathValue("id"), in)
	if k := errs.KindOf(err); k == errs.KindInvalid || k == errs.KindConflict {
		d, gerr := p.s.Get(r.Context(), id, r.PathValue("id"))
		if gerr != nil {
			return gerr
		}
		cur := d.Advisory
		cur.Kind, cur.TLP, cur.Content, cur.RevisionNote, cur.Recipients = in.Kind, in.TLP, in.Content, in.RevisionNote, in.Recipients
		return p.editPage(w, r, http.StatusUnprocessableEntity, cur, false, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Saved.")
	http.Redirect(w, r, "/console/advisories/"+a.ID, http.StatusSeeOther)
	return nil
}

func (p *Pages) detail(w http.ResponseWriter, r *http.Request) error {
	return p.renderDetail(w, r, http.StatusOK, nil)
}

func (p *Pages) renderDetail(w http.ResponseWriter, r *http.Request, status int, actionErr error) error {
	id := auth.FromContext(r.Context())
	d, err := p.s.Get(r.Context(), id, r.PathValue("id"))
	if err != nil {
		return err
	}
	pg := web.Page{Title: d.Advisory.TrackingID, Section: "publications", Data: d}
	if e := errs.As(actionErr); e != nil {
		pg.Problem, pg.Errors = e.Message, e.Fields
	}
	p.rd.Render(w, r, status, "advisory/console_detail", pg)
	return nil
}

func (p *Pages) action(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	id, advID := auth.FromContext(r.Context()), r.PathValue("id")
	var err error
	msg := ""
	switch r.PostForm.Get("action") {
	case "submit":
		_, err = p.s.Submit(r.Context(), id, advID)
		msg = "Sent for review: a second person approves it."
	case "send_back":
		_, err = p.s.SendBack(r.Context(), id, advID, r.PostForm.Get("note"))
		msg = "Sent back to draft."
	case "approve":
		var at *time.Time
		if v := strings.TrimSpace(r.PostForm.Get("publish_at")); v != "" {
			t, perr := parseLocalTime(v)
			if perr != nil {
				var f errs.Fields
				f.Add("publish_at", "a date and time such as 2026-12-01T09:00 (UTC)")
				return p.renderDetail(w, r, http.StatusUnprocessableEntity, f.Err())
			}
			at = &t
		}
		var a Advisory
		a, err = p.s.Approve(r.Context(), id, advID, at)
		if a.Status == StatusPublished {
			msg = "Approved and published."
		} else if a.PublishAt != nil {
			msg = "Approved: it will be published on " + a.PublishAt.Format("2006-01-02 15:04 UTC") + "."
		}
	default:
		return errs.Invalid("unknown action")
	}
	switch errs.KindOf(err) {
	case errs.KindInvalid, errs.KindConflict, errs.KindForbidden:
		return p.renderDetail(w, r, http.StatusUnprocessableEntity, err)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/advisories/"+advID, http.StatusSeeOther)
	return nil
}

// parseLocalTime reads a datetime-local field (browsers send minutes, or
// seconds when the value has them) as UTC.
func parseLocalTime(v string) (time.Time, error) {
	var err error
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		var t time.Time
		if t, err = time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}

func (p *Pages) preview(w http.ResponseWriter, r *http.Request) error {
	doc, _, err := p.s.Preview(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(doc)
	return nil
}

func (p *Pages) importCSAF(w http.ResponseWriter, r *http.Request) error {
	if !mayEdit(auth.FromContext(r.Context())) { // before reading an upload of megabytes
		return errs.Forbidden("only the coordination center's staff import documents")
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxUpload+64<<10)
	if err := r.ParseMultipartForm(MaxUpload); err != nil {
		return &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "choose a CSAF document of at most 5 MiB"}
	}
	if err := web.CheckUTF8(r.MultipartForm.Value); err != nil {
		return err
	}
	file, _, err := r.FormFile("document")
	if err != nil {
		return errs.Invalid("choose a CSAF document (JSON) to import")
	}
	defer file.Close()
	body, err := io.ReadAll(io.LimitReader(file, MaxUpload))
	if err != nil {
		return err
	}
	var caseID *string
	if c := strings.TrimSpace(r.FormValue("case_id")); c != "" {
		caseID = &c
	}
	a, problems, err := p.s.Import(r.Context(), auth.FromContext(r.Context()), body, caseID)
	if len(problems) > 0 {
		p.rd.Render(w, r, http.StatusUnprocessableEntity, "advisory/import_problems", web.Page{Title: "The document is not valid",
			Section: "publications", Data: problems})
		return nil
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Imported as draft "+a.TrackingID+": review it before sending it for review.")
	http.Redirect(w, r, "/console/advisories/"+a.ID, http.StatusSeeOther)
	return nil
}

func (p *Pages) fromCase(w http.ResponseWriter, r *http.Request) error {
	id, err := p.s.DraftFromCaseID(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Advisory drafted from the case: complete it, then send it for review.")
	http.Redirect(w, r, "/console/advisories/"+id, http.StatusSeeOther)
	return nil
}
