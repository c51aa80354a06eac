package procurement

import (
	"net/http"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves procurement's JSON API.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes: the accredited labs are public (whoever is
// signed in may read more of them); changing one needs an account
// (protect).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	rt.Handle("GET /api/v1/labs", httpx.API(a.labs))
	rt.Handle("GET /api/v1/labs/{id}", httpx.API(a.lab))
	rt.Handle("PUT /api/v1/labs/{id}/accreditation", protect(httpx.API(a.setAccreditation)))
}

func (a *API) labs(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Labs(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) lab(w http.ResponseWriter, r *http.Request) error {
	l, err := a.s.Lab(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) setAccreditation(w http.ResponseWriter, r *http.Request) error {
	var in AccreditationInput
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	l, err := a.s.SetAccreditation(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, l)
	return nil
}
