package pages

import (
	"net/http"
	"net/url"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/procurement"
	"github.com/certhub/certhub/internal/procurement/catalogue"
	"github.com/certhub/certhub/internal/web"
)

// PublicPages are the website's approved-products list, its entries and
// its feed of changes: no account needed.
type PublicPages struct {
	s  *procurement.Service
	rd *web.Renderer
}

// NewPublic makes the handlers.
func NewPublic(s *procurement.Service, rd *web.Renderer) *PublicPages {
	return &PublicPages{s: s, rd: rd}
}

// Register adds the routes.
func (p *PublicPages) Register(rt *httpx.Router) {
	h := func(pattern string, f web.HandlerFunc) { rt.Handle(pattern, p.rd.Handler(f)) }
	h("GET /approved-products", p.list)
	h("GET /approved-products/feed.atom", p.feed)
	h("GET /approved-products/{id}", p.entry)
}

type publicListData struct {
	Items      []procurement.Approved
	Next       string
	Categories []string
	States     []string
	Filtered   bool
	Export     string // the export's query (the filters)
}

func (p *PublicPages) list(w http.ResponseWriter, r *http.Request) error {
	f, err := procurement.ParseProductFilter(r.URL.Query())
	if err != nil {
		return err
	}
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	f.Limit, f.Cursor = pg.Limit, pg.Cursor
	items, next, err := p.s.ApprovedProducts(r.Context(), f)
	if err != nil {
		return err
	}
	q := url.Values{}
	for _, k := range []string{"q", "category", "vendor", "state", "valid_on"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	p.rd.RenderPublic(w, r, "procurement/public_list", web.Page{Title: "Approved products", Section: "approved", Public: true,
		Data: publicListData{Items: items, Next: next, Categories: catalogue.Categories, States: procurement.ProductStates, Filtered: len(q) > 0, Export: q.Encode()}})
	return nil
}

type entryData struct {
	procurement.Approved
	// For a signed-in member: the organisations it may register as
	// users of the product, and those registered.
	Orgs  []directory.Org
	InUse []procurement.InUse
}

func (p *PublicPages) entry(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	e, err := p.s.ApprovedProduct(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := entryData{Approved: e}
	if id != nil {
		var mine []string
		for _, m := range id.Memberships {
			if m.Role != auth.RoleViewer {
				mine = append(mine, m.OrgID)
			}
		}
		if len(mine) > 0 {
			if d.Orgs, err = p.s.OrganisationsByID(ctx, mine); err != nil {
				return err
			}
		}
		if d.InUse, err = p.s.InUseOf(ctx, id, e.ID); err != nil {
			return err
		}
	}
	p.rd.RenderPublic(w, r, "procurement/public_entry", web.Page{Title: e.Vendor + " " + e.Product + " " + e.Versions, Section: "approved",
		Public: true, Data: d})
	return nil
}

// feed serves the newest changes of the list as Atom: approvals, reviews,
// suspensions, revocations and expiries.
func (p *PublicPages) feed(w http.ResponseWriter, r *http.Request) error {
	changes, err := p.s.ProductChanges(r.Context(), 100)
	if err != nil {
		return err
	}
	self := p.s.BaseURL() + "/approved-products/feed.atom"
	feed := web.AtomFeed{ID: self, Title: "Approved products: changes", Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Author: web.AtomPerson{Name: "certhub"}, Links: []web.AtomLink{{Rel: "self", Href: self, Type: "application/atom+xml"},
			{Rel: "alternate", Href: p.s.BaseURL() + "/approved-products"}}}
	for i, c := range changes {
		at := c.At.UTC().Format(time.RFC3339)
		if i == 0 {
			feed.Updated = at
		}
		u := p.s.BaseURL() + "/approved-products/" + url.PathEscape(c.ProductID)
		summary := web.Label(c.State)
		if c.Reason != "" {
			summary += ": " + c.Reason
		}
		feed.Entries = append(feed.Entries, web.AtomEntry{ID: u + "#" + at + "-" + c.State, Title: c.Vendor + " " + c.Product + " " + c.Versions + ": " + web.Label(c.State),
			Updated: at, Links: []web.AtomLink{{Rel: "alternate", Href: u, Type: "text/html"}}, Summary: summary,
			Category: []web.AtomCategory{{Term: c.State}}})
	}
	body, err := feed.Marshal()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	httpx.ServeBytes(w, r, body, "public, max-age=60", true)
	return nil
}
