package advisory

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

// PublicPages are the website's pages of publications and their feeds.
type PublicPages struct {
	s  *Service
	rd *web.Renderer
}

// NewPublicPages makes the handlers.
func NewPublicPages(s *Service, rd *web.Renderer) *PublicPages { return &PublicPages{s: s, rd: rd} }

// Register adds the routes.
func (p *PublicPages) Register(rt *httpx.Router) {
	h := func(pattern string, f web.HandlerFunc) { rt.Handle(pattern, p.rd.Handler(f)) }
	h("GET /advisories", p.list)
	h("GET /advisories/{id}", p.page)
	h("GET /feeds/{name}", p.feed)
	h("GET /subscribe", p.subscribeForm)
	h("POST /subscribe", p.subscribe)
	h("GET /subscribe/confirm", p.tokenForm("confirm"))
	h("POST /subscribe/confirm", p.tokenAction("confirm"))
	h("GET /subscribe/cancel", p.tokenForm("cancel"))
	h("POST /subscribe/cancel", p.tokenAction("cancel"))
}

// listData is the listing page's data.
type listData struct {
	List       PublicList
	Kinds      []Kind
	Severities []string
	Filtered   bool
}

func (p *PublicPages) list(w http.ResponseWriter, r *http.Request) error {
	f, err := publicFilter(r)
	if err != nil {
		return err
	}
	list, err := p.s.Publications(r.Context(), auth.FromContext(r.Context()), f)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	filtered := false
	for _, k := range []string{"q", "kind", "severity", "vendor", "product", "cve", "from", "to", "sector"} {
		if q.Get(k) != "" {
			filtered = true
		}
	}
	p.rd.RenderPublic(w, r, "advisory/public_list", web.Page{Title: "Advisories and alerts", Section: "advisories", Public: true,
		Data: listData{List: list, Kinds: Kinds, Severities: Severities, Filtered: filtered}})
	return nil
}

// pageData is an advisory page's data.
type pageData struct {
	P        Publication
	Rev      Revision
	CSAFURL  string
	Products map[string]Product
	Scores   map[int][]cvss.Score
}

func (p *PublicPages) page(w http.ResponseWriter, r *http.Request) error {
	pub, rev, err := p.s.Publication(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	d := pageData{P: pub, Rev: rev, Products: map[string]Product{}, Scores: map[int][]cvss.Score{}}
	if len(rev.CSAF) > 0 {
		d.CSAFURL = fmt.Sprintf("%s/%s/%d/%s", wellKnown, tlpFolder(pub.TLP), pub.FirstPublishedAt.UTC().Year(), FileName(pub.TrackingID))
	}
	for _, pr := range pub.Content.Products {
		d.Products[pr.ID] = pr
	}
	for i, v := range pub.Content.Vulns {
		for _, vec := range []string{v.CVSS4, v.CVSS3} {
			if s, err := cvss.Parse(vec); vec != "" && err == nil {
				d.Scores[i] = append(d.Scores[i], s)
			}
		}
	}
	p.rd.RenderPublic(w, r, "advisory/public_page", web.Page{Title: pub.TrackingID + ": " + pub.Content.Title, Section: "advisories",
		Public: true, Data: d})
	return nil
}

// feed serves /feeds/all.atom, /feeds/<kind>.atom, /feeds/sector-<sector>.atom
// and the same names with .json (JSON Feed). Feeds hold what an anonymous
// reader may see: TLP:CLEAR only, whoever asks (feed readers share URLs).
func (p *PublicPages) feed(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	base, format := name, ""
	for _, ext := range []string{".atom", ".json"} {
		if b, ok := strings.CutSuffix(name, ext); ok {
			base, format = b, ext
		}
	}
	f := PublicFilter{Limit: 50}
	title := p.s.centerName
	switch {
	case format == "":
		return errs.NotFound("no such feed: try /feeds/all.atom or /feeds/all.json")
	case base == "all":
		title += ": all publications"
	case Kind(base).valid():
		f.Kind = base
		title += ": " + base + "s"
	case strings.HasPrefix(base, "sector-") && sectorRE.MatchString(strings.TrimPrefix(base, "sector-")):
		f.Sector = strings.TrimPrefix(base, "sector-")
		title += ": publications for the " + f.Sector + " sector"
	default:
		return errs.NotFound("no such feed")
	}
	list, err := p.s.Publications(r.Context(), nil, f)
	if err != nil {
		return err
	}
	self := p.s.baseURL + "/feeds/" + name
	updated := p.s.lastPublished().Format(time.RFC3339)
	var body []byte
	var ctype string
	if format == ".atom" {
		feed := web.AtomFeed{ID: self, Title: title, Updated: updated, Author: web.AtomPerson{Name: p.s.centerName},
			Links: []web.AtomLink{{Rel: "self", Href: self, Type: "application/atom+xml"}, {Rel: "alternate", Href: p.s.baseURL + "/advisories"}}}
		for _, it := range list.Items {
			u := p.s.baseURL + "/advisories/" + url.PathEscape(it.TrackingID)
			e := web.AtomEntry{ID: u, Title: it.TrackingID + ": " + it.Content.Title, Updated: it.LastPublishedAt.UTC().Format(time.RFC3339),
				Published: it.FirstPublishedAt.UTC().Format(time.RFC3339), Links: []web.AtomLink{{Rel: "alternate", Href: u, Type: "text/html"}},
				Summary: it.Content.Summary, Category: []web.AtomCategory{{Term: string(it.Kind)}}}
			if it.Severity != "" {
				e.Category = append(e.Category, web.AtomCategory{Term: "severity:" + it.Severity})
			}
			if it.Kind.HasCSAF() {
				e.Links = append(e.Links, web.AtomLink{Rel: "alternate", Type: "application/json", Href: fmt.Sprintf("%s%s/white/%d/%s",
					p.s.baseURL, wellKnown, it.FirstPublishedAt.UTC().Year(), FileName(it.TrackingID))})
			}
			feed.Entries = append(feed.Entries, e)
		}
		out, err := feed.Marshal()
		if err != nil {
			return err
		}
		body, ctype = out, "application/atom+xml; charset=utf-8"
	} else {
		type item struct {
			ID            string   `json:"id"`
			URL           string   `json:"url"`
			Title         string   `json:"title"`
			Summary       string   `json:"summary"`
			ContentText   string   `json:"content_text"`
			DatePublished string   `json:"date_published"`
			DateModified  string   `json:"date_modified"`
			Tags          []string `json:"tags"`
		}
		feed := struct {
			Version     string `json:"version"`
			Title       string `json:"title"`
			HomePageURL string `json:"home_page_url"`
			FeedURL     string `json:"feed_url"`
			Items       []item `json:"items"`
		}{Version: "https://jsonfeed.org/version/1.1", Title: title, HomePageURL: p.s.baseURL + "/advisories", FeedURL: self, Items: []item{}}
		for _, it := range list.Items {
			u := p.s.baseURL + "/advisories/" + url.PathEscape(it.TrackingID)
			tags := []string{string(it.Kind)}
			if it.Severity != "" {
				tags = append(tags, "severity:"+it.Severity)
			}
			feed.Items = append(feed.Items, item{ID: u, URL: u, Title: it.TrackingID + ": " + it.Content.Title, Summary: it.Content.Summary,
				ContentText: it.Content.Summary, DatePublished: it.FirstPublishedAt.UTC().Format(time.RFC3339),
				DateModified: it.LastPublishedAt.UTC().Format(time.RFC3339), Tags: tags})
		}
		body, err = json.MarshalIndent(feed, "", "  ")
		if err != nil {
			return err
		}
		ctype = "application/feed+json"
	}
	serve(w, r, body, ctype, "public, max-age=300")
	return nil
}

func (p *PublicPages) subscribeForm(w http.ResponseWriter, r *http.Request) error {
	p.rd.RenderPublic(w, r, "advisory/subscribe", web.Page{Title: "Subscribe", Section: "subscribe", Public: true, Data: Kinds})
	return nil
}

func (p *PublicPages) subscribe(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	err := p.s.Subscribe(r.Context(), httpx.ClientIP(r.Context()), r.PostForm.Get("email"), r.PostForm["kinds"])
	if e := errs.As(err); e != nil && len(e.Fields) > 0 {
		p.rd.Render(w, r, http.StatusUnprocessableEntity, "advisory/subscribe", web.Page{Title: "Subscribe", Section: "subscribe",
			Public: true, Data: Kinds, Form: r.PostForm, Errors: e.Fields})
		return nil
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Almost done: we sent a confirmation link to "+strings.TrimSpace(r.PostForm.Get("email"))+". Nothing is sent until you open it.")
	http.Redirect(w, r, "/subscribe", http.StatusSeeOther)
	return nil
}

// tokenForm shows a button for the link in a subscription e-mail: the
// change itself is a POST, so mail scanners that open links change nothing.
func (p *PublicPages) tokenForm(action string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p.rd.Render(w, r, http.StatusOK, "advisory/subscription", web.Page{Title: "Your subscription", Section: "subscribe", Public: true,
			Data: map[string]string{"Action": action, "Token": r.URL.Query().Get("token")}})
		return nil
	}
}

func (p *PublicPages) tokenAction(action string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := web.ParseForm(w, r); err != nil {
			return err
		}
		token := r.PostForm.Get("token")
		var err error
		msg := ""
		if action == "confirm" {
			err, msg = p.s.Confirm(r.Context(), token), "Your subscription is confirmed: new publications will reach you by e-mail."
		} else {
			err, msg = p.s.Unsubscribe(r.Context(), token), "You are unsubscribed: no more e-mail will be sent to you."
		}
		if err != nil {
			return err
		}
		p.rd.Flash(r, msg)
		http.Redirect(w, r, "/subscribe", http.StatusSeeOther)
		return nil
	}
}
