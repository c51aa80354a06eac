package incident

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/coordination/deadline"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/rsit"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the incidents' pages.
func Templates() web.Templates { return web.TemplatesIn("incident", templateFS) }

func init() {
	web.RegisterFuncs(template.FuncMap{"rsit": rsit.Label, "left": leftLabel, "visibility": visibilityLabel,
		"hoursOf": hoursOf})
	web.RegisterLabels(map[string]string{
		"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical", "new": "New", "open": "Open", "waiting": "Waiting",
		"closed": "Closed", "pending": "Pending", "running": "Running", "overdue": "Overdue", "met": "Met", "late": "Late",
		"escalated": "Escalated", "involved": "Asked in", "previous_owner": "Previous owner",
		"field.rsit_class": "Class", "field.rsit_type": "Type", "field.severity": "Severity", "field.tlp": "TLP",
		"field.reporter_org_id": "Reporting organisation", "field.reporter_name": "Your name", "field.reporter_email": "Your e-mail address",
		"field.detected_at": "Detected", "field.aware_at": "Aware since", "field.affected_users": "People affected",
		"field.impact_hours": "Hours of disruption", "field.systems": "Affected systems and services", "field.indicators": "Indicators",
		"field.regimes": "Deadline regimes", "field.body": "Note", "field.visibility": "Who reads it", "field.resolution": "Resolution",
		"field.root_cause": "Root cause", "field.assignee_id": "Assignee", "field.owner_org_id": "Task for", "field.due_at": "Due",
		"field.reason": "Reason", "field.ref": "Reference", "field.kind": "Kind", "field.step": "Deadline",
	})
}

// hoursOf writes a duration in seconds as hours (or days), "—" for none.
func hoursOf(seconds *int64) string {
	if seconds == nil {
		return "—"
	}
	h := float64(*seconds) / 3600
	if h >= 72 {
		return fmt.Sprintf("%.1f days", h/24)
	}
	return fmt.Sprintf("%.1f h", h)
}

// leftLabel writes the time left to a deadline (negative: past it).
func leftLabel(seconds *int64) string {
	if seconds == nil {
		return ""
	}
	d := time.Duration(*seconds) * time.Second
	past := d < 0
	if past {
		d = -d
	}
	var s string
	switch {
	case d >= 48*time.Hour:
		s = fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= time.Hour:
		s = fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
	default:
		s = fmt.Sprintf("%d min", int(d.Minutes()))
	}
	if past {
		return s + " overdue"
	}
	return s + " left"
}

// Pages serves the incidents' console pages and the public report form.
type Pages struct {
	s  *Service
	rd *web.Renderer
}

// NewPages makes the pages.
func NewPages(s *Service, rd *web.Renderer) *Pages { return &Pages{s: s, rd: rd} }

// Register adds the routes: the console's for signed-in users, the public
// form and follow link for anyone.
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/incidents", p.list)
	h("GET /console/incidents/new", p.newForm)
	h("POST /console/incidents", p.create)
	h("GET /console/incidents/figures", p.figures)
	h("GET /console/incidents/{id}", p.incident)
	h("POST /console/incidents/{id}", p.act)
	h("POST /console/incidents/{id}/attachments", p.attach)
	h("GET /console/incidents/{id}/attachments/{file}", p.download)
	rt.Handle("GET /report-incident", p.rd.Handler(p.publicForm))
	rt.Handle("POST /report-incident", p.rd.Handler(p.publicCreate))
	rt.Handle("GET "+FollowPath, p.rd.Handler(p.follow))
	rt.Handle("POST "+FollowPath, p.rd.Handler(p.followReply))
}

type listData struct {
	Items      []Summary
	Next       string
	Classes    []rsit.Class
	Severities []string
	Statuses   []string
	CanReport  bool
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	status := q.Get("status")
	if _, set := q["status"]; !set {
		status = "active"
	}
	f := Filter{Status: status, Severity: q.Get("severity"), Class: q.Get("rsit_class"), Query: q.Get("q"), Sort: q.Get("sort"),
		Overdue: q.Get("overdue") == "on"}
	id := auth.FromContext(r.Context())
	list, next, err := p.s.List(r.Context(), id, f, pg.Limit, pg.Cursor)
	page := web.Page{Title: "Incidents", Section: "incidents"}
	status400 := http.StatusOK
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		page.Errors, status400, err = e.Fields, http.StatusUnprocessableEntity, nil
	}
	if err != nil {
		return err
	}
	page.Data = listData{Items: list, Next: next, Classes: rsit.Classes, Severities: Severities, Statuses: Statuses, CanReport: canReport(id)}
	page.Form = url.Values{"status": {status}}
	p.rd.Render(w, r, status400, "incident/incidents", page)
	return nil
}

// canReport: staff, or a member above viewer of some organisation.
func canReport(id *auth.Identity) bool {
	if id.IsStaff() {
		return true
	}
	for _, m := range id.Memberships {
		if above(id, m.OrgID) {
			return true
		}
	}
	return false
}

type formData struct {
	Orgs       []directory.Summary
	Classes    []rsit.Class
	Severities []string
	Regimes    []deadline.Regime
	Sectors    []string
	TLPs       []string
	Public     bool
}

func (p *Pages) formData(r *http.Request, id *auth.Identity) (formData, error) {
	regimes, err := p.s.Regimes(r.Context())
	if err != nil {
		return formData{}, err
	}
	d := formData{Classes: rsit.Classes, Severities: Severities, Regimes: regimes, Sectors: directory.Sectors,
		TLPs: []string{"CLEAR", "GREEN", "AMBER", "AMBER+STRICT"}, Public: id == nil}
	if id != nil {
		all, err := p.s.orgs.All(r.Context(), system, directory.Filter{})
		if err != nil {
			return formData{}, err
		}
		for _, o := range all {
			if id.IsStaff() || above(id, o.ID) {
				d.Orgs = append(d.Orgs, o)
			}
		}
	}
	return d, nil
}

func (p *Pages) newForm(w http.ResponseWriter, r *http.Request) error {
	return p.renderNew(w, r, http.StatusOK, web.Page{Form: url.Values{"severity": {"medium"}, "tlp": {"AMBER"}}})
}

func (p *Pages) renderNew(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	id := auth.FromContext(r.Context())
	if !canReport(id) {
		return errs.Forbidden("viewers read incidents; members report them")
	}
	d, err := p.formData(r, id)
	if err != nil {
		return err
	}
	page.Title, page.Section, page.Data = "Report an incident", "incidents", d
	p.rd.Render(w, r, status, "incident/incident_new", page)
	return nil
}

// inputOf reads the report form.
func inputOf(f url.Values) (Input, errs.Fields) {
	in := Input{Title: f.Get("title"), Description: f.Get("description"), Class: f.Get("rsit_class"), Type: f.Get("rsit_type"),
		Severity: f.Get("severity"), TLP: f.Get("tlp"), ReporterOrgID: f.Get("reporter_org_id"), ReporterName: f.Get("reporter_name"),
		ReporterEmail: f.Get("reporter_email"), Sector: f.Get("sector"), CrossBorder: f.Get("cross_border") == "on", Systems: f.Get("systems"),
		Indicators: []string{f.Get("indicators")}, Regimes: f["regimes"], DetectedAt: f.Get("detected_at"), AwareAt: f.Get("aware_at")}
	// The form's class select sends "class/type".
	if c, t, ok := strings.Cut(in.Class, "/"); ok {
		in.Class, in.Type = c, t
	}
	if f.Get("cii") == "on" {
		yes := true
		in.CII = &yes
	}
	var bad errs.Fields
	if v := strings.TrimSpace(f.Get("affected_users")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			bad.Add("affected_users", "a whole number of people")
		}
		in.AffectedUsers = &n
	}
	if v := strings.TrimSpace(f.Get("impact_hours")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			bad.Add("impact_hours", "a whole number of hours")
		}
		in.ImpactHours = &n
	}
	return in, bad
}

func (p *Pages) create(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	in, bad := inputOf(r.PostForm)
	if len(bad) > 0 {
		return p.renderNew(w, r, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: bad})
	}
	inc, err := p.s.Report(r.Context(), auth.FromContext(r.Context()), in, ChannelPortal)
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindConflict) {
		return p.renderNew(w, r, web.StatusOf(e), web.Refused(r.PostForm, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Reported as "+inc.Number+".")
	http.Redirect(w, r, "/console/incidents/"+url.PathEscape(inc.ID), http.StatusSeeOther)
	return nil
}

type incidentData struct {
	View
	Members    []auth.Member
	CERTs      []directory.Summary
	Involvable []directory.Summary
	TaskOrgs   []Involved
	Classes    []rsit.Class
	Severities []string
	Statuses   []string
	Regimes    []deadline.Regime
	Writable   []string // the visibilities the reader may write
	Markable   []deadline.Clock
}

func (p *Pages) incident(w http.ResponseWriter, r *http.Request) error {
	return p.renderIncident(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderIncident(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	id := auth.FromContext(r.Context())
	v, err := p.s.Get(r.Context(), id, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := incidentData{View: v, Classes: rsit.Classes, Severities: Severities, Statuses: Statuses}
	st := readerOf(id).of(v.Incident, v.Involved)
	for _, vis := range Visibilities {
		if st.mayWrite(vis) {
			d.Writable = append(d.Writable, vis)
		}
	}
	for _, c := range v.Clocks {
		if c.Open() && (st.handles || (c.By == deadline.ByReporter && st.reporter && st.writes)) {
			d.Markable = append(d.Markable, c)
		}
	}
	if v.Handles {
		if d.Members, err = p.s.orgs.Members(r.Context(), system, v.Incident.OwnerOrgID); err != nil {
			return err
		}
		if d.Regimes, err = p.s.Regimes(r.Context()); err != nil {
			return err
		}
		all, err := p.s.orgs.All(r.Context(), system, directory.Filter{})
		if err != nil {
			return err
		}
		involved := orgsOf(v.Involved)
		for _, o := range all {
			if !o.Kind.IsCERT() || o.ID == v.Incident.OwnerOrgID {
				continue
			}
			d.CERTs = append(d.CERTs, o)
			if !slices.Contains(involved, o.ID) {
				d.Involvable = append(d.Involvable, o)
			}
		}
		d.TaskOrgs = append([]Involved{{OrgID: v.Incident.OwnerOrgID, Org: v.Incident.OwnerOrg}}, v.Involved...)
		if v.Incident.ReporterOrgID != nil {
			d.TaskOrgs = append(d.TaskOrgs, Involved{OrgID: *v.Incident.ReporterOrgID, Org: v.Incident.ReporterOrg})
		}
	}
	page.Title, page.Section, page.Data = v.Incident.Number+": "+v.Incident.Title, "incidents", d
	p.rd.Render(w, r, status, "incident/incident", page)
	return nil
}

// act runs one of the incident page's forms, named by "do".
func (p *Pages) act(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, ref, f := r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PostForm
	opt := func(name string) *string {
		if _, ok := f[name]; !ok {
			return nil
		}
		v := f.Get(name)
		return &v
	}
	var err error
	var flash, anchor string
	switch f.Get("do") {
	case "update":
		c := Change{Status: opt("status"), Severity: opt("severity"), AssigneeID: opt("assignee_id"), Resolution: opt("resolution"),
			RootCause: opt("root_cause"), AwareAt: opt("aware_at")}
		if v := f.Get("rsit_class"); v != "" {
			cl, t, _ := strings.Cut(v, "/")
			c.Class, c.Type = &cl, &t
		}
		if _, ok := f["regimes_set"]; ok {
			regs := f["regimes"]
			if regs == nil {
				regs = []string{}
			}
			c.Regimes = &regs
		}
		_, err = p.s.Update(ctx, id, ref, c)
		flash, anchor = "Saved.", "handling"
	case "note":
		_, err = p.s.AddNote(ctx, id, ref, NoteInput{Body: f.Get("body"), Visibility: f.Get("visibility")})
		flash, anchor = "Note added.", "notes"
	case "task":
		_, err = p.s.AddTask(ctx, id, ref, TaskInput{Title: f.Get("title"), OwnerOrgID: f.Get("owner_org_id"), DueAt: f.Get("due_at")})
		flash, anchor = "Task added.", "tasks"
	case "task_done":
		err = p.s.FinishTask(ctx, id, ref, f.Get("task"))
		flash, anchor = "Task done.", "tasks"
	case "link":
		_, err = p.s.AddLink(ctx, id, ref, Link{Kind: f.Get("kind"), Ref: f.Get("ref")})
		flash, anchor = "Linked.", "links"
	case "transfer":
		_, err = p.s.Transfer(ctx, id, ref, Transfer{OrgID: f.Get("org_id"), Reason: f.Get("reason")})
		flash, anchor = "Handed over.", "certs"
	case "involve":
		_, err = p.s.Involve(ctx, id, ref, f.Get("org_id"))
		flash, anchor = "Asked in.", "certs"
	case "step":
		_, err = p.s.MarkStep(ctx, id, ref, f.Get("step"))
		flash, anchor = "Deadline marked done.", "clocks"
	default:
		err = errs.InvalidField("do", "not an action of this page")
	}
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindConflict) {
		return p.renderIncident(w, r, web.StatusOf(e), web.Refused(f, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, flash)
	http.Redirect(w, r, "/console/incidents/"+url.PathEscape(ref)+"#"+anchor, http.StatusSeeOther)
	return nil
}

func (p *Pages) attach(w http.ResponseWriter, r *http.Request) error {
	f, err := attachFromForm(p.s, w, r)
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindConflict) {
		return p.renderIncident(w, r, web.StatusOf(e), web.Refused(nil, e))
	}
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status < 500 {
		return p.renderIncident(w, r, se.Status, web.Page{Errors: se.Fields, Problem: se.Detail})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Attached "+f.Filename+".")
	http.Redirect(w, r, "/console/incidents/"+url.PathEscape(r.PathValue("id"))+"#files", http.StatusSeeOther)
	return nil
}

func (p *Pages) download(w http.ResponseWriter, r *http.Request) error {
	f, body, err := p.s.OpenFile(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		return err
	}
	return files.Serve(w, f.Filename, body)
}

type figuresData struct {
	Figures
	Max      int
	FromDate string
	ToDate   string
}

func (p *Pages) figures(w http.ResponseWriter, r *http.Request) error {
	now := p.s.now().UTC()
	from, to, err := periodOf(r, now)
	page := web.Page{Title: "Incident figures", Section: "incidents"}
	status := http.StatusOK
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		page.Errors, status = e.Fields, http.StatusUnprocessableEntity
		from, to = now.AddDate(0, 0, -30), now
	}
	fg, err := p.s.Figures(r.Context(), auth.FromContext(r.Context()), from, to)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		return writeFiguresCSV(w, fg)
	}
	d := figuresData{Figures: fg, FromDate: from.Format(time.DateOnly), ToDate: to.Format(time.DateOnly), Max: 1}
	for _, list := range [][]Count{fg.ByClass, fg.BySeverity, fg.BySector, fg.ByCERT} {
		for _, c := range list {
			d.Max = max(d.Max, c.N)
		}
	}
	page.Data = d
	p.rd.Render(w, r, status, "incident/figures", page)
	return nil
}

// The public form and follow link.

func (p *Pages) publicForm(w http.ResponseWriter, r *http.Request) error {
	return p.renderPublic(w, r, http.StatusOK, web.Page{Form: url.Values{"severity": {"medium"}}})
}

func (p *Pages) renderPublic(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	d, err := p.formData(r, nil)
	if err != nil {
		return err
	}
	page.Title, page.Section, page.Public, page.Data = "Report an incident", "report-incident", true, d
	p.rd.Render(w, r, status, "incident/public_report", page)
	return nil
}

func (p *Pages) publicCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	in, bad := inputOf(r.PostForm)
	in.TLP = "AMBER"
	if len(bad) > 0 {
		return p.renderPublic(w, r, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: bad})
	}
	_, secret, err := p.s.ReportPublic(r.Context(), in, httpx.ClientIP(r.Context()))
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindRateLimited || e.Kind == errs.KindConflict) {
		if e.Kind == errs.KindRateLimited {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
		return p.renderPublic(w, r, web.StatusOf(e), web.Refused(r.PostForm, e))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, FollowPath+"?key="+url.QueryEscape(secret)+"&new=1", http.StatusSeeOther)
	return nil
}

type followData struct {
	Followed
	Key string
	New bool
}

func (p *Pages) renderFollow(w http.ResponseWriter, r *http.Request, key string, status int, page web.Page) error {
	v, err := p.s.Follow(r.Context(), key)
	if err != nil {
		return err
	}
	// The secret stays out of caches and of any link's Referer.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	page.Title, page.Section, page.Public = "Incident "+v.Number, "report-incident", true
	page.Data = followData{Followed: v, Key: key, New: r.URL.Query().Get("new") == "1"}
	p.rd.Render(w, r, status, "incident/follow", page)
	return nil
}

func (p *Pages) follow(w http.ResponseWriter, r *http.Request) error {
	return p.renderFollow(w, r, r.URL.Query().Get("key"), http.StatusOK, web.Page{})
}

func (p *Pages) followReply(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	key := r.PostForm.Get("key")
	_, err := p.s.ReplyByLink(r.Context(), key, r.PostForm.Get("message"), httpx.ClientIP(r.Context()))
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindRateLimited || e.Kind == errs.KindConflict) {
		if e.Kind == errs.KindRateLimited {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
		for i := range e.Fields {
			if e.Fields[i].Field == "body" {
				e.Fields[i].Field = "message"
			}
		}
		return p.renderFollow(w, r, key, web.StatusOf(e), web.Refused(r.PostForm, e))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, FollowPath+"?key="+url.QueryEscape(key)+"#messages", http.StatusSeeOther)
	return nil
}
