package federation

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/federation/linkdoc"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// Orgs is what federation needs of the directory: the organisation that
// is a peer.
type Orgs interface {
	Get(ctx context.Context, id *auth.Identity, orgID string) (directory.Org, error)
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error)
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
	Create(ctx context.Context, id *auth.Identity, in directory.OrgInput) (directory.Org, error)
	Update(ctx context.Context, id *auth.Identity, orgID string, in directory.OrgInput) (directory.Org, error)
}

// Accounts is what federation needs of the accounts: the peer's account
// and its token, made and ended with the link.
type Accounts interface {
	CreateUserTx(ctx context.Context, tx *db.Tx, in auth.NewUser) (auth.User, error)
	CreateTokenTx(ctx context.Context, tx *db.Tx, userID string, in auth.NewToken) (auth.Token, string, error)
	RevokeTokenTx(ctx context.Context, tx *db.Tx, userID, tokenID string) (auth.Token, error)
	SealSecret(v string) string
	OpenSecret(v string) (string, error)
}

// Intel is what federation needs of threat intelligence: the peer's
// collection pulled as a source, and the peer's account capped.
type Intel interface {
	Link(ctx context.Context, p IntelLink) (IntelState, error)
	Unlink(ctx context.Context, key string) error
	// Defer puts the next pull off until until.
	Defer(ctx context.Context, key string, until time.Time) error
	State(ctx context.Context, key string) (IntelState, bool, error)
	// CollectionURL is the TAXII URL of one of our collections, relative
	// to the base URL ("/taxii2/api/collections/{id}/").
	CollectionURL(ctx context.Context, alias string) (string, error)
	// Push sends the peer what its account may read of our collection
	// and was not sent yet.
	Push(ctx context.Context, p IntelPush) (IntelPushed, error)
}

// IntelLink is a link as threat intelligence needs it.
type IntelLink struct {
	Key, Name, OrgID, UserID string
	URL, Token               string // the peer's collection and the credential to read it
	Ceiling                  tlp.Label
	Pull                     bool // we fetch the peer's collection
	Pushes                   bool // the peer adds to ours (it is not pulled)
}

// IntelPush is a push of our intelligence to the peer: the peer's
// account here (what it may read is what is sent), our collection, and
// the peer's collection with the credential to add to it.
type IntelPush struct {
	Key, UserID, Collection string
	URL, Token              string
}

// IntelPushed is what a push did.
type IntelPushed struct {
	Sent, Refused int
	Reasons       []string
}

// Key is the center's OpenPGP key.
type Key interface {
	SignDetached(data []byte) (string, error)
}

// Options are the service's dependencies.
type Options struct {
	DB       *db.DB
	Orgs     Orgs
	Accounts Accounts
	Intel    Intel
	// Incidents and Reports let incidents and vulnerability reports be
	// handed over.
	Incidents Incidents
	Reports   Reports
	Key       Key
	// PublicKey and Fingerprint are the center key's public half.
	PublicKey, Fingerprint string
	CenterName             string
	BaseURL                string
	// AllowPrivate lets the aggregator read providers on private and
	// loopback addresses (tests, closed networks).
	AllowPrivate bool
	Now          func() time.Time
	Log          *slog.Logger
}

// Service keeps the links.
type Service struct {
	db        *db.DB
	orgs      Orgs
	accounts  Accounts
	intel     Intel
	incidents Incidents
	reports   Reports
	key       Key
	public    string
	finger    string
	center    string
	now       func() time.Time
	log       *slog.Logger
	egress    http.RoundTripper

	mu   sync.Mutex
	base string
}

// NewService makes the service.
func NewService(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Service{db: o.DB, orgs: o.Orgs, accounts: o.Accounts, intel: o.Intel, incidents: o.Incidents, reports: o.Reports, key: o.Key, public: o.PublicKey, finger: o.Fingerprint,
		center: o.CenterName, now: o.Now, log: o.Log, base: strings.TrimRight(o.BaseURL, "/"), egress: notify.EgressTransport(o.AllowPrivate)}
}

// SetBaseURL sets the URL peers reach this instance at.
func (s *Service) SetBaseURL(u string) {
	s.mu.Lock()
	s.base = strings.TrimRight(u, "/")
	s.mu.Unlock()
}

// BaseURL is the URL peers reach this instance at.
func (s *Service) BaseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.base
}

// Fingerprint is the fingerprint of the key this instance signs with.
func (s *Service) Fingerprint() string { return s.finger }

// Create offers a link to a peer (in.Document empty), or answers a peer's
// offer (in.Document set): either way the link's document, signed, is on
// the answer for the administrator to send to the peer.
func (s *Service) Create(ctx context.Context, id *auth.Identity, in NewLink) (Link, error) {
	if err := mayManage(id); err != nil {
		return Link{}, err
	}
	var f errs.Fields
	now := s.now().UTC()
	l := Link{ID: db.NewID(), Status: Offered, CreatedAt: now, UpdatedAt: now, CreatedBy: id.Label(), PeerShares: []string{}}
	l.Shares = slices.DeleteFunc(slices.Clone(in.Shares), func(x string) bool { return strings.TrimSpace(x) == "" })
	if len(l.Shares) == 0 {
		l.Shares = []string{ShareIntel, ShareCSAF}
	}
	for _, x := range l.Shares {
		if !slices.Contains(Shares, x) {
			f.Add("shares", "each must be one of %s", strings.Join(Shares, ", "))
			break
		}
	}
	slices.Sort(l.Shares)
	l.Shares = slices.Compact(l.Shares)
	l.Ceiling = tlp.Amber
	if strings.TrimSpace(in.Ceiling) != "" {
		c, err := tlp.Parse(in.Ceiling)
		if err != nil {
			f.Add("tlp_ceiling", "must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
		}
		l.Ceiling = c
	}
	l.Collection = strings.TrimSpace(in.Collection)
	if l.Collection == "" {
		l.Collection = "community"
	}
	l.Push = in.Push
	if l.Push && !slices.Contains(l.Shares, ShareIntel) {
		f.Add("intel_push", "share intelligence to push it")
	}
	var org directory.Org
	if strings.TrimSpace(in.PeerOrgID) == "" {
		f.Add("peer_org_id", "choose the organisation of the directory that is the peer")
	} else if o, err := s.orgs.Get(ctx, auth.System("federation"), in.PeerOrgID); err != nil {
		if errs.KindOf(err) != errs.KindNotFound {
			return Link{}, err
		}
		f.Add("peer_org_id", "no such organisation")
	} else {
		org = o
	}
	if h := strings.TrimSpace(in.HomeOrgID); h != "" {
		if _, err := s.orgs.Get(ctx, auth.System("federation"), h); err != nil {
			f.Add("home_org_id", "no such organisation")
		}
		l.homeOrgID = h
	} else if slices.Contains(l.Shares, ShareDirectory) {
		f.Add("home_org_id", "choose this instance's own organisation: it and those under it are the records shared")
	}
	base := s.BaseURL()
	var peer *linkdoc.Document
	if in.Document != nil {
		d, err := linkdoc.Open(*in.Document, base, in.Fingerprint, now)
		if err != nil {
			s.log.Warn("federation: a peer's document refused", "err", err)
			return Link{}, err
		}
		if d.Answers != "" {
			return Link{}, errs.InvalidField("document", "answers a link offered on %s: accept it on that link's page", d.PeerURL)
		}
		peer = &d
		l.PeerURL = d.Issuer.URL
	} else {
		if err := linkdoc.CheckURL(in.PeerURL); err != nil {
			f.Add("peer_url", "the peer's address %v", err)
		}
		if linkdoc.SameURL(in.PeerURL, base) {
			f.Add("peer_url", "is this instance")
		}
		l.PeerURL = strings.TrimRight(strings.TrimSpace(in.PeerURL), "/")
	}
	if err := f.Err(); err != nil {
		return Link{}, err
	}
	l.PeerOrgID, l.PeerName = org.ID, org.Name
	// The collection the peer reads, or pushes to when it pushes: named
	// whatever is shared, since a peer that pushes needs it either way.
	p, err := s.intel.CollectionURL(ctx, l.Collection)
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return Link{}, errs.InvalidField("collection", "no such collection")
		}
		return Link{}, err
	}
	taxiiURL := base + p
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := s.accounts.CreateUserTx(ctx, tx, auth.NewUser{Email: "link-" + strings.ToLower(l.ID) + "@federation.invalid",
			Name: "Federation: " + org.Name})
		if err != nil {
			return err
		}
		if _, err := auth.PutMembership(ctx, tx, u.ID, org.ID, auth.RoleViewer, now); err != nil {
			return err
		}
		t, raw, err := s.accounts.CreateTokenTx(ctx, tx, u.ID, auth.NewToken{Name: "federation link " + l.ID,
			Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}}) // write: to hand records over
		if err != nil {
			return err
		}
		l.userID, l.tokenID = u.ID, t.ID
		d := linkdoc.Document{Type: linkdoc.DocumentType, Version: 1, LinkID: l.ID, PeerURL: l.PeerURL, Shares: l.Shares, Ceiling: l.Ceiling,
			TAXIICollection: taxiiURL, Push: l.Push, Token: raw, IssuedAt: now, ExpiresAt: now.Add(linkdoc.OfferValid),
			Issuer: linkdoc.Party{Name: s.center, URL: base, Fingerprint: s.finger, Key: s.public}}
		if slices.Contains(l.Shares, ShareCSAF) {
			d.CSAF = base + "/.well-known/csaf/provider-metadata.json"
		}
		if peer != nil {
			d.Answers = peer.LinkID
		}
		env, err := linkdoc.Seal(d, s.key)
		if err != nil {
			return err
		}
		l.Document = &env
		l.sealed = s.accounts.SealSecret(env.Document + "\x00" + env.Signature)
		if peer != nil {
			l.takePeer(*peer, s.accounts.SealSecret(peer.Token))
			l.Status, l.ActivatedAt = Active, &now
		}
		if err := insertLink(ctx, tx, &l, in.Document); err != nil {
			return err
		}
		kind, msg := "offered", fmt.Sprintf("offered to %s (%s), sharing %s up to %s", org.Name, l.PeerURL, strings.Join(l.Shares, ", "), l.Ceiling)
		if peer != nil {
			kind, msg = "accepted", fmt.Sprintf("answered the offer of %s signed by %s; active up to %s", peer.Issuer.Name, peer.Issuer.Fingerprint, l.Effective)
		}
		if err := addEvent(ctx, tx, l.ID, now, kind, msg); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "federation.link." + kind, ObjectType: "federation_link", ObjectID: l.ID,
			OrgID: org.ID, Summary: msg, After: l})
	})
	if db.IsUniqueViolation(err) {
		return Link{}, errs.Conflict("this document was imported already (a replay): each offer is answered once")
	}
	if err != nil {
		return Link{}, err
	}
	if l.Status == Active {
		s.connect(ctx, &l)
	}
	return l, nil
}

// Accept takes the peer's answer to our offer: the link becomes active.
func (s *Service) Accept(ctx context.Context, id *auth.Identity, linkID string, e Envelope, fingerprint string) (Link, error) {
	if err := mayManage(id); err != nil {
		return Link{}, err
	}
	now := s.now().UTC()
	d, err := linkdoc.Open(e, s.BaseURL(), fingerprint, now)
	if err != nil {
		s.refused(ctx, linkID, "a document was refused: "+err.Error())
		return Link{}, err
	}
	var l Link
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		if l, err = getLink(ctx, tx, linkID); err != nil {
			return err
		}
		switch {
		case l.Status == Revoked:
			return errs.Conflict("the link was revoked: offer a new one")
		case l.Status == Active:
			return errs.Conflict("the link is active already: a second answer is a replay")
		case d.Answers != l.ID:
			return errs.InvalidField("document", "answers the link %q, not this one (%s)", d.Answers, l.ID)
		case !linkdoc.SameURL(d.Issuer.URL, l.PeerURL):
			return errs.InvalidField("document", "comes from %s; this link was offered to %s", d.Issuer.URL, l.PeerURL)
		}
		l.takePeer(d, s.accounts.SealSecret(d.Token))
		l.Status, l.ActivatedAt, l.UpdatedAt = Active, &now, now
		if _, err := tx.Exec(ctx, `UPDATE federation_links SET status = $2, peer_document = $3, peer_link_id = $4, peer_fingerprint = $5,
			peer_token_sealed = $6, peer_shares = $7, peer_ceiling = $8, peer_collection = $9, peer_csaf = $10, activated_at = $11,
			updated_at = $11, peer_push = $12 WHERE id = $1`, l.ID, l.Status, e.Document+"\x00"+e.Signature, l.PeerLinkID, l.PeerKey,
			l.peerToken, strings.Join(l.PeerShares, " "), string(l.PeerCeiling), l.PeerCollection, l.PeerCSAF, now, l.PeerPush); err != nil {
			return fmt.Errorf("federation: accept: %w", err)
		}
		msg := fmt.Sprintf("the answer of %s, signed by %s, accepted; active up to %s", d.Issuer.Name, d.Issuer.Fingerprint, l.Effective)
		if err := addEvent(ctx, tx, l.ID, now, "accepted", msg); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "federation.link.accepted", ObjectType: "federation_link", ObjectID: l.ID,
			OrgID: l.PeerOrgID, Summary: msg, After: l})
	})
	if db.IsUniqueViolation(err) {
		return Link{}, errs.Conflict("this document was imported already (a replay)")
	}
	if err != nil {
		return Link{}, err
	}
	s.connect(ctx, &l)
	return l, nil
}

// takePeer records what the peer's document says.
func (l *Link) takePeer(d linkdoc.Document, sealedToken string) {
	l.PeerLinkID, l.PeerKey, l.PeerShares, l.PeerCeiling = d.LinkID, d.Issuer.Fingerprint, d.Shares, d.Ceiling
	l.PeerCollection, l.PeerCSAF, l.peerToken, l.PeerPush = d.TAXIICollection, d.CSAF, sealedToken, d.Push
	l.Effective = lower(l.Ceiling, l.PeerCeiling)
}

// lower is the more permissive of two ceilings: the one both agree on.
func lower(a, b tlp.Label) tlp.Label {
	if a.MoreRestrictive(b) {
		return b
	}
	return a
}

// connect sets up the exchanges of an active link; what fails is on the
// link and tried again by the check job.
func (s *Service) connect(ctx context.Context, l *Link) {
	err := s.reconcile(ctx, *l)
	if err != nil {
		s.log.Warn("federation: link not set up", "link", l.ID, "err", err)
		s.recordFailure(ctx, l.ID, "setting up the exchange: "+err.Error())
	}
}

// reconcile makes what an active link needs exist: the source of the
// peer's intelligence (pulled, or pushed to us) and the cap on the peer's
// account.
func (s *Service) reconcile(ctx context.Context, l Link) error {
	token, err := s.peerCredential(l)
	if err != nil {
		return err
	}
	if _, err := s.intel.Link(ctx, IntelLink{Key: l.ID, Name: l.PeerName, OrgID: l.PeerOrgID, UserID: l.userID,
		URL: l.PeerCollection, Token: token, Ceiling: l.Effective, Pull: l.pulls(), Pushes: l.inbound() && l.PeerPush}); err != nil {
		return err
	}
	if slices.Contains(l.PeerShares, ShareCSAF) && l.PeerCSAF != "" {
		return s.linkProvider(ctx, l)
	}
	return nil
}

// peerCredential is the token the peer issued for our account there.
func (s *Service) peerCredential(l Link) (string, error) {
	if l.peerToken == "" {
		return "", nil
	}
	t, err := s.accounts.OpenSecret(l.peerToken)
	if err != nil {
		return "", fmt.Errorf("the peer's credential: %w", err)
	}
	return t, nil
}

// inbound: the peer shares its intelligence with us; pulls: and we fetch
// it (it does not push it); pushes: we send the peer ours.
func (l Link) inbound() bool {
	return slices.Contains(l.PeerShares, ShareIntel) && l.PeerCollection != ""
}
func (l Link) pulls() bool { return l.inbound() && !l.PeerPush }
func (l Link) pushes() bool {
	return l.Push && slices.Contains(l.Shares, ShareIntel) && l.PeerCollection != ""
}

// linkProvider lists (and mirrors) the CSAF provider of a linked peer.
func (s *Service) linkProvider(ctx context.Context, l Link) error {
	ps, err := s.providers(ctx, `url = $1`, l.PeerCSAF)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		_, err := s.addProvider(ctx, "the link with "+l.PeerName, NewProvider{URL: l.PeerCSAF}, &l.ID)
		if errs.KindOf(err) == errs.KindConflict {
			return nil // added meanwhile
		}
		return err
	}
	if ps[0].LinkID != nil && *ps[0].LinkID == l.ID && ps[0].Enabled {
		return nil
	}
	_, err = s.db.Exec(ctx, `UPDATE federation_csaf_providers SET link_id = $2, enabled = TRUE, next_sync_at = $3, updated_at = $3 WHERE id = $1`,
		ps[0].ID, l.ID, s.now().UTC())
	return err
}

// Revoke ends a link here: the peer's credential stops working, nothing is
// pulled from it, what it sent stays, attributed to it.
func (s *Service) Revoke(ctx context.Context, id *auth.Identity, linkID, reason string) (Link, error) {
	if err := mayManage(id); err != nil {
		return Link{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Link{}, errs.InvalidField("reason", "say why the link ends (the peer's administrators will ask)")
	}
	if len(reason) > 2000 {
		return Link{}, errs.InvalidField("reason", "at most 2,000 characters")
	}
	now := s.now().UTC()
	var l Link
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		if l, err = getLink(ctx, tx, linkID); err != nil {
			return err
		}
		if l.Status == Revoked {
			return errs.Conflict("the link was revoked already")
		}
		if l.userID != "" && l.tokenID != "" {
			if _, err := s.accounts.RevokeTokenTx(ctx, tx, l.userID, l.tokenID); err != nil && errs.KindOf(err) != errs.KindNotFound {
				return err
			}
		}
		before := l
		l.Status, l.RevokedAt, l.Reason, l.UpdatedAt = Revoked, &now, reason, now
		if _, err := tx.Exec(ctx, `UPDATE federation_links SET status = $2, revoked_at = $3, revoked_reason = $4, updated_at = $3,
			document_sealed = '' WHERE id = $1`, l.ID, l.Status, now, reason); err != nil {
			return fmt.Errorf("federation: revoke: %w", err)
		}
		// Its CSAF provider is read no more; what was mirrored stays.
		if _, err := tx.Exec(ctx, `UPDATE federation_csaf_providers SET enabled = FALSE, next_sync_at = NULL, updated_at = $2 WHERE link_id = $1`,
			l.ID, now); err != nil {
			return fmt.Errorf("federation: revoke: %w", err)
		}
		msg := "revoked: " + reason
		if err := addEvent(ctx, tx, l.ID, now, "revoked", msg); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "federation.link.revoked", ObjectType: "federation_link", ObjectID: l.ID,
			OrgID: l.PeerOrgID, Summary: fmt.Sprintf("revoked the link with %s: %s", l.PeerName, reason), Before: before, After: l})
	})
	if err != nil {
		return Link{}, err
	}
	if err := s.intel.Unlink(ctx, l.ID); err != nil {
		// The token is revoked and the link says so; the check job stops
		// the pulls when this did not.
		s.log.Warn("federation: intelligence not unlinked", "link", l.ID, "err", err)
		s.recordFailure(ctx, l.ID, "stopping the pulls: "+err.Error())
	}
	return l, nil
}

// Links lists the links, newest first.
func (s *Service) Links(ctx context.Context, id *auth.Identity) ([]Link, error) {
	if err := mayRead(id); err != nil {
		return nil, err
	}
	var out []Link
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		out, err = db.QueryAll(ctx, q, scanLink, `SELECT `+linkColumns+` FROM federation_links ORDER BY created_at DESC, id DESC LIMIT 500`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("federation: links: %w", err)
	}
	for i := range out {
		s.present(ctx, id, &out[i], false)
	}
	return out, nil
}

// Get answers one link with its history.
func (s *Service) Get(ctx context.Context, id *auth.Identity, linkID string) (LinkView, error) {
	if err := mayRead(id); err != nil {
		return LinkView{}, err
	}
	var v LinkView
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		if v.Link, err = getLink(ctx, q, linkID); err != nil {
			return err
		}
		v.Events, err = db.QueryAll(ctx, q, func(r db.Row) (Event, error) {
			var e Event
			return e, r.Scan(&e.At, &e.Kind, &e.Message)
		}, `SELECT at, kind, message FROM federation_events WHERE link_id = $1 ORDER BY at DESC, id DESC LIMIT 200`, linkID)
		return err
	})
	if err != nil {
		return LinkView{}, err
	}
	if v.Transfers, err = s.Transfers(ctx, id, linkID); err != nil {
		return LinkView{}, err
	}
	if v.Directory, err = s.Mirror(ctx, id, linkID); err != nil {
		return LinkView{}, err
	}
	if v.Events == nil {
		v.Events = []Event{}
	}
	s.present(ctx, id, &v.Link, true)
	return v, nil
}

// present adds what a reader sees beyond the row: the intelligence pulls'
// state and, for administrators, our document.
func (s *Service) present(ctx context.Context, id *auth.Identity, l *Link, one bool) {
	if one && l.Status != Revoked {
		if st, ok, err := s.intel.State(ctx, l.ID); err == nil && ok {
			l.Intel = &st
		}
	}
	// Shown to administrators until the link is revoked: the peer may
	// need it again.
	if l.Status != Revoked && l.sealed != "" && mayManage(id) == nil && one {
		if b, err := s.accounts.OpenSecret(l.sealed); err == nil {
			doc, sig, _ := strings.Cut(b, "\x00")
			l.Document = &Envelope{Document: doc, Signature: sig}
		}
	}
}
