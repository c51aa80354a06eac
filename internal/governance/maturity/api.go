package maturity

import (
	"net/http"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves maturity as JSON.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes, for signed-in callers (protect).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/maturity/model", a.model)
	h("GET /api/v1/maturity", a.list)
	h("POST /api/v1/maturity", a.start)
	h("GET /api/v1/maturity/history", a.history)
	h("GET /api/v1/maturity/{id}", a.get)
	h("PUT /api/v1/maturity/{id}/levels/{parameter}", a.level)
	h("POST /api/v1/maturity/{id}/evidence", a.evidence)
	h("POST /api/v1/maturity/{id}/submit", a.submit)
}

func (a *API) model(w http.ResponseWriter, r *http.Request) error {
	if auth.FromContext(r.Context()) == nil {
		return errs.Unauthenticated("sign in to see CSIRT maturity")
	}
	type level struct {
		Level int    `json:"level"`
		Name  string `json:"name"`
		About string `json:"about"`
	}
	out := struct {
		Model      string      `json:"model"`
		Groups     []string    `json:"groups"`
		Levels     []level     `json:"levels"`
		Parameters []Parameter `json:"parameters"`
	}{Model: Model, Parameters: Parameters}
	for _, g := range Groups {
		out.Groups = append(out.Groups, g+" "+GroupNames[g])
	}
	for i, n := range Levels {
		out.Levels = append(out.Levels, level{i, n, LevelAbout[i]})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.List(r.Context(), auth.FromContext(r.Context()), r.URL.Query().Get("org_id"))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) start(w http.ResponseWriter, r *http.Request) error {
	var in StartInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	m, err := a.s.Start(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/maturity/"+m.ID)
	httpx.WriteJSON(w, http.StatusCreated, m)
	return nil
}

func (a *API) history(w http.ResponseWriter, r *http.Request) error {
	org := r.URL.Query().Get("org_id")
	if org == "" {
		return errs.InvalidField("org_id", "name the CERT")
	}
	h, err := a.s.History(r.Context(), auth.FromContext(r.Context()), org)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, h)
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

func (a *API) level(w http.ResponseWriter, r *http.Request) error {
	var in LevelInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	l, err := a.s.SetLevel(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("parameter"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) evidence(w http.ResponseWriter, r *http.Request) error {
	var in EvidenceInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	e, err := a.s.AddEvidence(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/maturity/"+r.PathValue("id"))
	httpx.WriteJSON(w, http.StatusCreated, e)
	return nil
}

func (a *API) submit(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Summary string `json:"summary"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	m, err := a.s.Submit(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in.Summary)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}
