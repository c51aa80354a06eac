package directory

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves the directory under /api/v1/orgs.
type API struct {
	svc *Service
}

// NewAPI makes the JSON handlers.
func NewAPI(svc *Service) *API { return &API{svc: svc} }

// Register adds the routes; protect wraps each handler (authentication).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/orgs", a.list)
	h("POST /api/v1/orgs", a.create)
	h("GET /api/v1/orgs/export", a.export)
	h("GET /api/v1/orgs/{id}", a.get)
	h("PATCH /api/v1/orgs/{id}", a.update)
	h("DELETE /api/v1/orgs/{id}", a.delete)
	h("GET /api/v1/orgs/{id}/overlaps", a.overlaps)
	h("GET /api/v1/orgs/{id}/members", a.members)
	h("POST /api/v1/orgs/{id}/members", a.addMember)
	h("PUT /api/v1/orgs/{id}/members/{user_id}", a.setRole)
	h("DELETE /api/v1/orgs/{id}/members/{user_id}", a.removeMember)
	h("GET /api/v1/orgs/{id}/webhooks", a.webhooks)
	h("POST /api/v1/orgs/{id}/webhooks", a.addWebhook)
	h("DELETE /api/v1/orgs/{id}/webhooks/{webhook_id}", a.deleteWebhook)
}

// filterFrom reads the list filters shared by the API and the pages.
func filterFrom(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Query: strings.TrimSpace(q.Get("q")), Kind: Kind(q.Get("kind")), Sector: q.Get("sector"), ParentID: q.Get("parent_id")}
	if len(f.Query) > 200 {
		return f, errs.InvalidField("q", "must be at most 200 characters")
	}
	if c := q.Get("cii"); c != "" {
		b, err := strconv.ParseBool(c)
		if err != nil {
			return f, errs.InvalidField("cii", "must be true or false")
		}
		f.CII = &b
	}
	return f, nil
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	p, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	f, err := filterFrom(r)
	if err != nil {
		return err
	}
	f.Limit, f.Cursor = p.Limit, p.Cursor
	orgs, next, err := a.svc.List(r.Context(), auth.FromContext(r.Context()), f)
	if err != nil {
		return err
	}
	httpx.WriteList(w, orgs, next)
	return nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	o, err := a.svc.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, o)
	return nil
}

func (a *API) create(w http.ResponseWriter, r *http.Request) error {
	var in OrgInput
	if err := httpx.DecodeJSON(w, r, &in, 512<<10); err != nil {
		return err
	}
	o, err := a.svc.Create(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/orgs/"+o.ID)
	httpx.WriteJSON(w, http.StatusCreated, o)
	return nil
}

func (a *API) update(w http.ResponseWriter, r *http.Request) error {
	var in OrgInput
	if err := httpx.DecodeJSON(w, r, &in, 512<<10); err != nil {
		return err
	}
	o, err := a.svc.Update(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, o)
	return nil
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.Delete(r.Context(), auth.FromContext(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) overlaps(w http.ResponseWriter, r *http.Request) error {
	ov, err := a.svc.Overlaps(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteList(w, ov, "")
	return nil
}

// export streams the directory as CSV or JSON. Errors found before the first
// byte become problems; the service checks access before writing anything.
func (a *API) export(w http.ResponseWriter, r *http.Request) error {
	f, err := filterFrom(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	return writeExport(w, r, a.svc, f, format)
}

func writeExport(w http.ResponseWriter, r *http.Request, svc *Service, f Filter, format string) error {
	id := auth.FromContext(r.Context())
	if id == nil {
		return errs.Unauthenticated("sign in to export the directory")
	}
	if format != "csv" && format != "json" {
		return errs.InvalidField("format", "must be csv or json")
	}
	name := fmt.Sprintf("certhub-directory-%s.%s", time.Now().UTC().Format("20060102"), format)
	ctype := "text/csv; charset=utf-8"
	if format == "json" {
		ctype = "application/json"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := svc.Export(r.Context(), id, f, format, w); err != nil {
		// Headers are out; the best left is to log and cut the body short.
		httpx.LogError(r, http.StatusInternalServerError, err)
	}
	return nil
}

func (a *API) members(w http.ResponseWriter, r *http.Request) error {
	ms, err := a.svc.Members(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteList(w, ms, "")
	return nil
}

func (a *API) addMember(w http.ResponseWriter, r *http.Request) error {
	var in NewMember
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	m, created, err := a.svc.AddMember(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, struct {
		auth.Member
		AccountCreated bool `json:"account_created"`
	}{m, created})
	return nil
}

func (a *API) setRole(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Role auth.Role `json:"role"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	if err := a.svc.SetRole(r.Context(), id, r.PathValue("id"), r.PathValue("user_id"), in.Role); err != nil {
		return err
	}
	ms, err := a.svc.Members(r.Context(), id, r.PathValue("id"))
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.UserID == r.PathValue("user_id") {
			httpx.WriteJSON(w, http.StatusOK, m)
			return nil
		}
	}
	return errs.NotFound("membership not found")
}

func (a *API) removeMember(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.RemoveMember(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("user_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) webhooks(w http.ResponseWriter, r *http.Request) error {
	hs, err := a.svc.Webhooks(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteList(w, hs, "")
	return nil
}

func (a *API) addWebhook(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	h, secret, err := a.svc.AddWebhook(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in.URL, in.Events)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/orgs/"+h.OrgID+"/webhooks/"+h.ID)
	httpx.WriteJSON(w, http.StatusCreated, struct {
		Webhook any    `json:"webhook"`
		Secret  string `json:"secret"`
	}{h, secret})
	return nil
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.DeleteWebhook(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("webhook_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
