package api

import (
	"net/http"

	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/vdp/config"
	"github.com/certhub/certhub/internal/vdp/routing"
)

func (a *API) settings(w http.ResponseWriter, r *http.Request) error {
	if !who(r).IsStaff() {
		return errs.Forbidden("only coordination-center staff see the disclosure policy")
	}
	st, err := a.svc.Settings(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (a *API) saveSettings(w http.ResponseWriter, r *http.Request) error {
	var in config.Settings
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	if err := a.svc.SaveSettings(r.Context(), who(r), in); err != nil {
		return err
	}
	return a.settings(w, r)
}

func (a *API) rules(w http.ResponseWriter, r *http.Request) error {
	rs, err := a.svc.Reports().Rules(r.Context(), who(r))
	if err != nil {
		return err
	}
	httpx.WriteList(w, rs, "")
	return nil
}

func (a *API) setRules(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Rules []routing.Rule `json:"rules"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	rs, err := a.svc.Reports().SetRules(r.Context(), who(r), in.Rules)
	if err != nil {
		return err
	}
	httpx.WriteList(w, rs, "")
	return nil
}

func (a *API) addCVEs(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		CVEIDs []string `json:"cve_ids"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	n, err := a.svc.AddCVEs(r.Context(), who(r), in.CVEIDs)
	if err != nil {
		return err
	}
	free, assigned, err := a.svc.CVEPool(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]int{"added": n, "free": free, "assigned": assigned})
	return nil
}

func (a *API) stats(w http.ResponseWriter, r *http.Request) error {
	st, err := a.svc.Stats(r.Context(), who(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}
