package admin

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/web"
)

// Pages serves the audit log and the job queue in the console.
type Pages struct {
	svc *Service
	rd  *web.Renderer
}

// NewPages makes the page handlers.
func NewPages(svc *Service, rd *web.Renderer) *Pages { return &Pages{svc: svc, rd: rd} }

// Register adds the routes.
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console", func(w http.ResponseWriter, r *http.Request) error {
		http.Redirect(w, r, "/console/orgs", http.StatusSeeOther)
		return nil
	})
	h("GET /console/audit", p.audit)
	h("GET /console/jobs", p.jobs)
	h("GET /console/jobs/{id}", p.job)
	h("POST /console/jobs/{id}/retry", p.retry)
	h("POST /console/jobs/{id}/cancel", p.cancel)
}

type auditData struct {
	Entries    []audit.Entry
	NextBefore string
	Report     *audit.Report
	Filtered   bool
}

func (p *Pages) audit(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	es, next, err := p.svc.Audit(r.Context(), id, f)
	if err != nil {
		return err
	}
	d := auditData{Entries: es, Filtered: f.ActorID != "" || f.Action != "" || f.ObjectType != "" || f.ObjectID != "" || f.OrgID != ""}
	if next > 0 {
		d.NextBefore = strconv.FormatInt(next, 10)
	}
	if r.URL.Query().Get("verify") == "1" {
		rep, err := p.svc.Verify(r.Context(), id)
		if err != nil {
			return err
		}
		d.Report = &rep
	}
	p.rd.Render(w, r, http.StatusOK, "admin/audit", web.Page{Title: "Audit log", Section: "audit", Data: d})
	return nil
}

type jobsData struct {
	Jobs   []jobs.Info
	States []string
	State  string
	Admin  bool
}

func (p *Pages) jobs(w http.ResponseWriter, r *http.Request) error {
	id := auth.FromContext(r.Context())
	state := r.URL.Query().Get("state")
	var states []string
	if state != "" {
		states = strings.Split(state, ",")
	}
	js, err := p.svc.Jobs(r.Context(), id, states, 200)
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "admin/jobs", web.Page{Title: "Jobs", Section: "jobs",
		Data: jobsData{Jobs: js, States: jobs.States, State: state, Admin: id.IsPlatformAdmin()}})
	return nil
}

func (p *Pages) job(w http.ResponseWriter, r *http.Request) error {
	n, err := jobID(r)
	if err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	j, err := p.svc.Job(r.Context(), id, n)
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "admin/job", web.Page{Title: "Job " + r.PathValue("id"), Section: "jobs",
		Data: map[string]any{"Job": j, "Admin": id.IsPlatformAdmin()}})
	return nil
}

func (p *Pages) retry(w http.ResponseWriter, r *http.Request) error {
	n, err := jobID(r)
	if err != nil {
		return err
	}
	if _, err := p.svc.Retry(r.Context(), auth.FromContext(r.Context()), n); err != nil {
		return err
	}
	p.rd.Flash(r, "The job will run again shortly.")
	http.Redirect(w, r, "/console/jobs/"+r.PathValue("id"), http.StatusSeeOther)
	return nil
}

func (p *Pages) cancel(w http.ResponseWriter, r *http.Request) error {
	n, err := jobID(r)
	if err != nil {
		return err
	}
	if _, err := p.svc.Cancel(r.Context(), auth.FromContext(r.Context()), n); err != nil {
		return err
	}
	p.rd.Flash(r, "Cancelled the job.")
	http.Redirect(w, r, "/console/jobs/"+r.PathValue("id"), http.StatusSeeOther)
	return nil
}
