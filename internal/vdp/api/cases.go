package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/vdp"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/threads"
)

func (a *API) listCases(w http.ResponseWriter, r *http.Request) error {
	p, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, next, err := a.svc.ListCases(r.Context(), who(r), model.CaseFilter{Status: q.Get("status"), Owner: q.Get("owner_org_id"),
		Query: strings.TrimSpace(q.Get("q")), Cursor: p.Cursor, Limit: p.Limit})
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) getCase(w http.ResponseWriter, r *http.Request) error {
	d, err := a.svc.GetCase(r.Context(), who(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) updateCase(w http.ResponseWriter, r *http.Request) error {
	var in vdp.CaseChanges
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	c, err := a.svc.UpdateCase(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) setFact(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Fact  string `json:"fact"`
		Value bool   `json:"value"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	c, err := a.svc.SetFact(r.Context(), who(r), r.PathValue("id"), in.Fact, in.Value)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) setDate(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		PublicationAt time.Time `json:"publication_at"`
		Reason        string    `json:"reason"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	if in.PublicationAt.IsZero() {
		return errs.InvalidField("publication_at", "is required, as an RFC 3339 time")
	}
	c, err := a.svc.SetPublicationDate(r.Context(), who(r), r.PathValue("id"), in.PublicationAt, in.Reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) addParticipant(w http.ResponseWriter, r *http.Request) error {
	var in vdp.ParticipantInput
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	c, err := a.svc.AddParticipant(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (a *API) removeParticipant(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.svc.RemoveParticipant(r.Context(), who(r), r.PathValue("id"), r.PathValue("org_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) notifyVendor(w http.ResponseWriter, r *http.Request) error {
	c, err := a.svc.NotifyVendor(r.Context(), who(r), r.PathValue("id"), r.PathValue("org_id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) acknowledgeCase(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.AcknowledgeCase(r.Context(), who(r), r.PathValue("id"), r.PathValue("org_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) setTracking(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		TrackingID string `json:"tracking_id"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	if err := a.svc.SetTrackingID(r.Context(), who(r), r.PathValue("id"), r.PathValue("org_id"), in.TrackingID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) addVuln(w http.ResponseWriter, r *http.Request) error {
	var in vdp.VulnInput
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	v, err := a.svc.AddVuln(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func (a *API) updateVuln(w http.ResponseWriter, r *http.Request) error {
	var in vdp.VulnInput
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	v, err := a.svc.UpdateVuln(r.Context(), who(r), r.PathValue("id"), r.PathValue("vuln_id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) assignCVE(w http.ResponseWriter, r *http.Request) error {
	cve, err := a.svc.AssignCVE(r.Context(), who(r), r.PathValue("id"), r.PathValue("vuln_id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"cve_id": cve})
	return nil
}

func (a *API) cveRecord(w http.ResponseWriter, r *http.Request) error {
	b, err := a.svc.CVERecord(r.Context(), who(r), r.PathValue("id"), r.PathValue("vuln_id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b)
	return err
}

func (a *API) handoff(w http.ResponseWriter, r *http.Request) error {
	h, err := a.svc.Handoff(r.Context(), who(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, h)
	return nil
}

func (a *API) setStatus(w http.ResponseWriter, r *http.Request) error {
	var in vdp.StatusInput
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	st, err := a.svc.SetStatus(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (a *API) newThread(w http.ResponseWriter, r *http.Request) error {
	var in threads.Input
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	t, err := a.svc.NewThread(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, t)
	return nil
}

func (a *API) thread(w http.ResponseWriter, r *http.Request) error {
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			return errs.InvalidField("before", "must be a post's seq")
		}
		before = n
	}
	pg, err := a.svc.ThreadPosts(r.Context(), who(r), r.PathValue("id"), r.PathValue("thread_id"), before, 0)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, pg)
	return nil
}

func (a *API) post(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Body string `json:"body"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	p, err := a.svc.AddPost(r.Context(), who(r), r.PathValue("id"), r.PathValue("thread_id"), in.Body)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, p)
	return nil
}
