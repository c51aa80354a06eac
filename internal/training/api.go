package training

import (
	"net/http"
	"time"

	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves training's JSON API.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes: those of signed-in callers (protect) and the
// public check of a certificate.
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/courses", a.courses)
	h("POST /api/v1/courses", a.createCourse)
	h("GET /api/v1/courses/{id}", a.course)
	h("PUT /api/v1/courses/{id}", a.updateCourse)
	h("GET /api/v1/sessions", a.sessions)
	h("POST /api/v1/sessions", a.createSession)
	h("GET /api/v1/sessions/{id}", a.session)
	h("PUT /api/v1/sessions/{id}", a.updateSession)
	h("POST /api/v1/sessions/{id}/enrolments", a.enrol)
	h("GET /api/v1/enrolments", a.enrolments)
	h("GET /api/v1/enrolments/{id}", a.enrolment)
	h("POST /api/v1/enrolments/{id}/decision", a.decide)
	h("POST /api/v1/enrolments/{id}/cancel", a.cancel)
	h("POST /api/v1/enrolments/{id}/result", a.result)
	h("POST /api/v1/certificates/{code}/revoke", a.revoke)
	h("GET /api/v1/training/capacity", a.capacity)
	h("GET /api/v1/exercises", a.exercises)
	h("POST /api/v1/exercises", a.createExercise)
	h("GET /api/v1/exercises/{id}", a.exercise)
	h("PUT /api/v1/exercises/{id}", a.updateExercise)
	h("POST /api/v1/exercises/{id}/injects", a.inject)
	h("POST /api/v1/exercises/{id}/notes", a.note)
	h("POST /api/v1/exercises/{id}/actions", a.action)
	h("POST /api/v1/exercises/{id}/actions/{action}", a.moveAction)
	rt.Handle("GET /api/v1/certificates/{code}", httpx.API(a.certificate))
}

func (a *API) courses(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := CourseFilter{Topic: q.Get("topic"), Level: q.Get("level")}
	switch q.Get("retired") {
	case "", "false":
	case "true":
		f.Retired = true
	default:
		return errs.InvalidField("retired", "true or false")
	}
	list, err := a.s.Courses(r.Context(), auth.FromContext(r.Context()), f)
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) createCourse(w http.ResponseWriter, r *http.Request) error {
	var in CourseInput
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	c, err := a.s.CreateCourse(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/courses/"+c.ID)
	httpx.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (a *API) course(w http.ResponseWriter, r *http.Request) error {
	c, err := a.s.Course(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) updateCourse(w http.ResponseWriter, r *http.Request) error {
	var in CourseInput
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	c, err := a.s.UpdateCourse(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) sessions(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := SessionFilter{CourseID: q.Get("course_id"), Topic: q.Get("topic")}
	if v := q.Get("from"); v != "" {
		if f.From, err = time.Parse(time.RFC3339, v); err != nil {
			return errs.InvalidField("from", "a date and time (RFC 3339): sessions ending then or later")
		}
	}
	list, next, err := a.s.Sessions(r.Context(), auth.FromContext(r.Context()), f, pg.Limit, pg.Cursor)
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) createSession(w http.ResponseWriter, r *http.Request) error {
	var in SessionInput
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	s, err := a.s.CreateSession(r.Context(), auth.FromContext(r.Context()), in, time.UTC)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/sessions/"+s.ID)
	httpx.WriteJSON(w, http.StatusCreated, s)
	return nil
}

func (a *API) session(w http.ResponseWriter, r *http.Request) error {
	s, err := a.s.Session(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, s)
	return nil
}

func (a *API) updateSession(w http.ResponseWriter, r *http.Request) error {
	var in SessionInput
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	s, err := a.s.UpdateSession(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in, time.UTC)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, s)
	return nil
}

func (a *API) enrol(w http.ResponseWriter, r *http.Request) error {
	var in EnrolInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	e, err := a.s.Enrol(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/enrolments/"+e.ID)
	httpx.WriteJSON(w, http.StatusCreated, e)
	return nil
}

func (a *API) enrolments(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := EnrolmentFilter{SessionID: q.Get("session_id"), OrgID: q.Get("org_id"), Status: q.Get("status"), UserID: q.Get("user_id")}
	list, next, err := a.s.Enrolments(r.Context(), auth.FromContext(r.Context()), f, pg.Limit, pg.Cursor)
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) enrolment(w http.ResponseWriter, r *http.Request) error {
	e, err := a.s.Enrolment(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, e)
	return nil
}

func (a *API) decide(w http.ResponseWriter, r *http.Request) error {
	var d Decision
	if err := httpx.DecodeJSON(w, r, &d, 16<<10); err != nil {
		return err
	}
	e, err := a.s.Decide(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), d)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, e)
	return nil
}

func (a *API) cancel(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	e, err := a.s.Cancel(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, e)
	return nil
}

func (a *API) result(w http.ResponseWriter, r *http.Request) error {
	var in Result
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	e, err := a.s.Record(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, e)
	return nil
}

func (a *API) certificate(w http.ResponseWriter, r *http.Request) error {
	c, err := a.s.Certificate(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) revoke(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	c, err := a.s.Revoke(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), in.Reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) capacity(w http.ResponseWriter, r *http.Request) error {
	c, err := a.s.Capacity(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		httpx.WriteJSON(w, http.StatusOK, c)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="training-capacity.csv"`)
		return c.WriteCSV(w)
	default:
		return errs.InvalidField("format", "json or csv")
	}
	return nil
}

func (a *API) exercises(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	list, next, err := a.s.Exercises(r.Context(), auth.FromContext(r.Context()), pg.Limit, pg.Cursor)
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) createExercise(w http.ResponseWriter, r *http.Request) error {
	var in ExerciseInput
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	e, err := a.s.CreateExercise(r.Context(), auth.FromContext(r.Context()), in, time.UTC)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/exercises/"+e.ID)
	httpx.WriteJSON(w, http.StatusCreated, e)
	return nil
}

func (a *API) exercise(w http.ResponseWriter, r *http.Request) error {
	v, err := a.s.ExerciseView(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) updateExercise(w http.ResponseWriter, r *http.Request) error {
	var in ExerciseInput
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	e, err := a.s.UpdateExercise(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in, time.UTC)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, e)
	return nil
}

func (a *API) inject(w http.ResponseWriter, r *http.Request) error {
	var in InjectInput
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	i, err := a.s.AddInject(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, i)
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

func (a *API) action(w http.ResponseWriter, r *http.Request) error {
	var in actions.Input
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	act, err := a.s.AddAction(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, act)
	return nil
}

func (a *API) moveAction(w http.ResponseWriter, r *http.Request) error {
	var c actions.Change
	if err := httpx.DecodeJSON(w, r, &c, 64<<10); err != nil {
		return err
	}
	act, err := a.s.MoveAction(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("action"), c)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, act)
	return nil
}
