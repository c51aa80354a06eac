package federation

import (
	"net/http"

	"github.com/certhub/certhub/internal/federation/linkdoc"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves the links' JSON API.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes, each behind protect.
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/federation/links", a.list)
	h("POST /api/v1/federation/links", a.create)
	h("GET /api/v1/federation/links/{id}", a.get)
	h("POST /api/v1/federation/links/{id}/accept", a.accept)
	h("POST /api/v1/federation/links/{id}/revoke", a.revoke)
	h("POST /api/v1/federation/links/{id}/transfers", a.send)
	h("POST /api/v1/federation/transfers", a.receive)
	h("GET /api/v1/federation/directory", a.exportDirectory)
	h("POST /api/v1/federation/links/{id}/directory", a.mirrorDirectory)
	h("GET /api/v1/federation/csaf-providers", a.providers)
	h("POST /api/v1/federation/csaf-providers", a.addProvider)
	h("GET /api/v1/federation/csaf-providers/{id}", a.provider)
	h("POST /api/v1/federation/csaf-providers/{id}/sync", a.syncProvider)
}

func (a *API) providers(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Providers(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) addProvider(w http.ResponseWriter, r *http.Request) error {
	var in NewProvider
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	p, err := a.s.AddProvider(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/federation/csaf-providers/"+p.ID)
	httpx.WriteJSON(w, http.StatusCreated, p)
	return nil
}

func (a *API) provider(w http.ResponseWriter, r *http.Request) error {
	p, err := a.s.Provider(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (a *API) syncProvider(w http.ResponseWriter, r *http.Request) error {
	p, err := a.s.SyncProvider(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

// maxBody bounds a request: a document and its signature, with room.
const maxBody = linkdoc.MaxDocument + linkdoc.MaxSignature + 16<<10

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Links(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) create(w http.ResponseWriter, r *http.Request) error {
	var in NewLink
	if err := httpx.DecodeJSON(w, r, &in, maxBody); err != nil {
		return err
	}
	l, err := a.s.Create(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/federation/links/"+l.ID)
	httpx.WriteJSON(w, http.StatusCreated, l)
	return nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	v, err := a.s.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

// AcceptInput is the peer's answer to our offer.
type AcceptInput struct {
	Document    Envelope `json:"document"`
	Fingerprint string   `json:"peer_fingerprint"`
}

func (a *API) accept(w http.ResponseWriter, r *http.Request) error {
	var in AcceptInput
	if err := httpx.DecodeJSON(w, r, &in, maxBody); err != nil {
		return err
	}
	l, err := a.s.Accept(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in.Document, in.Fingerprint)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, l)
	return nil
}

// RevokeInput says why a link ends.
type RevokeInput struct {
	Reason string `json:"reason"`
}

func (a *API) revoke(w http.ResponseWriter, r *http.Request) error {
	var in RevokeInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	l, err := a.s.Revoke(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) send(w http.ResponseWriter, r *http.Request) error {
	var in TransferInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	t, err := a.s.Send(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, t)
	return nil
}

func (a *API) receive(w http.ResponseWriter, r *http.Request) error {
	var in Incoming
	if err := httpx.DecodeJSON(w, r, &in, MaxParcel); err != nil {
		return err
	}
	rec, err := a.s.Receive(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", rec.URL)
	httpx.WriteJSON(w, http.StatusCreated, rec)
	return nil
}

func (a *API) exportDirectory(w http.ResponseWriter, r *http.Request) error {
	exp, err := a.s.ExportDirectory(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, exp)
	return nil
}

// MirrorResult is what mirroring a peer's directory did.
type MirrorResult struct {
	Made      int `json:"made"`
	Updated   int `json:"updated"`
	Conflicts int `json:"conflicts"`
	Gone      int `json:"gone"` // no longer listed by the master (kept here)
}

func (a *API) mirrorDirectory(w http.ResponseWriter, r *http.Request) error {
	res, err := a.s.MirrorNow(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}
