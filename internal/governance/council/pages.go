package council

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the council's pages.
func Templates() web.Templates { return web.TemplatesIn("council", templateFS) }

func init() {
	web.RegisterLabels(map[string]string{"chair": "Chair", "secretary": "Secretary", "member": "Member", "observer": "Observer",
		"held": "Held", "draft": "Draft", "approved": "Approved", "present": "Present", "apologies": "Apologies", "absent": "Absent",
		"decision": "Decision", "recommendation": "Recommendation", "adopted": "Adopted", "rejected": "Rejected",
		"case": "Case", "advisory": "Advisory", "incident": "Incident", "product": "Approved product", "alert": "Alert",
		"field.term_start": "Term from", "field.term_end": "Term to", "field.role": "Role", "field.minutes": "Minutes",
		"field.public_summary": "Public summary", "field.presenter": "Presenter", "field.votes_for": "For", "field.votes_against": "Against",
		"field.abstentions": "Abstentions", "field.links": "Records", "field.decision_id": "Decision", "field.attendance": "Attendance",
		"field.text": "Text", "field.status": "Status"})
}

// OrgDirectory lists organisations for the pages' choices.
type OrgDirectory interface {
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
}

// Pages serves the council's console pages and the public summaries.
type Pages struct {
	s    *Service
	rd   *web.Renderer
	orgs OrgDirectory
}

// NewPages makes the pages.
func NewPages(s *Service, orgs OrgDirectory, rd *web.Renderer) *Pages {
	return &Pages{s: s, rd: rd, orgs: orgs}
}

// Register adds the routes.
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/council", p.overview)
	h("GET /console/council/members", p.membersPage)
	h("POST /console/council/members", p.appoint)
	h("GET /console/council/meetings/new", p.newMeeting)
	h("POST /console/council/meetings", p.schedule)
	h("GET /console/council/meetings/{id}", p.meeting)
	h("POST /console/council/meetings/{id}", p.act)
	h("GET /console/council/meetings/{id}/invite.ics", p.invite)
	h("POST /console/council/meetings/{id}/papers", p.attach)
	h("GET /console/council/meetings/{id}/papers/{paper}", p.download)
	h("GET /console/council/decisions", p.decisions)
	h("GET /console/council/actions", p.actionsPage)
	h("POST /console/council/actions/{id}", p.move)
	rt.Handle("GET /council", p.rd.Handler(p.public))
}

type overviewData struct {
	Reads, Keeps bool
	Upcoming     []Meeting
	Past         []Meeting
	Overdue      []ActionItem
	Mine         []ActionItem // a non-member's organisations' actions
}

func (p *Pages) overview(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	reads, keeps, err := p.s.Seat(ctx, id)
	if err != nil {
		return err
	}
	d := overviewData{Reads: reads, Keeps: keeps}
	if reads {
		meetings, err := p.s.Meetings(ctx, id)
		if err != nil {
			return err
		}
		now := p.s.now()
		for _, m := range meetings {
			if m.EndsAt.After(now) && m.Status == Scheduled {
				d.Upcoming = append([]Meeting{m}, d.Upcoming...) // the soonest first
			} else {
				d.Past = append(d.Past, m)
			}
		}
		if d.Overdue, err = p.s.Actions(ctx, id, true); err != nil {
			return err
		}
	} else if d.Mine, err = p.s.Actions(ctx, id, false); err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "council/council", web.Page{Title: "CERT Council", Section: "council", Data: d})
	return nil
}

type membersData struct {
	Members []MemberRecord
	Orgs    []directory.Summary
	Keeps   bool
	Roles   []string
}

func (p *Pages) membersPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderMembers(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderMembers(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	list, err := p.s.Members(ctx, id)
	if err != nil {
		return err
	}
	_, keeps, err := p.s.Seat(ctx, id)
	if err != nil {
		return err
	}
	d := membersData{Members: list, Keeps: keeps, Roles: Roles}
	if keeps {
		all, err := p.orgs.All(ctx, system, directory.Filter{})
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.Kind.IsCERT() || o.Kind == directory.KindMinistry {
				d.Orgs = append(d.Orgs, o)
			}
		}
	}
	if page.Form == nil {
		page.Form = url.Values{"role": {Member}, "term_start": {p.s.now().Format("2006-01-02")}}
	}
	page.Title, page.Section, page.Data = "Council members", "council", d
	p.rd.Render(w, r, status, "council/members", page)
	return nil
}

func (p *Pages) appoint(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	// The form names the representative by e-mail: the organisation's
	// member with that address.
	in := MemberInput{OrgID: f.Get("org_id"), Role: f.Get("role"), TermStart: f.Get("term_start"), TermEnd: f.Get("term_end")}
	if email := strings.TrimSpace(strings.ToLower(f.Get("email"))); email != "" && in.OrgID != "" {
		people, err := p.s.orgs.Members(r.Context(), system, in.OrgID)
		if err != nil {
			return err
		}
		for _, m := range people {
			if strings.EqualFold(m.Email, email) {
				in.UserID = m.UserID
			}
		}
		if in.UserID == "" {
			return p.renderMembers(w, r, http.StatusUnprocessableEntity, web.Page{Form: f,
				Errors: errs.Fields{{Field: "email", Message: "no member of the organisation has this address"}}})
		}
	}
	_, err := p.s.Appoint(r.Context(), auth.FromContext(r.Context()), "", in)
	if e := web.FormRefusal(err); e != nil {
		for i := range e.Fields {
			if e.Fields[i].Field == "user_id" {
				e.Fields[i].Field = "email"
			}
		}
		return p.renderMembers(w, r, web.StatusOf(e), web.Refused(f, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Appointed.")
	http.Redirect(w, r, "/console/council/members", http.StatusSeeOther)
	return nil
}

func (p *Pages) newMeeting(w http.ResponseWriter, r *http.Request) error {
	_, keeps, err := p.s.Seat(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	if !keeps {
		return errs.Forbidden("the chair, the secretary and the center schedule meetings")
	}
	return p.renderNew(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderNew(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	page.Title, page.Section = "Schedule a council meeting", "council"
	p.rd.Render(w, r, status, "council/meeting_new", page)
	return nil
}

func meetingInputOf(f url.Values) MeetingInput {
	return MeetingInput{Title: f.Get("title"), StartsAt: f.Get("starts_at"), EndsAt: f.Get("ends_at"), Place: f.Get("place"), Status: f.Get("status")}
}

func (p *Pages) schedule(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	m, err := p.s.ScheduleMeeting(r.Context(), id, meetingInputOf(r.PostForm), web.ZoneOf(id))
	if e := web.FormRefusal(err); e != nil {
		return p.renderNew(w, r, web.StatusOf(e), web.Refused(r.PostForm, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Meeting scheduled; the members are invited.")
	http.Redirect(w, r, "/console/council/meetings/"+url.PathEscape(m.ID), http.StatusSeeOther)
	return nil
}

type meetingData struct {
	MeetingView
	Orgs      []directory.Summary
	LinkKinds []string
}

func (p *Pages) meeting(w http.ResponseWriter, r *http.Request) error {
	return p.renderMeeting(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderMeeting(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	v, err := p.s.Meeting(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := meetingData{MeetingView: v, LinkKinds: LinkKinds}
	if v.Keeps {
		if d.Orgs, err = p.orgs.All(ctx, system, directory.Filter{}); err != nil {
			return err
		}
	}
	// The forms show what was typed into the one refused, the meeting as
	// it is in the others.
	z := web.ZoneOf(id)
	defaults := url.Values{"title": {v.Title}, "starts_at": {v.StartsAt.In(z).Format("2006-01-02T15:04")},
		"ends_at": {v.EndsAt.In(z).Format("2006-01-02T15:04")}, "place": {v.Place}, "status": {v.Status}, "minutes": {v.Minutes},
		"public_summary": {v.Summary}, "kind": {Decision}}
	if page.Form == nil {
		page.Form = defaults
	}
	for k, val := range defaults {
		if _, ok := page.Form[k]; !ok {
			page.Form[k] = val
		}
	}
	page.Title, page.Section, page.Data = v.Title, "council", d
	p.rd.Render(w, r, status, "council/meeting", page)
	return nil
}

// links reads a form's "kind:ref" lines.
func links(s string) []LinkInput {
	var out []LinkInput
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		k, ref, _ := strings.Cut(line, ":")
		out = append(out, LinkInput{Kind: strings.TrimSpace(k), Ref: strings.TrimSpace(ref)})
	}
	return out
}

func atoi(f url.Values, field string, bad *errs.Fields) int {
	v := strings.TrimSpace(f.Get(field))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		bad.Add(field, "a whole number")
	}
	return n
}

// act is the meeting page's forms.
func (p *Pages) act(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, f, mid := r.Context(), auth.FromContext(r.Context()), r.PostForm, r.PathValue("id")
	var err error
	var msg, anchor string
	switch f.Get("form") {
	case "edit":
		_, err = p.s.UpdateMeeting(ctx, id, mid, meetingInputOf(f), web.ZoneOf(id))
		msg, anchor = "Meeting saved.", ""
	case "item":
		_, err = p.s.AddItem(ctx, id, mid, ItemInput{Title: f.Get("title"), Presenter: f.Get("presenter"), Body: f.Get("body")})
		msg, anchor = "Agenda item added.", "#agenda"
	case "attendance":
		att := map[string]string{}
		for k, v := range f {
			if m, ok := strings.CutPrefix(k, "att-"); ok && v[0] != "" {
				att[m] = v[0]
			}
		}
		_, err = p.s.SetAttendance(ctx, id, mid, att)
		msg, anchor = "Attendance recorded.", "#attendance"
	case "minutes":
		_, err = p.s.SaveMinutes(ctx, id, mid, f.Get("minutes"))
		msg, anchor = "Minutes saved as a draft.", "#minutes"
	case "approve":
		_, err = p.s.ApproveMinutes(ctx, id, mid)
		msg, anchor = "Minutes approved and sent to the members.", "#minutes"
	case "summary":
		_, err = p.s.PublishSummary(ctx, id, mid, f.Get("public_summary"))
		msg, anchor = "Public summary saved.", "#summary"
	case "decision":
		var bad errs.Fields
		in := DecisionInput{Kind: f.Get("kind"), Title: f.Get("title"), Text: f.Get("text"), For: atoi(f, "votes_for", &bad),
			Against: atoi(f, "votes_against", &bad), Abstentions: atoi(f, "abstentions", &bad), Links: links(f.Get("links"))}
		if err = bad.Err(); err == nil {
			_, err = p.s.AddDecision(ctx, id, mid, in)
		}
		msg, anchor = "Decision recorded.", "#decisions"
	case "action":
		_, err = p.s.AddAction(ctx, id, mid, ActionInput{Input: actions.Input{Title: f.Get("title"), OwnerOrgID: f.Get("owner_org_id"),
			DueOn: f.Get("due_on")}, DecisionID: f.Get("decision_id"), Links: links(f.Get("links"))})
		msg, anchor = "Action added.", "#actions"
	default:
		err = errs.InvalidField("form", "a form of this page")
	}
	if e := web.FormRefusal(err); e != nil {
		page := web.Refused(f, e)
		page.Form.Set("form-failed", f.Get("form"))
		return p.renderMeeting(w, r, web.StatusOf(e), page)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/council/meetings/"+url.PathEscape(mid)+anchor, http.StatusSeeOther)
	return nil
}

func (p *Pages) invite(w http.ResponseWriter, r *http.Request) error {
	b, _, err := p.s.Invitation(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeICS(w, b)
	return nil
}

func (p *Pages) decisions(w http.ResponseWriter, r *http.Request) error {
	list, err := p.s.Decisions(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "council/decisions", web.Page{Title: "Decisions register", Section: "council", Data: list})
	return nil
}

func (p *Pages) actionsPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderActions(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderActions(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	overdue := r.URL.Query().Get("overdue") == "on"
	list, err := p.s.Actions(ctx, id, overdue)
	if err != nil {
		return err
	}
	rd, err := p.s.readerOf(ctx, id)
	if err != nil {
		return err
	}
	type row struct {
		ActionItem
		Moves bool
	}
	rows := make([]row, len(list))
	for i, a := range list {
		rows[i] = row{ActionItem: a, Moves: rd.movesFor(a.OwnerOrgID)}
	}
	page.Title, page.Section, page.Data = "Council actions", "council", map[string]any{"Rows": rows, "Overdue": overdue, "Reads": rd.reads()}
	p.rd.Render(w, r, status, "council/actions", page)
	return nil
}

func (p *Pages) move(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	_, err := p.s.MoveAction(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"),
		actions.Change{Status: r.PostForm.Get("status"), Note: r.PostForm.Get("note")})
	if e := web.FormRefusal(err); e != nil {
		page := web.Refused(r.PostForm, e)
		if len(e.Fields) > 0 {
			page.Problem = web.FieldLabel(e.Fields[0].Field) + ": " + e.Fields[0].Message
		}
		return p.renderActions(w, r, web.StatusOf(e), page)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Action updated.")
	back := "/console/council/actions"
	if next := web.SafeNext(r.PostForm.Get("next"), ""); next != "" {
		back = next
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// public is the website's page of the council's published summaries.
func (p *Pages) public(w http.ResponseWriter, r *http.Request) error {
	list, err := p.s.Summaries(r.Context())
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "council/public", web.Page{Title: "The CERT Council", Section: "council-public", Public: true, Data: list})
	return nil
}

func (p *Pages) attach(w http.ResponseWriter, r *http.Request) error {
	_, err := attachFromForm(p.s, w, r)
	if e := web.FormRefusal(err); e != nil {
		page := web.Page{Errors: e.Fields, Form: url.Values{"form-failed": {"paper"}}}
		if len(e.Fields) == 0 {
			page.Problem = e.Message
		}
		return p.renderMeeting(w, r, web.StatusOf(e), page)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Paper added.")
	http.Redirect(w, r, "/console/council/meetings/"+url.PathEscape(r.PathValue("id"))+"#agenda", http.StatusSeeOther)
	return nil
}

func (p *Pages) download(w http.ResponseWriter, r *http.Request) error {
	paper, body, err := p.s.OpenPaper(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("paper"))
	if err != nil {
		return err
	}
	return files.Serve(w, paper.Filename, body)
}
