package reporting

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
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are periodic reporting's pages.
func Templates() web.Templates { return web.TemplatesIn("reporting", templateFS) }

func init() {
	web.RegisterLabels(map[string]string{"submitted": "Submitted", "returned": "Returned", "accepted": "Accepted", "monthly": "Monthly",
		"quarterly": "Quarterly", "field.period": "Period", "field.summary": "Summary", "field.highlights": "Highlights",
		"field.challenges": "Challenges", "field.plans": "Plans", "field.note": "Note", "field.frequency": "Frequency",
		"field.due_days": "Due (days after the period)", "field.since": "First period"})
}

// Pages serves periodic reporting's console pages.
type Pages struct {
	s  *Service
	rd *web.Renderer
}

// NewPages makes the pages.
func NewPages(s *Service, rd *web.Renderer) *Pages { return &Pages{s: s, rd: rd} }

// Register adds the routes.
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/periodic-reports", p.list)
	h("POST /console/periodic-reports", p.open)
	h("GET /console/periodic-reports/rollup", p.rollup)
	h("GET /console/periodic-reports/schedules", p.schedules)
	h("POST /console/periodic-reports/schedules", p.setSchedule)
	h("GET /console/periodic-reports/{id}", p.report)
	h("POST /console/periodic-reports/{id}", p.act)
}

type listData struct {
	Items    []Report
	Next     string
	Writable []Schedule
	Reviews  bool
	Statuses []string
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request) error {
	return p.renderList(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderList(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, next, err := p.s.List(ctx, id, ReportFilter{Status: q.Get("status"), Period: q.Get("period")}, pg.Limit, pg.Cursor)
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		page.Errors, status, err = e.Fields, http.StatusUnprocessableEntity, nil
	}
	if err != nil {
		return err
	}
	writable, err := p.s.Writable(ctx, id)
	if err != nil {
		return err
	}
	if page.Form == nil {
		// The last period over, as the first schedule counts.
		period := periodOf(Monthly, p.s.now().AddDate(0, -1, 0)).Name
		if len(writable) > 0 && writable[0].Frequency == Quarterly {
			period = periodOf(Quarterly, p.s.now().AddDate(0, -3, 0)).Name
		}
		page.Form = url.Values{"period": {period}}
	}
	page.Title, page.Section = "Periodic reports", "periodic-reports"
	page.Data = listData{Items: items, Next: next, Writable: writable, Reviews: p.s.Reviews(ctx, id), Statuses: Statuses}
	p.rd.Render(w, r, status, "reporting/reports", page)
	return nil
}

func (p *Pages) open(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	x, _, err := p.s.Open(r.Context(), auth.FromContext(r.Context()), r.PostForm.Get("org_id"), r.PostForm.Get("period"))
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindConflict) {
		return p.renderList(w, r, web.StatusOf(e), web.Refused(r.PostForm, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Assembled from the records.")
	http.Redirect(w, r, "/console/periodic-reports/"+url.PathEscape(x.ID), http.StatusSeeOther)
	return nil
}

type bar struct {
	Key, Label string
	N          int
}

type reportData struct {
	Report
	Writes, Reviews bool
	Classes         []bar
	MaxClass        int
}

func (p *Pages) report(w http.ResponseWriter, r *http.Request) error {
	return p.renderReport(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderReport(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	x, err := p.s.Get(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	rd, err := p.s.readerOf(ctx, id)
	if err != nil {
		return err
	}
	d := reportData{Report: x, Writes: rd.writesOrg(x.OrgID) && (x.Status == Draft || x.Status == Returned), Reviews: rd.reviews && x.Status == Submitted}
	for _, c := range x.Figures.ByClass {
		d.Classes = append(d.Classes, bar{Key: c.Key, Label: c.Label, N: c.N})
		d.MaxClass = max(d.MaxClass, c.N)
	}
	if page.Form == nil {
		page.Form = url.Values{"summary": {x.Summary}, "highlights": {x.Highlights}, "challenges": {x.Challenges}, "plans": {x.Plans}}
	}
	page.Title, page.Section, page.Data = x.Org+": "+x.Period, "periodic-reports", d
	p.rd.Render(w, r, status, "reporting/report", page)
	return nil
}

// act is the report page's forms.
func (p *Pages) act(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, f, rid := r.Context(), auth.FromContext(r.Context()), r.PostForm, r.PathValue("id")
	var err error
	var msg string
	switch f.Get("form") {
	case "narrative":
		_, err = p.s.SaveNarrative(ctx, id, rid, Narrative{Summary: f.Get("summary"), Highlights: f.Get("highlights"), Challenges: f.Get("challenges"), Plans: f.Get("plans")})
		msg = "Saved."
	case "assemble":
		var x Report
		if x, err = p.s.Get(ctx, id, rid); err == nil {
			_, _, err = p.s.Open(ctx, id, x.OrgID, x.Period)
		}
		msg = "Assembled again from the records."
	case "submit":
		_, err = p.s.Submit(ctx, id, rid)
		msg = "Submitted to the National CERT."
	case "accept", "return":
		_, err = p.s.Review(ctx, id, rid, f.Get("form") == "accept", f.Get("note"))
		msg = "Reviewed."
	default:
		err = errs.InvalidField("form", "a form of this page")
	}
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindConflict) {
		return p.renderReport(w, r, web.StatusOf(e), web.Refused(f, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/periodic-reports/"+url.PathEscape(rid), http.StatusSeeOther)
	return nil
}

// column is one period's column of the chart over time.
type column struct {
	Period string
	N, H   int // the number, and its height in the chart
	X      int
}

type rollupData struct {
	Rollup
	// Incidents is the incidents of every CERT, period by period;
	// Latest, each CERT's incidents in the latest period reported.
	Incidents  []column
	Width      int
	Latest     []bar
	LatestName string
	MaxLatest  int
	FromMonth  string
	ToMonth    string
}

func (p *Pages) rollup(w http.ResponseWriter, r *http.Request) error {
	from, err := monthParam(r, "from")
	if err != nil {
		return err
	}
	to, err := monthParam(r, "to")
	if err != nil {
		return err
	}
	if !to.IsZero() {
		to = to.AddDate(0, 1, 0)
	}
	ru, err := p.s.Rollup(r.Context(), auth.FromContext(r.Context()), from, to)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="periodic-reports-`+ru.From+`-`+ru.To+`.csv"`)
		return ru.WriteCSV(w)
	}
	d := rollupData{Rollup: ru, FromMonth: ru.From, ToMonth: ru.To}
	top := 0
	for _, t := range ru.Totals {
		top = max(top, t.Figures.Incidents)
	}
	for i, t := range ru.Totals {
		d.Incidents = append(d.Incidents, column{Period: t.Period, N: t.Figures.Incidents, H: t.Figures.Incidents * 120 / max(top, 1), X: 40 + i*44})
	}
	d.Width = max(60+len(ru.Totals)*44, 440) // a few periods keep the labels small
	if n := len(ru.Totals); n > 0 {
		last := ru.Totals[n-1].Period
		d.LatestName = last
		for _, row := range ru.Rows {
			for i, c := range row.Cells {
				if ru.Periods[i] == last && c != nil {
					d.Latest = append(d.Latest, bar{Key: row.OrgID, Label: row.Org, N: c.Figures.Incidents})
					d.MaxLatest = max(d.MaxLatest, c.Figures.Incidents)
				}
			}
		}
	}
	p.rd.Render(w, r, http.StatusOK, "reporting/rollup", web.Page{Title: "National roll-up", Section: "periodic-reports", Data: d})
	return nil
}

type schedulesData struct {
	Schedules []Schedule
	CERTs     []directory.Summary
	Reviews   bool
}

func (p *Pages) schedules(w http.ResponseWriter, r *http.Request) error {
	return p.renderSchedules(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderSchedules(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	list, err := p.s.Schedules(ctx, id)
	if err != nil {
		return err
	}
	d := schedulesData{Schedules: list, Reviews: p.s.Reviews(ctx, id)}
	if d.Reviews {
		all, err := p.s.orgs.All(ctx, system, directory.Filter{})
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.Kind.IsCERT() && o.Kind != directory.KindNationalCERT && o.Kind != directory.KindCoordinationCenter && o.Kind != directory.KindInternationalCERT {
				d.CERTs = append(d.CERTs, o)
			}
		}
	}
	if page.Form == nil {
		page.Form = url.Values{"frequency": {Monthly}, "due_days": {"10"}, "since": {periodOf(Monthly, p.s.now()).Name}}
	}
	page.Title, page.Section, page.Data = "Reporting schedules", "periodic-reports", d
	p.rd.Render(w, r, status, "reporting/schedules", page)
	return nil
}

func (p *Pages) setSchedule(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := ScheduleInput{Frequency: f.Get("frequency"), Since: f.Get("since")}
	n, err := strconv.Atoi(strings.TrimSpace(f.Get("due_days")))
	if err != nil {
		return p.renderSchedules(w, r, http.StatusUnprocessableEntity, web.Page{Form: f, Errors: errs.Fields{{Field: "due_days", Message: "a whole number of days"}}})
	}
	in.DueDays = n
	if f.Get("org_id") == "" {
		return p.renderSchedules(w, r, http.StatusUnprocessableEntity, web.Page{Form: f, Errors: errs.Fields{{Field: "org_id", Message: "the CERT that reports"}}})
	}
	_, err = p.s.SetSchedule(r.Context(), auth.FromContext(r.Context()), f.Get("org_id"), in)
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindNotFound) {
		return p.renderSchedules(w, r, web.StatusOf(e), web.Refused(f, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Schedule saved.")
	http.Redirect(w, r, "/console/periodic-reports/schedules", http.StatusSeeOther)
	return nil
}
