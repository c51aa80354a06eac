package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/coordination/incident"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp"
	vdpmodel "github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/reports"

	"github.com/certhub/certhub/internal/federation"
	"github.com/certhub/certhub/internal/intel"
	"github.com/certhub/certhub/internal/intel/taxii"
)

// federationIntel lets a federation link pull the peer's intelligence and
// cap what the peer's account reads, through threat intelligence's peers.
type federationIntel struct {
	intel *intel.Service
	auth  *auth.Service
}

func (f federationIntel) Link(ctx context.Context, p federation.IntelLink) (federation.IntelState, error) {
	src, err := f.intel.LinkPeer(ctx, intel.Peer{Key: p.Key, Name: p.Name, OwnerOrgID: p.OrgID, UserID: p.UserID, URL: p.URL,
		Token: p.Token, Ceiling: p.Ceiling, Pull: p.Pull, Pushes: p.Pushes})
	if err != nil {
		return federation.IntelState{}, err
	}
	return intelState(src), nil
}

// Push sends what the peer's account here may read: the account's
// identity is what the push is read as.
func (f federationIntel) Push(ctx context.Context, p federation.IntelPush) (federation.IntelPushed, error) {
	id, err := f.auth.Identity(ctx, p.UserID)
	if err != nil {
		return federation.IntelPushed{}, err
	}
	res, err := f.intel.PushPeer(ctx, id, intel.PeerPush{Key: p.Key, Collection: p.Collection, URL: p.URL, Token: p.Token})
	return federation.IntelPushed{Sent: res.Sent, Refused: res.Refused, Reasons: res.Reasons}, err
}

func (f federationIntel) Defer(ctx context.Context, key string, until time.Time) error {
	return f.intel.DeferPeer(ctx, key, until)
}

func (f federationIntel) Unlink(ctx context.Context, key string) error {
	return f.intel.UnlinkPeer(ctx, key)
}

func (f federationIntel) State(ctx context.Context, key string) (federation.IntelState, bool, error) {
	src, ok, err := f.intel.PeerSource(ctx, key)
	if err != nil || !ok {
		return federation.IntelState{}, false, err
	}
	return intelState(src), true, nil
}

func (f federationIntel) CollectionURL(ctx context.Context, alias string) (string, error) {
	c, err := f.intel.Access().Collection(ctx, alias)
	if err != nil {
		return "", err
	}
	return taxii.Root + "collections/" + c.ID + "/", nil
}

func intelState(src intel.Source) federation.IntelState {
	return federation.IntelState{SourceID: src.ID, Enabled: src.Enabled, LastRunAt: src.LastRunAt, LastStatus: src.LastStatus,
		LastError: src.LastError, NextRunAt: src.NextRunAt}
}

// federationIncidents lets an incident be handed over to a linked
// instance, and one handed over be recorded here, through the incidents'
// own rules.
type federationIncidents struct{ incidents *incident.Service }

// maxParcelFile bounds one file handed over.
const maxParcelFile = 16 << 20

func (f federationIncidents) Export(ctx context.Context, id *auth.Identity, ref string) (federation.Parcel, error) {
	v, err := f.incidents.Get(ctx, id, ref)
	if err != nil {
		return federation.Parcel{}, err
	}
	if !v.Handles {
		return federation.Parcel{}, errs.Forbidden("only the CERT that handles an incident hands it over")
	}
	in := v.Incident
	p := federation.Parcel{Kind: "incident", Ref: in.ID, Number: in.Number, Title: in.Title, Description: in.Description, Class: in.Class,
		Type: in.Type, Severity: in.Severity, TLP: in.TLP, Indicators: in.Indicators, DetectedAt: in.DetectedAt, AwareAt: in.AwareAt,
		ReportedAt: in.ReportedAt, Notes: []federation.ParcelNote{}, Files: []federation.ParcelFile{}}
	for _, n := range v.Notes {
		if n.Visibility == incident.Internal {
			continue // the handling CERT's own
		}
		p.Notes = append(p.Notes, federation.ParcelNote{At: n.CreatedAt, Author: n.AuthorName, Body: n.Body})
	}
	for _, file := range v.Files {
		meta, rc, err := f.incidents.OpenFile(ctx, id, in.ID, file.ID)
		if err != nil {
			return federation.Parcel{}, err
		}
		pf, err := parcelFile(meta.Filename, meta.ContentType, meta.SHA256, rc)
		if err != nil {
			return federation.Parcel{}, err
		}
		p.Files = append(p.Files, pf)
	}
	return p, nil
}

// parcelFile reads a file to hand over (and closes it).
func parcelFile(name, contentType, sum string, rc io.ReadCloser) (federation.ParcelFile, error) {
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxParcelFile+1))
	if err != nil {
		return federation.ParcelFile{}, err
	}
	if len(b) > maxParcelFile {
		return federation.ParcelFile{}, errs.Conflict("the file %s is larger than %d MiB: too large to hand over", name, maxParcelFile>>20)
	}
	return federation.ParcelFile{Name: name, ContentType: contentType, SHA256: sum, Content: b}, nil
}

// checkParcelFile refuses a file whose content is not what its SHA-256 says.
func checkParcelFile(file federation.ParcelFile) error {
	if sum := sha256.Sum256(file.Content); file.SHA256 != "" && !strings.EqualFold(hex.EncodeToString(sum[:]), file.SHA256) {
		return errs.InvalidField("parcel.files", "%s does not match its SHA-256", file.Name)
	}
	return nil
}

func (f federationIncidents) Import(ctx context.Context, org, from string, p federation.Parcel) (string, string, error) {
	sys := auth.System("federation")
	when := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	// Everything the incident's own rules would refuse is refused before
	// anything is made: the thread goes in after the incident, outside
	// its transaction.
	for _, file := range p.Files {
		if err := checkParcelFile(file); err != nil {
			return "", "", err
		}
	}
	notes := make([]string, len(p.Notes))
	for i, n := range p.Notes {
		notes[i] = strings.TrimSpace(fmt.Sprintf("%s, %s (at %s):\n\n%s", n.Author, n.At.UTC().Format("2006-01-02 15:04 UTC"), from, n.Body))
		if utf8.RuneCountInString(notes[i]) > incident.MaxText || strings.ContainsRune(notes[i], 0) || !utf8.ValidString(notes[i]) {
			return "", "", errs.InvalidField("parcel.notes", "note %d is not text of at most %d characters (with who wrote it and when)", i+1, incident.MaxText)
		}
	}
	desc := strings.TrimSpace(p.Description)
	desc += fmt.Sprintf("\n\nHanded over by %s, where it is %s (reported %s).", from, p.Number, p.ReportedAt.UTC().Format("2006-01-02 15:04 UTC"))
	inc, err := f.incidents.Report(ctx, sys, incident.Input{Title: p.Title, Description: strings.TrimSpace(desc), Class: p.Class, Type: p.Type,
		Severity: p.Severity, TLP: p.TLP, ReporterOrgID: org, ReporterName: from, Indicators: p.Indicators,
		DetectedAt: when(p.DetectedAt), AwareAt: when(p.AwareAt)}, incident.ChannelFederation)
	if err != nil {
		return "", "", err
	}
	for _, body := range notes {
		if _, err := f.incidents.AddNote(ctx, sys, inc.ID, incident.NoteInput{Body: body, Visibility: incident.CERTs}); err != nil {
			return inc.ID, inc.Number, fmt.Errorf("the thread of %s: %w", p.Number, err)
		}
	}
	for _, file := range p.Files {
		st, err := f.incidents.Stage(ctx, file.Name, bytes.NewReader(file.Content))
		if err != nil {
			return inc.ID, inc.Number, err
		}
		if _, err := f.incidents.Attach(ctx, sys, inc.ID, st); err != nil {
			return inc.ID, inc.Number, err
		}
	}
	return inc.ID, inc.Number, nil
}

func (f federationIncidents) Note(ctx context.Context, ref, body string) error {
	_, err := f.incidents.AddNote(ctx, auth.System("federation"), ref, incident.NoteInput{Body: body, Visibility: incident.CERTs})
	return err
}

// federationReports lets a vulnerability report be handed over to a
// linked instance, and one handed over be recorded here.
type federationReports struct{ vdp *vdp.Service }

func (f federationReports) Export(ctx context.Context, id *auth.Identity, ref string) (federation.Parcel, error) {
	rs := f.vdp.Reports()
	d, err := rs.Get(ctx, id, ref)
	if err != nil {
		return federation.Parcel{}, err
	}
	if !d.CanTriage {
		return federation.Parcel{}, errs.Forbidden("only the CERT that triages a report hands it over")
	}
	r := d.Report
	desc := r.Description
	if d.Decrypted != "" {
		desc += "\n\nDetails (sent encrypted to the center):\n\n" + d.Decrypted
	}
	p := federation.Parcel{Kind: federation.KindReport, Ref: r.ID, Number: r.TrackingID, Title: r.Title, Description: desc,
		TLP: "AMBER", ReportedAt: r.ReceivedAt, Notes: []federation.ParcelNote{}, Files: []federation.ParcelFile{},
		Report: &federation.ParcelReport{Vendor: r.Vendor, Product: r.Product, Versions: r.Versions, CWE: r.CWE, Impact: r.Impact,
			Reproduction: r.Reproduction, Public: r.Public, Exploited: r.Exploited, References: r.References,
			VendorContacted: r.VendorContacted, DisclosurePlans: r.DisclosurePlans, Reporter: r.Reporter.Name, Credit: r.Credit}}
	for _, m := range d.Messages {
		p.Notes = append(p.Notes, federation.ParcelNote{At: m.CreatedAt, Author: m.Author, Body: m.Body, FromReporter: m.FromReporter})
	}
	atts, err := rs.Attachments(ctx, id, r.ID)
	if err != nil {
		return federation.Parcel{}, err
	}
	for _, a := range atts {
		meta, rc, err := rs.OpenAttachment(ctx, id, r.ID, a.ID)
		if err != nil {
			return federation.Parcel{}, err
		}
		pf, err := parcelFile(meta.Filename, meta.ContentType, meta.SHA256, rc)
		if err != nil {
			return federation.Parcel{}, err
		}
		p.Files = append(p.Files, pf)
	}
	return p, nil
}

func (f federationReports) Import(ctx context.Context, org, from string, p federation.Parcel) (string, string, error) {
	pr := p.Report
	desc := strings.TrimSpace(p.Description) + fmt.Sprintf("\n\nHanded over by %s, where it is %s (received %s); the reporter's address stays there.",
		from, p.Number, p.ReportedAt.UTC().Format("2006-01-02"))
	t := reports.Transferred{Input: reports.ReportInput{Title: p.Title, Description: desc, Vendor: pr.Vendor, Product: pr.Product,
		Versions: pr.Versions, CWE: pr.CWE, Impact: pr.Impact, Reproduction: pr.Reproduction, Public: pr.Public, Exploited: pr.Exploited,
		References: pr.References, VendorContacted: pr.VendorContacted, DisclosurePlans: pr.DisclosurePlans,
		Reporter: &vdpmodel.Reporter{Name: pr.Reporter}, Credit: pr.Credit}}
	for _, n := range p.Notes {
		t.Messages = append(t.Messages, reports.TransferredMessage{At: n.At, FromReporter: n.FromReporter, Author: n.Author, Body: n.Body})
	}
	for _, file := range p.Files {
		if err := checkParcelFile(file); err != nil {
			return "", "", err
		}
		t.Files = append(t.Files, reports.TransferredFile{Name: file.Name, Content: file.Content})
	}
	r, err := f.vdp.Reports().SubmitTransferred(ctx, org, from, t)
	if err != nil {
		return "", "", err
	}
	return r.ID, r.TrackingID, nil
}
