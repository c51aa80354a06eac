package training

import (
	"embed"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are training's pages.
func Templates() web.Templates { return web.TemplatesIn("training", templateFS) }

func init() {
	labels := map[string]string{"foundation": "Foundation", "intermediate": "Intermediate", "advanced": "Advanced",
		"requested": "Awaiting approval", "refused": "Refused", "enrolled": "Enrolled", "not_completed": "Not completed",
		"completed": "Completed", "scheduled": "Scheduled", "cii_operator": "CII operators", "cert": "CERTs",
		"field.course_id": "Course", "field.starts_at": "Starts", "field.ends_at": "Ends", "field.seats": "Seats", "field.place": "Place",
		"field.trainers": "Trainers", "field.duration_hours": "Duration (hours)", "field.pass_mark": "Pass mark", "field.topic": "Topic",
		"field.level": "Level", "field.audience": "Audience", "field.materials": "Materials", "field.prerequisites": "Prerequisites",
		"field.org_id": "Organisation", "field.orgs": "Organisations taking part", "field.scenario": "Scenario", "field.objectives": "Objectives",
		"field.minute": "Minutes from the start", "field.body": "Text", "field.owner_org_id": "Owner", "field.due_on": "Due", "field.note": "Note",
		"tabletop": "Tabletop", "technical": "Technical", "outcome": "Outcome", "lesson": "Lesson learned", "dropped": "Dropped", "done": "Done", "field.user_id": "Person", "field.score": "Score", "field.code": "Certificate code"}
	for _, t := range Topics {
		labels[t] = label(t)
	}
	labels["ot_security"], labels["governance_risk"] = "OT security", "Governance and risk"
	web.RegisterLabels(labels)
}

// Pages serves training's console pages and the public certificate pages.
type Pages struct {
	s  *Service
	rd *web.Renderer
}

// NewPages makes the pages.
func NewPages(s *Service, rd *web.Renderer) *Pages { return &Pages{s: s, rd: rd} }

// Register adds the routes.
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/training", p.overview)
	h("GET /console/training/courses", p.courses)
	h("GET /console/training/courses/new", p.newCourse)
	h("POST /console/training/courses", p.createCourse)
	h("GET /console/training/courses/{id}", p.course)
	h("POST /console/training/courses/{id}", p.updateCourse)
	h("GET /console/training/sessions/new", p.newSession)
	h("POST /console/training/sessions", p.createSession)
	h("GET /console/training/sessions/{id}", p.session)
	h("POST /console/training/sessions/{id}", p.updateSession)
	h("POST /console/training/sessions/{id}/enrol", p.enrol)
	h("POST /console/training/enrolments/{id}", p.act)
	h("GET /console/training/capacity", p.capacity)
	h("GET /console/training/exercises", p.exercises)
	h("GET /console/training/exercises/new", p.newExercise)
	h("POST /console/training/exercises", p.createExercise)
	h("GET /console/training/exercises/{id}", p.exercise)
	h("POST /console/training/exercises/{id}", p.actExercise)
	rt.Handle("GET /certificates", p.rd.Handler(p.verifyForm))
	rt.Handle("GET /certificates/{code}", p.rd.Handler(p.certificate))
	rt.Handle("GET /certificates/{code}/certificate.pdf", p.rd.Handler(p.pdf))
	rt.Handle("GET /certificates/{code}/certificate.txt.asc", p.rd.Handler(p.signed))
}

type overviewData struct {
	Upcoming []Session
	Mine     []Enrolment
	Pending  []Enrolment // requests the reader decides
	Staff    bool
}

func (p *Pages) overview(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	d := overviewData{Staff: id.IsStaff()}
	var err error
	if d.Upcoming, _, err = p.s.Sessions(ctx, id, SessionFilter{From: p.s.now()}, 50, ""); err != nil {
		return err
	}
	if d.Mine, _, err = p.s.Enrolments(ctx, id, EnrolmentFilter{UserID: id.User.ID}, 50, ""); err != nil {
		return err
	}
	rd, err := p.s.readerOf(ctx, id)
	if err != nil {
		return err
	}
	if rd.staff || len(rd.admins) > 0 {
		requested, _, err := p.s.Enrolments(ctx, id, EnrolmentFilter{Status: Requested}, 100, "")
		if err != nil {
			return err
		}
		for _, e := range requested {
			if rd.decides(e) {
				d.Pending = append(d.Pending, e)
			}
		}
	}
	p.rd.Render(w, r, http.StatusOK, "training/training", web.Page{Title: "Training", Section: "training", Data: d})
	return nil
}

func (p *Pages) courses(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	list, err := p.s.Courses(r.Context(), auth.FromContext(r.Context()), CourseFilter{Topic: q.Get("topic"), Level: q.Get("level"),
		Retired: q.Get("retired") == "on"})
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "training/courses", web.Page{Title: "Courses", Section: "training",
		Data: map[string]any{"Items": list, "Topics": Topics, "Levels": Levels}})
	return nil
}

type courseFormData struct {
	Course   *Course
	Sessions []Session
	Topics   []string
	Levels   []string
	Staff    bool
}

func (p *Pages) newCourse(w http.ResponseWriter, r *http.Request) error {
	if err := mayKeep(auth.FromContext(r.Context())); err != nil {
		return err
	}
	return p.renderCourseForm(w, r, http.StatusOK, web.Page{Form: url.Values{"level": {"foundation"}, "duration_hours": {"8"}}})
}

func (p *Pages) renderCourseForm(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	page.Title, page.Section, page.Data = "New course", "training", courseFormData{Topics: Topics, Levels: Levels, Staff: true}
	p.rd.Render(w, r, status, "training/course_new", page)
	return nil
}

// courseInputOf reads the course form.
func courseInputOf(f url.Values) (CourseInput, errs.Fields) {
	in := CourseInput{Title: f.Get("title"), Topic: f.Get("topic"), Level: f.Get("level"), Audience: f.Get("audience"),
		Description: f.Get("description"), Prerequisites: f.Get("prerequisites"), Materials: strings.Split(f.Get("materials"), "\n"),
		Retired: f.Get("retired") == "on"}
	var bad errs.Fields
	n, err := strconv.Atoi(strings.TrimSpace(f.Get("duration_hours")))
	if err != nil {
		bad.Add("duration_hours", "a whole number of hours")
	}
	in.DurationHours = n
	if v := strings.TrimSpace(f.Get("pass_mark")); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil {
			bad.Add("pass_mark", "a whole number from 0 to 100, or empty")
		}
		in.PassMark = &m
	}
	return in, bad
}

func (p *Pages) createCourse(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	in, bad := courseInputOf(r.PostForm)
	if len(bad) > 0 {
		return p.renderCourseForm(w, r, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: bad})
	}
	c, err := p.s.CreateCourse(r.Context(), auth.FromContext(r.Context()), in)
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		return p.renderCourseForm(w, r, http.StatusUnprocessableEntity, web.Refused(r.PostForm, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Course added.")
	http.Redirect(w, r, "/console/training/courses/"+url.PathEscape(c.ID), http.StatusSeeOther)
	return nil
}

func (p *Pages) course(w http.ResponseWriter, r *http.Request) error {
	return p.renderCourse(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderCourse(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	c, err := p.s.Course(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	sessions, _, err := p.s.Sessions(ctx, id, SessionFilter{CourseID: c.ID}, 200, "")
	if err != nil {
		return err
	}
	if page.Form == nil {
		page.Form = url.Values{"title": {c.Title}, "topic": {c.Topic}, "level": {c.Level}, "audience": {c.Audience},
			"duration_hours": {strconv.Itoa(c.DurationHours)}, "description": {c.Description}, "prerequisites": {c.Prerequisites},
			"materials": {strings.Join(c.Materials, "\n")}}
		if c.PassMark != nil {
			page.Form.Set("pass_mark", strconv.Itoa(*c.PassMark))
		}
		if c.Retired {
			page.Form.Set("retired", "on")
		}
	}
	page.Title, page.Section = c.Title, "training"
	page.Data = courseFormData{Course: &c, Sessions: sessions, Topics: Topics, Levels: Levels, Staff: id.IsStaff()}
	p.rd.Render(w, r, status, "training/course", page)
	return nil
}

func (p *Pages) updateCourse(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	in, bad := courseInputOf(r.PostForm)
	if len(bad) > 0 {
		return p.renderCourse(w, r, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: bad})
	}
	c, err := p.s.UpdateCourse(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		return p.renderCourse(w, r, http.StatusUnprocessableEntity, web.Refused(r.PostForm, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Course saved.")
	http.Redirect(w, r, "/console/training/courses/"+url.PathEscape(c.ID), http.StatusSeeOther)
	return nil
}

func (p *Pages) newSession(w http.ResponseWriter, r *http.Request) error {
	if err := mayKeep(auth.FromContext(r.Context())); err != nil {
		return err
	}
	return p.renderSessionForm(w, r, http.StatusOK, web.Page{Form: url.Values{"course_id": {r.URL.Query().Get("course_id")}, "seats": {"20"}}})
}

func (p *Pages) renderSessionForm(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	courses, err := p.s.Courses(r.Context(), auth.FromContext(r.Context()), CourseFilter{})
	if err != nil {
		return err
	}
	page.Title, page.Section, page.Data = "New session", "training", courses
	p.rd.Render(w, r, status, "training/session_new", page)
	return nil
}

func sessionInputOf(f url.Values) (SessionInput, errs.Fields) {
	in := SessionInput{CourseID: f.Get("course_id"), StartsAt: f.Get("starts_at"), EndsAt: f.Get("ends_at"), Place: f.Get("place"),
		Online: f.Get("online") == "on", Trainers: f.Get("trainers"), Status: f.Get("status")}
	var bad errs.Fields
	n, err := strconv.Atoi(strings.TrimSpace(f.Get("seats")))
	if err != nil {
		bad.Add("seats", "a whole number of seats")
	}
	in.Seats = n
	return in, bad
}

func (p *Pages) createSession(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	in, bad := sessionInputOf(r.PostForm)
	if len(bad) > 0 {
		return p.renderSessionForm(w, r, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: bad})
	}
	ses, err := p.s.CreateSession(r.Context(), id, in, web.ZoneOf(id))
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		return p.renderSessionForm(w, r, http.StatusUnprocessableEntity, web.Refused(r.PostForm, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Session scheduled.")
	http.Redirect(w, r, "/console/training/sessions/"+url.PathEscape(ses.ID), http.StatusSeeOther)
	return nil
}

// Row is an enrolment with what the reader may do to it.
type Row struct {
	Enrolment
	Decides, Cancels bool
}

type orgOption struct{ ID, Name string }

type sessionData struct {
	Session Session
	Course  Course
	Rows    []Row
	Mine    *Enrolment  // the reader's live enrolment
	Orgs    []orgOption // the organisations the reader enrols for
	Staff   bool
	Started bool
	Open    bool
}

func (p *Pages) session(w http.ResponseWriter, r *http.Request) error {
	return p.renderSession(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderSession(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	ses, err := p.s.Session(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := p.s.Course(ctx, id, ses.CourseID)
	if err != nil {
		return err
	}
	rd, err := p.s.readerOf(ctx, id)
	if err != nil {
		return err
	}
	list, _, err := p.s.Enrolments(ctx, id, EnrolmentFilter{SessionID: ses.ID}, maxSeats, "")
	if err != nil {
		return err
	}
	now := p.s.now()
	d := sessionData{Session: ses, Course: c, Staff: id.IsStaff(), Started: !now.Before(ses.StartsAt), Open: open(ses, now) == nil}
	if ids := id.OrgIDs(); len(ids) > 0 {
		orgs, err := p.s.orgs.GetMany(ctx, system, ids)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			d.Orgs = append(d.Orgs, orgOption{ID: o.ID, Name: o.Name})
		}
	}
	// Seated first, then the waiting list in its order, then the rest.
	rank := map[string]int{Completed: 0, NotCompleted: 0, Enrolled: 0, Waiting: 1, Requested: 2, Refused: 3, Cancelled: 4}
	slices.SortStableFunc(list, func(a, b Enrolment) int {
		if x, y := rank[a.Status], rank[b.Status]; x != y {
			return x - y
		}
		if a.Position != b.Position {
			return a.Position - b.Position
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, e := range list {
		d.Rows = append(d.Rows, Row{Enrolment: e, Decides: rd.decides(e) && e.Status == Requested,
			Cancels: rd.cancels(e) && (e.Status == Requested || e.Status == Waiting || e.Status == Enrolled)})
		if e.UserID == id.User.ID && e.Live() && d.Mine == nil {
			mine := e
			d.Mine = &mine
		}
	}
	if page.Form == nil && d.Staff {
		z := web.ZoneOf(id)
		page.Form = url.Values{"starts_at": {ses.StartsAt.In(z).Format("2006-01-02T15:04")}, "ends_at": {ses.EndsAt.In(z).Format("2006-01-02T15:04")},
			"place": {ses.Place}, "seats": {strconv.Itoa(ses.Seats)}, "trainers": {ses.Trainers}, "status": {ses.Status}}
		if ses.Online {
			page.Form.Set("online", "on")
		}
	}
	page.Title, page.Section, page.Data = ses.CourseTitle+", "+ses.StartsAt.In(web.ZoneOf(id)).Format("2 January 2006"), "training", d
	p.rd.Render(w, r, status, "training/session", page)
	return nil
}

func (p *Pages) updateSession(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	in, bad := sessionInputOf(r.PostForm)
	if len(bad) > 0 {
		return p.renderSession(w, r, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: bad})
	}
	_, err := p.s.UpdateSession(r.Context(), id, r.PathValue("id"), in, web.ZoneOf(id))
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindConflict) {
		return p.renderSession(w, r, web.StatusOf(e), web.Refused(r.PostForm, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Session saved.")
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
	return nil
}

func (p *Pages) enrol(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	sessionPath := "/console/training/sessions/" + url.PathEscape(r.PathValue("id"))
	e, err := p.s.Enrol(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), EnrolInput{OrgID: r.PostForm.Get("org_id"),
		UserID: r.PostForm.Get("user_id")})
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindConflict) {
		return p.renderSession(w, r, web.StatusOf(e), web.Refused(r.PostForm, e))
	}
	if err != nil {
		return err
	}
	switch e.Status {
	case Requested:
		p.rd.Flash(r, "Asked: your organisation's administrators approve it.")
	case Waiting:
		p.rd.Flash(r, "The session is full: you are on the waiting list.")
	default:
		p.rd.Flash(r, "Enrolled.")
	}
	http.Redirect(w, r, sessionPath, http.StatusSeeOther)
	return nil
}

// act is the enrolment forms: approve, refuse, cancel, result.
func (p *Pages) act(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, f := r.Context(), auth.FromContext(r.Context()), r.PostForm
	eid := r.PathValue("id")
	e, err := p.s.Enrolment(ctx, id, eid)
	if err != nil {
		return err
	}
	var msg string
	switch f.Get("action") {
	case "approve", "refuse":
		_, err = p.s.Decide(ctx, id, eid, Decision{Approve: f.Get("action") == "approve", Reason: f.Get("reason")})
		msg = "Decided."
	case "cancel":
		_, err = p.s.Cancel(ctx, id, eid, f.Get("reason"))
		msg = "Withdrawn."
	case "result":
		res := Result{Attended: f.Get("attended") == "on"}
		if v := strings.TrimSpace(f.Get("score")); v != "" {
			n, perr := strconv.Atoi(v)
			if perr != nil {
				err = errs.InvalidField("score", "a whole number from 0 to 100")
				break
			}
			res.Score = &n
		}
		_, err = p.s.Record(ctx, id, eid, res)
		msg = "Result recorded."
	default:
		err = errs.InvalidField("action", "approve, refuse, cancel or result")
	}
	back := "/console/training/sessions/" + url.PathEscape(e.SessionID)
	if bad := errs.As(err); bad != nil && (bad.Kind == errs.KindInvalid || bad.Kind == errs.KindConflict) {
		// The row's forms have no place for a field's message: the
		// page says it above them.
		r.SetPathValue("id", e.SessionID)
		page := web.Refused(f, bad)
		if len(bad.Fields) > 0 {
			page.Problem = web.FieldLabel(bad.Fields[0].Field) + ": " + bad.Fields[0].Message
		}
		return p.renderSession(w, r, web.StatusOf(bad), page)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, back+"#enrolments", http.StatusSeeOther)
	return nil
}

type capacityData struct {
	Capacity
	Sectors, Topics []bar
	MaxSector       int
	MaxTopic        int
}

// bar is one bar of a chart (the layout's "bars").
type bar struct {
	Key, Label string
	N          int
}

func (p *Pages) capacity(w http.ResponseWriter, r *http.Request) error {
	c, err := p.s.Capacity(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="training-capacity.csv"`)
		return c.WriteCSV(w)
	}
	d := capacityData{Capacity: c}
	for _, s := range c.Sectors {
		d.Sectors = append(d.Sectors, bar{Key: s.Sector, Label: web.Label(s.Sector), N: s.People})
		d.MaxSector = max(d.MaxSector, s.People)
	}
	for _, t := range c.Topics {
		d.Topics = append(d.Topics, bar{Key: t.Topic, Label: web.Label(t.Topic) + " · " + web.Label(t.Level), N: t.People})
		d.MaxTopic = max(d.MaxTopic, t.People)
	}
	p.rd.Render(w, r, http.StatusOK, "training/capacity", web.Page{Title: "Training capacity", Section: "training", Data: d})
	return nil
}

// The public pages of a certificate: anyone holding its code.

func (p *Pages) verifyForm(w http.ResponseWriter, r *http.Request) error {
	if code := r.URL.Query().Get("code"); code != "" {
		c, ok := NormalizeCode(code)
		if !ok {
			p.rd.Render(w, r, http.StatusUnprocessableEntity, "training/verify", web.Page{Title: "Verify a certificate", Public: true,
				Form: r.URL.Query(), Errors: errs.Fields{{Field: "code", Message: "a code of 16 letters and digits, such as ABCD-EFGH-IJKL-MNOP"}}})
			return nil
		}
		http.Redirect(w, r, "/certificates/"+c, http.StatusSeeOther)
		return nil
	}
	p.rd.Render(w, r, http.StatusOK, "training/verify", web.Page{Title: "Verify a certificate", Public: true})
	return nil
}

func (p *Pages) certificate(w http.ResponseWriter, r *http.Request) error {
	c, err := p.s.Certificate(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	w.Header().Set("X-Robots-Tag", "noindex")
	p.rd.Render(w, r, http.StatusOK, "training/certificate", web.Page{Title: "Certificate " + c.Code, Public: true, Data: c})
	return nil
}

func (p *Pages) pdf(w http.ResponseWriter, r *http.Request) error {
	b, c, err := p.s.PDF(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="certificate-`+c.Code+`.pdf"`)
	w.Header().Set("X-Robots-Tag", "noindex")
	_, err = w.Write(b)
	return err
}

func (p *Pages) signed(w http.ResponseWriter, r *http.Request) error {
	c, err := p.s.Certificate(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Robots-Tag", "noindex")
	_, err = w.Write([]byte(c.Signed))
	return err
}
