package maturity

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the maturity pages.
func Templates() web.Templates { return web.TemplatesIn("maturity", templateFS) }

func init() {
	web.RegisterLabels(map[string]string{"self": "Self-assessment", "peer": "Peer review", "submitted": "Submitted",
		"periodic_report": "Periodic report", "exercise": "Exercise", "course": "Course",
		"field.reviewer_org_id": "Reviewing CERT", "field.level": "Level", "field.ref": "Record", "field.levels": "Levels",
		"field.parameter": "Parameter"})
}

// OrgDirectory lists organisations for the pages' choices.
type OrgDirectory interface {
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
}

// Pages serves the console's maturity pages.
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
	h("GET /console/maturity", p.overview)
	h("POST /console/maturity", p.start)
	h("GET /console/maturity/history", p.history)
	h("GET /console/maturity/{id}", p.detail)
	h("POST /console/maturity/{id}", p.act)
}

type overviewData struct {
	Mine     []Assessment // drafts and submissions the reader reads
	Latest   []Assessment // the latest submitted of each CERT
	Starts   []directory.Summary
	CERTs    []directory.Summary // reviewers to choose from
	Groups   []string
	GroupsOf map[string]string
}

func (p *Pages) overview(w http.ResponseWriter, r *http.Request) error {
	return p.renderOverview(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderOverview(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	list, err := p.s.List(ctx, id, "")
	if err != nil {
		return err
	}
	d := overviewData{Mine: list, Groups: Groups, GroupsOf: GroupNames}
	seen := map[string]bool{}
	for _, a := range list {
		if a.State == Submitted && !seen[a.OrgID] {
			seen[a.OrgID] = true
			d.Latest = append(d.Latest, a)
		}
	}
	starts, err := p.s.Starts(ctx, id)
	if err != nil {
		return err
	}
	all, err := p.orgs.All(ctx, system, directory.Filter{})
	if err != nil {
		return err
	}
	for _, o := range all {
		if !o.Kind.IsCERT() {
			continue
		}
		d.CERTs = append(d.CERTs, o)
		if slices.Contains(starts, o.ID) {
			d.Starts = append(d.Starts, o)
		}
	}
	page.Title, page.Section, page.Data = "CSIRT maturity", "maturity", d
	p.rd.Render(w, r, status, "maturity/maturity", page)
	return nil
}

func (p *Pages) start(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	a, err := p.s.Start(r.Context(), auth.FromContext(r.Context()), StartInput{OrgID: f.Get("org_id"), Kind: f.Get("kind"), ReviewerOrgID: f.Get("reviewer_org_id")})
	if e := web.FormRefusal(err); e != nil {
		return p.renderOverview(w, r, web.StatusOf(e), web.Refused(f, e))
	}
	if err != nil {
		return err
	}
	msg := "Self-assessment started."
	if a.Kind == Peer {
		msg = "Peer review asked of " + a.Reviewer + ": its analysts were told."
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/maturity/"+url.PathEscape(a.ID), http.StatusSeeOther)
	return nil
}

// groupRows are the parameters of one group with their levels.
type groupRows struct {
	Group, Name string
	Average     float64
	Rows        []paramRow
}

type paramRow struct {
	Parameter
	Level
}

type detailData struct {
	Detail
	Groups     []groupRows
	Levels     []string
	LevelAbout []string
	Kinds      []string
	Left       int
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
	d := detailData{Detail: dt, Levels: Levels, LevelAbout: LevelAbout, Kinds: EvidenceKinds}
	at := map[string]Level{}
	for _, l := range dt.Levels {
		at[l.Parameter] = l
		if l.Level < 0 {
			d.Left++
		}
	}
	for _, g := range Groups {
		gr := groupRows{Group: g, Name: GroupNames[g], Average: dt.ByGroup[g]}
		for _, prm := range Parameters {
			if prm.Group == g {
				gr.Rows = append(gr.Rows, paramRow{Parameter: prm, Level: at[prm.ID]})
			}
		}
		d.Groups = append(d.Groups, gr)
	}
	title := dt.Org + " · SIM3 self-assessment"
	if dt.Kind == Peer {
		title = dt.Org + " · SIM3 peer review by " + dt.Reviewer
	}
	page.Title, page.Section, page.Data = title, "maturity", d
	p.rd.Render(w, r, status, "maturity/assessment", page)
	return nil
}

func (p *Pages) act(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, f, mid := r.Context(), auth.FromContext(r.Context()), r.PostForm, r.PathValue("id")
	var err error
	var msg, anchor string
	switch f.Get("form") {
	case "level":
		in := LevelInput{Note: f.Get("note")}
		if n, perr := strconv.Atoi(f.Get("level")); perr == nil {
			in.Level = &n
		}
		_, err = p.s.SetLevel(ctx, id, mid, f.Get("parameter"), in)
		msg, anchor = f.Get("parameter")+" saved.", "#p-"+f.Get("parameter")
	case "evidence":
		_, err = p.s.AddEvidence(ctx, id, mid, EvidenceInput{Parameter: f.Get("parameter"), Kind: f.Get("kind"), Ref: f.Get("ref")})
		msg, anchor = "Evidence linked to "+f.Get("parameter")+".", "#p-"+f.Get("parameter")
	case "submit":
		_, err = p.s.Submit(ctx, id, mid, f.Get("summary"))
		msg = "Submitted: the levels are kept as they are, in the history."
	default:
		err = errs.InvalidField("form", "a form of this page")
	}
	if e := web.FormRefusal(err); e != nil {
		page := web.Refused(f, e)
		page.Form.Set("form-failed", f.Get("form"))
		if len(e.Fields) > 0 && f.Get("form") != "submit" {
			page.Problem = f.Get("parameter") + ": " + web.FieldLabel(e.Fields[0].Field) + ": " + e.Fields[0].Message
		}
		return p.renderDetail(w, r, web.StatusOf(e), page)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/maturity/"+url.PathEscape(mid)+anchor, http.StatusSeeOther)
	return nil
}

// line is one group's polyline in the history chart.
type line struct {
	Group, Name, Points, Colour string
}

type historyData struct {
	History
	CERTs  []directory.Summary
	Lines  []line
	Width  int
	XS     []int
	Params []Parameter
	Grid   []struct{ Y, Level int }
}

var colours = map[string]string{"O": "#3d6a9e", "H": "#8a5a9e", "T": "#2e8a6a", "P": "#b5762a"}

func (p *Pages) history(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	org := r.URL.Query().Get("org_id")
	list, err := p.s.List(ctx, id, "")
	if err != nil {
		return err
	}
	d := historyData{Params: Parameters}
	seen := map[string]bool{}
	for _, a := range list {
		if !seen[a.OrgID] {
			seen[a.OrgID] = true
			d.CERTs = append(d.CERTs, directory.Summary{ID: a.OrgID, Name: a.Org})
		}
	}
	if org == "" && len(d.CERTs) > 0 {
		org = d.CERTs[0].ID
	}
	if org != "" {
		if d.History, err = p.s.History(ctx, id, org); err != nil {
			return err
		}
	}
	// The chart: x one step per submission, y level 0 (bottom) to 4.
	step := 90
	d.Width = max(len(d.Points)-1, 1)*step + 80
	for i := range d.Points {
		d.XS = append(d.XS, 40+i*step)
	}
	for lv := 0; lv <= 4; lv++ {
		d.Grid = append(d.Grid, struct{ Y, Level int }{170 - lv*40, lv})
	}
	for _, g := range Groups {
		var pts []string
		for i, pt := range d.Points {
			pts = append(pts, fmt.Sprintf("%d,%d", d.XS[i], 170-int(pt.ByGroup[g]*40+0.5)))
		}
		d.Lines = append(d.Lines, line{Group: g, Name: GroupNames[g], Points: strings.Join(pts, " "), Colour: colours[g]})
	}
	p.rd.Render(w, r, http.StatusOK, "maturity/history", web.Page{Title: "CSIRT maturity over time", Section: "maturity", Data: d})
	return nil
}
