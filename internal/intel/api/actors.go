package api

import (
	"net/http"

	"github.com/certhub/certhub/internal/intel/actors"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// actorList answers the actor profiles the caller reads something of:
// ?q= (a name or alias), ?family=, ?sector= (targeted), ?active=true
// (activity in the last 90 days).
func (a *API) actorList(w http.ResponseWriter, r *http.Request) error {
	p, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, err := a.s.ActorProfiles(r.Context(), auth.FromContext(r.Context()), actors.Filter{Query: q.Get("q"), Family: q.Get("family"),
		Sector: q.Get("sector"), Active: q.Get("active") == "true", Limit: p.Limit, Cursor: p.Cursor})
	if err != nil {
		return err
	}
	httpx.WriteList(w, list.Items, list.Next)
	return nil
}

// actor answers one profile as the caller reads it.
func (a *API) actor(w http.ResponseWriter, r *http.Request) error {
	p, err := a.s.ActorProfile(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

// attribute attributes an incident or case to a profile.
func (a *API) attribute(w http.ResponseWriter, r *http.Request) error {
	var in actors.AttributionInput
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	rec, err := a.s.Attribute(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, rec)
	return nil
}

// unattribute withdraws one.
func (a *API) unattribute(w http.ResponseWriter, r *http.Request) error {
	if err := a.s.Unattribute(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("kind"), r.PathValue("ref")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
