package federation

import (
	"time"

	"github.com/certhub/certhub/internal/federation/linkdoc"

	"github.com/certhub/certhub/internal/platform/tlp"
)

// Link statuses.
const (
	Offered = "offered" // our document is issued; the peer's is awaited
	Active  = "active"  // each side holds the other's document
	Revoked = "revoked" // ended here: nothing flows, what came stays attributed
)

// What a link may share, each way (linkdoc's names).
const (
	ShareIntel     = linkdoc.ShareIntel
	ShareCSAF      = linkdoc.ShareCSAF
	ShareDirectory = linkdoc.ShareDirectory
	ShareTransfers = linkdoc.ShareTransfers
)

// Shares lists what a link may share, in order.
var Shares = linkdoc.Shares

// Envelope is a signed link document as it travels.
type Envelope = linkdoc.Envelope

// Link is this instance's side of a link with another certhub instance.
type Link struct {
	ID         string    `json:"id"`
	PeerOrgID  string    `json:"peer_org_id"` // the peer in the directory
	PeerName   string    `json:"peer_name"`
	PeerURL    string    `json:"peer_url"`
	Status     string    `json:"status"`
	Shares     []string  `json:"shares"`      // what we share with the peer
	Ceiling    tlp.Label `json:"tlp_ceiling"` // ours
	Collection string    `json:"collection"`  // our collection the peer reads
	// Push: we send the peer our intelligence (TAXII POSTs to its
	// collection) rather than being pulled; PeerPush: the peer sends us its.
	Push     bool `json:"intel_push"`
	PeerPush bool `json:"peer_intel_push"`
	// Of the peer's document, once received.
	PeerLinkID     string    `json:"peer_link_id,omitempty"`
	PeerKey        string    `json:"peer_fingerprint,omitempty"`
	PeerShares     []string  `json:"peer_shares"`
	PeerCeiling    tlp.Label `json:"peer_tlp_ceiling,omitempty"`
	PeerCollection string    `json:"peer_collection,omitempty"`
	PeerCSAF       string    `json:"peer_csaf,omitempty"`
	// Effective is the lower of both ceilings: nothing above it crosses.
	Effective   tlp.Label  `json:"effective_tlp_ceiling,omitempty"`
	LastOKAt    *time.Time `json:"last_ok_at,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	Failures    int        `json:"failures"`
	CreatedBy   string     `json:"created_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	ActivatedAt *time.Time `json:"activated_at,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	Reason      string     `json:"revoked_reason,omitempty"`
	UpdatedAt   time.Time  `json:"updated_at"`
	// Document is our signed document, shown to administrators while the
	// link waits for the peer's (it holds the peer's credential).
	Document *Envelope `json:"document,omitempty"`
	// Intel is how the pulls of the peer's intelligence go.
	Intel *IntelState `json:"intel,omitempty"`

	// HomeOrgID is our own organisation: it and those under it are the
	// directory records we master and share.
	HomeOrgID string `json:"home_org_id,omitempty"`

	userID, tokenID, sealed, peerToken string
	homeOrgID                          string
	lastPull, directoryAt, pushNext    *time.Time
}

// Event is one thing that happened on a link.
type Event struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Message string    `json:"message"`
}

// LinkView is a link with its history.
type LinkView struct {
	Link
	Events    []Event        `json:"events"`
	Transfers []Transfer     `json:"transfers"`
	Directory []MirrorRecord `json:"directory"` // the peer's records mirrored here
}

// NewLink is what an administrator gives to offer a link or to answer one.
type NewLink struct {
	// PeerOrgID is the organisation of the directory that is the peer.
	PeerOrgID string `json:"peer_org_id"`
	// PeerURL is the peer's base URL (an offer; an answer takes the
	// document's).
	PeerURL string `json:"peer_url"`
	// Shares is what we share; empty: intel and csaf.
	Shares []string `json:"shares"`
	// Ceiling is the most restrictive TLP we let cross; empty: AMBER.
	Ceiling string `json:"tlp_ceiling"`
	// Collection is our collection the peer reads (or pushes to); empty:
	// community.
	Collection string `json:"collection"`
	// Push sends the peer our intelligence rather than letting it pull:
	// for an instance the peer cannot reach.
	Push bool `json:"intel_push"`
	// HomeOrgID is our own organisation (required to share the
	// directory): it and those under it are the records we master.
	HomeOrgID string `json:"home_org_id"`
	// Document, when given, is the peer's signed offer this answers.
	Document *Envelope `json:"document"`
	// Fingerprint, when given, must be the fingerprint of the key that
	// signed Document (told by the peer's administrator out of band).
	Fingerprint string `json:"peer_fingerprint"`
}

// IntelState is how the pulls of a peer's intelligence go.
type IntelState struct {
	SourceID   string     `json:"source_id"`
	Enabled    bool       `json:"enabled"`
	LastRunAt  *time.Time `json:"last_run_at,omitempty"`
	LastStatus string     `json:"last_status,omitempty"`
	LastError  string     `json:"last_error,omitempty"`
	NextRunAt  *time.Time `json:"next_run_at,omitempty"`
}

// Lag is how long ago the last exchange with the peer worked (since the
// link became active when none has yet).
func (l Link) Lag(now time.Time) time.Duration {
	switch {
	case l.Status != Active:
		return 0
	case l.LastOKAt != nil:
		return now.Sub(*l.LastOKAt)
	case l.ActivatedAt != nil:
		return now.Sub(*l.ActivatedAt)
	}
	return 0
}
