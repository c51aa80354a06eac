package directory

import (
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the directory's pages for the renderer.
func Templates() web.Templates {
	return web.TemplatesIn("directory", templateFS)
}

func init() {
	web.RegisterLabels(map[string]string{
		"coordination_center": "Coordination center", "national_cert": "National CERT", "sectoral_cert": "Sectoral CERT",
		"provincial_cert": "Provincial CERT", "government_cert": "Government CERT", "cii_cert": "CII CERT",
		"international_cert": "International CERT", "constituent": "Constituent", "vendor": "Vendor", "lab": "Accredited lab",
		"ministry": "Ministry", "banking": "Banking & finance", "telecom": "Telecommunications", "energy": "Energy & power",
		"health": "Health", "government": "Government", "transport": "Transport", "water": "Water", "education": "Education",
		"defence": "Defence", "ict": "ICT & digital services", "manufacturing": "Manufacturing", "media": "Media",
		"other": "Other", "24x7": "24/7 operations", "general": "General", "security": "Security team",
		"incident": "Incident reporting", "abuse": "Abuse", "management": "Management", "vulnerability": "Vulnerability disclosure",
		"constituency.cidrs": "Networks", "constituency.asns": "Autonomous systems", "constituency.domains": "Domains",
		"field.pgp_key": "OpenPGP key", "field.rfc2350": "RFC 2350", "field.cii": "CII", "field.parent_id": "Parent",
		"field.contacts": "Contact", "field.email": "E-mail", "field.available_24x7": "24/7",
	})
}

// Pages serves the directory in the console.
type Pages struct {
	svc *Service
	rd  *web.Renderer
}

// NewPages makes the page handlers.
func NewPages(svc *Service, rd *web.Renderer) *Pages { return &Pages{svc: svc, rd: rd} }

// Register adds the console routes.
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/orgs", p.list)
	h("GET /console/orgs/new", p.newForm)
	h("POST /console/orgs", p.create)
	h("GET /console/orgs/export", p.export)
	h("GET /console/orgs/{id}", p.show)
	h("GET /console/orgs/{id}/edit", p.editForm)
	h("POST /console/orgs/{id}", p.update)
	h("POST /console/orgs/{id}/delete", p.delete)
	h("POST /console/orgs/{id}/members", p.addMember)
	h("POST /console/orgs/{id}/members/{user_id}", p.changeMember)
	h("GET /console/orgs/{id}/rfc2350.txt", p.rfc2350)
	h("GET /console/orgs/{id}/key.asc", p.key)
	h("GET /console/orgs/{id}/webhooks", p.webhooks)
	h("POST /console/orgs/{id}/webhooks", p.addWebhook)
	h("POST /console/orgs/{id}/webhooks/{webhook_id}/delete", p.deleteWebhook)
}

type listData struct {
	Orgs      []Org
	Tree      []*treeNode
	Next      string
	View      string
	Kinds     []Kind
	Sectors   []string
	CanCreate bool
	Count     int
}

type treeNode struct {
	Summary
	Children []*treeNode
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request) error {
	id := auth.FromContext(r.Context())
	f, err := filterFrom(r)
	if err != nil {
		return err
	}
	data := listData{View: r.URL.Query().Get("view"), Kinds: Kinds, Sectors: Sectors, CanCreate: p.canCreateAny(r)}
	if data.View == "tree" {
		all, err := p.svc.All(r.Context(), id, f)
		if err != nil {
			return err
		}
		data.Tree, data.Count = buildTree(all), len(all)
	} else {
		page, err := httpx.ParsePage(r)
		if err != nil {
			return err
		}
		f.Limit, f.Cursor = page.Limit, page.Cursor
		data.Orgs, data.Next, err = p.svc.List(r.Context(), id, f)
		if err != nil {
			return err
		}
	}
	p.rd.Render(w, r, http.StatusOK, "directory/list", web.Page{Title: "Directory", Section: "directory", Data: data})
	return nil
}

// canCreateAny tells whether to offer "New organisation": the center, or an
// admin of a CERT (who may register constituents below it).
func (p *Pages) canCreateAny(r *http.Request) bool {
	id := auth.FromContext(r.Context())
	if id.IsStaff() {
		return true
	}
	for _, m := range id.Memberships {
		if m.Role == auth.RoleAdmin {
			if perms, err := p.svc.Permissions(r.Context(), id, m.OrgID); err == nil && perms[ActionCreateChild] {
				return true
			}
		}
	}
	return false
}

// buildTree arranges summaries by parent. An organisation whose parent the
// viewer cannot see is shown at the top.
func buildTree(all []Summary) []*treeNode {
	nodes := make(map[string]*treeNode, len(all))
	for _, s := range all {
		nodes[s.ID] = &treeNode{Summary: s}
	}
	var roots []*treeNode
	for _, s := range all {
		n := nodes[s.ID]
		if s.ParentID != nil && nodes[*s.ParentID] != nil {
			parent := nodes[*s.ParentID]
			parent.Children = append(parent.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots
}

type showData struct {
	Org      Org
	Parent   *Org
	Children []Org
	Perms    map[string]bool
	Overlaps []Overlap
	Members  []auth.Member
	Domains  []domainView
	Roles    []auth.Role
	RFC      []rfcSection
}

type domainView struct{ ASCII, Unicode string }

func (p *Pages) show(w http.ResponseWriter, r *http.Request) error {
	return p.renderShow(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderShow(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id, orgID := r.Context(), auth.FromContext(r.Context()), r.PathValue("id")
	o, err := p.svc.Get(ctx, id, orgID)
	if err != nil {
		return err
	}
	perms, err := p.svc.Permissions(ctx, id, orgID)
	if err != nil {
		return err
	}
	d := showData{Org: o, Perms: map[string]bool{}, Roles: auth.Roles, RFC: rfcSections(o.RFC2350)}
	for a, ok := range perms {
		d.Perms[string(a)] = ok
	}
	if o.ParentID != nil {
		if parent, err := p.svc.Get(ctx, id, *o.ParentID); err == nil {
			d.Parent = &parent
		}
	}
	d.Children, _, err = p.svc.List(ctx, id, Filter{ParentID: o.ID, Limit: 200})
	if err != nil {
		return err
	}
	if d.Overlaps, err = p.svc.Overlaps(ctx, id, orgID); err != nil {
		return err
	}
	if perms[ActionMembers] || id.RoleIn(orgID) != "" {
		if d.Members, err = p.svc.Members(ctx, id, orgID); err != nil {
			return err
		}
	}
	for _, dom := range o.Constituency.Domains {
		d.Domains = append(d.Domains, domainView{ASCII: dom, Unicode: DisplayDomain(dom)})
	}
	page.Title, page.Section, page.Data = o.Name, "directory", d
	p.rd.Render(w, r, status, "directory/show", page)
	return nil
}

type formData struct {
	Org          *Org // nil when creating
	Kinds        []Kind
	Sectors      []string
	Parents      []Summary
	Structure    bool // may set kind, parent, CII, listing
	ContactRoles []string
	ContactRows  []int
	RFCFields    []rfcField
}

type rfcField struct{ Key, Label, Hint string }

var rfcFields = []rfcField{
	{"document_date", "Date of this version", "1.1 — written 2026-11-23"},
	{"distribution", "Distribution of this document", "1.2/1.3 — lists and places where it is published"},
	{"address", "Postal address", "2.2"},
	{"time_zone", "Time zone", "2.3 — e.g. Asia/Karachi"},
	{"telephone", "Telephone", "2.4"},
	{"other_telecom", "Other telecommunication", "2.6"},
	{"email", "E-mail address", "2.7"},
	{"team_members", "Team members", "2.9"},
	{"other_info", "Other information", "2.10"},
	{"hours", "Points of contact and hours", "2.11"},
	{"mission", "Mission statement", "3.1"},
	{"constituency", "Constituency", "3.2"},
	{"sponsorship", "Sponsorship and affiliation", "3.3"},
	{"authority", "Authority", "3.4"},
	{"incident_types", "Types of incidents and level of support", "4.1"},
	{"cooperation", "Co-operation, interaction and disclosure of information", "4.2"},
	{"communication", "Communication and authentication", "4.3"},
	{"incident_service", "Incident response", "5.1"},
	{"proactive_work", "Proactive activities", "5.2"},
	{"reporting_forms", "Incident reporting forms", "6"},
	{"disclaimers", "Disclaimers", "7"},
}

type rfcSection struct{ Label, Hint, Text string }

func rfcSections(r RFC2350) []rfcSection {
	m := r.sections()
	var out []rfcSection
	for _, f := range rfcFields {
		if v := *m[f.Key]; v != "" {
			out = append(out, rfcSection{Label: f.Label, Hint: f.Hint, Text: v})
		}
	}
	return out
}

func (p *Pages) formData(r *http.Request, o *Org, structure bool, contacts int) (formData, error) {
	d := formData{Org: o, Kinds: Kinds, Sectors: Sectors, Structure: structure, ContactRoles: ContactRoles, RFCFields: rfcFields}
	for i := range contacts + 2 {
		d.ContactRows = append(d.ContactRows, i)
	}
	all, err := p.svc.All(r.Context(), auth.FromContext(r.Context()), Filter{})
	if err != nil {
		return d, err
	}
	for _, s := range all {
		if s.Kind != KindVendor && s.Kind != KindLab && (o == nil || s.ID != o.ID) {
			d.Parents = append(d.Parents, s)
		}
	}
	return d, nil
}

func (p *Pages) newForm(w http.ResponseWriter, r *http.Request) error {
	if !p.canCreateAny(r) {
		return errs.Forbidden("you may not register organisations")
	}
	id := auth.FromContext(r.Context())
	d, err := p.formData(r, nil, id.IsStaff(), 0)
	if err != nil {
		return err
	}
	form := url.Values{"kind": {string(KindConstituent)}, "country": {""}}
	if pid := r.URL.Query().Get("parent_id"); pid != "" {
		form.Set("parent_id", pid)
	}
	p.rd.Render(w, r, http.StatusOK, "directory/form", web.Page{Title: "New organisation", Section: "directory", Data: d, Form: form})
	return nil
}

func (p *Pages) create(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	in, perr := formToInput(r.PostForm, true)
	var err error = perr.Err()
	var o Org
	if err == nil {
		o, err = p.svc.Create(r.Context(), id, in)
	}
	if err != nil {
		return p.formError(w, r, nil, id.IsStaff(), err)
	}
	p.rd.Flash(r, "Registered "+o.Name+".")
	http.Redirect(w, r, "/console/orgs/"+o.ID, http.StatusSeeOther)
	return nil
}

// formError shows the form again with what was typed and the problems.
func (p *Pages) formError(w http.ResponseWriter, r *http.Request, o *Org, structure bool, err error) error {
	e := errs.As(err)
	if e == nil || (e.Kind != errs.KindInvalid && e.Kind != errs.KindConflict && e.Kind != errs.KindForbidden) {
		return err
	}
	d, derr := p.formData(r, o, structure, filledContacts(r.PostForm))
	if derr != nil {
		return derr
	}
	page := web.Page{Title: "New organisation", Section: "directory", Data: d, Form: r.PostForm, Errors: e.Fields}
	if o != nil {
		page.Title = "Edit " + o.Name
	}
	if len(e.Fields) == 0 {
		page.Problem = e.Message
	}
	status, _, _ := httpx.Status(err)
	p.rd.Render(w, r, status, "directory/form", page)
	return nil
}

func (p *Pages) editForm(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	perms, err := p.svc.Permissions(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !perms[ActionEdit] {
		return errs.Forbidden("you may not edit this organisation")
	}
	o, err := p.svc.Get(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	d, err := p.formData(r, &o, perms[ActionStructure], len(o.Contacts))
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "directory/form", web.Page{Title: "Edit " + o.Name, Section: "directory", Data: d, Form: orgToForm(o)})
	return nil
}

func (p *Pages) update(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id := r.Context(), auth.FromContext(r.Context())
	perms, err := p.svc.Permissions(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	o, err := p.svc.Get(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	in, perr := formToInput(r.PostForm, perms[ActionStructure])
	err = perr.Err()
	if err == nil {
		o, err = p.svc.Update(ctx, id, o.ID, in)
	}
	if err != nil {
		return p.formError(w, r, &o, perms[ActionStructure], err)
	}
	p.rd.Flash(r, "Saved "+o.Name+".")
	http.Redirect(w, r, "/console/orgs/"+o.ID, http.StatusSeeOther)
	return nil
}

func (p *Pages) delete(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	o, err := p.svc.Get(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := p.svc.Delete(ctx, id, o.ID); err != nil {
		if errs.KindOf(err) == errs.KindConflict {
			return p.renderShow(w, r, http.StatusConflict, web.Page{Problem: errs.As(err).Message})
		}
		return err
	}
	p.rd.Flash(r, "Deleted "+o.Name+".")
	http.Redirect(w, r, "/console/orgs", http.StatusSeeOther)
	return nil
}

func (p *Pages) addMember(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	in := NewMember{Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"), Role: auth.Role(r.PostForm.Get("role"))}
	m, created, err := p.svc.AddMember(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindConflict) {
			fields := make(errs.Fields, 0, len(e.Fields))
			for _, f := range e.Fields {
				fields = append(fields, errs.FieldError{Field: "member." + f.Field, Message: f.Message})
			}
			status, _, _ := httpx.Status(err)
			return p.renderShow(w, r, status, web.Page{Form: r.PostForm, Errors: fields, Problem: e.Message})
		}
		return err
	}
	msg := fmt.Sprintf("%s is now %s.", m.Email, web.Label(string(m.Role)))
	if created {
		msg = fmt.Sprintf("Created an account for %s and e-mailed an invitation; role %s.", m.Email, web.Label(string(m.Role)))
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/orgs/"+r.PathValue("id")+"#members", http.StatusSeeOther)
	return nil
}

func (p *Pages) changeMember(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, orgID, userID := r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("user_id")
	var err error
	if r.PostForm.Get("action") == "remove" {
		err = p.svc.RemoveMember(ctx, id, orgID, userID)
		if err == nil {
			p.rd.Flash(r, "Removed the member.")
		}
	} else {
		err = p.svc.SetRole(ctx, id, orgID, userID, auth.Role(r.PostForm.Get("role")))
		if err == nil {
			p.rd.Flash(r, "Changed the role.")
		}
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/orgs/"+orgID+"#members", http.StatusSeeOther)
	return nil
}

func (p *Pages) export(w http.ResponseWriter, r *http.Request) error {
	f, err := filterFrom(r)
	if err != nil {
		return err
	}
	return writeExport(w, r, p.svc, f, r.URL.Query().Get("format"))
}

// rfc2350 renders the profile as the plain-text document RFC 2350 describes.
func (p *Pages) rfc2350(w http.ResponseWriter, r *http.Request) error {
	o, err := p.svc.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = w.Write([]byte(RFC2350Text(o)))
	return err
}

func (p *Pages) key(w http.ResponseWriter, r *http.Request) error {
	o, err := p.svc.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	if o.PGPKey == "" {
		return errs.NotFound("%s has no OpenPGP key", o.Name)
	}
	w.Header().Set("Content-Type", "application/pgp-keys")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ToLower(o.PGPFingerprint)+`.asc"`)
	_, err = w.Write([]byte(o.PGPKey))
	return err
}

type webhookData struct {
	Org    Org
	Hooks  []notify.Webhook
	Secret string
	New    *notify.Webhook
}

func (p *Pages) webhooks(w http.ResponseWriter, r *http.Request) error {
	return p.renderWebhooks(w, r, http.StatusOK, web.Page{}, nil, "")
}

func (p *Pages) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, page web.Page, created *notify.Webhook, secret string) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	o, err := p.svc.Get(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	hooks, err := p.svc.Webhooks(ctx, id, o.ID)
	if err != nil {
		return err
	}
	page.Title, page.Section, page.Data = "Webhooks of "+o.Name, "directory", webhookData{Org: o, Hooks: hooks, Secret: secret, New: created}
	p.rd.Render(w, r, status, "directory/webhooks", page)
	return nil
}

var eventSplit = regexp.MustCompile(`[\s,]+`)

func (p *Pages) addWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	events := eventSplit.Split(strings.TrimSpace(r.PostForm.Get("events")), -1)
	if len(events) == 1 && events[0] == "" {
		events = nil
	}
	h, secret, err := p.svc.AddWebhook(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), strings.TrimSpace(r.PostForm.Get("url")), events)
	if err != nil {
		if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
			return p.renderWebhooks(w, r, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: e.Fields}, nil, "")
		}
		return err
	}
	// The secret is shown on this response only; reloading does not show it again.
	return p.renderWebhooks(w, r, http.StatusCreated, web.Page{Flash: "Registered the webhook. Copy its signing secret now: it is not shown again."}, &h, secret)
}

func (p *Pages) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := p.svc.DeleteWebhook(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("webhook_id")); err != nil {
		return err
	}
	p.rd.Flash(r, "Removed the webhook.")
	http.Redirect(w, r, "/console/orgs/"+r.PathValue("id")+"/webhooks", http.StatusSeeOther)
	return nil
}

// orgToForm fills the edit form from a stored organisation.
func orgToForm(o Org) url.Values {
	f := url.Values{}
	f.Set("name", o.Name)
	f.Set("short_name", o.ShortName)
	f.Set("kind", string(o.Kind))
	f.Set("parent_id", o.Parent())
	f.Set("sector", o.Sector)
	f.Set("country", o.Country)
	f.Set("website", o.Website)
	f.Set("description", o.Description)
	f.Set("pgp_key", o.PGPKey)
	if o.CII {
		f.Set("cii", "on")
	}
	if o.Listed {
		f.Set("listed", "on")
	}
	for i, c := range o.Contacts {
		k := fmt.Sprintf("contacts[%d].", i)
		f.Set(k+"role", c.Role)
		f.Set(k+"name", c.Name)
		f.Set(k+"email", c.Email)
		f.Set(k+"phone", c.Phone)
		if c.Available24x7 {
			f.Set(k+"available_24x7", "on")
		}
	}
	f.Set("cidrs", strings.Join(o.Constituency.CIDRs, "\n"))
	asns := make([]string, len(o.Constituency.ASNs))
	for i, a := range o.Constituency.ASNs {
		asns[i] = "AS" + strconv.FormatInt(a, 10)
	}
	f.Set("asns", strings.Join(asns, "\n"))
	doms := make([]string, len(o.Constituency.Domains))
	for i, d := range o.Constituency.Domains {
		doms[i] = DisplayDomain(d)
	}
	f.Set("domains", strings.Join(doms, "\n"))
	f.Set("packages", strings.Join(o.Packages, "\n"))
	r := o.RFC2350
	for k, v := range r.sections() {
		f.Set("rfc2350."+k, *v)
	}
	return f
}

var listSplit = regexp.MustCompile(`[\s,;]+`)

func splitList(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return []string{}
	}
	return listSplit.Split(s, -1)
}

// filledContacts is one past the last contact row with anything typed in it.
func filledContacts(f url.Values) int {
	n := 0
	for i := range countContacts(f) {
		k := fmt.Sprintf("contacts[%d].", i)
		if strings.TrimSpace(f.Get(k+"name")+f.Get(k+"email")+f.Get(k+"phone")) != "" {
			n = i + 1
		}
	}
	return n
}

// countContacts is one past the highest contact row index in the form.
// Indexes beyond maxContacts are ignored: the form never has them, and the
// number must not let a request make the server loop or allocate at will.
func countContacts(f url.Values) int {
	n := 0
	for k := range f {
		rest, ok := strings.CutPrefix(k, "contacts[")
		if !ok {
			continue
		}
		idx, _, ok := strings.Cut(rest, "]")
		if !ok {
			continue
		}
		if i, err := strconv.Atoi(idx); err == nil && i >= 0 && i < maxContacts && i+1 > n {
			n = i + 1
		}
	}
	return n
}

// formToInput reads the organisation form. Structural fields are read only
// when the user may set them (the form does not show them otherwise).
func formToInput(f url.Values, structure bool) (OrgInput, errs.Fields) {
	var problems errs.Fields
	str := func(k string) *string { v := f.Get(k); return &v }
	in := OrgInput{Name: str("name"), ShortName: str("short_name"), Sector: str("sector"), Country: str("country"),
		Website: str("website"), Description: str("description"), PGPKey: str("pgp_key")}
	if structure {
		kind := Kind(f.Get("kind"))
		cii, listed := f.Get("cii") != "", f.Get("listed") != ""
		in.Kind, in.ParentID, in.CII, in.Listed = &kind, str("parent_id"), &cii, &listed
	} else if f.Has("kind") {
		// A CERT admin registering a constituent: the kind is fixed, the parent chosen.
		kind := KindConstituent
		in.Kind, in.ParentID = &kind, str("parent_id")
	}
	var contacts []Contact
	for i := range countContacts(f) {
		k := fmt.Sprintf("contacts[%d].", i)
		c := Contact{Role: f.Get(k + "role"), Name: f.Get(k + "name"), Email: f.Get(k + "email"), Phone: f.Get(k + "phone"),
			Available24x7: f.Get(k+"available_24x7") != ""}
		if strings.TrimSpace(c.Name+c.Email+c.Phone) == "" {
			continue // an empty spare row
		}
		contacts = append(contacts, c)
	}
	in.Contacts = &contacts
	cons := Constituency{CIDRs: splitList(f.Get("cidrs")), Domains: splitList(f.Get("domains")), ASNs: []int64{}}
	for i, a := range splitList(f.Get("asns")) {
		n, problem := ParseASN(a)
		if problem != "" {
			problems.Add(fmt.Sprintf("constituency.asns[%d]", i), "%s", problem)
			continue
		}
		cons.ASNs = append(cons.ASNs, n)
	}
	in.Constituency = &cons
	pkgs := splitList(f.Get("packages"))
	in.Packages = &pkgs
	var rfc RFC2350
	for k, v := range rfc.sections() {
		*v = f.Get("rfc2350." + k)
	}
	in.RFC2350 = &rfc
	return in, problems
}
