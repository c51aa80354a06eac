package reporting

import (
	"net/http"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves periodic reporting's JSON API.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes of signed-in callers.
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/periodic-report-schedules", a.schedules)
	h("PUT /api/v1/periodic-report-schedules/{org}", a.setSchedule)
	h("GET /api/v1/periodic-reports", a.list)
	h("POST /api/v1/periodic-reports", a.open)
	h("GET /api/v1/periodic-reports/rollup", a.rollup)
	h("GET /api/v1/periodic-reports/{id}", a.get)
	h("PUT /api/v1/periodic-reports/{id}/narrative", a.narrative)
	h("POST /api/v1/periodic-reports/{id}/submit", a.submit)
	h("POST /api/v1/periodic-reports/{id}/review", a.review)
}

func (a *API) schedules(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Schedules(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) setSchedule(w http.ResponseWriter, r *http.Request) error {
	var in ScheduleInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	sc, err := a.s.SetSchedule(r.Context(), auth.FromContext(r.Context()), r.PathValue("org"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, sc)
	return nil
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, next, err := a.s.List(r.Context(), auth.FromContext(r.Context()), ReportFilter{OrgID: q.Get("org_id"), Period: q.Get("period"),
		Status: q.Get("status")}, pg.Limit, pg.Cursor)
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) open(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		OrgID  string `json:"org_id"`
		Period string `json:"period"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	x, created, err := a.s.Open(r.Context(), auth.FromContext(r.Context()), in.OrgID, in.Period)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/v1/periodic-reports/"+x.ID)
	}
	httpx.WriteJSON(w, status, x)
	return nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	x, err := a.s.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, x)
	return nil
}

func (a *API) narrative(w http.ResponseWriter, r *http.Request) error {
	var n Narrative
	if err := httpx.DecodeJSON(w, r, &n, 256<<10); err != nil {
		return err
	}
	x, err := a.s.SaveNarrative(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), n)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, x)
	return nil
}

func (a *API) submit(w http.ResponseWriter, r *http.Request) error {
	x, err := a.s.Submit(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, x)
	return nil
}

func (a *API) review(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Accept bool   `json:"accept"`
		Note   string `json:"note"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	x, err := a.s.Review(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in.Accept, in.Note)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, x)
	return nil
}

// monthParam reads a from/to query parameter: a month, 2026-01.
func monthParam(r *http.Request, field string) (time.Time, error) {
	v := r.URL.Query().Get(field)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01", v)
	if err != nil {
		return time.Time{}, errs.InvalidField(field, "a month, such as 2026-01")
	}
	return t, nil
}

func (a *API) rollup(w http.ResponseWriter, r *http.Request) error {
	from, err := monthParam(r, "from")
	if err != nil {
		return err
	}
	to, err := monthParam(r, "to")
	if err != nil {
		return err
	}
	if !to.IsZero() {
		to = to.AddDate(0, 1, 0) // the last month asked for, whole
	}
	ru, err := a.s.Rollup(r.Context(), auth.FromContext(r.Context()), from, to)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		httpx.WriteJSON(w, http.StatusOK, ru)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="periodic-reports-`+ru.From+`-`+ru.To+`.csv"`)
		return ru.WriteCSV(w)
	default:
		return errs.InvalidField("format", "json or csv")
	}
	return nil
}
