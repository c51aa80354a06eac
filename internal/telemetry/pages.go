package telemetry

import (
	"context"
	"embed"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/telemetry/detect"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are telemetry's pages.
func Templates() web.Templates { return web.TemplatesIn("telemetry", templateFS) }

func init() {
	web.RegisterLabels(map[string]string{"spike_in": "Spike in", "spike_out": "Spike out", "drop_in": "Drop in", "drop_out": "Drop out",
		"new_port": "New top port", "known_indicator": "Known indicator", "acknowledged": "Acknowledged", "dismissed": "Dismissed",
		"field.name": "Name", "field.note": "Note", "field.state": "Decision"})
}

// OrgDirectory lists organisations for the register form.
type OrgDirectory interface {
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
}

// Pages serves the console's telemetry pages.
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
	h("GET /console/telemetry", p.list)
	h("POST /console/telemetry/gateways", p.register)
	h("GET /console/telemetry/gateways/{id}", p.gateway)
	h("POST /console/telemetry/gateways/{id}/revoke", p.revoke)
	h("GET /console/telemetry/anomalies/{id}", p.anomaly)
	h("POST /console/telemetry/anomalies/{id}", p.decide)
}

type listData struct {
	Anomalies []Anomaly
	Gateways  []Gateway
	Orgs      []directory.Summary
	Kind      string
	Kinds     []string
	Token     string
	Created   *Gateway
}

// registrable are the organisations id registers gateways of.
func (p *Pages) registrable(ctx context.Context, id *auth.Identity) ([]directory.Summary, error) {
	rd, err := readerOf(id)
	if err != nil {
		return nil, err
	}
	all, err := p.orgs.All(ctx, system, directory.Filter{})
	if err != nil {
		return nil, err
	}
	var out []directory.Summary
	for _, o := range all {
		parent := ""
		if o.ParentID != nil {
			parent = *o.ParentID
		}
		if o.Kind == directory.KindConstituent && rd.registers(o.ID, parent) {
			out = append(out, o)
		}
	}
	return out, nil
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request) error {
	return p.renderList(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderList(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	kind := r.URL.Query().Get("kind")
	d, _ := page.Data.(listData)
	d.Kind, d.Kinds = kind, detect.Kinds
	var err error
	if d.Anomalies, err = p.s.Anomalies(ctx, id, AnomalyFilter{Kind: kind, Since: p.s.now().Add(-7 * 24 * time.Hour)}); errs.KindOf(err) == errs.KindInvalid {
		d.Kind = ""
		d.Anomalies, err = p.s.Anomalies(ctx, id, AnomalyFilter{Since: p.s.now().Add(-7 * 24 * time.Hour)})
	}
	if err != nil {
		return err
	}
	if d.Gateways, err = p.s.Gateways(ctx, id); err != nil {
		return err
	}
	if d.Orgs, err = p.registrable(ctx, id); err != nil {
		return err
	}
	page.Title, page.Section, page.Data = "Gateway telemetry", "telemetry", d
	p.rd.Render(w, r, status, "telemetry/list", page)
	return nil
}

func (p *Pages) register(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	g, err := p.s.RegisterGateway(r.Context(), auth.FromContext(r.Context()), GatewayInput{OrgID: r.PostForm.Get("org_id"), Name: r.PostForm.Get("name"),
		Exporter: r.PostForm.Get("exporter")})
	if e := web.FormRefusal(err); e != nil {
		return p.renderList(w, r, web.StatusOf(e), web.Refused(r.PostForm, e))
	}
	if err != nil {
		return err
	}
	// The token is shown once, on this answer, never again.
	return p.renderList(w, r, http.StatusCreated, web.Page{Flash: "Gateway " + g.Name + " registered.", Data: listData{Created: &g, Token: g.Token}})
}

// chart draws hourly traffic in and out, in the unit that suits it.
func chart(title string, pts []Point, mark time.Time) web.LineChart {
	peak := 0.0
	for _, p := range pts {
		peak = max(peak, float64(p.BytesIn), float64(p.BytesOut))
	}
	unit, div := "B", 1.0
	for _, u := range []struct {
		name string
		d    float64
	}{{"kB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}} {
		if peak >= u.d {
			unit, div = u.name, u.d
		}
	}
	top := math.Max(1, math.Ceil(peak/div))
	in := web.Series{Name: "in (" + unit + "/hour)"}
	out := web.Series{Name: "out (" + unit + "/hour)"}
	var labels []string
	markAt := -1
	for i, p := range pts {
		labels = append(labels, p.Hour.Format("01-02 15h"))
		in.Values = append(in.Values, float64(p.BytesIn)/div)
		out.Values = append(out.Values, float64(p.BytesOut)/div)
		if p.Hour.Equal(mark) {
			markAt = i
		}
	}
	c := web.NewLineChart(title, labels, []web.Series{in, out}, 0, top, []float64{0, top / 2, top})
	if markAt >= 0 {
		c.Mark(markAt, "the anomaly")
	}
	return c
}

type gatewayData struct {
	Gateway
	Chart     web.LineChart
	Points    int
	Anomalies []Anomaly
	Revokes   bool
}

func (p *Pages) gateway(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	g, err := p.s.Gateway(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	pts, err := p.s.Series(ctx, id, g.ID, 7)
	if err != nil {
		return err
	}
	d := gatewayData{Gateway: g, Chart: chart("Traffic at "+g.Name+", the last 7 days", pts, time.Time{}), Points: len(pts)}
	if d.Anomalies, err = p.s.Anomalies(ctx, id, AnomalyFilter{GatewayID: g.ID, Limit: 100}); err != nil {
		return err
	}
	rd, _ := readerOf(id)
	d.Revokes = g.RevokedAt == nil && rd.registers(g.OrgID, g.CERTOrgID)
	p.rd.Render(w, r, http.StatusOK, "telemetry/gateway", web.Page{Title: "Gateway " + g.Name, Section: "telemetry", Data: d})
	return nil
}

func (p *Pages) revoke(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	err := p.s.RevokeGateway(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil && errs.KindOf(err) != errs.KindConflict {
		return err
	}
	p.rd.Flash(r, "The gateway's token no longer works; its traffic and anomalies stay.")
	http.Redirect(w, r, "/console/telemetry/gateways/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	return nil
}

type anomalyData struct {
	Anomaly
	Chart   web.LineChart
	Decides bool
}

func (p *Pages) anomaly(w http.ResponseWriter, r *http.Request) error {
	return p.renderAnomaly(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderAnomaly(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	a, pts, err := p.s.Anomaly(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	rd, _ := readerOf(id)
	d := anomalyData{Anomaly: a, Chart: chart(fmt.Sprintf("Traffic at %s around %s", a.Gateway, a.Hour.Format("2006-01-02 15:00 UTC")), pts, a.Hour),
		Decides: rd.decides(a.OrgID, a.CERTOrgID)}
	page.Title, page.Section, page.Data = web.Label(a.Kind)+" at "+a.Gateway, "telemetry", d
	p.rd.Render(w, r, status, "telemetry/anomaly", page)
	return nil
}

func (p *Pages) decide(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	a, err := p.s.Decide(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), Decision{State: r.PostForm.Get("state"), Note: r.PostForm.Get("note")})
	if e := web.FormRefusal(err); e != nil {
		return p.renderAnomaly(w, r, web.StatusOf(e), web.Refused(r.PostForm, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Anomaly "+a.State+".")
	http.Redirect(w, r, "/console/telemetry/anomalies/"+url.PathEscape(a.ID), http.StatusSeeOther)
	return nil
}
