// Package linkdoc reads and writes federation link documents: what one
// certhub instance tells another, signed with its center's OpenPGP key,
// to set up a link (see package federation).
package linkdoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// What a link may share, each way.
const (
	ShareIntel     = "intel"     // threat intelligence, over TAXII 2.1
	ShareCSAF      = "csaf"      // the CSAF provider, for the other's aggregator
	ShareDirectory = "directory" // directory records each side masters
	ShareTransfers = "transfers" // incidents and reports handed over
)

// Shares lists what a link may share, in order.
var Shares = []string{ShareIntel, ShareCSAF, ShareDirectory, ShareTransfers}

// DocumentType names a link document.
const DocumentType = "certhub-federation-link"

// Document is what one side of a link tells the other, signed with its
// center's OpenPGP key. Administrators pass it to each other by a channel
// they trust (it holds a credential) and compare the key's fingerprint by
// another.
type Document struct {
	Type    string `json:"type"`
	Version int    `json:"version"`
	// LinkID is the issuer's id for the link; Answers, in an answer, the
	// id of the offer it answers.
	LinkID  string `json:"link_id"`
	Answers string `json:"answers,omitempty"`
	Issuer  Party  `json:"issuer"`
	// PeerURL is the instance the document is for.
	PeerURL string    `json:"peer_url"`
	Shares  []string  `json:"shares"`
	Ceiling tlp.Label `json:"tlp_ceiling"`
	// TAXIICollection is the collection the peer reads (when intel is
	// shared) or pushes to; CSAF the issuer's provider-metadata.json (when
	// csaf is).
	TAXIICollection string `json:"taxii_collection,omitempty"`
	CSAF            string `json:"csaf_provider_metadata,omitempty"`
	// Push says the issuer sends the intelligence it shares to the peer's
	// collection (a TAXII POST with the peer's token) rather than being
	// pulled: for an issuer the peer cannot reach. TAXIICollection is then
	// still the collection the peer reads, or pushes to when it pushes.
	Push bool `json:"intel_push,omitempty"`
	// Token is the bearer token the issuer made for the peer's account.
	Token     string    `json:"token"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Party is the issuer of a document.
type Party struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	Fingerprint string `json:"key_fingerprint"`
	Key         string `json:"key"` // its armoured OpenPGP public key
}

// Envelope carries a document as signed: its JSON text and a detached,
// armoured signature of exactly that text.
type Envelope struct {
	Document  string `json:"document"`
	Signature string `json:"signature"`
}

// Limits of what a peer may send.
const (
	MaxDocument  = 96 << 10
	MaxSignature = 16 << 10
	// OfferValid is how long an offer may wait for its answer.
	OfferValid = 14 * 24 * time.Hour
	// skew is how far ahead of our clock a document may say it was issued.
	skew = 5 * time.Minute
)

// Signer signs with the center's key.
type Signer interface {
	SignDetached(data []byte) (string, error)
}

// Seal signs d and wraps it.
func Seal(d Document, s Signer) (Envelope, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return Envelope{}, err
	}
	sig, err := s.SignDetached(b)
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{Document: string(b), Signature: sig}, nil
}

// Open checks an envelope a peer sent and answers its document: the
// document well formed, for us (ours is our base URL), not expired, signed
// by the key it carries, whose fingerprint it states (and, when
// fingerprint is not empty, is that one). Every refusal says why.
func Open(e Envelope, ours, fingerprint string, now time.Time) (Document, error) {
	var d Document
	bad := func(format string, a ...any) (Document, error) {
		return Document{}, errs.InvalidField("document", "%s", fmt.Sprintf(format, a...))
	}
	switch {
	case strings.TrimSpace(e.Document) == "":
		return bad("is empty: paste the peer's link document")
	case len(e.Document) > MaxDocument:
		return bad("is larger than %d KiB", MaxDocument>>10)
	case strings.TrimSpace(e.Signature) == "":
		return bad("carries no signature")
	case len(e.Signature) > MaxSignature:
		return bad("has a signature larger than %d KiB", MaxSignature>>10)
	}
	dec := json.NewDecoder(strings.NewReader(e.Document))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return bad("is not a link document: %v", err)
	}
	if dec.More() {
		return bad("has more after the document")
	}
	if d.Type != DocumentType || d.Version != 1 {
		return bad("is not a certhub link document of version 1 (type %q, version %d)", d.Type, d.Version)
	}
	if d.LinkID == "" || len(d.LinkID) > 64 {
		return bad("names no link")
	}
	if err := CheckURL(d.Issuer.URL); err != nil {
		return bad("issuer.url %v", err)
	}
	if err := CheckURL(d.PeerURL); err != nil {
		return bad("peer_url %v", err)
	}
	if ours != "" && !SameURL(d.PeerURL, ours) {
		return bad("is for %s, not this instance (%s)", d.PeerURL, ours)
	}
	if SameURL(d.Issuer.URL, ours) {
		return bad("was issued by this instance: send it to the peer, and paste the peer's here")
	}
	if strings.TrimSpace(d.Issuer.Name) == "" || len(d.Issuer.Name) > 200 {
		return bad("names no issuer")
	}
	if !d.Ceiling.Valid() {
		return bad("has no valid TLP ceiling")
	}
	for _, s := range d.Shares {
		if !slices.Contains(Shares, s) {
			return bad("shares %q, which is not one of %s", s, strings.Join(Shares, ", "))
		}
	}
	if slices.Contains(d.Shares, ShareIntel) || d.TAXIICollection != "" {
		if err := CheckURL(d.TAXIICollection); err != nil || !strings.HasSuffix(d.TAXIICollection, "/") {
			return bad("shares intelligence without a TAXII collection URL ending in /")
		}
	}
	if d.Push && !slices.Contains(d.Shares, ShareIntel) {
		return bad("pushes intelligence it does not share")
	}
	if d.CSAF != "" {
		if err := CheckURL(d.CSAF); err != nil {
			return bad("csaf_provider_metadata %v", err)
		}
	}
	if d.Token == "" || len(d.Token) > 200 {
		return bad("carries no credential")
	}
	switch {
	case d.IssuedAt.IsZero() || d.IssuedAt.After(now.Add(skew)):
		return bad("is dated %s, ahead of this instance's clock", d.IssuedAt.UTC().Format(time.RFC3339))
	case !d.ExpiresAt.After(now):
		return bad("expired at %s: ask the peer for a new one", d.ExpiresAt.UTC().Format(time.RFC3339))
	}
	key, err := pgp.ParsePublicKey(d.Issuer.Key, now)
	if err != nil {
		return bad("carries no usable OpenPGP key: %v", err)
	}
	if !strings.EqualFold(key.Fingerprint, d.Issuer.Fingerprint) {
		return bad("names the key %s but carries %s", d.Issuer.Fingerprint, key.Fingerprint)
	}
	if fp := normFingerprint(fingerprint); fp != "" && fp != key.Fingerprint {
		return bad("is signed by the key %s, not %s as expected: do not accept it before asking the peer", key.Fingerprint, fp)
	}
	if err := pgp.VerifyDetached([]byte(e.Document), e.Signature, d.Issuer.Key); err != nil {
		return bad("has a signature that does not verify: %v", err)
	}
	d.Issuer.Fingerprint = key.Fingerprint
	d.Issuer.URL, d.PeerURL = strings.TrimRight(d.Issuer.URL, "/"), strings.TrimRight(d.PeerURL, "/")
	return d, nil
}

// CheckURL accepts an absolute http(s) URL without credentials.
func CheckURL(s string) error {
	if s == "" || len(s) > 2000 {
		return fmt.Errorf("is missing")
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("is not a URL")
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		return fmt.Errorf("must be an http(s) address")
	case u.User != nil:
		return fmt.Errorf("must not carry credentials")
	}
	return nil
}

// SameURL compares base URLs as people write them.
func SameURL(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

// normFingerprint is a fingerprint as the key parser writes it: upper-case
// hex without spaces.
func normFingerprint(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(strings.ReplaceAll(s, ":", " ")), ""))
}

// Decode reads an envelope pasted as JSON.
func Decode(text string) (Envelope, error) {
	var e Envelope
	dec := json.NewDecoder(bytes.NewReader([]byte(strings.TrimSpace(text))))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return e, errs.InvalidField("document", "is not a link document as certhub gives it ({\"document\": …, \"signature\": …})")
	}
	return e, nil
}

// EnvelopeText is an envelope as administrators pass it on: JSON.
func EnvelopeText(e Envelope) string {
	b, _ := json.MarshalIndent(e, "", "  ")
	return string(b)
}
