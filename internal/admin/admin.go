package admin

import (
	"context"
	"embed"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the admin pages for the renderer.
func Templates() web.Templates {
	return web.TemplatesIn("admin", templateFS)
}

// Service reads the audit log and the job queue for people allowed to.
type Service struct {
	db  *db.DB
	q   *jobs.Queue
	now func() time.Time
}

// NewService makes the service.
func NewService(d *db.DB, q *jobs.Queue, now func() time.Time) *Service {
	return &Service{db: d, q: q, now: now}
}

func mustStaff(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in first")
	}
	if !id.IsStaff() && !id.IsSystem() {
		return errs.Forbidden("only coordination-center staff read the audit log and the job queue")
	}
	return nil
}

func mustAdmin(id *auth.Identity) error {
	if err := mustStaff(id); err != nil {
		return err
	}
	if !id.IsPlatformAdmin() && !id.IsSystem() {
		return errs.Forbidden("only platform administrators retry or cancel jobs")
	}
	return nil
}

// Audit returns a page of the audit log, newest first.
func (s *Service) Audit(ctx context.Context, id *auth.Identity, f audit.Filter) ([]audit.Entry, int64, error) {
	if err := mustStaff(id); err != nil {
		return nil, 0, err
	}
	return audit.List(ctx, s.db, f)
}

// Verify checks the audit chain.
func (s *Service) Verify(ctx context.Context, id *auth.Identity) (audit.Report, error) {
	if err := mustStaff(id); err != nil {
		return audit.Report{}, err
	}
	return audit.Verify(ctx, s.db)
}

// Jobs lists jobs in the given states (default: the failed ones).
func (s *Service) Jobs(ctx context.Context, id *auth.Identity, states []string, limit int) ([]jobs.Info, error) {
	if err := mustStaff(id); err != nil {
		return nil, err
	}
	for _, st := range states {
		if !contains(jobs.States, st) {
			return nil, &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
				Fields: []errs.FieldError{{Field: "state", Message: "must be one of " + strings.Join(jobs.States, ", ")}}}
		}
	}
	return s.q.List(ctx, states, limit)
}

// Job returns one job.
func (s *Service) Job(ctx context.Context, id *auth.Identity, jobID int64) (jobs.Info, error) {
	if err := mustStaff(id); err != nil {
		return jobs.Info{}, err
	}
	j, err := s.q.Get(ctx, jobID)
	if jobs.IsNotFound(err) {
		return j, errs.NotFound("job not found")
	}
	return j, err
}

// Retry runs a job again now.
func (s *Service) Retry(ctx context.Context, id *auth.Identity, jobID int64) (jobs.Info, error) {
	return s.act(ctx, id, jobID, "job.retry", s.q.Retry)
}

// Cancel stops a job from being tried again.
func (s *Service) Cancel(ctx context.Context, id *auth.Identity, jobID int64) (jobs.Info, error) {
	return s.act(ctx, id, jobID, "job.cancel", s.q.Cancel)
}

func (s *Service) act(ctx context.Context, id *auth.Identity, jobID int64, action string, do func(context.Context, int64) (jobs.Info, error)) (jobs.Info, error) {
	if err := mustAdmin(id); err != nil {
		return jobs.Info{}, err
	}
	j, err := do(ctx, jobID)
	if jobs.IsNotFound(err) {
		return j, errs.NotFound("job not found")
	}
	if err != nil {
		return j, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, s.now(), audit.Event{Action: action, ObjectType: "job", ObjectID: strconv.FormatInt(jobID, 10),
			Summary: strings.TrimPrefix(action, "job.") + " job " + strconv.FormatInt(jobID, 10) + " (" + j.Kind + ")"})
	})
	return j, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func auditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	f := audit.Filter{ActorID: q.Get("actor_id"), Action: q.Get("action"), ObjectType: q.Get("object_type"),
		ObjectID: q.Get("object_id"), OrgID: q.Get("org_id"), Limit: 100}
	b := q.Get("before")
	if c := q.Get("cursor"); c != "" {
		b = c
	}
	if b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			return f, &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
				Fields: []errs.FieldError{{Field: "cursor", Message: "is not a cursor this server issued"}}}
		}
		f.Before = n
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return f, &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
				Fields: []errs.FieldError{{Field: "limit", Message: "must be from 1 to 500"}}}
		}
		f.Limit = n
	}
	return f, nil
}

// API serves /api/v1/audit and /api/v1/jobs.
type API struct{ svc *Service }

// NewAPI makes the handlers.
func NewAPI(svc *Service) *API { return &API{svc: svc} }

// Register adds the routes.
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/audit", a.audit)
	h("GET /api/v1/audit/verify", a.verify)
	h("GET /api/v1/jobs", a.jobs)
	h("GET /api/v1/jobs/{id}", a.job)
	h("POST /api/v1/jobs/{id}/retry", a.retry)
	h("POST /api/v1/jobs/{id}/cancel", a.cancel)
}

func (a *API) audit(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	es, next, err := a.svc.Audit(r.Context(), auth.FromContext(r.Context()), f)
	if err != nil {
		return err
	}
	cursor := ""
	if next > 0 {
		cursor = strconv.FormatInt(next, 10)
	}
	httpx.WriteList(w, es, cursor)
	return nil
}

func (a *API) verify(w http.ResponseWriter, r *http.Request) error {
	rep, err := a.svc.Verify(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	out := map[string]any{"ok": rep.Problem == nil, "rows": rep.Rows, "head_seq": rep.HeadSeq, "head_hash": rep.HeadHash}
	if rep.Problem != nil {
		out["problem"] = map[string]any{"lane": rep.Problem.Lane, "seq": rep.Problem.Seq, "reason": rep.Problem.Reason}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) jobs(w http.ResponseWriter, r *http.Request) error {
	var states []string
	if s := r.URL.Query().Get("state"); s != "" {
		states = strings.Split(s, ",")
	}
	js, err := a.svc.Jobs(r.Context(), auth.FromContext(r.Context()), states, 200)
	if err != nil {
		return err
	}
	httpx.WriteList(w, js, "")
	return nil
}

func jobID(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, errs.NotFound("job not found")
	}
	return n, nil
}

func (a *API) job(w http.ResponseWriter, r *http.Request) error {
	n, err := jobID(r)
	if err != nil {
		return err
	}
	j, err := a.svc.Job(r.Context(), auth.FromContext(r.Context()), n)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, j)
	return nil
}

func (a *API) retry(w http.ResponseWriter, r *http.Request) error {
	n, err := jobID(r)
	if err != nil {
		return err
	}
	j, err := a.svc.Retry(r.Context(), auth.FromContext(r.Context()), n)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, j)
	return nil
}

func (a *API) cancel(w http.ResponseWriter, r *http.Request) error {
	n, err := jobID(r)
	if err != nil {
		return err
	}
	j, err := a.svc.Cancel(r.Context(), auth.FromContext(r.Context()), n)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, j)
	return nil
}
