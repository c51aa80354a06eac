package thread

import (
	"net/http"
	"strconv"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves the threads' JSON API.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes, each for a signed-in caller (protect).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/threads", a.list)
	h("POST /api/v1/threads", a.open)
	h("GET /api/v1/threads/{id}", a.get)
	h("POST /api/v1/threads/{id}/posts", a.post)
	h("POST /api/v1/threads/{id}/orgs", a.addOrg)
	h("POST /api/v1/threads/{id}/attachments", a.attach)
	h("GET /api/v1/threads/{id}/attachments/{file}", a.download)
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	list, next, err := a.s.List(r.Context(), auth.FromContext(r.Context()), pg.Limit, pg.Cursor)
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) open(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	v, err := a.s.Open(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/threads/"+v.Thread.ID)
	httpx.WriteJSON(w, http.StatusCreated, v)
	return nil
}

// beforeOf reads ?before=SEQ (the older page of a thread).
func beforeOf(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("before")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, errs.InvalidField("before", "the seq of a post (the older value of the page after it)")
	}
	return n, nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	before, err := beforeOf(r)
	if err != nil {
		return err
	}
	v, err := a.s.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), before, 0)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) post(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Body  string `json:"body"`
		OrgID string `json:"org_id"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	p, err := a.s.Post(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in.OrgID, in.Body)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, p)
	return nil
}

func (a *API) addOrg(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		OrgID string `json:"org_id"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	t, err := a.s.AddOrg(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in.OrgID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, t)
	return nil
}

// attach posts the multipart field "file" (as the caller's one
// organisation in the thread, or ?org_id=).
func (a *API) attach(w http.ResponseWriter, r *http.Request) error {
	name, body, err := files.FromForm(w, r)
	if err != nil {
		return err
	}
	defer body.Close()
	p, err := a.s.Attach(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.URL.Query().Get("org_id"), name, body)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, p)
	return nil
}

func (a *API) download(w http.ResponseWriter, r *http.Request) error {
	f, body, err := a.s.OpenFile(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		return err
	}
	return files.Serve(w, f.Filename, body)
}
