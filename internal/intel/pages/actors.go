package pages

import (
	"cmp"
	"net/http"
	"net/url"

	"github.com/certhub/certhub/internal/intel/actors"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/web"
)

type actorsData struct {
	Items    []actors.Summary
	Total    int
	From     int
	Next     string
	Families []string
	Sectors  []string
}

// actorSectors are the sectors the filter offers: the directory's.
var actorSectors = []string{"banking", "telecom", "energy", "health", "government", "transport", "water", "education",
	"defence", "ict", "manufacturing", "media"}

func (p *Pages) actors(w http.ResponseWriter, r *http.Request) error {
	ctx, id, q := r.Context(), auth.FromContext(r.Context()), r.URL.Query()
	f := actors.Filter{Query: q.Get("q"), Family: q.Get("family"), Sector: q.Get("sector"), Active: q.Get("active") == "true",
		Limit: 50, Cursor: q.Get("cursor")}
	pg := web.Page{Title: "Threat actors", Section: "intel"}
	list, err := p.s.ActorProfiles(ctx, id, f)
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		pg.Errors, list = e.Fields, actors.List{}
	} else if err != nil {
		return err
	}
	pg.Data = actorsData{Items: list.Items, Total: list.Total, From: list.From, Next: list.Next, Families: actors.Families, Sectors: actorSectors}
	status := http.StatusOK
	if pg.Errors != nil {
		status = http.StatusUnprocessableEntity
	}
	p.rd.Render(w, r, status, "intel/actors", pg)
	return nil
}

type actorData struct {
	P            actors.Profile
	Chart        web.LineChart
	MayAttribute bool
}

func (p *Pages) actor(w http.ResponseWriter, r *http.Request) error {
	return p.renderActor(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderActor(w http.ResponseWriter, r *http.Request, status int, pg web.Page) error {
	id := auth.FromContext(r.Context())
	prof, err := p.s.ActorProfile(r.Context(), id, r.PathValue("id"))
	if err != nil {
		return err
	}
	pg.Title, pg.Section = prof.Name, "intel"
	pg.Data = actorData{P: prof, Chart: timelineChart(prof), MayAttribute: actors.MayAttribute(id)}
	p.rd.Render(w, r, status, "intel/actor", pg)
	return nil
}

// timelineChart draws the profile's months: indicators first seen,
// sightings in constituents' space, attributions marked.
func timelineChart(prof actors.Profile) web.LineChart {
	labels := make([]string, len(prof.Timeline))
	ind := make([]float64, len(prof.Timeline))
	sig := make([]float64, len(prof.Timeline))
	top := 1.0
	for i, m := range prof.Timeline {
		labels[i] = m.Month
		ind[i], sig[i] = float64(m.Indicators), float64(m.Sightings)
		top = max(top, ind[i], sig[i])
	}
	ticks := []float64{0, top}
	if top >= 4 {
		ticks = []float64{0, float64(int(top / 2)), top}
	}
	c := web.NewLineChart("Activity of "+prof.Name+" by month", labels,
		[]web.Series{{Name: "Indicators first seen", Values: ind}, {Name: "Sightings in constituents' space", Values: sig}}, 0, top, ticks)
	for i, m := range prof.Timeline {
		if m.Attributions > 0 {
			c.Mark(i, "attributed")
		}
	}
	return c
}

func (p *Pages) attribute(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	ctx, id, actorID := r.Context(), auth.FromContext(r.Context()), r.PathValue("id")
	if f.Get("action") == "withdraw" {
		if err := p.s.Unattribute(ctx, id, actorID, f.Get("kind"), f.Get("ref")); err != nil {
			return err
		}
		p.rd.Flash(r, "Attribution of "+f.Get("kind")+" "+f.Get("ref")+" withdrawn.")
	} else {
		rec, err := p.s.Attribute(ctx, id, actorID, actors.AttributionInput{Kind: f.Get("kind"), Ref: f.Get("ref"), Note: f.Get("note")})
		if e := web.FormRefusal(err); e != nil {
			return p.renderActor(w, r, web.StatusOf(e), web.Refused(f, e))
		}
		if err != nil {
			return err
		}
		p.rd.Flash(r, cmp.Or(rec.Kind, "record")+" "+rec.Ref+" attributed.")
	}
	http.Redirect(w, r, "/console/intel/actors/"+url.PathEscape(actorID)+"#attributed", http.StatusSeeOther)
	return nil
}
