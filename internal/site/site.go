package site

import (
	"cmp"
	"context"
	"embed"
	"net/http"
	"slices"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the site's pages.
func Templates() web.Templates {
	return web.TemplatesIn("site", templateFS)
}

// Site serves the pages.
type Site struct {
	pubs    *advisory.Service
	dir     *directory.Service
	rd      *web.Renderer
	contact string
}

// New makes the site; contact is the center's security e-mail address ("" for none).
func New(pubs *advisory.Service, dir *directory.Service, rd *web.Renderer, contact string) *Site {
	return &Site{pubs: pubs, dir: dir, rd: rd, contact: contact}
}

// Register adds the routes.
func (s *Site) Register(rt *httpx.Router) {
	h := func(pattern string, f web.HandlerFunc) { rt.Handle(pattern, s.rd.Handler(f)) }
	h("GET /{$}", s.home)
	h("GET /certs", s.certs)
	h("GET /certs/{id}", s.cert)
	h("GET /certs/{id}/rfc2350.txt", s.rfc2350Text)
	h("GET /about", s.about)
}

// reader is the directory's view for the public: the server reads, and
// the site shows only CERTs' public descriptions.
var reader = auth.System("public website")

// publicKinds are the CERTs of the country listed on the website.
var publicKinds = []directory.Kind{directory.KindCoordinationCenter, directory.KindNationalCERT, directory.KindSectoralCERT,
	directory.KindCIICERT, directory.KindGovernmentCERT, directory.KindProvincialCERT}

func (s *Site) home(w http.ResponseWriter, r *http.Request) error {
	id := auth.FromContext(r.Context())
	alerts, err := s.pubs.Publications(r.Context(), id, advisory.PublicFilter{Kind: string(advisory.KindAlert), Limit: 3})
	if err != nil {
		return err
	}
	advs, err := s.pubs.Publications(r.Context(), id, advisory.PublicFilter{Limit: 8 + len(alerts.Items)})
	if err != nil {
		return err
	}
	// The latest publications, without the alerts already shown above them.
	shown := map[string]bool{}
	for _, a := range alerts.Items {
		shown[a.ID] = true
	}
	latest := []advisory.Publication{}
	for _, p := range advs.Items {
		if !shown[p.ID] && len(latest) < 8 {
			latest = append(latest, p)
		}
	}
	s.rd.RenderPublic(w, r, "site/home", web.Page{Section: "home", Public: true, Data: map[string]any{
		"Alerts": alerts.Items, "Latest": latest, "Contact": s.contact, "BaseURL": s.pubs.BaseURL()}})
	return nil
}

// publicCERTs are the CERTs the directory lists on the public website
// (OrgInput.Listed), in the order of publicKinds, then by name.
func (s *Site) publicCERTs(ctx context.Context) ([]directory.Org, error) {
	var ids []string
	for _, k := range publicKinds {
		list, err := s.dir.All(ctx, reader, directory.Filter{Kind: k})
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			ids = append(ids, o.ID)
		}
	}
	orgs, err := s.dir.GetMany(ctx, reader, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]directory.Org{}
	for _, o := range orgs {
		byID[o.ID] = o
	}
	out := []directory.Org{}
	for _, id := range ids {
		if o, ok := byID[id]; ok && o.Listed {
			out = append(out, public(o))
		}
	}
	return out, nil
}

// public keeps what an organisation publishes about itself: its name, kind,
// sector, parent, key fingerprint and RFC 2350 description; never its
// contacts, constituency or members (RFC2350Text falls back to a contact
// address when the description names none: not here).
func public(o directory.Org) directory.Org {
	return directory.Org{ID: o.ID, Name: o.Name, ShortName: o.ShortName, Kind: o.Kind, ParentID: o.ParentID, Sector: o.Sector,
		Country: o.Country, PGPFingerprint: o.PGPFingerprint, RFC2350: o.RFC2350, Listed: o.Listed}
}

func (s *Site) certs(w http.ResponseWriter, r *http.Request) error {
	list, err := s.publicCERTs(r.Context())
	if err != nil {
		return err
	}
	s.rd.RenderPublic(w, r, "site/certs", web.Page{Title: "CERTs", Section: "certs", Public: true, Data: list})
	return nil
}

// publicCERT loads a CERT of the public directory; anything else is "not found".
func (s *Site) publicCERT(ctx context.Context, orgID string) (directory.Org, error) {
	o, err := s.dir.Get(ctx, reader, orgID)
	if err != nil || !slices.Contains(publicKinds, o.Kind) || !o.Listed {
		return directory.Org{}, errs.NotFound("no such CERT")
	}
	return public(o), nil
}

func (s *Site) cert(w http.ResponseWriter, r *http.Request) error {
	o, err := s.publicCERT(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	var parent string
	if o.ParentID != nil {
		if p, err := s.publicCERT(r.Context(), *o.ParentID); err == nil {
			parent = p.Name
		}
	}
	s.rd.RenderPublic(w, r, "site/cert", web.Page{Title: o.Name, Section: "certs", Public: true,
		Data: map[string]any{"Org": o, "Parent": parent, "Text": directory.RFC2350Text(o)}})
	return nil
}

func (s *Site) rfc2350Text(w http.ResponseWriter, r *http.Request) error {
	o, err := s.publicCERT(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write([]byte(directory.RFC2350Text(o)))
	return nil
}

// about shows the national CERT's RFC 2350 description (or the
// coordination center's when there is no national CERT in the directory).
func (s *Site) about(w http.ResponseWriter, r *http.Request) error {
	certs, err := s.publicCERTs(r.Context())
	if err != nil {
		return err
	}
	var pick *directory.Org
	for _, k := range []directory.Kind{directory.KindNationalCERT, directory.KindCoordinationCenter} {
		for i := range certs {
			if pick == nil && certs[i].Kind == k {
				pick = &certs[i]
			}
		}
	}
	if pick == nil {
		return errs.NotFound("the directory lists no national CERT on the website yet")
	}
	s.rd.RenderPublic(w, r, "site/cert", web.Page{Title: "About " + cmp.Or(pick.ShortName, pick.Name), Section: "about", Public: true,
		Data: map[string]any{"Org": *pick, "Text": directory.RFC2350Text(*pick), "About": true}})
	return nil
}
