package training

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

func (p *Pages) exercises(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	list, next, err := p.s.Exercises(r.Context(), id, pg.Limit, pg.Cursor)
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "training/exercises", web.Page{Title: "Exercises", Section: "training",
		Data: map[string]any{"Items": list, "Next": next, "Staff": id.IsStaff()}})
	return nil
}

// exerciseOrgs are the organisations an exercise may have taking part:
// CERTs, ministries and constituents.
func (p *Pages) exerciseOrgs(r *http.Request) ([]directory.Summary, error) {
	all, err := p.s.orgs.All(r.Context(), system, directory.Filter{})
	if err != nil {
		return nil, err
	}
	var out []directory.Summary
	for _, o := range all {
		if o.Kind != directory.KindVendor && o.Kind != directory.KindLab {
			out = append(out, o)
		}
	}
	return out, nil
}

func (p *Pages) newExercise(w http.ResponseWriter, r *http.Request) error {
	if err := mayKeep(auth.FromContext(r.Context())); err != nil {
		return err
	}
	return p.renderExerciseForm(w, r, http.StatusOK, web.Page{Form: url.Values{"kind": {Tabletop}}})
}

func (p *Pages) renderExerciseForm(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	orgs, err := p.exerciseOrgs(r)
	if err != nil {
		return err
	}
	page.Title, page.Section, page.Data = "Plan an exercise", "training", map[string]any{"Orgs": orgs, "Kinds": ExerciseKinds}
	p.rd.Render(w, r, status, "training/exercise_new", page)
	return nil
}

func exerciseInputOf(f url.Values) ExerciseInput {
	return ExerciseInput{Title: f.Get("title"), Kind: f.Get("kind"), Scenario: f.Get("scenario"), Objectives: f.Get("objectives"),
		StartsAt: f.Get("starts_at"), EndsAt: f.Get("ends_at"), Orgs: f["orgs"]}
}

func (p *Pages) createExercise(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	e, err := p.s.CreateExercise(r.Context(), id, exerciseInputOf(r.PostForm), web.ZoneOf(id))
	if bad := errs.As(err); bad != nil && bad.Kind == errs.KindInvalid {
		return p.renderExerciseForm(w, r, http.StatusUnprocessableEntity, web.Refused(r.PostForm, bad))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Exercise planned.")
	http.Redirect(w, r, "/console/training/exercises/"+url.PathEscape(e.ID), http.StatusSeeOther)
	return nil
}

type exerciseData struct {
	ExerciseView
	Kinds []string
	// Owners are the organisations taking part the reader may move
	// actions for (all of them, for the center).
	Owners []string
}

func (p *Pages) exercise(w http.ResponseWriter, r *http.Request) error {
	return p.renderExercise(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderExercise(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	id := auth.FromContext(r.Context())
	v, err := p.s.ExerciseView(r.Context(), id, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := exerciseData{ExerciseView: v, Kinds: ExerciseKinds}
	for _, o := range v.Orgs {
		if v.Keeps || id.RoleIn(o.OrgID).AtLeast(auth.RoleMember) {
			d.Owners = append(d.Owners, o.OrgID)
		}
	}
	if page.Form == nil {
		page.Form = url.Values{"minute": {"0"}, "kind": {Lesson}}
	}
	page.Title, page.Section, page.Data = v.Title, "training", d
	p.rd.Render(w, r, status, "training/exercise", page)
	return nil
}

// actExercise is the exercise page's forms: an inject, an outcome or
// lesson, a follow-up action, an action moved on.
func (p *Pages) actExercise(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, f, eid := r.Context(), auth.FromContext(r.Context()), r.PostForm, r.PathValue("id")
	var err error
	var msg, anchor string
	switch f.Get("form") {
	case "inject":
		in := InjectInput{Title: f.Get("title"), Body: f.Get("body")}
		in.Minute, err = strconv.Atoi(strings.TrimSpace(f.Get("minute")))
		if err != nil {
			err = errs.InvalidField("minute", "a whole number of minutes from the start")
			break
		}
		_, err = p.s.AddInject(ctx, id, eid, in)
		msg, anchor = "Inject added.", "#injects"
	case "note":
		_, err = p.s.AddNote(ctx, id, eid, NoteInput{Kind: f.Get("kind"), Body: f.Get("body"), OrgID: f.Get("org_id")})
		msg, anchor = "Recorded.", "#notes"
	case "action":
		_, err = p.s.AddAction(ctx, id, eid, actions.Input{Title: f.Get("title"), OwnerOrgID: f.Get("owner_org_id"), DueOn: f.Get("due_on")})
		msg, anchor = "Action added.", "#actions"
	case "move":
		_, err = p.s.MoveAction(ctx, id, eid, f.Get("action"), actions.Change{Status: f.Get("status"), Note: f.Get("note")})
		msg, anchor = "Action updated.", "#actions"
	default:
		err = errs.InvalidField("form", "inject, note, action or move")
	}
	if bad := errs.As(err); bad != nil && (bad.Kind == errs.KindInvalid || bad.Kind == errs.KindConflict) {
		page := web.Refused(f, bad)
		page.Form.Set("form-failed", f.Get("form"))
		return p.renderExercise(w, r, web.StatusOf(bad), page)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/training/exercises/"+url.PathEscape(eid)+anchor, http.StatusSeeOther)
	return nil
}
