package thread

import (
	"embed"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the threads' pages.
func Templates() web.Templates { return web.TemplatesIn("thread", templateFS) }

func init() {
	web.RegisterLabels(map[string]string{"field.org_ids": "With", "field.body": "Message"})
}

// Pages serves the console's thread pages.
type Pages struct {
	s  *Service
	rd *web.Renderer
}

// NewPages makes the pages.
func NewPages(s *Service, rd *web.Renderer) *Pages { return &Pages{s: s, rd: rd} }

// Register adds the routes (every one for a signed-in user).
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/threads", p.list)
	h("GET /console/threads/new", p.newForm)
	h("POST /console/threads", p.open)
	h("GET /console/threads/{id}", p.thread)
	h("POST /console/threads/{id}", p.act)
	h("POST /console/threads/{id}/attachments", p.attach)
	h("GET /console/threads/{id}/attachments/{file}", p.download)
}

type listData struct {
	Items   []Thread
	Next    string
	CanOpen bool
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	list, next, err := p.s.List(r.Context(), id, pg.Limit, pg.Cursor)
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "thread/threads", web.Page{Title: "Threads", Section: "threads",
		Data: listData{Items: list, Next: next, CanOpen: len(writesFor(id, id.OrgIDs())) > 0}})
	return nil
}

type newData struct {
	Mine []directory.Summary // the organisations the caller writes for
	Orgs []directory.Summary // everyone else
	TLPs []string
}

func (p *Pages) newForm(w http.ResponseWriter, r *http.Request) error {
	return p.renderNew(w, r, http.StatusOK, web.Page{Form: url.Values{"tlp": {"AMBER"}}})
}

func (p *Pages) renderNew(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	id := auth.FromContext(r.Context())
	mine := writesFor(id, id.OrgIDs())
	if len(mine) == 0 {
		return errs.Forbidden("viewers read threads; members open them")
	}
	all, err := p.s.o.Orgs.All(r.Context(), system, directory.Filter{})
	if err != nil {
		return err
	}
	d := newData{TLPs: []string{"CLEAR", "GREEN", "AMBER", "AMBER+STRICT"}}
	for _, o := range all {
		if slices.Contains(mine, o.ID) {
			d.Mine = append(d.Mine, o)
		} else {
			d.Orgs = append(d.Orgs, o)
		}
	}
	page.Title, page.Section, page.Data = "Open a thread", "threads", d
	p.rd.Render(w, r, status, "thread/thread_new", page)
	return nil
}

func (p *Pages) open(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	v, err := p.s.Open(r.Context(), auth.FromContext(r.Context()), Input{Title: f.Get("title"), TLP: f.Get("tlp"), OrgID: f.Get("org_id"),
		OrgIDs: f["org_ids"], Body: f.Get("body")})
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		return p.renderNew(w, r, http.StatusUnprocessableEntity, web.Page{Form: f, Errors: e.Fields})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Thread opened.")
	http.Redirect(w, r, "/console/threads/"+url.PathEscape(v.Thread.ID), http.StatusSeeOther)
	return nil
}

type threadData struct {
	View
	Addable     []directory.Summary
	Names       map[string]string
	FilesByPost map[string][]File
}

func (p *Pages) thread(w http.ResponseWriter, r *http.Request) error {
	return p.renderThread(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderThread(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	before, err := beforeOf(r)
	if err != nil {
		return err
	}
	v, err := p.s.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), before, 0)
	if err != nil {
		return err
	}
	d := threadData{View: v, Names: map[string]string{}, FilesByPost: map[string][]File{}}
	for _, f := range v.Files {
		d.FilesByPost[f.PostID] = append(d.FilesByPost[f.PostID], f)
	}
	for _, m := range v.Thread.Orgs {
		d.Names[m.OrgID] = m.Org
	}
	if len(v.AsOrgs) > 0 {
		all, err := p.s.o.Orgs.All(r.Context(), system, directory.Filter{})
		if err != nil {
			return err
		}
		dir := map[string]directory.Summary{}
		for _, o := range all {
			dir[o.ID] = o
		}
		label := parseTLP(v.Thread.TLP)
		for _, o := range all {
			if d.Names[o.ID] == "" && mayAdd(label, dir, o.ID, orgIDs(v.Thread.Orgs)) {
				d.Addable = append(d.Addable, o)
			}
		}
	}
	page.Title, page.Section, page.Data = v.Thread.Title, "threads", d
	p.rd.Render(w, r, status, "thread/thread", page)
	return nil
}

func (p *Pages) act(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	id, f, threadID := auth.FromContext(r.Context()), r.PostForm, r.PathValue("id")
	var err error
	var flash, anchor string
	switch f.Get("do") {
	case "post":
		var post Post
		post, err = p.s.Post(r.Context(), id, threadID, f.Get("org_id"), f.Get("body"))
		flash, anchor = "Sent.", "post-"+post.ID
	case "add_org":
		_, err = p.s.AddOrg(r.Context(), id, threadID, f.Get("org_id"))
		flash, anchor = "Added.", "orgs"
	default:
		err = errs.InvalidField("do", "not an action of this page")
	}
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		return p.renderThread(w, r, http.StatusUnprocessableEntity, web.Page{Form: f, Errors: e.Fields})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, flash)
	http.Redirect(w, r, "/console/threads/"+url.PathEscape(threadID)+"#"+anchor, http.StatusSeeOther)
	return nil
}

func (p *Pages) attach(w http.ResponseWriter, r *http.Request) error {
	name, body, err := files.FromForm(w, r)
	if err == nil {
		defer body.Close()
		_, err = p.s.Attach(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.URL.Query().Get("org_id"), name, body)
	}
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindConflict) {
		return p.renderThread(w, r, http.StatusUnprocessableEntity, web.Refused(nil, e))
	}
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status < 500 {
		return p.renderThread(w, r, se.Status, web.Page{Errors: se.Fields, Problem: se.Detail})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Attached.")
	http.Redirect(w, r, "/console/threads/"+url.PathEscape(r.PathValue("id"))+"#posts", http.StatusSeeOther)
	return nil
}

func (p *Pages) download(w http.ResponseWriter, r *http.Request) error {
	f, body, err := p.s.OpenFile(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		return err
	}
	return files.Serve(w, f.Filename, body)
}
