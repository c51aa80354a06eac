package coordination

import (
	"net/http"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves coordination's JSON API: alerts and their acknowledgements.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes, each for a signed-in caller (protect).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/alerts", a.alerts)
	h("POST /api/v1/alerts", a.send)
	h("GET /api/v1/alerts/{id}", a.alert)
	h("GET /api/v1/advisories/{id}/acknowledgements", a.acknowledgements)
	h("POST /api/v1/advisories/{id}/acknowledgements", a.acknowledge)
}

func (a *API) alerts(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	list, next, err := a.s.Alerts(r.Context(), auth.FromContext(r.Context()), pg.Limit, pg.Cursor)
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) send(w http.ResponseWriter, r *http.Request) error {
	var in AlertInput
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	al, err := a.s.Send(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/alerts/"+al.ID)
	httpx.WriteJSON(w, http.StatusCreated, al)
	return nil
}

func (a *API) alert(w http.ResponseWriter, r *http.Request) error {
	p, err := a.s.Alert(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

// acknowledgements is the sender's view of who answered (and a
// recipient's of its own answer, which its reading marks read).
func (a *API) acknowledgements(w http.ResponseWriter, r *http.Request) error {
	p, err := a.s.Acknowledgements(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

// acknowledge records a recipient's acknowledgement; sending it again
// changes nothing.
func (a *API) acknowledge(w http.ResponseWriter, r *http.Request) error {
	var in AckInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	rec, err := a.s.Acknowledge(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rec)
	return nil
}
