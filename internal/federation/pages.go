package federation

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/federation/linkdoc"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the links' pages.
func Templates() web.Templates { return web.TemplatesIn("federation", templateFS) }

func init() {
	web.RegisterLabels(map[string]string{"offered": "Offered", "active": "Active", "revoked": "Revoked",
		"intel": "Threat intelligence", "csaf": "CSAF advisories", "directory": "Directory records", "transfers": "Transfers",
		"accepted": "Accepted", "refused": "Refused", "conflict": "Conflict", "gone": "Gone at the master", "failed": "Failed", "recovered": "Recovered",
		"field.peer_org_id": "Peer organisation", "field.peer_url": "Peer's address", "field.shares": "Shared",
		"field.tlp_ceiling": "TLP ceiling", "field.collection": "Collection", "field.intel_push": "Push", "field.document": "Link document",
		"field.peer_fingerprint": "Expected key fingerprint", "field.reason": "Reason"})
}

// Pages serves the console's federation pages.
type Pages struct {
	s  *Service
	rd *web.Renderer
}

// NewPages makes the pages.
func NewPages(s *Service, rd *web.Renderer) *Pages { return &Pages{s: s, rd: rd} }

// Register adds the routes.
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/federation", p.list)
	h("POST /console/federation", p.create)
	h("GET /console/federation/{id}", p.link)
	h("POST /console/federation/{id}", p.act)
	h("POST /console/federation/csaf-providers", p.addProvider)
	h("POST /console/federation/csaf-providers/{id}/sync", p.syncProvider)
}

func (p *Pages) addProvider(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	mirror := f.Get("mirror") != ""
	_, err := p.s.AddProvider(r.Context(), auth.FromContext(r.Context()), NewProvider{URL: f.Get("url"), Mirror: &mirror})
	if e := web.FormRefusal(err); e != nil {
		page := web.Refused(f, e)
		page.Form.Set("form", "provider")
		return p.renderList(w, r, web.StatusOf(e), page)
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Provider listed: it is read within the minute.")
	http.Redirect(w, r, "/console/federation#providers", http.StatusSeeOther)
	return nil
}

func (p *Pages) syncProvider(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	pr, err := p.s.SyncProvider(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Read %s: %d documents mirrored, %d refused.", pr.URL, pr.Documents, pr.Rejected)
	if pr.LastError != "" {
		msg = "Could not read " + pr.URL + ": " + pr.LastError
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/federation#providers", http.StatusSeeOther)
	return nil
}

type listData struct {
	Links       []Link
	Providers   []Provider
	Aggregator  string // aggregator.json's URL
	Manages     bool
	Orgs        []directory.Summary
	Shares      []string
	Labels      []string
	Fingerprint string
	BaseURL     string
	Now         time.Time
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request) error {
	return p.renderList(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderList(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	links, err := p.s.Links(ctx, id)
	if err != nil {
		return err
	}
	d := listData{Links: links, Manages: mayManage(id) == nil, Shares: Shares, Fingerprint: p.s.Fingerprint(), BaseURL: p.s.BaseURL(),
		Now: p.s.now(), Labels: []string{"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"}}
	if d.Providers, err = p.s.Providers(ctx, id); err != nil {
		return err
	}
	d.Aggregator = p.s.BaseURL() + aggregatorPath + "/aggregator.json"
	if d.Manages {
		if d.Orgs, err = p.certs(ctx); err != nil {
			return err
		}
	}
	if page.Form == nil {
		page.Form = url.Values{"shares": {ShareIntel, ShareCSAF}, "tlp_ceiling": {"AMBER"}, "collection": {"community"}, "mirror": {"on"}}
	}
	page.Title, page.Section, page.Data = "Federation", "federation", d
	p.rd.Render(w, r, status, "federation/links", page)
	return nil
}

// certs are the organisations a peer can be: CERTs and the center.
func (p *Pages) certs(ctx context.Context) ([]directory.Summary, error) {
	all, err := p.s.orgs.All(ctx, auth.System("federation"), directory.Filter{})
	if err != nil {
		return nil, err
	}
	var out []directory.Summary
	for _, o := range all {
		if o.Kind.IsCERT() {
			out = append(out, o)
		}
	}
	return out, nil
}

func (p *Pages) create(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := NewLink{PeerOrgID: f.Get("peer_org_id"), PeerURL: f.Get("peer_url"), Shares: f["shares"], Ceiling: f.Get("tlp_ceiling"),
		Collection: f.Get("collection"), Fingerprint: f.Get("peer_fingerprint"), HomeOrgID: f.Get("home_org_id"), Push: f.Get("intel_push") != ""}
	if text := strings.TrimSpace(f.Get("document")); text != "" {
		e, err := linkdoc.Decode(text)
		if fe := web.FormRefusal(err); fe != nil {
			return p.renderList(w, r, web.StatusOf(fe), web.Refused(f, fe))
		}
		in.Document = &e
	}
	l, err := p.s.Create(r.Context(), auth.FromContext(r.Context()), in)
	if e := web.FormRefusal(err); e != nil {
		return p.renderList(w, r, web.StatusOf(e), web.Refused(f, e))
	}
	if err != nil {
		return err
	}
	msg := "Link offered: send the document below to the peer's administrators."
	if l.Status == Active {
		msg = "Link active: send the document below to the peer's administrators to complete it on their side."
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/federation/"+url.PathEscape(l.ID)+"#document", http.StatusSeeOther)
	return nil
}

type linkData struct {
	LinkView
	Manages bool
	// Transfers: both sides share them, so incidents may be handed over.
	CarriesTransfers bool
	Lag              time.Duration
	Answer           string // our document, as the peer pastes it
	Now              time.Time
	IntelURL         string
}

func (p *Pages) link(w http.ResponseWriter, r *http.Request) error {
	return p.renderLink(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderLink(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	v, err := p.s.Get(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	now := p.s.now()
	d := linkData{LinkView: v, Manages: mayManage(id) == nil, Lag: v.Lag(now).Truncate(time.Second), Now: now,
		CarriesTransfers: v.Status == Active && slices.Contains(v.Shares, ShareTransfers) && slices.Contains(v.PeerShares, ShareTransfers)}
	if v.Document != nil {
		d.Answer = linkdoc.EnvelopeText(*v.Document)
	}
	if v.Intel != nil {
		d.IntelURL = "/console/intel/sources/" + url.PathEscape(v.Intel.SourceID)
	}
	page.Title, page.Section, page.Data = "Link with "+v.PeerName, "federation", d
	p.rd.Render(w, r, status, "federation/link", page)
	return nil
}

func (p *Pages) act(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, f := r.Context(), auth.FromContext(r.Context()), r.PostForm
	linkID := r.PathValue("id")
	var err error
	var msg string
	switch f.Get("action") {
	case "accept":
		var e Envelope
		e, err = linkdoc.Decode(f.Get("document"))
		if err == nil {
			_, err = p.s.Accept(ctx, id, linkID, e, f.Get("peer_fingerprint"))
		}
		msg = "The peer's answer is accepted: the link is active."
	case "transfer":
		var t Transfer
		t, err = p.s.Send(ctx, id, linkID, TransferInput{Kind: f.Get("kind"), Ref: strings.TrimSpace(f.Get("ref")), Reason: f.Get("reason")})
		msg = "Handed over: " + t.TheirNumber + " at the peer."
	case "directory":
		var res MirrorResult
		res, err = p.s.MirrorNow(ctx, id, linkID)
		msg = fmt.Sprintf("The peer's directory is mirrored: %d made, %d updated, %d in conflict, %d no longer at the master.", res.Made, res.Updated,
			res.Conflicts, res.Gone)
	case "revoke":
		_, err = p.s.Revoke(ctx, id, linkID, f.Get("reason"))
		msg = "Link revoked: the peer's credential no longer works and nothing more is pulled from it."
	default:
		return &httpx.StatusError{Status: http.StatusBadRequest, Detail: "unknown action"}
	}
	if e := web.FormRefusal(err); e != nil {
		return p.renderLink(w, r, web.StatusOf(e), web.Refused(f, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/federation/"+url.PathEscape(linkID), http.StatusSeeOther)
	return nil
}
