package coordination

import (
	"cmp"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are coordination's console pages.
func Templates() web.Templates {
	return web.TemplatesIn("coordination", templateFS)
}

func init() {
	web.RegisterFuncs(template.FuncMap{"ladder": LadderStep})
	web.RegisterLabels(map[string]string{
		"delivered": "Delivered", "acknowledged": "Acknowledged", "affected": "Affected", "not_affected": "Not affected",
		"mitigated": "Mitigated", "field.advisory_id": "Publication", "field.audience": "Audience", "field.actions": "Actions required",
		"field.act_by": "Act by", "field.outcome": "Outcome", "field.note": "Note", "field.org_id": "Organisation", "field.key": "Link", "field.remind_after_hours": "Remind after",
		"field.escalate_after_hours": "Escalate after",
	})
}

// Pages serves the console's alert pages.
type Pages struct {
	s  *Service
	rd *web.Renderer
}

// NewPages makes the pages.
func NewPages(s *Service, rd *web.Renderer) *Pages { return &Pages{s: s, rd: rd} }

// Register adds the routes (every one for a signed-in user).
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/alerts", p.list)
	h("GET /console/alerts/new", p.newAlert)
	h("POST /console/alerts", p.send)
	h("GET /console/alerts/{id}", p.alert)
	h("POST /console/alerts/{id}", p.acknowledge)
	// What an acknowledgement link opens: no account, the secret in the
	// query (never in the path that logs and metrics name).
	rt.Handle("GET /alerts/ack", p.rd.Handler(p.linkPage))
	rt.Handle("POST /alerts/ack", p.rd.Handler(p.linkAnswer))
}

// bar is a progress bar's three parts, in percent of the recipients.
type bar struct{ Acknowledged, Read, Silent int }

func barOf(c Counts) bar {
	if c.Recipients == 0 {
		return bar{}
	}
	ack := c.Acknowledged * 100 / c.Recipients
	read := c.Read * 100 / c.Recipients
	return bar{Acknowledged: ack, Read: read, Silent: 100 - ack - read}
}

type listData struct {
	Staff bool
	Items []listItem
	Next  string
}

type listItem struct {
	AlertSummary
	Bar bar
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	list, next, err := p.s.Alerts(r.Context(), id, pg.Limit, pg.Cursor)
	if err != nil {
		return err
	}
	d := listData{Staff: id.IsStaff(), Next: next}
	for _, a := range list {
		d.Items = append(d.Items, listItem{AlertSummary: a, Bar: barOf(a.Counts)})
	}
	p.rd.Render(w, r, http.StatusOK, "coordination/alerts", web.Page{Title: "Alerts", Section: "alerts", Data: d})
	return nil
}

type alertData struct {
	Progress
	Bar      bar
	Staff    bool
	Answer   []Recipient // the reader's own organisations' rows, to answer for
	Outcomes []string
}

func (p *Pages) alert(w http.ResponseWriter, r *http.Request) error {
	return p.renderAlert(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderAlert(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	id := auth.FromContext(r.Context())
	// Opening the alert is reading it, for the reader's organisations.
	al, err := p.s.Open(r.Context(), id, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := alertData{Progress: al, Bar: barOf(al.Counts), Staff: id.IsStaff(), Outcomes: Outcomes}
	for _, x := range al.Items {
		if slices.Contains(al.Mine, x.OrgID) && mayAnswer(id, x.OrgID) {
			d.Answer = append(d.Answer, x)
		}
	}
	// Who has not answered first, then by name.
	slices.SortStableFunc(d.Items, func(a, b Recipient) int {
		if a.NoAnswer != b.NoAnswer {
			if a.NoAnswer {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Org, b.Org)
	})
	page.Title, page.Section, page.Data = al.Alert.TrackingID+": "+al.Alert.Title, "alerts", d
	p.rd.Render(w, r, status, "coordination/alert", page)
	return nil
}

func (p *Pages) acknowledge(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	al, err := p.s.Alert(r.Context(), id, r.PathValue("id"))
	if err != nil {
		return err
	}
	in := AckInput{OrgID: r.PostForm.Get("org_id"), Outcome: r.PostForm.Get("outcome"), Note: r.PostForm.Get("note")}
	rec, err := p.s.Acknowledge(r.Context(), id, al.Alert.AdvisoryID, in)
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		return p.renderAlert(w, r, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: e.Fields})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Recorded "+rec.Org+"'s answer.")
	http.Redirect(w, r, "/console/alerts/"+url.PathEscape(al.Alert.ID), http.StatusSeeOther)
	return nil
}

type newData struct {
	CERTs, Orgs []directory.Summary
	Kinds       []directory.Kind
	Sectors     []string
}

func (p *Pages) newAlert(w http.ResponseWriter, r *http.Request) error {
	return p.renderNew(w, r, http.StatusOK, web.Page{Form: url.Values{"advisory_id": {r.URL.Query().Get("advisory")},
		"remind_after_hours": {strconv.Itoa(DefaultRemindAfter)}, "escalate_after_hours": {strconv.Itoa(DefaultEscalateAfter)}}})
}

func (p *Pages) renderNew(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	id := auth.FromContext(r.Context())
	if err := maySend(id); err != nil {
		return err
	}
	all, err := p.s.orgs.All(r.Context(), system, directory.Filter{})
	if err != nil {
		return err
	}
	d := newData{Orgs: all, Kinds: directory.Kinds, Sectors: directory.Sectors}
	for _, o := range all {
		if o.Kind.IsCERT() {
			d.CERTs = append(d.CERTs, o)
		}
	}
	page.Title, page.Section, page.Data = "Send an alert for acknowledgement", "alerts", d
	p.rd.Render(w, r, status, "coordination/alert_new", page)
	return nil
}

func (p *Pages) send(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := AlertInput{Advisory: f.Get("advisory_id"), Actions: f.Get("actions"), ActBy: f.Get("act_by"),
		Audience: Audience{Orgs: f["orgs"], Kinds: f["kinds"], Sectors: f["sectors"], CII: f.Get("cii") == "on", Constituents: f["constituents_of"]}}
	var bad errs.Fields
	for _, h := range []struct {
		field string
		to    *int
	}{{"remind_after_hours", &in.RemindAfter}, {"escalate_after_hours", &in.EscalateAfter}} {
		if v := strings.TrimSpace(f.Get(h.field)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				bad.Add(h.field, "a whole number of hours")
			}
			*h.to = n
		}
	}
	if len(bad) > 0 {
		return p.renderNew(w, r, http.StatusUnprocessableEntity, web.Page{Form: f, Errors: bad})
	}
	a, err := p.s.Send(r.Context(), auth.FromContext(r.Context()), in)
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindConflict) {
		page, status := web.Page{Form: f, Errors: e.Fields}, http.StatusUnprocessableEntity
		if e.Kind == errs.KindConflict {
			page.Problem, status = e.Message+".", http.StatusConflict
		}
		return p.renderNew(w, r, status, page)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Sent "+a.TrackingID+" for acknowledgement.")
	http.Redirect(w, r, "/console/alerts/"+url.PathEscape(a.ID), http.StatusSeeOther)
	return nil
}

type linkData struct {
	LinkAnswer
	Key      string
	Outcomes []string
}

func (p *Pages) linkPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderLink(w, r, r.URL.Query().Get("key"), http.StatusOK, web.Page{})
}

// renderLink shows what an acknowledgement link stands for, with the form
// that answers (opening the link alone answers nothing: a mail scanner
// that follows links does not acknowledge for anyone).
func (p *Pages) renderLink(w http.ResponseWriter, r *http.Request, key string, status int, page web.Page) error {
	la, err := p.s.ByLink(r.Context(), key)
	if err != nil {
		return err
	}
	if page.Form == nil {
		page.Form = url.Values{"outcome": {la.Recipient.Outcome}, "note": {la.Recipient.Note}}
	}
	page.Title, page.Public, page.Data = la.Alert.TrackingID+": acknowledge for "+la.Recipient.Org, true, linkData{LinkAnswer: la, Key: key, Outcomes: Outcomes}
	// The page is one recipient's, its address a secret: kept nowhere,
	// sent to no other site.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	p.rd.Render(w, r, status, "coordination/ack", page)
	return nil
}

func (p *Pages) linkAnswer(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	key := r.PostForm.Get("key")
	rec, err := p.s.AcknowledgeByLink(r.Context(), key, AckInput{Outcome: r.PostForm.Get("outcome"), Note: r.PostForm.Get("note")})
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		return p.renderLink(w, r, key, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: e.Fields})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Recorded "+rec.Org+"'s answer. Thank you.")
	http.Redirect(w, r, "/alerts/ack?key="+url.QueryEscape(key), http.StatusSeeOther)
	return nil
}
