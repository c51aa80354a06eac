package api

import (
	"net/http"

	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/vdp/reports"
)

func (a *API) submitPublic(w http.ResponseWriter, r *http.Request) error {
	var in reports.ReportInput
	if err := httpx.DecodeJSON(w, r, &in, 2<<20); err != nil {
		return err
	}
	_, rc, err := a.svc.Reports().SubmitPublic(r.Context(), in, "api", httpx.ClientIP(r.Context()))
	if err != nil {
		return err
	}
	w.Header().Set("Location", rc.FollowURL)
	httpx.WriteJSON(w, http.StatusCreated, rc)
	return nil
}

// Follow answers a reporter's follow link as JSON (the website serves
// the page to browsers at the same address).
func (a *API) Follow(w http.ResponseWriter, r *http.Request) error {
	v, err := a.svc.Reports().Follow(r.Context(), r.URL.Query().Get("key"), httpx.ClientIP(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

// Reply takes a reporter's message through the follow link, as JSON.
func (a *API) Reply(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Message string `json:"message"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	m, err := a.svc.Reports().ReporterReply(r.Context(), r.URL.Query().Get("key"), in.Message, httpx.ClientIP(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, m)
	return nil
}

func (a *API) centerKey(w http.ResponseWriter, r *http.Request) error {
	if a.svc.CenterKey() == nil {
		return errs.NotFound("the center has no OpenPGP key")
	}
	w.Header().Set("Content-Type", "application/pgp-keys")
	_, err := w.Write([]byte(a.svc.CenterKey().Public))
	return err
}

func (a *API) publicAttach(w http.ResponseWriter, r *http.Request) error {
	name, body, err := files.FromForm(w, r)
	if err != nil {
		return err
	}
	defer body.Close()
	att, err := a.svc.Reports().AttachByKey(r.Context(), r.URL.Query().Get("key"), name, body, httpx.ClientIP(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, att)
	return nil
}
