package council

import (
	"net/http"
	"time"

	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves the council's JSON API.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes: those of signed-in callers (protect) and the
// public summaries.
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/council/members", a.members)
	h("POST /api/v1/council/members", a.appoint)
	h("PUT /api/v1/council/members/{id}", a.changeMember)
	h("GET /api/v1/council/meetings", a.meetings)
	h("POST /api/v1/council/meetings", a.schedule)
	h("GET /api/v1/council/meetings/{id}", a.meeting)
	h("PUT /api/v1/council/meetings/{id}", a.changeMeeting)
	h("GET /api/v1/council/meetings/{id}/invite.ics", a.invite)
	h("POST /api/v1/council/meetings/{id}/agenda", a.item)
	h("POST /api/v1/council/meetings/{id}/papers", a.paper)
	h("GET /api/v1/council/meetings/{id}/papers/{paper}", a.download)
	h("PUT /api/v1/council/meetings/{id}/attendance", a.attendance)
	h("PUT /api/v1/council/meetings/{id}/minutes", a.minutes)
	h("POST /api/v1/council/meetings/{id}/minutes/approve", a.approve)
	h("PUT /api/v1/council/meetings/{id}/summary", a.summary)
	h("POST /api/v1/council/meetings/{id}/decisions", a.decision)
	h("POST /api/v1/council/meetings/{id}/actions", a.action)
	h("GET /api/v1/council/decisions", a.decisions)
	h("GET /api/v1/council/actions", a.actions)
	h("POST /api/v1/council/actions/{id}", a.move)
	rt.Handle("GET /api/v1/public/council/summaries", httpx.API(a.summaries))
}

func (a *API) members(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Members(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) appoint(w http.ResponseWriter, r *http.Request) error {
	var in MemberInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	m, err := a.s.Appoint(r.Context(), auth.FromContext(r.Context()), "", in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, m)
	return nil
}

func (a *API) changeMember(w http.ResponseWriter, r *http.Request) error {
	var in MemberInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	m, err := a.s.Appoint(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (a *API) meetings(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Meetings(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) schedule(w http.ResponseWriter, r *http.Request) error {
	var in MeetingInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	m, err := a.s.ScheduleMeeting(r.Context(), auth.FromContext(r.Context()), in, time.UTC)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/council/meetings/"+m.ID)
	httpx.WriteJSON(w, http.StatusCreated, m)
	return nil
}

func (a *API) meeting(w http.ResponseWriter, r *http.Request) error {
	v, err := a.s.Meeting(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) changeMeeting(w http.ResponseWriter, r *http.Request) error {
	var in MeetingInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	m, err := a.s.UpdateMeeting(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in, time.UTC)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (a *API) invite(w http.ResponseWriter, r *http.Request) error {
	b, _, err := a.s.Invitation(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeICS(w, b)
	return nil
}

// writeICS sends an invitation.
func writeICS(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8; method=REQUEST")
	w.Header().Set("Content-Disposition", `attachment; filename="council-meeting.ics"`)
	_, _ = w.Write(b)
}

func (a *API) item(w http.ResponseWriter, r *http.Request) error {
	var in ItemInput
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	it, err := a.s.AddItem(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, it)
	return nil
}

func (a *API) attendance(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Attendance map[string]string `json:"attendance"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	v, err := a.s.SetAttendance(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in.Attendance)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) minutes(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Minutes string `json:"minutes"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 512<<10); err != nil {
		return err
	}
	m, err := a.s.SaveMinutes(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in.Minutes)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (a *API) approve(w http.ResponseWriter, r *http.Request) error {
	m, err := a.s.ApproveMinutes(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (a *API) summary(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Summary string `json:"public_summary"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 512<<10); err != nil {
		return err
	}
	m, err := a.s.PublishSummary(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in.Summary)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (a *API) decision(w http.ResponseWriter, r *http.Request) error {
	var in DecisionInput
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	d, err := a.s.AddDecision(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, d)
	return nil
}

func (a *API) action(w http.ResponseWriter, r *http.Request) error {
	var in ActionInput
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	it, err := a.s.AddAction(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, it)
	return nil
}

func (a *API) decisions(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Decisions(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) actions(w http.ResponseWriter, r *http.Request) error {
	overdue := false
	switch r.URL.Query().Get("overdue") {
	case "", "false":
	case "true":
		overdue = true
	default:
		return errs.InvalidField("overdue", "true or false")
	}
	list, err := a.s.Actions(r.Context(), auth.FromContext(r.Context()), overdue)
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) move(w http.ResponseWriter, r *http.Request) error {
	var c actions.Change
	if err := httpx.DecodeJSON(w, r, &c, 16<<10); err != nil {
		return err
	}
	it, err := a.s.MoveAction(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), c)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, it)
	return nil
}

func (a *API) summaries(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Summaries(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) paper(w http.ResponseWriter, r *http.Request) error {
	p, err := attachFromForm(a.s, w, r)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, p)
	return nil
}

// attachFromForm stages the multipart field "file" (with "item_id", the
// agenda item, when given) and records it as a paper of the meeting of
// the path; who may is asked before the upload is stored.
func attachFromForm(s *Service, w http.ResponseWriter, r *http.Request) (Paper, error) {
	name, body, err := files.FromForm(w, r)
	if err != nil {
		return Paper{}, err
	}
	defer body.Close()
	id := auth.FromContext(r.Context())
	if err := s.MayAttach(r.Context(), id, r.PathValue("id")); err != nil {
		return Paper{}, err
	}
	st, err := s.Stage(r.Context(), name, body)
	if err != nil {
		return Paper{}, err
	}
	return s.AttachPaper(r.Context(), id, r.PathValue("id"), r.FormValue("item_id"), st)
}

func (a *API) download(w http.ResponseWriter, r *http.Request) error {
	p, body, err := a.s.OpenPaper(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("paper"))
	if err != nil {
		return err
	}
	return files.Serve(w, p.Filename, body)
}
