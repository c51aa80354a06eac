package pages

import (
	"cmp"
	"embed"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/intel"
	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/actors"
	"github.com/certhub/certhub/internal/intel/api"
	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/lookup"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the threat-intelligence console's pages.
func Templates() web.Templates {
	return web.TemplatesIn("intel", templateFS)
}

func init() {
	web.RegisterLabels(map[string]string{
		"push": "Pushed", "url": "HTTP(S) file", "misp_feed": "MISP feed", "taxii": "TAXII 2.1 collection",
		"queued": "Queued", "running": "Running", "ok": "OK", "failed": "Failed", "interrupted": "Interrupted",
		"field.interval_minutes": "Every (minutes)", "field.owner_org_id": "Owner", "field.credentials.header_name": "Header",
		"field.credentials.username": "User name", "field.url": "URL",
	})
	web.RegisterFuncs(map[string]any{
		"attackURL": actors.AttackURL,
		"kb": func(n int64) string {
			switch {
			case n >= 10<<20:
				return fmt.Sprintf("%d MB", n>>20)
			case n >= 10<<10:
				return fmt.Sprintf("%d kB", n>>10)
			}
			return fmt.Sprintf("%d B", n)
		},
	})
}

// Pages serves threat intelligence in the console: the overview with the
// sources and their runs, a source's page, a run's progress, the
// observables and each observable's page.
type Pages struct {
	s  *intel.Service
	rd *web.Renderer
}

// New makes the handlers.
func New(s *intel.Service, rd *web.Renderer) *Pages { return &Pages{s: s, rd: rd} }

// Register adds the routes.
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/intel", p.overview)
	h("POST /console/intel/ingest", p.upload)
	h("GET /console/intel/observables", p.observables)
	h("GET /console/intel/observables/{id}", p.observable)
	h("GET /console/intel/actors", p.actors)
	h("GET /console/intel/actors/{id}", p.actor)
	h("POST /console/intel/actors/{id}", p.attribute)
	h("GET /console/intel/sources/new", p.newSource)
	h("POST /console/intel/sources", p.createSource)
	h("GET /console/intel/sources/{id}", p.source)
	h("POST /console/intel/sources/{id}", p.sourceAction)
	h("GET /console/intel/runs/{id}", p.run)
	h("POST /console/intel/runs/{id}/resume", p.resumeRun)
	h("POST /console/intel/digest", p.setDigest)
	h("GET /console/intel/warninglists", p.warninglists)
	h("POST /console/intel/warninglists", p.loadWarninglist)
	h("GET /console/intel/warninglists/{id}", p.warninglist)
	h("POST /console/intel/warninglists/{id}", p.warninglistAction)
	h("GET /console/intel/asn", p.asnTable)
	h("POST /console/intel/asn", p.asnTableAction)
}

type overviewData struct {
	Staff   bool
	Counts  []typeCount
	Total   int64
	Sources []intel.Source
	Runs    []intel.Run
	Routed  []lookup.ObservableSummary
	Owners  map[string]string
	Digests []digestRow
}

// digestRow is an organisation's digest schedule on the overview.
type digestRow struct {
	intel.DigestSetting
	Name      string
	Manage    bool
	Schedules []string
}

type typeCount struct {
	Type observable.Type
	N    int64
}

func (p *Pages) overview(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	d := overviewData{Staff: id.IsStaff(), Owners: map[string]string{}}
	var err error
	if d.Sources, err = p.s.Sources(ctx, id); err != nil {
		return err
	}
	if d.Runs, _, err = p.s.Runs(ctx, id, "", 15, ""); err != nil {
		return err
	}
	if d.Staff {
		counts, err := p.s.Count(ctx)
		if err != nil {
			return err
		}
		for _, t := range observable.Types {
			if n := counts[t]; n > 0 {
				d.Counts = append(d.Counts, typeCount{t, n})
				d.Total += n
			}
		}
	} else if d.Routed, _, err = p.s.Lookup().Observables(ctx, id, lookup.ObservableFilter{Limit: 20}); err != nil {
		return err
	}
	orgs, err := p.s.OrgNames(ctx)
	if err != nil {
		return err
	}
	if !d.Staff {
		for _, org := range id.OrgIDs() {
			st, err := p.s.DigestSettingOf(ctx, id, org)
			if err != nil {
				return err
			}
			manage, err := p.s.MayManageDigest(ctx, id, org)
			if err != nil {
				return err
			}
			d.Digests = append(d.Digests, digestRow{DigestSetting: st, Name: orgName(orgs, org), Manage: manage, Schedules: intel.DigestSchedules})
		}
	}
	for _, src := range d.Sources {
		if src.OwnerOrgID != nil {
			d.Owners[*src.OwnerOrgID] = orgName(orgs, *src.OwnerOrgID)
		}
	}
	p.rd.Render(w, r, http.StatusOK, "intel/overview", web.Page{Title: "Threat intelligence", Section: "intel", Data: d})
	return nil
}

// upload loads a file from the console in the background and shows its run.
func (p *Pages) upload(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	part, form, err := formFile(w, r, api.MaxIngestBody)
	if err != nil {
		return err
	}
	if part == nil {
		return errs.Invalid("choose a file to load")
	}
	src, err := p.s.SourceFor(ctx, id, cmp.Or(strings.TrimSpace(form.Get("source")), "console"), form.Get("tlp"))
	if err != nil {
		return err
	}
	name := part.FileName()
	report := strings.TrimSuffix(name, fileExt(name))
	run, err := p.s.IngestLater(ctx, id, src, part, intel.IngestOptions{Format: ingest.Format(cmp.Or(form.Get("format"), "auto")), TLP: form.Get("tlp"),
		Report: report, Via: "console"})
	if err != nil {
		return api.TooLarge(err)
	}
	http.Redirect(w, r, "/console/intel/runs/"+run.ID, http.StatusSeeOther)
	return nil
}

// formFile reads a multipart form of at most max bytes up to its "file"
// part: the fields before it, and the part — nil when no file was chosen.
func formFile(w http.ResponseWriter, r *http.Request, max int64) (*multipart.Part, url.Values, error) {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, &httpx.StatusError{Status: http.StatusBadRequest, Detail: "send the form with its file"}
	}
	form := url.Values{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, form, web.CheckUTF8(form)
		}
		if err != nil {
			return nil, nil, api.TooLarge(err)
		}
		if part.FormName() != "file" {
			b, _ := io.ReadAll(io.LimitReader(part, 4096))
			form.Set(part.FormName(), string(b))
			continue
		}
		if err := web.CheckUTF8(form); err != nil {
			return nil, nil, err
		}
		if part.FileName() == "" {
			return nil, form, nil
		}
		return part, form, nil
	}
}

func fileExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}

type observablesData struct {
	Items []lookup.ObservableSummary
	Next  string
	Types []observable.Type
	Staff bool
}

func (p *Pages) observables(w http.ResponseWriter, r *http.Request) error {
	ctx, id, q := r.Context(), auth.FromContext(r.Context()), r.URL.Query()
	f := lookup.ObservableFilter{Value: strings.TrimSpace(q.Get("value")), Type: observable.Type(q.Get("type")), Limit: 50, Cursor: q.Get("cursor")}
	pg := web.Page{Title: "Observables", Section: "intel"}
	items, next, err := p.s.Lookup().Observables(ctx, id, f)
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		pg.Errors, items = e.Fields, []lookup.ObservableSummary{}
	} else if err != nil {
		return err
	}
	if f.Value != "" && len(items) == 1 && f.Cursor == "" {
		http.Redirect(w, r, "/console/intel/observables/"+strconv.FormatInt(items[0].ID, 10), http.StatusSeeOther)
		return nil
	}
	pg.Data = observablesData{Items: items, Next: next, Types: observable.Types, Staff: id.IsStaff()}
	status := http.StatusOK
	if pg.Errors != nil {
		status = http.StatusUnprocessableEntity
	}
	p.rd.Render(w, r, status, "intel/observables", pg)
	return nil
}

func (p *Pages) observable(w http.ResponseWriter, r *http.Request) error {
	oid, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.NotFound("no such observable")
	}
	o, err := p.s.Lookup().Observable(r.Context(), auth.FromContext(r.Context()), oid)
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "intel/observable", web.Page{Title: o.Value, Section: "intel", Data: o})
	return nil
}

type sourceData struct {
	Source      intel.Source
	New         bool
	Staff       bool
	Runs        []intel.Run
	Next        string
	Collections []access.Collection
	Orgs        []orgOption
	Owner       string
	// People named as recipients of its TLP:RED intelligence: the form's
	// lines of addresses, and their accounts.
	People  string
	Readers []auth.User
}

type orgOption struct{ ID, Name string }

func (p *Pages) sourceForm(w http.ResponseWriter, r *http.Request, status int, d sourceData, pg web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	v, err := p.s.Viewer(ctx, id)
	if err != nil {
		return err
	}
	if d.Collections, err = p.s.Access().List(ctx, v); err != nil {
		return err
	}
	orgs, err := p.s.OrgNames(ctx)
	if err != nil {
		return err
	}
	for oid, name := range orgs {
		d.Orgs = append(d.Orgs, orgOption{oid, name})
	}
	slices.SortFunc(d.Orgs, func(a, b orgOption) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	if d.Source.OwnerOrgID != nil {
		d.Owner = orgName(orgs, *d.Source.OwnerOrgID)
	}
	d.Readers = p.s.Readers(ctx, d.Source)
	for _, u := range d.Readers {
		d.People += u.Email + "\n"
	}
	if pg.Form != nil {
		d.People = pg.Form.Get("recipient_users")
	}
	d.Staff = id.IsStaff()
	pg.Section, pg.Data = "intel", d
	if pg.Title == "" {
		pg.Title = cmp.Or(d.Source.Name, "New source")
	}
	p.rd.Render(w, r, status, "intel/source", pg)
	return nil
}

func (p *Pages) newSource(w http.ResponseWriter, r *http.Request) error {
	if !auth.FromContext(r.Context()).IsStaff() {
		return errs.Forbidden("only the coordination center's staff configure sources")
	}
	src := intel.Source{Kind: intel.KindURL, Format: string(ingest.Auto), TLP: "AMBER", Confidence: 50, Collection: "community", Enabled: true, IntervalMinutes: 60}
	return p.sourceForm(w, r, http.StatusOK, sourceData{Source: src, New: true}, web.Page{})
}

// formInput reads the source form.
func formInput(f url.Values) intel.SourceInput {
	str := func(k string) *string { v := f.Get(k); return &v }
	num := func(k string) *int {
		n, err := strconv.Atoi(strings.TrimSpace(f.Get(k)))
		if err != nil {
			n = -1 // reported by the checks as out of range
		}
		return &n
	}
	enabled := f.Get("enabled") != ""
	in := intel.SourceInput{Name: str("name"), Description: str("description"), OwnerOrgID: str("owner_org_id"), Kind: str("kind"),
		Format: str("format"), URL: str("url"), TLP: str("tlp"), Confidence: num("confidence"), Collection: str("collection"),
		Enabled: &enabled, IntervalMinutes: num("interval_minutes")}
	people := strings.Fields(strings.ReplaceAll(f.Get("recipient_users"), ",", " "))
	in.RecipientUsers = &people
	if f.Get("kind") == intel.KindPush {
		in.IntervalMinutes = nil
	}
	switch {
	case f.Get("clear_credentials") != "":
		in.Credentials = &intel.Credentials{}
	case f.Get("username") != "" || f.Get("password") != "" || f.Get("header_name") != "" || f.Get("header_value") != "":
		in.Credentials = &intel.Credentials{Username: f.Get("username"), Password: f.Get("password"), HeaderName: f.Get("header_name"),
			HeaderValue: f.Get("header_value")}
	}
	return in
}

// typedOver is the source as the form typed it, over src: what a form
// refused shows again, so nothing typed is lost.
func typedOver(src intel.Source, f url.Values) intel.Source {
	src.Name, src.Kind, src.URL, src.Format = f.Get("name"), f.Get("kind"), f.Get("url"), f.Get("format")
	src.TLP, src.Collection, src.Description, src.Enabled = f.Get("tlp"), f.Get("collection"), f.Get("description"), f.Get("enabled") != ""
	src.Confidence, _ = strconv.Atoi(f.Get("confidence"))
	src.IntervalMinutes, _ = strconv.Atoi(f.Get("interval_minutes"))
	src.OwnerOrgID = nil
	if o := f.Get("owner_org_id"); o != "" {
		src.OwnerOrgID = &o
	}
	return src
}

func (p *Pages) createSource(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id := r.Context(), auth.FromContext(r.Context())
	src, err := p.s.CreateSource(ctx, id, formInput(r.PostForm))
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		back := typedOver(intel.Source{}, r.PostForm)
		return p.sourceForm(w, r, http.StatusUnprocessableEntity, sourceData{Source: back, New: true}, web.Page{Form: r.PostForm, Errors: e.Fields, Title: "New source"})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Created the source "+src.Name+".")
	http.Redirect(w, r, "/console/intel/sources/"+src.ID, http.StatusSeeOther)
	return nil
}

func (p *Pages) source(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	src, err := p.s.GetSource(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	runs, next, err := p.s.Runs(ctx, id, src.ID, 20, r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	return p.sourceForm(w, r, http.StatusOK, sourceData{Source: src, Runs: runs, Next: next}, web.Page{})
}

func (p *Pages) sourceAction(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id := r.Context(), auth.FromContext(r.Context())
	key := r.PathValue("id")
	switch r.PostForm.Get("action") {
	case "pull":
		run, err := p.s.PullNow(ctx, id, key)
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/console/intel/runs/"+run.ID, http.StatusSeeOther)
		return nil
	case "save":
		src, err := p.s.UpdateSource(ctx, id, key, formInput(r.PostForm))
		if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
			cur, gerr := p.s.GetSource(ctx, id, key)
			if gerr != nil {
				return gerr
			}
			return p.sourceForm(w, r, http.StatusUnprocessableEntity, sourceData{Source: typedOver(cur, r.PostForm)},
				web.Page{Form: r.PostForm, Errors: e.Fields, Title: cur.Name})
		}
		if err != nil {
			return err
		}
		p.rd.Flash(r, "Saved.")
		http.Redirect(w, r, "/console/intel/sources/"+src.ID, http.StatusSeeOther)
		return nil
	default:
		return errs.Invalid("unknown action")
	}
}

func (p *Pages) run(w http.ResponseWriter, r *http.Request) error {
	run, err := p.s.GetRun(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "intel/run", web.Page{Title: "Run of " + run.SourceName, Section: "intel", Data: run})
	return nil
}

func (p *Pages) resumeRun(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	run, err := p.s.Resume(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Resumed: the rest of the input is being loaded.")
	http.Redirect(w, r, "/console/intel/runs/"+run.ID, http.StatusSeeOther)
	return nil
}

func (p *Pages) setDigest(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	st, err := p.s.SetDigestSchedule(r.Context(), auth.FromContext(r.Context()), r.PostForm.Get("org_id"), r.PostForm.Get("schedule"))
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Digests of what concerns you: "+st.Schedule+".")
	http.Redirect(w, r, "/console/intel#digest", http.StatusSeeOther)
	return nil
}

// orgName names an organisation: its name, or its ID if it has none.
func orgName(names map[string]string, id string) string {
	if n := names[id]; strings.TrimSpace(n) != "" {
		return n
	}
	return id
}
