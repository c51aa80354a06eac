package procurement

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/certhub/certhub/internal/platform/errs"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/procurement/osv"
	"github.com/certhub/certhub/internal/procurement/sbom"
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
	rt.Handle("GET /api/v1/catalogues", httpx.API(a.catalogues))
	rt.Handle("GET /api/v1/catalogues/{category}", httpx.API(a.catalogue))
	rt.Handle("GET /api/v1/catalogues/{category}/versions", httpx.API(a.catalogueVersions))
	rt.Handle("POST /api/v1/catalogues/{category}/versions", protect(httpx.API(a.publishCatalogue)))
	rt.Handle("POST /api/v1/catalogues/{category}/versions/{version}/clarifications", protect(httpx.API(a.clarify)))
	rt.Handle("POST /api/v1/osv", protect(httpx.API(a.loadOSV)))
	rt.Handle("POST /api/v1/sbom-checks", protect(httpx.API(a.checkSBOM)))
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

func (a *API) catalogues(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Catalogues(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) catalogue(w http.ResponseWriter, r *http.Request) error {
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errs.InvalidField("version", "a version number, 1 or more")
		}
		version = n
	}
	c, err := a.s.Catalogue(r.Context(), r.PathValue("category"), version)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) catalogueVersions(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.CatalogueVersions(r.Context(), r.PathValue("category"))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) publishCatalogue(w http.ResponseWriter, r *http.Request) error {
	var data json.RawMessage
	if err := httpx.DecodeJSON(w, r, &data, MaxCatalogueBytes); err != nil {
		return err
	}
	c, err := a.s.PublishCatalogue(r.Context(), auth.FromContext(r.Context()), r.PathValue("category"), data)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (a *API) clarify(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Requirement string `json:"requirement"`
		Text        string `json:"text"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		return errs.NotFound("no such catalogue version")
	}
	cl, err := a.s.Clarify(r.Context(), auth.FromContext(r.Context()), r.PathValue("category"), version, in.Requirement, in.Text)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, cl)
	return nil
}

func (a *API) loadOSV(w http.ResponseWriter, r *http.Request) error {
	var data json.RawMessage
	if err := httpx.DecodeJSON(w, r, &data, osv.MaxBytes); err != nil {
		return err
	}
	res, err := a.s.LoadOSV(r.Context(), auth.FromContext(r.Context()), data)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (a *API) checkSBOM(w http.ResponseWriter, r *http.Request) error {
	var data json.RawMessage
	if err := httpx.DecodeJSON(w, r, &data, sbom.MaxBytes); err != nil {
		return err
	}
	res, err := a.s.CheckSBOM(r.Context(), auth.FromContext(r.Context()), bytes.NewReader(data))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}
