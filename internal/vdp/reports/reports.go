package reports

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/vdp/cwe"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
)

// ReportInput is a new report. The JSON field names of the public API are
// fixed: title, description, vendor, product, versions, cwe, impact,
// reproduction, public, exploited, vendor_contacted, reporter, credit.
type ReportInput struct {
	Title           string          `json:"title"`
	Description     string          `json:"description"`
	Vendor          string          `json:"vendor"`
	Product         string          `json:"product"`
	Versions        string          `json:"versions"`
	CWE             string          `json:"cwe"`
	Impact          string          `json:"impact"`
	Reproduction    string          `json:"reproduction"`
	Public          bool            `json:"public"`
	Exploited       bool            `json:"exploited"`
	References      []string        `json:"references"`
	VendorContacted bool            `json:"vendor_contacted"`
	VendorContact   string          `json:"vendor_contact"`
	DisclosurePlans string          `json:"disclosure_plans"`
	Reporter        *model.Reporter `json:"reporter"`
	Credit          string          `json:"credit"`
	// EncryptedBody is an ASCII-armoured OpenPGP message to the center's key
	// holding the details; it is kept encrypted.
	EncryptedBody string `json:"encrypted_body"`
	// byMail: the report came as free-form e-mail, so vendor and product
	// are found at triage rather than required.
	byMail bool
}

// Receipt is what a reporter gets back.
type Receipt struct {
	ID         string `json:"id"`
	TrackingID string `json:"tracking_id"`
	FollowURL  string `json:"follow_url"`

	key string // the follow link's secret
}

// Key is the follow link's secret, which the website puts in the address it
// sends the reporter to (and which is never written out as JSON).
func (r Receipt) Key() string { return r.key }

// Limits on what a report may carry.
// maxEncrypted bounds an encrypted report's body.
const maxEncrypted = 1 << 20

// validate checks and normalises a new report, naming each bad field.
func (s *Service) validate(in *ReportInput) error {
	var f errs.Fields
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&in.Title, &in.Description, &in.Vendor, &in.Product, &in.Versions, &in.Impact,
		&in.Reproduction, &in.VendorContact, &in.DisclosurePlans, &in.Credit, &in.EncryptedBody} {
		trim(p)
	}
	text := func(field, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			f.Add(field, "must be at most %d characters", max)
		} else if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			f.Add(field, "must be valid text")
		}
	}
	encrypted := in.EncryptedBody != ""
	switch {
	case in.Title == "":
		f.Add("title", "is required: a short summary such as \"SQL injection in the login page of the bank portal\"")
	case strings.ContainsAny(in.Title, "\r\n"):
		f.Add("title", "must be one line")
	default:
		text("title", in.Title, model.MaxTitle)
	}
	if in.Description == "" && !encrypted {
		f.Add("description", "is required: what is wrong, where, and how you found it")
	}
	if in.Vendor == "" && in.Product == "" && !encrypted && !in.byMail {
		f.Add("vendor", "name the vendor or the product (or both)")
	}
	text("description", in.Description, model.MaxText)
	text("vendor", in.Vendor, model.MaxTitle)
	text("product", in.Product, model.MaxTitle)
	text("versions", in.Versions, model.MaxShort)
	text("impact", in.Impact, model.MaxText)
	text("reproduction", in.Reproduction, model.MaxText)
	text("vendor_contact", in.VendorContact, model.MaxShort)
	text("disclosure_plans", in.DisclosurePlans, model.MaxShort*4)
	text("credit", in.Credit, model.MaxTitle)
	if norm, problem := cwe.Normalize(in.CWE); problem != "" {
		f.Add("cwe", "%s", problem)
	} else {
		in.CWE = norm
	}
	if len(in.References) > model.MaxRefs {
		f.Add("references", "at most %d references", model.MaxRefs)
	}
	var refs []string
	for i, ref := range in.References {
		ref = strings.TrimSpace(ref)
		if ref == "" {
			continue
		}
		u, err := url.Parse(ref)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(ref) > 2000 {
			f.Add(fmt.Sprintf("references[%d]", i), "must be a web address starting with https://")
			continue
		}
		refs = append(refs, ref)
	}
	in.References = refs
	if in.Reporter != nil {
		rp := in.Reporter
		trim(&rp.Name)
		rp.Email = strings.ToLower(strings.TrimSpace(rp.Email))
		trim(&rp.PGPKey)
		text("reporter.name", rp.Name, model.MaxTitle)
		if rp.Email != "" && !notify.ValidAddress(rp.Email) {
			f.Add("reporter.email", "is not an e-mail address (leave it empty to stay anonymous)")
		}
		if rp.PGPKey != "" {
			info, err := pgp.ParsePublicKey(rp.PGPKey, s.now())
			if err != nil {
				f.Add("reporter.pgp_key", "%s", err.Error())
			} else {
				rp.PGPKey = info.Armored
			}
		}
	}
	if encrypted {
		switch {
		case len(in.EncryptedBody) > maxEncrypted:
			f.Add("encrypted_body", "must be at most 1 MB")
		case !pgp.IsMessage(in.EncryptedBody):
			f.Add("encrypted_body", "must be an ASCII-armoured OpenPGP message (-----BEGIN PGP MESSAGE-----)")
		case s.key != nil:
			if _, err := pgp.Decrypt(in.EncryptedBody, s.key.Private()); err != nil {
				f.Add("encrypted_body", "cannot be decrypted with the center's key (fingerprint %s): encrypt it to that key", s.key.Fingerprint)
			}
		}
	}
	return f.Err()
}

func newReport(in ReportInput, source string, now time.Time) model.Report {
	r := model.Report{ID: db.NewID(), Source: source, Title: in.Title, Description: in.Description, Vendor: in.Vendor,
		Product: in.Product, Versions: in.Versions, CWE: in.CWE, Impact: in.Impact, Reproduction: in.Reproduction,
		Public: in.Public, Exploited: in.Exploited, References: in.References, VendorContacted: in.VendorContacted,
		VendorContact: in.VendorContact, DisclosurePlans: in.DisclosurePlans, Credit: in.Credit,
		EncryptedBody: in.EncryptedBody, Status: model.ReportReceived, Sectors: []string{},
		ReceivedAt: now, CreatedAt: now, UpdatedAt: now}
	if r.References == nil {
		r.References = []string{}
	}
	if in.Reporter != nil {
		r.Reporter = *in.Reporter
	}
	return r
}

// SubmitPublic takes a report from the public website or API: no account,
// rate limited per address.
func (s *Service) SubmitPublic(ctx context.Context, in ReportInput, source, ip string) (model.Report, Receipt, error) {
	if ok, wait := s.intake.Allow(ctx, ip); !ok {
		return model.Report{}, Receipt{}, errs.RateLimited(wait, "too many reports from your address; wait %d seconds and try again", wait)
	}
	if err := s.validate(&in); err != nil {
		return model.Report{}, Receipt{}, err
	}
	ctx = audit.WithActor(ctx, audit.Actor{Email: "reporter (" + source + ")", IP: ip})
	return s.submit(ctx, newReport(in, source, s.now()), nil)
}

// SubmitAs takes a report from a member of a constituent or CERT,
// attributed to that organisation.
func (s *Service) SubmitAs(ctx context.Context, id *auth.Identity, orgID, source string, in ReportInput) (model.Report, Receipt, error) {
	if id == nil {
		return model.Report{}, Receipt{}, errs.Unauthenticated("sign in to report as an organisation")
	}
	if orgID == "" && len(id.Memberships) == 1 {
		orgID = id.Memberships[0].OrgID
	}
	if role := id.RoleIn(orgID); !role.AtLeast(auth.RoleMember) {
		return model.Report{}, Receipt{}, errs.InvalidField("org_id", "must be an organisation you report for as a member, analyst or admin")
	}
	if ok, wait := s.members.Allow(ctx, id.User.ID); !ok {
		return model.Report{}, Receipt{}, errs.RateLimited(wait, "too many reports from your account; wait %d seconds and try again", wait)
	}
	if in.Reporter == nil || (in.Reporter.Name == "" && in.Reporter.Email == "") {
		in.Reporter = &model.Reporter{Name: id.User.Name, Email: id.User.Email}
	}
	if err := s.validate(&in); err != nil {
		return model.Report{}, Receipt{}, err
	}
	r := newReport(in, source, s.now())
	r.SubmitterOrgID, r.SubmitterUserID = &orgID, &id.User.ID
	// A constituent reports what it runs: its sector and CII status route
	// the report until triage says otherwise.
	if o, err := s.orgs.Get(ctx, system, orgID); err == nil && !o.Kind.IsCERT() {
		if o.Sector != "" {
			r.Sectors = []string{o.Sector}
		}
		r.CII = o.CII
	}
	return s.submit(ctx, r, nil)
}

// submit stores a new report, routes it and tells the reporter and the
// responsible CERT; then, if given, runs in the same transaction (to add
// the files that came with it).
func (s *Service) submit(ctx context.Context, r model.Report, then func(context.Context, *db.Tx, model.Report) error) (model.Report, Receipt, error) {
	secret, hash := auth.NewLinkSecret()
	if r.VendorOrgID == nil {
		r.VendorOrgID = s.matchVendor(ctx, r)
	}
	rule, orgID, err := s.route(ctx, r)
	if err != nil {
		return model.Report{}, Receipt{}, err
	}
	r.RoutedBy = rule
	if orgID != "" {
		r.AssignedOrgID = &orgID
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		n, err := tx.NextNumber(ctx, fmt.Sprintf("report.%d", r.ReceivedAt.Year()))
		if err != nil {
			return err
		}
		// inbound.TrackingID reads this form back from mail subjects.
		r.TrackingID = fmt.Sprintf("VR-%d-%06d", r.ReceivedAt.Year(), n)
		if err := store.InsertReport(ctx, tx, r, hash); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, r.ReceivedAt, audit.Event{Action: "report.submit", ObjectType: "report", ObjectID: r.ID,
			OrgID: orgID, Summary: fmt.Sprintf("%s received (%s): %s", r.TrackingID, r.Source, r.Title)}); err != nil {
			return err
		}
		if then != nil {
			if err := then(ctx, tx, r); err != nil {
				return err
			}
		}
		return s.notifyNewReport(ctx, tx, r, secret)
	})
	if err != nil {
		return model.Report{}, Receipt{}, err
	}
	return r, Receipt{ID: r.ID, TrackingID: r.TrackingID, FollowURL: s.FollowURL(secret), key: secret}, nil
}

func (s *Service) notifyNewReport(ctx context.Context, tx *db.Tx, r model.Report, secret string) error {
	if r.Reporter.Email != "" {
		how := "Use the link to add information."
		if s.out.ReplyTo() != "" {
			how = "Reply to this message (keep " + r.TrackingID + " in the subject) or use the link to add information."
		}
		body := fmt.Sprintf("Thank you for your report to %s.\n\nTracking ID: %s\nTitle: %s\n\n"+
			"Follow its progress and write to us here (keep this link private: it is the key to your report):\n%s\n\n"+
			"We acknowledge reports within two working days. %s\n",
			s.out.CenterName(), r.TrackingID, r.Title, s.FollowURL(secret), how)
		if err := s.out.Reporter(ctx, tx, r, "We received your report", body, "report.receipt"); err != nil {
			return err
		}
	}
	return s.tellAssigned(ctx, tx, r, fmt.Sprintf("[%s] New vulnerability report: %s", r.TrackingID, r.Title),
		fmt.Sprintf("A new report was routed to your team.\n\nTracking ID: %s\nVendor: %s\nProduct: %s\n\nTriage it here:\n%s\n",
			r.TrackingID, cmp.Or(r.Vendor, "—"), cmp.Or(r.Product, "—"), s.link("/console/reports/"+r.ID)), "report.new")
}

// tellAssigned mails the analysts of the CERT a report is assigned to.
func (s *Service) tellAssigned(ctx context.Context, tx *db.Tx, r model.Report, subject, body, tag string) error {
	if r.AssignedOrgID == nil {
		return nil
	}
	to, err := s.out.Recipients(ctx, tx, *r.AssignedOrgID, auth.RoleAnalyst)
	if err != nil {
		return err
	}
	return s.out.Mail(ctx, tx, to, subject, body, tag, "")
}

// tellReporter adds a message from the center to the report and mails the
// reporter a copy with the follow link.
func (s *Service) tellReporter(ctx context.Context, tx *db.Tx, r model.Report, userID *string, text, subject string) error {
	if _, err := store.AddMessage(ctx, tx, r.ID, false, userID, text, s.now()); err != nil {
		return err
	}
	body := fmt.Sprintf("%s\n\nReport %s: %s\nRead and answer with the link you received when you reported",
		text, r.TrackingID, r.Title)
	if s.out.ReplyTo() != "" {
		body += ", or reply to this message"
	}
	return s.out.Reporter(ctx, tx, r, subject, body+".\n", "report.message")
}

// ReportDetail is a report as the console shows it.
type ReportDetail struct {
	model.Report
	Messages  []model.Message `json:"messages"`
	CanTriage bool            `json:"can_triage"`
	Decrypted string          `json:"decrypted_body,omitempty"`
}

// Get returns a report for id. Triage details are left out for those who
// only submitted it.
func (s *Service) Get(ctx context.Context, id *auth.Identity, reportID string) (ReportDetail, error) {
	var d ReportDetail
	var authors []string
	err := s.db.Read(ctx, func(q db.Querier) error {
		r, err := store.GetReport(ctx, q, "id = $1", reportID)
		if err != nil {
			return err
		}
		see, triage := reportAccess(id, &r)
		if !see {
			return errs.NotFound("report not found")
		}
		if !triage {
			r.SSVCTriage, r.SSVCPublish, r.RoutedBy, r.Validity = nil, nil, "", ""
		}
		d = ReportDetail{Report: r, CanTriage: triage}
		if triage && r.EncryptedBody != "" && s.key != nil {
			if b, err := pgp.Decrypt(r.EncryptedBody, s.key.Private()); err == nil {
				d.Decrypted = string(b)
			}
		}
		d.Messages, authors, err = store.ListMessages(ctx, q, r.ID)
		return err
	})
	if err != nil {
		return d, err
	}
	return d, s.NameAuthors(ctx, map[string]string{}, d.Messages, authors)
}

// nameAuthors gives each message the name of the user who wrote it, as the
// accounts know it: authors[i] wrote msgs[i] ("" for the reporter, who has
// no account). names keeps the users already asked for.
func (s *Service) NameAuthors(ctx context.Context, names map[string]string, msgs []model.Message, authors []string) error {
	for i, uid := range authors {
		if uid == "" {
			continue
		}
		name, ok := names[uid]
		if !ok {
			u, err := s.people.GetUser(ctx, uid)
			switch {
			case err == nil:
				name = u.Name
			case errs.KindOf(err) != errs.KindNotFound:
				return fmt.Errorf("vdp: message author: %w", err)
			}
			names[uid] = name
		}
		msgs[i].Author = name
	}
	return nil
}

// List returns a page of the reports id may see, oldest first.
func (s *Service) List(ctx context.Context, id *auth.Identity, f model.ReportFilter) ([]model.Report, string, error) {
	if id == nil {
		return nil, "", errs.Unauthenticated("sign in to see reports")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Status != "" && f.Status != "open" && !slices.Contains([]model.ReportStatus{model.ReportReceived, model.ReportNeedInfo, model.ReportAccepted,
		model.ReportTracked, model.ReportDeclined, model.ReportDuplicate}, model.ReportStatus(f.Status)) {
		return nil, "", errs.InvalidField("status", "must be open, received, need_info, accepted, tracked, declined or duplicate")
	}
	afterAt, afterID, err := db.TimeAfter(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	out, err := store.ListReports(ctx, s.db, id.OrgIDs(), id.IsStaff() || id.IsSystem(), f, afterAt, afterID)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = db.TimeCursor(last.ReceivedAt, last.ID)
	}
	for i := range out {
		if _, triage := reportAccess(id, &out[i]); !triage {
			out[i].SSVCTriage, out[i].SSVCPublish, out[i].RoutedBy, out[i].Validity = nil, nil, "", ""
		}
	}
	return out, next, nil
}
