package hygiene

import (
	"embed"
	"encoding/csv"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/hygiene/probe"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are hygiene's pages.
func Templates() web.Templates { return web.TemplatesIn("hygiene", templateFS) }

func init() {
	web.RegisterLabels(map[string]string{"pass": "Pass", "fail": "Fail", "skipped": "Skipped", "error": "Error",
		"queued": "Queued", "running": "Running", "done": "Done", "schedule": "Scheduled", "request": "On request",
		"dns": "DNS", "mail": "Mail", "web": "Web", "exposure": "Exposure",
		"field.granted_by": "Granted by", "field.granted_on": "Granted on",
		"field.dkim_selectors": "DKIM selectors", "field.reference": "Reference"})
}

// Pages serves the console's hygiene pages.
type Pages struct {
	s  *Service
	rd *web.Renderer
}

// NewPages makes the pages.
func NewPages(s *Service, rd *web.Renderer) *Pages { return &Pages{s: s, rd: rd} }

// Register adds the routes.
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/hygiene", p.rollup)
	h("GET /console/hygiene/findings", p.findings)
	h("GET /console/hygiene/organisations/{id}", p.org)
	h("POST /console/hygiene/organisations/{id}/check", p.check)
	h("POST /console/hygiene/organisations/{id}/permission", p.permit)
	h("GET /console/hygiene/runs/{id}", p.run)
}

type rollupData struct {
	Rollup
	Sector string
	Chart  web.LineChart
	Months []string
	Trend  map[string]map[string]float64 // sector → month → score
	Lines  []string
	// Shown are the months from the first with a run (the chart's axis
	// and the table's rows).
	Shown                     []string
	Tracked, Checked, Serious int
}

func (p *Pages) rollup(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	sector := r.URL.Query().Get("sector")
	ru, err := p.s.Rollup(ctx, id, sector)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="hygiene-sectors.csv"`)
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"sector", "organisations", "checked", "score", "critical", "high", "medium", "low"})
		for _, s := range ru.Sectors {
			_ = cw.Write([]string{directory.SafeCell(s.Sector), strconv.Itoa(s.Organisations), strconv.Itoa(s.Checked), strconv.FormatFloat(s.Score, 'f', 1, 64),
				strconv.Itoa(s.Critical), strconv.Itoa(s.High), strconv.Itoa(s.Medium), strconv.Itoa(s.Low)})
		}
		cw.Flush()
		return cw.Error()
	}
	d := rollupData{Rollup: ru, Sector: sector, Months: Months(p.s.now()), Trend: map[string]map[string]float64{}}
	for _, m := range ru.Trend {
		if d.Trend[m.Sector] == nil {
			d.Trend[m.Sector] = map[string]float64{}
			d.Lines = append(d.Lines, m.Sector)
		}
		d.Trend[m.Sector][m.Month] = m.Score
	}
	slices.Sort(d.Lines)
	for _, sc := range ru.Sectors {
		d.Tracked, d.Checked = d.Tracked+sc.Organisations, d.Checked+sc.Checked
		d.Serious += sc.Critical + sc.High
	}
	for i, m := range d.Months {
		if _, ok := d.Trend[""][m]; ok || len(d.Shown) > 0 {
			d.Shown = d.Months[min(i, len(d.Months)-2):]
			break
		}
	}
	var series []web.Series
	for _, sec := range d.Lines {
		s := web.Series{Name: cmpOr(sec, "All organisations")}
		for _, m := range d.Shown {
			v, ok := d.Trend[sec][m]
			if !ok {
				v = math.NaN()
			}
			s.Values = append(s.Values, v)
		}
		series = append(series, s)
	}
	short := make([]string, len(d.Shown))
	for i, m := range d.Shown {
		short[i] = m
	}
	d.Chart = web.NewLineChart("Mean hygiene score by month", short, series, 0, 100, []float64{0, 25, 50, 75, 100})
	p.rd.Render(w, r, http.StatusOK, "hygiene/rollup", web.Page{Title: "Cyber hygiene", Section: "hygiene", Data: d})
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

type orgData struct {
	Report
	Groups     []string
	ByGroup    map[string][]Result
	Chart      web.LineChart
	Categories []string
	Checks     []probe.Check
}

func (p *Pages) org(w http.ResponseWriter, r *http.Request) error {
	return p.renderOrg(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderOrg(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	rep, err := p.s.Report(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := orgData{Report: rep, Groups: []string{"dns", "mail", "web", "exposure"}, ByGroup: map[string][]Result{}, Categories: probe.Categories}
	for _, x := range rep.Results {
		d.ByGroup[x.Group] = append(d.ByGroup[x.Group], x)
	}
	var labels []string
	var values []float64
	for i := len(rep.History) - 1; i >= 0; i-- {
		h := rep.History[i]
		if h.State != Done || h.Score == nil || h.FinishedAt == nil {
			continue
		}
		labels = append(labels, h.FinishedAt.UTC().Format("01-02"))
		values = append(values, *h.Score)
	}
	if len(labels) > 26 {
		labels, values = labels[len(labels)-26:], values[len(values)-26:]
	}
	d.Chart = web.NewLineChart("Hygiene score of "+rep.Org+" at each run", labels, []web.Series{{Name: "score", Values: values}}, 0, 100, []float64{0, 25, 50, 75, 100})
	if page.Form == nil && rep.Permission != nil {
		page.Form = url.Values{"categories": rep.Permission.Categories, "granted_by": {rep.Permission.GrantedBy}, "granted_on": {rep.Permission.GrantedOn},
			"reference": {rep.Permission.Reference}, "dkim_selectors": {strings.Join(rep.Permission.DKIMSelectors, ", ")}}
		if rep.Permission.SignedSecurityTxt {
			page.Form.Set("signed_security_txt", "on")
		}
	}
	page.Title, page.Section, page.Data = "Hygiene of "+rep.Org, "hygiene", d
	p.rd.Render(w, r, status, "hygiene/org", page)
	return nil
}

func (p *Pages) check(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	run, err := p.s.RequestCheck(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindRateLimited) {
		msg := e.Message
		for _, f := range e.Fields {
			msg = f.Message
		}
		return p.renderOrg(w, r, web.StatusOf(e), web.Page{Problem: "No check was queued: " + msg + "."})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "A check of "+run.Org+" is queued; its results appear here when it is done.")
	http.Redirect(w, r, "/console/hygiene/organisations/"+url.PathEscape(run.OrgID), http.StatusSeeOther)
	return nil
}

func (p *Pages) permit(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := PermissionInput{Categories: f["categories"], GrantedBy: f.Get("granted_by"), GrantedOn: f.Get("granted_on"), Reference: f.Get("reference"),
		DKIMSelectors: []string{f.Get("dkim_selectors")}, SignedSecurityTxt: f.Get("signed_security_txt") != ""}
	perm, err := p.s.SetPermission(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if e := web.FormRefusal(err); e != nil {
		return p.renderOrg(w, r, web.StatusOf(e), web.Refused(f, e))
	}
	if err != nil {
		return err
	}
	if perm == nil {
		p.rd.Flash(r, "Scanning permission withdrawn: only checks through public resolvers run now.")
	} else {
		p.rd.Flash(r, "Scanning permission recorded: "+strings.Join(perm.Categories, ", ")+".")
	}
	http.Redirect(w, r, "/console/hygiene/organisations/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	return nil
}

type findingsData struct {
	Rows       []Finding
	Total      int
	Next       string
	State      string
	Severity   string
	Sector     string
	Check      string
	Severities []probe.Severity
	Checks     []probe.Check
}

func (p *Pages) findings(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	f := FindingFilter{OrgID: q.Get("org_id"), Sector: q.Get("sector"), State: q.Get("state"), Severity: q.Get("severity"), Check: q.Get("check"), Page: page, Limit: 100}
	csvOut := q.Get("format") == "csv"
	if csvOut {
		f.Page, f.Limit = 1, 500
	}
	rows, total, err := p.s.Findings(ctx, id, f)
	if errs.KindOf(err) == errs.KindInvalid {
		f = FindingFilter{Page: 1, Limit: 100}
		rows, total, err = p.s.Findings(ctx, id, f)
	}
	if err != nil {
		return err
	}
	if csvOut {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="hygiene-findings.csv"`)
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"organisation", "sector", "severity", "check", "target", "evidence", "state", "first_seen", "last_seen"})
		for _, x := range rows {
			_ = cw.Write([]string{directory.SafeCell(x.Org), directory.SafeCell(x.Sector), string(x.Severity), x.Check, directory.SafeCell(x.Target),
				directory.SafeCell(x.Evidence), x.State, x.FirstSeen.UTC().Format("2006-01-02T15:04:05Z"), x.LastSeen.UTC().Format("2006-01-02T15:04:05Z")})
		}
		cw.Flush()
		return cw.Error()
	}
	d := findingsData{Rows: rows, Total: total, State: cmpOr(f.State, Open), Severity: f.Severity, Sector: f.Sector, Check: f.Check,
		Severities: probe.Severities, Checks: probe.Catalogue}
	if page*f.Limit < total {
		d.Next = strconv.Itoa(page + 1)
	}
	p.rd.Render(w, r, http.StatusOK, "hygiene/findings", web.Page{Title: "Hygiene findings", Section: "hygiene", Data: d})
	return nil
}

type runData struct {
	Run
	Results []Result
}

func (p *Pages) run(w http.ResponseWriter, r *http.Request) error {
	run, results, err := p.s.Run(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "hygiene/run", web.Page{Title: "Hygiene run of " + run.Org, Section: "hygiene", Data: runData{Run: run, Results: results}})
	return nil
}
