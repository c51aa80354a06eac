package incident

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves the incidents' JSON API.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes: those of signed-in callers (protect) and the
// public report with its follow link (no account; rate-limited by the
// service).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/incidents", a.list)
	h("POST /api/v1/incidents", a.report)
	h("GET /api/v1/incidents/figures", a.figures)
	h("GET /api/v1/incidents/{id}", a.get)
	h("PATCH /api/v1/incidents/{id}", a.update)
	h("POST /api/v1/incidents/{id}/notes", a.note)
	h("POST /api/v1/incidents/{id}/tasks", a.task)
	h("POST /api/v1/incidents/{id}/tasks/{task}/done", a.taskDone)
	h("POST /api/v1/incidents/{id}/links", a.link)
	h("POST /api/v1/incidents/{id}/transfer", a.transfer)
	h("POST /api/v1/incidents/{id}/involve", a.involve)
	h("POST /api/v1/incidents/{id}/attachments", a.attach)
	h("GET /api/v1/incidents/{id}/attachments/{file}", a.download)
	h("POST /api/v1/incidents/{id}/deadlines/{regime}/{step}/done", a.step)
	h("GET /api/v1/incident-regimes", a.regimes)
	h("PUT /api/v1/incident-regimes/{id}", a.setRegime)
	p := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, httpx.API(f)) }
	p("POST /api/v1/public/incidents", a.reportPublic)
	p("GET /api/v1/public/incidents/follow", a.follow)
	p("POST /api/v1/public/incidents/follow", a.reply)
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := Filter{Status: q.Get("status"), Severity: q.Get("severity"), Class: q.Get("rsit_class"), OwnerID: q.Get("owner_org_id"),
		Query: q.Get("q"), Sort: q.Get("sort")}
	switch q.Get("overdue") {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return errs.InvalidField("overdue", "true or false")
	}
	list, next, err := a.s.List(r.Context(), auth.FromContext(r.Context()), f, pg.Limit, pg.Cursor)
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) report(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	inc, err := a.s.Report(r.Context(), auth.FromContext(r.Context()), in, ChannelAPI)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/incidents/"+inc.ID)
	httpx.WriteJSON(w, http.StatusCreated, inc)
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

func (a *API) update(w http.ResponseWriter, r *http.Request) error {
	var c Change
	if err := httpx.DecodeJSON(w, r, &c, 256<<10); err != nil {
		return err
	}
	inc, err := a.s.Update(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), c)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, inc)
	return nil
}

func (a *API) note(w http.ResponseWriter, r *http.Request) error {
	var in NoteInput
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	n, err := a.s.AddNote(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, n)
	return nil
}

func (a *API) task(w http.ResponseWriter, r *http.Request) error {
	var in TaskInput
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	t, err := a.s.AddTask(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, t)
	return nil
}

func (a *API) taskDone(w http.ResponseWriter, r *http.Request) error {
	if err := a.s.FinishTask(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("task")); err != nil {
		return err
	}
	return a.get(w, r)
}

func (a *API) link(w http.ResponseWriter, r *http.Request) error {
	var l Link
	if err := httpx.DecodeJSON(w, r, &l, 16<<10); err != nil {
		return err
	}
	l, err := a.s.AddLink(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), l)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, l)
	return nil
}

func (a *API) transfer(w http.ResponseWriter, r *http.Request) error {
	var t Transfer
	if err := httpx.DecodeJSON(w, r, &t, 16<<10); err != nil {
		return err
	}
	inc, err := a.s.Transfer(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), t)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, inc)
	return nil
}

func (a *API) involve(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		OrgID string `json:"org_id"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	inc, err := a.s.Involve(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in.OrgID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, inc)
	return nil
}

func (a *API) step(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.s.MarkStep(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("regime")+"/"+r.PathValue("step")); err != nil {
		return err
	}
	return a.get(w, r)
}

// periodOf reads from and to (dates or RFC 3339 times); without them, the
// last 30 days.
func periodOf(r *http.Request, now time.Time) (time.Time, time.Time, error) {
	q := r.URL.Query()
	to, from := now, now.AddDate(0, 0, -30)
	var f errs.Fields
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(p.name); v != "" {
			t, ok := parseTime(v)
			if !ok || t == nil {
				f.Add(p.name, "a date (2026-01-31) or a time (RFC 3339)")
				continue
			}
			*p.t = *t
		}
	}
	return from, to, f.Err()
}

func (a *API) figures(w http.ResponseWriter, r *http.Request) error {
	from, to, err := periodOf(r, a.s.now().UTC())
	if err != nil {
		return err
	}
	fg, err := a.s.Figures(r.Context(), auth.FromContext(r.Context()), from, to)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, fg)
	return nil
}

func (a *API) regimes(w http.ResponseWriter, r *http.Request) error {
	if auth.FromContext(r.Context()) == nil {
		return errs.Unauthenticated("sign in")
	}
	list, err := a.s.Regimes(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": list})
	return nil
}

func (a *API) setRegime(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		return errs.Invalid("the body is too large")
	}
	reg, err := a.s.SetRegime(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), body)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, reg)
	return nil
}

func (a *API) reportPublic(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	inc, secret, err := a.s.ReportPublic(r.Context(), in, httpx.ClientIP(r.Context()))
	if err != nil {
		return err
	}
	follow := a.s.FollowURL(secret)
	w.Header().Set("Location", follow)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"number": inc.Number, "status": inc.Status, "follow_url": follow,
		"message": "Keep the follow link: it is the only way to read the CERT's answers and it is not shown again."})
	return nil
}

func (a *API) follow(w http.ResponseWriter, r *http.Request) error {
	v, err := a.s.Follow(r.Context(), r.URL.Query().Get("key"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) reply(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Message string `json:"message"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	n, err := a.s.ReplyByLink(r.Context(), r.URL.Query().Get("key"), strings.TrimSpace(in.Message), httpx.ClientIP(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, n)
	return nil
}

func (a *API) attach(w http.ResponseWriter, r *http.Request) error {
	f, err := attachFromForm(a.s, w, r)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, f)
	return nil
}

// attachFromForm stages the multipart field "file" and records it on the
// incident of the path.
func attachFromForm(s *Service, w http.ResponseWriter, r *http.Request) (File, error) {
	name, body, err := files.FromForm(w, r)
	if err != nil {
		return File{}, err
	}
	defer body.Close()
	// Who may attach is checked before the upload is stored.
	if err := s.MayAttach(r.Context(), auth.FromContext(r.Context()), r.PathValue("id")); err != nil {
		return File{}, err
	}
	st, err := s.Stage(r.Context(), name, body)
	if err != nil {
		return File{}, err
	}
	return s.Attach(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), st)
}

func (a *API) download(w http.ResponseWriter, r *http.Request) error {
	f, body, err := a.s.OpenFile(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		return err
	}
	return files.Serve(w, f.Filename, body)
}
