package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/procurement"
	"github.com/certhub/certhub/internal/procurement/catalogue"
	"github.com/certhub/certhub/internal/procurement/ccportal"
	"github.com/certhub/certhub/internal/procurement/files"
	"github.com/certhub/certhub/internal/procurement/osv"
	"github.com/certhub/certhub/internal/procurement/sbom"
)

// API serves procurement's JSON API.
type API struct{ s *procurement.Service }

// New makes the handlers.
func New(s *procurement.Service) *API { return &API{s: s} }

// Register adds the routes: the accredited labs are public (whoever is
// signed in may read more of them); changing one needs an account
// (protect).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	rt.Handle("GET /api/v1/labs", httpx.API(a.labs))
	rt.Handle("GET /api/v1/labs/{id}", httpx.API(a.lab))
	rt.Handle("PUT /api/v1/labs/{id}/accreditation", protect(httpx.API(a.setAccreditation)))
	rt.Handle("GET /api/v1/labs/{id}/scorecard", protect(httpx.API(a.scorecard)))
	rt.Handle("GET /api/v1/catalogues", httpx.API(a.catalogues))
	rt.Handle("GET /api/v1/catalogues/{category}", httpx.API(a.catalogue))
	rt.Handle("GET /api/v1/catalogues/{category}/versions", httpx.API(a.catalogueVersions))
	rt.Handle("POST /api/v1/catalogues/{category}/versions", protect(httpx.API(a.publishCatalogue)))
	rt.Handle("POST /api/v1/catalogues/{category}/versions/{version}/clarifications", protect(httpx.API(a.clarify)))
	rt.Handle("POST /api/v1/osv", protect(httpx.API(a.loadOSV)))
	rt.Handle("POST /api/v1/sbom-checks", protect(httpx.API(a.checkSBOM)))

	rt.Handle("POST /api/v1/evaluations", protect(httpx.API(a.requestEvaluation)))
	rt.Handle("GET /api/v1/evaluations", protect(httpx.API(a.evaluations)))
	rt.Handle("GET /api/v1/evaluations/{id}", protect(httpx.API(a.evaluation)))
	rt.Handle("POST /api/v1/evaluations/{id}/transitions", protect(httpx.API(a.transition)))
	rt.Handle("PUT /api/v1/evaluations/{id}/sbom", protect(httpx.API(a.setSBOM)))
	rt.Handle("GET /api/v1/evaluations/{id}/sbom-check", protect(httpx.API(a.evaluationCheck)))
	rt.Handle("PUT /api/v1/evaluations/{id}/results/{requirement}", protect(httpx.API(a.setResult)))
	rt.Handle("POST /api/v1/evaluations/{id}/findings", protect(httpx.API(a.addFinding)))
	rt.Handle("POST /api/v1/evaluations/{id}/findings/{finding}/release", protect(httpx.API(a.releaseFinding)))
	rt.Handle("POST /api/v1/evaluations/{id}/files", protect(httpx.API(a.addFile)))
	rt.Handle("GET /api/v1/evaluations/{id}/files/{file}", protect(httpx.API(a.file)))

	rt.Handle("GET /api/v1/approved-products", httpx.API(a.approvedProducts))
	rt.Handle("GET /api/v1/approved-products/export", httpx.API(a.exportProducts))
	rt.Handle("GET /api/v1/approved-products/{id}", httpx.API(a.approvedProduct))
	rt.Handle("POST /api/v1/approved-products/{id}/actions", protect(httpx.API(a.actOnProduct)))
	rt.Handle("POST /api/v1/approved-products/imports/common-criteria", protect(httpx.API(a.importCC)))
	rt.Handle("GET /api/v1/approved-products/{id}/in-use", protect(httpx.API(a.inUse)))
	rt.Handle("PUT /api/v1/approved-products/{id}/in-use/{org}", protect(httpx.API(a.setInUse(true))))
	rt.Handle("DELETE /api/v1/approved-products/{id}/in-use/{org}", protect(httpx.API(a.setInUse(false))))
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
	var in procurement.AccreditationInput
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
	list, err := a.s.Criteria().Latest(r.Context())
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
	c, err := a.s.Criteria().Get(r.Context(), r.PathValue("category"), version)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) catalogueVersions(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Criteria().Versions(r.Context(), r.PathValue("category"))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) publishCatalogue(w http.ResponseWriter, r *http.Request) error {
	var data json.RawMessage
	if err := httpx.DecodeJSON(w, r, &data, catalogue.MaxBytes); err != nil {
		return err
	}
	c, err := a.s.Criteria().Publish(r.Context(), auth.FromContext(r.Context()), r.PathValue("category"), data)
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
	cl, err := a.s.Criteria().Clarify(r.Context(), auth.FromContext(r.Context()), r.PathValue("category"), version, in.Requirement, in.Text)
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
	res, err := a.s.Vulns().Load(r.Context(), auth.FromContext(r.Context()), data)
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
	res, err := a.s.Vulns().CheckSBOM(r.Context(), auth.FromContext(r.Context()), bytes.NewReader(data))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

// evaluationRequest is the request's JSON: the input and the SBOM itself.
type evaluationRequest struct {
	procurement.EvaluationInput
	SBOM json.RawMessage `json:"sbom"`
}

func (a *API) requestEvaluation(w http.ResponseWriter, r *http.Request) error {
	var in evaluationRequest
	if err := httpx.DecodeJSON(w, r, &in, sbom.MaxBytes+1<<20); err != nil {
		return err
	}
	d, err := a.s.RequestEvaluation(r.Context(), auth.FromContext(r.Context()), in.EvaluationInput, in.SBOM)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/evaluations/"+d.ID)
	httpx.WriteJSON(w, http.StatusCreated, d)
	return nil
}

func (a *API) evaluations(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, next, err := a.s.Evaluations(r.Context(), auth.FromContext(r.Context()), procurement.EvaluationFilter{State: q.Get("state"),
		Category: q.Get("category"), LabID: q.Get("lab_id"), Limit: pg.Limit, Cursor: pg.Cursor})
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) evaluation(w http.ResponseWriter, r *http.Request) error {
	d, err := a.s.Evaluation(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) transition(w http.ResponseWriter, r *http.Request) error {
	var in procurement.Transition
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	d, err := a.s.Transition(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) setSBOM(w http.ResponseWriter, r *http.Request) error {
	var data json.RawMessage
	if err := httpx.DecodeJSON(w, r, &data, sbom.MaxBytes); err != nil {
		return err
	}
	d, err := a.s.SetSBOM(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), data)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) evaluationCheck(w http.ResponseWriter, r *http.Request) error {
	res, err := a.s.EvaluationCheck(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (a *API) setResult(w http.ResponseWriter, r *http.Request) error {
	var in procurement.ResultInput
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	res, err := a.s.SetResult(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("requirement"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (a *API) addFinding(w http.ResponseWriter, r *http.Request) error {
	var in procurement.FindingInput
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	f, err := a.s.AddFinding(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, f)
	return nil
}

func (a *API) releaseFinding(w http.ResponseWriter, r *http.Request) error {
	if err := a.s.ReleaseFinding(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("finding")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) addFile(w http.ResponseWriter, r *http.Request) error {
	in, err := files.ReadForm(w, r)
	if err != nil {
		return err
	}
	f, err := a.s.AddFile(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, f)
	return nil
}

func (a *API) file(w http.ResponseWriter, r *http.Request) error {
	f, data, err := a.s.FileContent(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		return err
	}
	files.Serve(w, f, data)
	return nil
}

func (a *API) approvedProducts(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	f, err := procurement.ParseProductFilter(r.URL.Query())
	if err != nil {
		return err
	}
	f.Limit, f.Cursor = pg.Limit, pg.Cursor
	list, next, err := a.s.ApprovedProducts(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) approvedProduct(w http.ResponseWriter, r *http.Request) error {
	p, err := a.s.ApprovedProduct(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (a *API) exportProducts(w http.ResponseWriter, r *http.Request) error {
	f, err := procurement.ParseProductFilter(r.URL.Query())
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	return a.s.ExportProducts(r.Context(), w, f, format)
}

func (a *API) actOnProduct(w http.ResponseWriter, r *http.Request) error {
	var in procurement.ProductAction
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	p, err := a.s.ActOnProduct(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

// importCC takes the Common Criteria portal's CSV as the body (text/csv).
func (a *API) importCC(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") && !strings.HasPrefix(ct, "text/plain") {
		return &httpx.StatusError{Status: http.StatusUnsupportedMediaType, Detail: "send the Common Criteria portal's CSV as text/csv"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, ccportal.MaxBytes)
	res, err := a.s.ImportCommonCriteria(r.Context(), auth.FromContext(r.Context()), r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("the file may be at most %d MB", ccportal.MaxBytes>>20)}
	}
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (a *API) scorecard(w http.ResponseWriter, r *http.Request) error {
	c, err := a.s.Scorecard(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) inUse(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.InUseOf(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

// setInUse registers (PUT) or unregisters (DELETE) that an organisation
// uses an approved product.
func (a *API) setInUse(use bool) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := a.s.SetInUse(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("org"), use); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
