package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// A record can be handed over to a linked instance — an incident with its
// notes and files — when both sides share transfers. The sender packs it
// (a parcel) and posts it to the peer with the credential the peer issued;
// the peer records it as a new incident reported by the sender's
// organisation, and both sides keep the transfer: who, when, why, and
// each side's number for it. Nothing above the link's TLP ceiling goes.

// Incidents is what federation needs of incident reports.
type Incidents interface {
	// Export packs an incident the caller handles.
	Export(ctx context.Context, id *auth.Identity, ref string) (Parcel, error)
	// Import records a parcel as an incident reported by org here.
	Import(ctx context.Context, org, from string, p Parcel) (ref, number string, err error)
	// Note adds, as the system, a note for the CERTs on an incident.
	Note(ctx context.Context, ref, body string) error
}

// Reports is what federation needs of vulnerability reports.
type Reports interface {
	// Export packs a report the caller triages.
	Export(ctx context.Context, id *auth.Identity, ref string) (Parcel, error)
	// Import records a parcel as a report submitted for org here.
	Import(ctx context.Context, org, from string, p Parcel) (ref, number string, err error)
}

// Kinds of record that are handed over.
const (
	KindIncident = "incident"
	KindReport   = "report" // a vulnerability report
)

// Parcel is a record as it travels between instances.
type Parcel struct {
	Kind        string       `json:"kind"` // incident, report
	Ref         string       `json:"ref"`
	Number      string       `json:"number"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Class       string       `json:"rsit_class"`
	Type        string       `json:"rsit_type"`
	Severity    string       `json:"severity"`
	TLP         string       `json:"tlp"`
	Indicators  []string     `json:"indicators"`
	DetectedAt  *time.Time   `json:"detected_at,omitempty"`
	AwareAt     *time.Time   `json:"aware_at,omitempty"`
	ReportedAt  time.Time    `json:"reported_at"`
	Notes       []ParcelNote `json:"notes"`
	Files       []ParcelFile `json:"files"`
	// Report holds what only a vulnerability report has.
	Report *ParcelReport `json:"report,omitempty"`
}

// ParcelReport is what a vulnerability report says beyond a title and a
// description. The reporter's address stays with the sender.
type ParcelReport struct {
	Vendor          string   `json:"vendor"`
	Product         string   `json:"product"`
	Versions        string   `json:"versions"`
	CWE             string   `json:"cwe"`
	Impact          string   `json:"impact"`
	Reproduction    string   `json:"reproduction"`
	Public          bool     `json:"public"`
	Exploited       bool     `json:"exploited"`
	References      []string `json:"references"`
	VendorContacted bool     `json:"vendor_contacted"`
	DisclosurePlans string   `json:"disclosure_plans"`
	Reporter        string   `json:"reporter"`
	Credit          string   `json:"credit"`
}

// ParcelNote is a note of the record's thread.
type ParcelNote struct {
	At           time.Time `json:"at"`
	Author       string    `json:"author"`
	Body         string    `json:"body"`
	FromReporter bool      `json:"from_reporter,omitempty"`
}

// ParcelFile is a file attached to the record (its content base64 in JSON).
type ParcelFile struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	SHA256      string `json:"sha256"`
	Content     []byte `json:"content"`
}

// MaxParcel bounds a parcel, files included (as JSON: base64).
const MaxParcel = 48 << 20

// Transfer is a record handed over, seen from this side.
type Transfer struct {
	ID          string    `json:"id"`
	LinkID      string    `json:"link_id"`
	Direction   string    `json:"direction"` // out, in
	Kind        string    `json:"kind"`
	OurRef      string    `json:"our_ref"`
	OurNumber   string    `json:"our_number"`
	TheirRef    string    `json:"their_ref"`
	TheirNumber string    `json:"their_number"`
	TheirURL    string    `json:"their_url,omitempty"`
	Title       string    `json:"title"`
	Reason      string    `json:"reason"`
	Files       int       `json:"files"`
	Notes       int       `json:"notes"`
	Actor       string    `json:"actor"`
	CreatedAt   time.Time `json:"created_at"`
	// Incomplete is what of the thread or files the receiving side could
	// not record, and why ("" when all of it was).
	Incomplete string `json:"incomplete,omitempty"`
}

// TransferInput hands a record over.
type TransferInput struct {
	Kind   string `json:"kind"` // incident (the default) or report
	Ref    string `json:"ref"`  // its id, number or tracking ID here
	Reason string `json:"reason"`
}

// Incoming is what a peer posts.
type Incoming struct {
	LinkID string `json:"link_id"` // our link's id, as the peer knows it
	Reason string `json:"reason"`
	Parcel Parcel `json:"parcel"`
}

// Received is the answer to a peer's post.
type Received struct {
	Ref    string `json:"ref"`
	Number string `json:"number"`
	URL    string `json:"url"`
	// Incomplete, when set, says what of the record's thread or files
	// was not recorded with it, and why: the record exists (a retry would
	// be a replay); what is missing goes by other means.
	Incomplete string `json:"incomplete,omitempty"`
}

// Send hands a record over to the link's peer.
func (s *Service) Send(ctx context.Context, id *auth.Identity, linkID string, in TransferInput) (Transfer, error) {
	if id == nil {
		return Transfer{}, errs.Unauthenticated("sign in to hand records over")
	}
	var f errs.Fields
	if in.Kind == "" {
		in.Kind = KindIncident
	}
	if in.Kind != KindIncident && in.Kind != KindReport {
		f.Add("kind", "incident or report")
	}
	f.Text("reason", in.Reason, true, 2000)
	if strings.TrimSpace(in.Ref) == "" {
		f.Add("ref", "name the %s", in.Kind)
	}
	if err := f.Err(); err != nil {
		return Transfer{}, err
	}
	l, err := s.link(ctx, linkID)
	if err != nil {
		return Transfer{}, err
	}
	switch {
	case l.Status != Active:
		return Transfer{}, errs.Conflict("the link is %s: nothing is handed over", l.Status)
	case !slices.Contains(l.PeerShares, ShareTransfers) || !slices.Contains(l.Shares, ShareTransfers):
		return Transfer{}, errs.Conflict("the link does not carry transfers (both sides must share them)")
	}
	var p Parcel
	if in.Kind == KindReport {
		p, err = s.reports.Export(ctx, id, in.Ref)
	} else {
		p, err = s.incidents.Export(ctx, id, in.Ref)
	}
	if err != nil {
		return Transfer{}, err
	}
	if !tlp.Within(tlp.Label(p.TLP), l.Effective) {
		return Transfer{}, errs.Conflict("the %s is marked TLP:%s, above the link's ceiling %s", p.Kind, p.TLP, l.Effective)
	}
	token, err := s.peerCredential(l)
	if err != nil {
		return Transfer{}, fmt.Errorf("federation: %w", err)
	}
	body, err := json.Marshal(Incoming{LinkID: l.PeerLinkID, Reason: in.Reason, Parcel: p})
	if err != nil {
		return Transfer{}, err
	}
	if len(body) > MaxParcel {
		return Transfer{}, errs.Conflict("the %s with its files is larger than %d MiB: too large to hand over", p.Kind, MaxParcel>>20)
	}
	rec, err := s.post(ctx, l.PeerURL+"/api/v1/federation/transfers", token, body)
	if err != nil {
		s.recordFailure(ctx, l.ID, "handing over "+p.Number+": "+err.Error())
		return Transfer{}, errs.Conflict("the peer did not take the %s: %v", p.Kind, err)
	}
	now := s.now().UTC()
	t := Transfer{ID: db.NewID(), LinkID: l.ID, Direction: "out", Kind: p.Kind, OurRef: p.Ref, OurNumber: p.Number, TheirRef: rec.Ref,
		TheirNumber: rec.Number, TheirURL: rec.URL, Title: p.Title, Reason: strings.TrimSpace(in.Reason), Files: len(p.Files),
		Notes: len(p.Notes), Actor: id.Label(), CreatedAt: now, Incomplete: rec.Incomplete}
	if err := s.recordTransfer(ctx, l, t, fmt.Sprintf("handed %s over to %s as %s: %s%s", p.Number, l.PeerName, rec.Number, t.Reason, t.note())); err != nil {
		return Transfer{}, err
	}
	if p.Kind != KindIncident {
		return t, nil
	}
	if err := s.incidents.Note(ctx, p.Ref, fmt.Sprintf("Handed over to %s (a linked certhub instance) as %s by %s: %s\n%s",
		l.PeerName, rec.Number, id.DisplayName(), t.Reason, rec.URL)); err != nil {
		s.log.Warn("federation: the transfer is not noted on the incident", "incident", p.Ref, "err", err)
	}
	return t, nil
}

// post sends a parcel to the peer and reads its answer.
func (s *Service) post(ctx context.Context, u, token string, body []byte) (Received, error) {
	var rec Received
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return rec, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "certhub federation")
	resp, err := (&http.Client{Transport: s.egress, Timeout: 5 * time.Minute}).Do(req)
	if err != nil {
		return rec, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusCreated {
		var p struct {
			Detail string `json:"detail"`
			Errors []struct {
				Field, Message string
			} `json:"errors"`
		}
		_ = json.Unmarshal(b, &p)
		msg := p.Detail
		for _, e := range p.Errors {
			msg += "; " + e.Field + ": " + e.Message
		}
		return rec, fmt.Errorf("%s: %s", resp.Status, msg)
	}
	if err := json.Unmarshal(b, &rec); err != nil || rec.Ref == "" || rec.Number == "" {
		return rec, fmt.Errorf("the peer's answer is not a receipt: %.200s", b)
	}
	return rec, nil
}

// Receive records a record a peer hands over: the caller must be the
// account of a link that is active and carries transfers.
func (s *Service) Receive(ctx context.Context, id *auth.Identity, in Incoming) (Received, error) {
	if id == nil || id.User.ID == "" {
		return Received{}, errs.Unauthenticated("only a linked instance hands records over")
	}
	var l Link
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		l, err = scanLink(q.QueryRow(ctx, `SELECT `+linkColumns+` FROM federation_links WHERE user_id = $1 AND id = $2`, id.User.ID, in.LinkID))
		return err
	})
	if err != nil {
		return Received{}, errs.Forbidden("only a linked instance hands records over, on its own link")
	}
	switch {
	case l.Status != Active:
		return Received{}, errs.Forbidden("the link is %s", l.Status)
	case !slices.Contains(l.Shares, ShareTransfers):
		return Received{}, errs.Forbidden("this instance takes no transfers on this link")
	}
	p := in.Parcel
	var f errs.Fields
	if p.Kind != KindIncident && p.Kind != KindReport || p.Kind == KindReport && p.Report == nil {
		f.Add("parcel.kind", "an incident or a report")
	}
	f.Text("parcel.title", p.Title, true, 500)
	f.Text("reason", in.Reason, true, 2000)
	if p.Ref == "" || len(p.Ref) > 100 || p.Number == "" || len(p.Number) > 100 {
		f.Add("parcel.ref", "name the record on the sender's side")
	}
	if !tlp.Within(tlp.Label(p.TLP), l.Effective) {
		f.Add("parcel.tlp", "marked %q, above the link's ceiling %s", p.TLP, l.Effective)
	}
	if len(p.Notes) > 1000 || len(p.Files) > 100 {
		f.Add("parcel", "at most 1,000 notes and 100 files")
	}
	if err := f.Err(); err != nil {
		s.log.Warn("federation: a peer's transfer refused", "link", l.ID, "err", err)
		s.refused(ctx, l.ID, "a transfer was refused: "+err.Error())
		return Received{}, err
	}
	// A replay is refused before anything is made.
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM federation_transfers WHERE link_id = $1 AND direction = 'in' AND kind = $2 AND their_ref = $3`,
		l.ID, p.Kind, p.Ref).Scan(&n); err != nil {
		return Received{}, err
	}
	if n > 0 {
		return Received{}, errs.Conflict("%s was handed over already", p.Number)
	}
	var ref, number, page string
	if p.Kind == KindReport {
		ref, number, err = s.reports.Import(ctx, l.PeerOrgID, l.PeerName, p)
		page = "/console/reports/"
	} else {
		ref, number, err = s.incidents.Import(ctx, l.PeerOrgID, l.PeerName, p)
		page = "/console/incidents/"
	}
	incomplete := ""
	switch {
	case err != nil && ref == "":
		return Received{}, err // nothing was made
	case err != nil:
		// The record was made, part of its thread not: the transfer is
		// recorded all the same, so that a retry is a replay rather than a
		// second record, and both sides say what is missing.
		s.log.Warn("federation: a record handed over is incomplete", "link", l.ID, "ref", ref, "err", err)
		incomplete = err.Error()
	}
	rec := Received{Ref: ref, Number: number, URL: s.BaseURL() + page + ref, Incomplete: incomplete}
	t := Transfer{ID: db.NewID(), LinkID: l.ID, Direction: "in", Kind: p.Kind, OurRef: ref, OurNumber: number, TheirRef: p.Ref,
		TheirNumber: p.Number, Title: p.Title, Reason: strings.TrimSpace(in.Reason), Files: len(p.Files), Notes: len(p.Notes),
		Actor: l.PeerName, CreatedAt: s.now().UTC(), Incomplete: incomplete}
	if err := s.recordTransfer(ctx, l, t, fmt.Sprintf("%s handed %s over, received as %s: %s%s", l.PeerName, p.Number, number, t.Reason, t.note())); err != nil {
		if db.IsUniqueViolation(err) {
			return Received{}, errs.Conflict("%s was handed over already", p.Number)
		}
		return Received{}, err
	}
	return rec, nil
}

// note is what an event says of an incomplete transfer.
func (t Transfer) note() string {
	if t.Incomplete == "" {
		return ""
	}
	return " (incomplete: " + t.Incomplete + ")"
}

func (s *Service) recordTransfer(ctx context.Context, l Link, t Transfer, msg string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO federation_transfers (id, link_id, direction, kind, our_ref, our_number, their_ref, their_number,
			their_url, title, reason, files, notes, actor, created_at, incomplete)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			t.ID, t.LinkID, t.Direction, t.Kind, t.OurRef, t.OurNumber, t.TheirRef, t.TheirNumber, t.TheirURL, t.Title, t.Reason, t.Files,
			t.Notes, t.Actor, t.CreatedAt, t.Incomplete); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, l.ID, t.CreatedAt, "transfer", msg); err != nil {
			return err
		}
		return audit.Record(ctx, tx, t.CreatedAt, audit.Event{Action: "federation.transfer." + t.Direction, ObjectType: "federation_transfer",
			ObjectID: t.ID, OrgID: l.PeerOrgID, Summary: msg, After: t})
	})
}

// Transfers lists a link's transfers, newest first.
func (s *Service) Transfers(ctx context.Context, id *auth.Identity, linkID string) ([]Transfer, error) {
	if err := mayRead(id); err != nil {
		return nil, err
	}
	var out []Transfer
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		out, err = db.QueryAll(ctx, q, func(r db.Row) (Transfer, error) {
			var t Transfer
			return t, r.Scan(&t.ID, &t.LinkID, &t.Direction, &t.Kind, &t.OurRef, &t.OurNumber, &t.TheirRef, &t.TheirNumber, &t.TheirURL,
				&t.Title, &t.Reason, &t.Files, &t.Notes, &t.Actor, &t.CreatedAt, &t.Incomplete)
		}, `SELECT id, link_id, direction, kind, our_ref, our_number, their_ref, their_number, their_url, title, reason, files, notes, actor,
			created_at, incomplete FROM federation_transfers WHERE link_id = $1 ORDER BY created_at DESC, id LIMIT 500`, linkID)
		return err
	})
	if out == nil {
		out = []Transfer{}
	}
	return out, err
}
