package assessment

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/auth"
	kc "github.com/certhub/certhub/internal/platform/catalogue"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves baselines and assessments as JSON.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes, for signed-in callers (protect).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/baselines", a.baselines)
	h("GET /api/v1/baselines/{baseline}", a.baseline)
	h("POST /api/v1/baselines/{baseline}", a.publish)
	h("GET /api/v1/baselines/{baseline}/versions", a.versions)
	h("GET /api/v1/assessments", a.list)
	h("POST /api/v1/assessments", a.open)
	h("GET /api/v1/assessments/due", a.due)
	h("GET /api/v1/assessments/maturity", a.maturity)
	h("GET /api/v1/assessments/{id}", a.get)
	h("PUT /api/v1/assessments/{id}/results/{control}", a.result)
	h("POST /api/v1/assessments/{id}/report", a.report)
	h("POST /api/v1/assessments/{id}/plan", a.plan)
	h("POST /api/v1/assessments/{id}/close", a.close)
	h("POST /api/v1/assessment-actions/{id}", a.move)
}

func (a *API) baselines(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Baselines(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) baseline(w http.ResponseWriter, r *http.Request) error {
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errs.InvalidField("version", "a version number")
		}
		version = n
	}
	b, err := a.s.Baseline(r.Context(), auth.FromContext(r.Context()), r.PathValue("baseline"), version)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, b)
	return nil
}

func (a *API) publish(w http.ResponseWriter, r *http.Request) error {
	var data json.RawMessage
	if err := httpx.DecodeJSON(w, r, &data, kc.MaxBytes); err != nil {
		return err
	}
	b, err := a.s.Publish(r.Context(), auth.FromContext(r.Context()), r.PathValue("baseline"), data)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/baselines/%s?version=%d", b.Baseline, b.Version))
	httpx.WriteJSON(w, http.StatusCreated, b)
	return nil
}

func (a *API) versions(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Versions(r.Context(), auth.FromContext(r.Context()), r.PathValue("baseline"))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	list, err := a.s.List(r.Context(), auth.FromContext(r.Context()), Filter{OrgID: q.Get("org_id"), State: q.Get("state"), Sector: q.Get("sector")})
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) open(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	as, err := a.s.Open(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/assessments/"+as.ID)
	httpx.WriteJSON(w, http.StatusCreated, as)
	return nil
}

func (a *API) due(w http.ResponseWriter, r *http.Request) error {
	days := 90
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 3660 {
			return errs.InvalidField("days", "0 to 3660 days ahead")
		}
		days = n
	}
	list, err := a.s.Due(r.Context(), auth.FromContext(r.Context()), time.Duration(days)*24*time.Hour)
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) maturity(w http.ResponseWriter, r *http.Request) error {
	key := r.URL.Query().Get("baseline")
	if key == "" {
		return errs.InvalidField("baseline", "name the baseline to roll up")
	}
	m, err := a.s.Maturity(r.Context(), auth.FromContext(r.Context()), key)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	d, err := a.s.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) result(w http.ResponseWriter, r *http.Request) error {
	var in ResultInput
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	res, err := a.s.SetResult(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("control"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (a *API) report(w http.ResponseWriter, r *http.Request) error {
	var in ReportInput
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	as, err := a.s.Report(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, as)
	return nil
}

func (a *API) plan(w http.ResponseWriter, r *http.Request) error {
	var in PlanInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	p, err := a.s.AddPlan(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/assessments/"+p.ParentID)
	httpx.WriteJSON(w, http.StatusCreated, p)
	return nil
}

func (a *API) close(w http.ResponseWriter, r *http.Request) error {
	as, err := a.s.Close(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, as)
	return nil
}

func (a *API) move(w http.ResponseWriter, r *http.Request) error {
	var in actions.Change
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	p, err := a.s.MovePlan(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}
