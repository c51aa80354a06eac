package assessment

import (
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/auth"
	kc "github.com/certhub/certhub/internal/platform/catalogue"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the assessments' pages.
func Templates() web.Templates { return web.TemplatesIn("assessment", templateFS) }

func init() {
	web.RegisterLabels(map[string]string{"planned": "Planned", "in_progress": "In progress", "reported": "Reported",
		"met": "Met", "partial": "Partly met", "not_met": "Not met", "not_applicable": "Not applicable",
		"field.org_id": "Organisation", "field.assessor_org_id": "Assessor", "field.baseline": "Baseline", "field.scope": "Scope",
		"field.starts_on": "Starts on", "field.reassess_months": "Re-assess every (months)", "field.verdict": "Verdict",
		"field.severity": "Severity", "field.summary": "Summary", "field.requirements": "Controls"})
}

// OrgDirectory lists organisations for the pages' choices.
type OrgDirectory interface {
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
}

// Pages serves the console's assessment pages.
type Pages struct {
	s    *Service
	rd   *web.Renderer
	orgs OrgDirectory
}

// NewPages makes the pages.
func NewPages(s *Service, orgs OrgDirectory, rd *web.Renderer) *Pages {
	return &Pages{s: s, rd: rd, orgs: orgs}
}

// Register adds the routes.
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/assessments", p.list)
	h("GET /console/assessments/new", p.newPage)
	h("POST /console/assessments", p.open)
	h("GET /console/assessments/baselines", p.baselines)
	h("POST /console/assessments/baselines", p.publish)
	h("GET /console/assessments/baselines/{baseline}", p.baseline)
	h("GET /console/assessments/maturity", p.maturity)
	h("GET /console/assessments/{id}", p.detail)
	h("POST /console/assessments/{id}", p.act)
	h("POST /console/assessments/actions/{id}", p.move)
}

type listData struct {
	Rows      []Assessment
	Due       []Assessment
	Baselines []BaselineSummary
	Opens     bool
	State     string
	States    []string
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	state := r.URL.Query().Get("state")
	if !slices.Contains([]string{Planned, InProgress, Reported, Closed}, state) {
		state = ""
	}
	d := listData{State: state, States: []string{Planned, InProgress, Reported, Closed}}
	var err error
	if d.Rows, err = p.s.List(ctx, id, Filter{State: state}); err != nil {
		return err
	}
	if d.Due, err = p.s.Due(ctx, id, 90*24*time.Hour); err != nil {
		return err
	}
	if d.Baselines, err = p.s.Baselines(ctx, id); err != nil {
		return err
	}
	targets, err := p.targets(ctx, id)
	if err != nil {
		return err
	}
	d.Opens = len(targets) > 0
	p.rd.Render(w, r, http.StatusOK, "assessment/assessments", web.Page{Title: "Assessments", Section: "assessments", Data: d})
	return nil
}

// targets are the organisations id may open assessments of: every
// constituent for staff, a CERT's own constituents for its analysts.
func (p *Pages) targets(ctx context.Context, id *auth.Identity) ([]directory.Summary, error) {
	rd, err := readerOf(id)
	if err != nil {
		return nil, err
	}
	var out []directory.Summary
	if rd.staff {
		all, err := p.orgs.All(ctx, system, directory.Filter{})
		if err != nil {
			return nil, err
		}
		for _, o := range all {
			if o.Kind == directory.KindConstituent || o.Kind.IsCERT() {
				out = append(out, o)
			}
		}
		return out, nil
	}
	for _, m := range id.Memberships {
		if !m.Role.AtLeast(auth.RoleAnalyst) {
			continue
		}
		under, err := p.orgs.All(ctx, system, directory.Filter{ParentID: m.OrgID})
		if err != nil {
			return nil, err
		}
		out = append(out, under...)
	}
	return out, nil
}

type newData struct {
	Orgs, Assessors []directory.Summary
	Baselines       []BaselineSummary
}

func (p *Pages) newPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderNew(w, r, http.StatusOK, web.Page{Form: url.Values{"starts_on": {p.s.now().Format("2006-01-02")}, "reassess_months": {"12"}}})
}

func (p *Pages) renderNew(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	var d newData
	var err error
	if d.Orgs, err = p.targets(ctx, id); err != nil {
		return err
	}
	if len(d.Orgs) == 0 {
		return errs.Forbidden("the analysts of a CERT open assessments of its constituents; the center's staff of any")
	}
	all, err := p.orgs.All(ctx, system, directory.Filter{})
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.Kind.IsCERT() || o.Kind == directory.KindLab || o.Kind == directory.KindCoordinationCenter {
			d.Assessors = append(d.Assessors, o)
		}
	}
	if d.Baselines, err = p.s.Baselines(ctx, id); err != nil {
		return err
	}
	page.Title, page.Section, page.Data = "Open an assessment", "assessments", d
	p.rd.Render(w, r, status, "assessment/new", page)
	return nil
}

func (p *Pages) open(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := Input{OrgID: f.Get("org_id"), AssessorOrgID: f.Get("assessor_org_id"), Baseline: f.Get("baseline"), Scope: f.Get("scope"), StartsOn: f.Get("starts_on")}
	var bad errs.Fields
	if v := strings.TrimSpace(f.Get("reassess_months")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			bad.Add("reassess_months", "a number of months")
		}
		in.ReassessMonths = n
	}
	var a Assessment
	err := bad.Err()
	if err == nil {
		a, err = p.s.Open(r.Context(), auth.FromContext(r.Context()), in)
	}
	if e := web.FormRefusal(err); e != nil {
		return p.renderNew(w, r, web.StatusOf(e), web.Refused(f, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, a.Number+" opened; the organisation and the assessor were told.")
	http.Redirect(w, r, "/console/assessments/"+url.PathEscape(a.ID), http.StatusSeeOther)
	return nil
}

// row is a control with its verdict, for the page.
type row struct {
	kc.Requirement
	Result *kc.Result
}

type detailData struct {
	Detail
	Rows     []row
	Families []FamilyScore
	Verdicts []string
	Owners   []directory.Summary
	Today    string
}

func (p *Pages) detail(w http.ResponseWriter, r *http.Request) error {
	return p.renderDetail(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderDetail(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	dt, err := p.s.Get(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := detailData{Detail: dt, Families: dt.Families, Verdicts: Verdicts, Today: actions.Today(p.s.now())}
	given := map[string]*kc.Result{}
	for i := range dt.Results {
		given[dt.Results[i].Requirement] = &dt.Results[i]
	}
	for _, c := range dt.Controls {
		d.Rows = append(d.Rows, row{Requirement: c, Result: given[c.ID]})
	}
	for _, o := range []struct{ id, name string }{{dt.OrgID, dt.Org}, {dt.CERTOrgID, dt.CERT}, {dt.AssessorOrgID, dt.Assessor}} {
		if o.id != "" && !slices.ContainsFunc(d.Owners, func(s directory.Summary) bool { return s.ID == o.id }) {
			d.Owners = append(d.Owners, directory.Summary{ID: o.id, Name: o.name})
		}
	}
	page.Title, page.Section, page.Data = dt.Number+" · "+dt.Org, "assessments", d
	p.rd.Render(w, r, status, "assessment/assessment", page)
	return nil
}

func (p *Pages) act(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, f, aid := r.Context(), auth.FromContext(r.Context()), r.PostForm, r.PathValue("id")
	var err error
	var msg, anchor string
	switch f.Get("form") {
	case "result":
		_, err = p.s.SetResult(ctx, id, aid, f.Get("control"), ResultInput{Verdict: f.Get("verdict"), Severity: f.Get("severity"), Notes: f.Get("notes")})
		msg, anchor = "Verdict on "+f.Get("control")+" recorded.", "#c-"+f.Get("control")
	case "report":
		_, err = p.s.Report(ctx, id, aid, ReportInput{Summary: f.Get("summary")})
		msg, anchor = "Reported: the organisation and its CERT were told.", ""
	case "plan":
		_, err = p.s.AddPlan(ctx, id, aid, PlanInput{Input: actions.Input{Title: f.Get("title"), OwnerOrgID: f.Get("owner_org_id"), DueOn: f.Get("due_on")},
			Requirement: f.Get("requirement")})
		msg, anchor = "Action added to the remediation plan.", "#plan"
	case "close":
		_, err = p.s.Close(ctx, id, aid)
		msg = "Assessment closed."
	default:
		err = errs.InvalidField("form", "a form of this page")
	}
	if e := web.FormRefusal(err); e != nil {
		page := web.Refused(f, e)
		page.Form.Set("form-failed", f.Get("form"))
		if len(e.Fields) > 0 && f.Get("form") == "result" {
			page.Problem = f.Get("control") + ": " + web.FieldLabel(e.Fields[0].Field) + ": " + e.Fields[0].Message
		}
		return p.renderDetail(w, r, web.StatusOf(e), page)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/assessments/"+url.PathEscape(aid)+anchor, http.StatusSeeOther)
	return nil
}

func (p *Pages) move(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id := r.Context(), auth.FromContext(r.Context())
	it, err := p.s.MovePlan(ctx, id, r.PathValue("id"), actions.Change{Status: r.PostForm.Get("status"), Note: r.PostForm.Get("note")})
	if e := web.FormRefusal(err); e != nil {
		parent, perr := p.parent(ctx, r.PathValue("id"))
		if perr != nil {
			return perr
		}
		r.SetPathValue("id", parent)
		page := web.Refused(r.PostForm, e)
		if len(e.Fields) > 0 {
			page.Problem = web.FieldLabel(e.Fields[0].Field) + ": " + e.Fields[0].Message
		}
		return p.renderDetail(w, r, web.StatusOf(e), page)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Action updated.")
	http.Redirect(w, r, "/console/assessments/"+url.PathEscape(it.ParentID)+"#plan", http.StatusSeeOther)
	return nil
}

// parent answers the assessment an action is of.
func (p *Pages) parent(ctx context.Context, actionID string) (string, error) {
	var parent string
	err := p.s.db.Read(ctx, func(q db.Querier) (err error) { parent, err = parentOf(ctx, q, actionID); return err })
	return parent, err
}

type baselinesData struct {
	List      []BaselineSummary
	Publishes bool
	Methods   []string
}

func (p *Pages) baselines(w http.ResponseWriter, r *http.Request) error {
	return p.renderBaselines(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderBaselines(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	list, err := p.s.Baselines(ctx, id)
	if err != nil {
		return err
	}
	page.Title, page.Section, page.Data = "Control baselines", "assessments", baselinesData{List: list, Publishes: mayPublish(id) == nil, Methods: Methods}
	p.rd.Render(w, r, status, "assessment/baselines", page)
	return nil
}

func (p *Pages) publish(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	b, err := p.s.Publish(r.Context(), auth.FromContext(r.Context()), f.Get("baseline"), []byte(f.Get("json")))
	if e := web.FormRefusal(err); e != nil {
		page := web.Refused(f, e)
		if len(e.Fields) > 1 || (len(e.Fields) == 1 && e.Fields[0].Field != "baseline") {
			var msgs []string
			for _, fe := range e.Fields {
				msgs = append(msgs, fe.Field+": "+fe.Message)
			}
			page.Problem = "The baseline was not published: " + strings.Join(msgs, "; ")
		}
		return p.renderBaselines(w, r, web.StatusOf(e), page)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, fmt.Sprintf("%s version %d published (%d controls).", b.Baseline, b.Version, len(b.Requirements)))
	http.Redirect(w, r, "/console/assessments/baselines/"+url.PathEscape(b.Baseline), http.StatusSeeOther)
	return nil
}

type baselineData struct {
	Baseline
	Versions []BaselineSummary
	Families []familyControls
}

type familyControls struct {
	Family   string
	Controls []kc.Requirement
}

func (p *Pages) baseline(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	version, _ := strconv.Atoi(r.URL.Query().Get("version"))
	b, err := p.s.Baseline(ctx, id, r.PathValue("baseline"), max(version, 0))
	if err != nil {
		return err
	}
	d := baselineData{Baseline: b}
	if d.Versions, err = p.s.Versions(ctx, id, b.Baseline); err != nil {
		return err
	}
	for _, fam := range b.Families() {
		fc := familyControls{Family: fam}
		for _, c := range b.Requirements {
			if c.Family == fam {
				fc.Controls = append(fc.Controls, c)
			}
		}
		d.Families = append(d.Families, fc)
	}
	p.rd.Render(w, r, http.StatusOK, "assessment/baseline", web.Page{Title: b.Title, Section: "assessments", Data: d})
	return nil
}

type maturityData struct {
	Maturity
	Baselines []BaselineSummary
	Title     string
}

func (p *Pages) maturity(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	d := maturityData{}
	var err error
	if d.Baselines, err = p.s.Baselines(ctx, id); err != nil {
		return err
	}
	key := r.URL.Query().Get("baseline")
	if key == "" && len(d.Baselines) > 0 {
		key = d.Baselines[0].Baseline
	}
	if key != "" {
		if d.Maturity, err = p.s.Maturity(ctx, id, key); err != nil {
			return err
		}
		for _, b := range d.Baselines {
			if b.Baseline == key {
				d.Title = b.Title
			}
		}
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="maturity-`+d.Baseline+`.csv"`)
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"sector", "family", "organisations", "score"})
		for _, m := range d.Rows {
			_ = cw.Write([]string{directory.SafeCell(m.Sector), directory.SafeCell(m.Family), strconv.Itoa(m.Organisations), strconv.FormatFloat(m.Score, 'f', 1, 64)})
		}
		cw.Flush()
		return cw.Error()
	}
	p.rd.Render(w, r, http.StatusOK, "assessment/maturity", web.Page{Title: "Maturity by sector", Section: "assessments", Data: d})
	return nil
}
