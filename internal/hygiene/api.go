package hygiene

import (
	"net/http"
	"strconv"

	"github.com/certhub/certhub/internal/hygiene/probe"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves hygiene as JSON.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes, for signed-in callers (protect).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/hygiene/catalogue", a.catalogue)
	h("GET /api/v1/hygiene/rollup", a.rollup)
	h("GET /api/v1/hygiene/organisations/{id}", a.report)
	h("PUT /api/v1/hygiene/organisations/{id}/permission", a.permission)
	h("GET /api/v1/hygiene/findings", a.findings)
	h("POST /api/v1/hygiene/checks", a.check)
	h("GET /api/v1/hygiene/runs/{id}", a.run)
}

func (a *API) catalogue(w http.ResponseWriter, r *http.Request) error {
	if auth.FromContext(r.Context()) == nil {
		return errs.Unauthenticated("sign in to see the checks")
	}
	httpx.WriteList(w, probe.Catalogue, "")
	return nil
}

func (a *API) rollup(w http.ResponseWriter, r *http.Request) error {
	out, err := a.s.Rollup(r.Context(), auth.FromContext(r.Context()), r.URL.Query().Get("sector"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) report(w http.ResponseWriter, r *http.Request) error {
	rep, err := a.s.Report(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
	return nil
}

func (a *API) permission(w http.ResponseWriter, r *http.Request) error {
	var in PermissionInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	p, err := a.s.SetPermission(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	if p == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

// offsetCursor pages lists ordered by severity: the cursor is the next
// page's number.
func offsetCursor(c string) (int, error) {
	parts, err := db.DecodeCursor(c, 2)
	if err != nil || parts == nil {
		return 1, err
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n < 1 || parts[0] != "page" {
		return 0, errs.InvalidField("cursor", "is not a cursor this server issued")
	}
	return n, nil
}

func (a *API) findings(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	page, err := offsetCursor(pg.Cursor)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, total, err := a.s.Findings(r.Context(), auth.FromContext(r.Context()), FindingFilter{OrgID: q.Get("org_id"), Sector: q.Get("sector"),
		State: q.Get("state"), Severity: q.Get("severity"), Check: q.Get("check"), Page: page, Limit: pg.Limit})
	if err != nil {
		return err
	}
	next := ""
	if page*pg.Limit < total {
		next = db.EncodeCursor("page", strconv.Itoa(page+1))
	}
	httpx.WriteList(w, list, next)
	return nil
}

type checkInput struct {
	OrgID string `json:"org_id"`
}

func (a *API) check(w http.ResponseWriter, r *http.Request) error {
	var in checkInput
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	run, err := a.s.RequestCheck(r.Context(), auth.FromContext(r.Context()), in.OrgID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/hygiene/runs/"+run.ID)
	httpx.WriteJSON(w, http.StatusAccepted, run)
	return nil
}

// RunDetail is a run with its results.
type RunDetail struct {
	Run
	Results []Result `json:"results"`
}

func (a *API) run(w http.ResponseWriter, r *http.Request) error {
	run, results, err := a.s.Run(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	if results == nil {
		results = []Result{}
	}
	httpx.WriteJSON(w, http.StatusOK, RunDetail{Run: run, Results: results})
	return nil
}
