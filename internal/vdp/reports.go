package vdp

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/ssvc"
)

// Limits on what a report may carry.
const (
	maxTitle     = 200
	maxText      = 50000
	maxShort     = 500
	maxRefs      = 50
	maxEncrypted = 1 << 20
)

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
		text("title", in.Title, maxTitle)
	}
	if in.Description == "" && !encrypted {
		f.Add("description", "is required: what is wrong, where, and how you found it")
	}
	if in.Vendor == "" && in.Product == "" && !encrypted && !in.byMail {
		f.Add("vendor", "name the vendor or the product (or both)")
	}
	text("description", in.Description, maxText)
	text("vendor", in.Vendor, maxTitle)
	text("product", in.Product, maxTitle)
	text("versions", in.Versions, maxShort)
	text("impact", in.Impact, maxText)
	text("reproduction", in.Reproduction, maxText)
	text("vendor_contact", in.VendorContact, maxShort)
	text("disclosure_plans", in.DisclosurePlans, maxShort*4)
	text("credit", in.Credit, maxTitle)
	if cwe, problem := NormalizeCWE(in.CWE); problem != "" {
		f.Add("cwe", "%s", problem)
	} else {
		in.CWE = cwe
	}
	if len(in.References) > maxRefs {
		f.Add("references", "at most %d references", maxRefs)
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
		text("reporter.name", rp.Name, maxTitle)
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

func newReport(in ReportInput, source string, now time.Time) Report {
	r := Report{ID: db.NewID(), Source: source, Title: in.Title, Description: in.Description, Vendor: in.Vendor,
		Product: in.Product, Versions: in.Versions, CWE: in.CWE, Impact: in.Impact, Reproduction: in.Reproduction,
		Public: in.Public, Exploited: in.Exploited, References: in.References, VendorContacted: in.VendorContacted,
		VendorContact: in.VendorContact, DisclosurePlans: in.DisclosurePlans, Credit: in.Credit,
		EncryptedBody: in.EncryptedBody, Status: ReportReceived, Sectors: []string{},
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
func (s *Service) SubmitPublic(ctx context.Context, in ReportInput, source, ip string) (Report, Receipt, error) {
	if ok, wait := s.intake.Allow(ip); !ok {
		return Report{}, Receipt{}, errs.RateLimited(wait, "too many reports from your address; wait %d seconds and try again", wait)
	}
	if err := s.validate(&in); err != nil {
		return Report{}, Receipt{}, err
	}
	ctx = audit.WithActor(ctx, audit.Actor{Email: "reporter (" + source + ")", IP: ip})
	return s.submit(ctx, newReport(in, source, s.now()), nil)
}

// SubmitAs takes a report from a member of a constituent or CERT,
// attributed to that organisation.
func (s *Service) SubmitAs(ctx context.Context, id *auth.Identity, orgID, source string, in ReportInput) (Report, Receipt, error) {
	if id == nil {
		return Report{}, Receipt{}, errs.Unauthenticated("sign in to report as an organisation")
	}
	if orgID == "" && len(id.Memberships) == 1 {
		orgID = id.Memberships[0].OrgID
	}
	if role := id.RoleIn(orgID); !role.AtLeast(auth.RoleMember) {
		return Report{}, Receipt{}, fieldErr("org_id", "must be an organisation you report for as a member, analyst or admin")
	}
	if ok, wait := s.members.Allow(id.User.ID); !ok {
		return Report{}, Receipt{}, errs.RateLimited(wait, "too many reports from your account; wait %d seconds and try again", wait)
	}
	if in.Reporter == nil || (in.Reporter.Name == "" && in.Reporter.Email == "") {
		in.Reporter = &Reporter{Name: id.User.Name, Email: id.User.Email}
	}
	if err := s.validate(&in); err != nil {
		return Report{}, Receipt{}, err
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
func (s *Service) submit(ctx context.Context, r Report, then func(context.Context, *db.Tx, Report) error) (Report, Receipt, error) {
	secret, hash := auth.NewLinkSecret()
	if r.VendorOrgID == nil {
		r.VendorOrgID = s.matchVendor(ctx, r)
	}
	rule, orgID, err := s.route(ctx, r)
	if err != nil {
		return Report{}, Receipt{}, err
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
		r.TrackingID = fmt.Sprintf("VR-%d-%06d", r.ReceivedAt.Year(), n)
		if err := insertReport(ctx, tx, r, hash); err != nil {
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
		return Report{}, Receipt{}, err
	}
	return r, Receipt{ID: r.ID, TrackingID: r.TrackingID, FollowURL: s.FollowURL(secret), key: secret}, nil
}

func (s *Service) notifyNewReport(ctx context.Context, tx *db.Tx, r Report, secret string) error {
	if r.Reporter.Email != "" {
		how := "Use the link to add information."
		if s.reportAddr != "" {
			how = "Reply to this message (keep " + r.TrackingID + " in the subject) or use the link to add information."
		}
		body := fmt.Sprintf("Thank you for your report to %s.\n\nTracking ID: %s\nTitle: %s\n\n"+
			"Follow its progress and write to us here (keep this link private: it is the key to your report):\n%s\n\n"+
			"We acknowledge reports within two working days. %s\n",
			s.centerName, r.TrackingID, r.Title, s.FollowURL(secret), how)
		if err := s.mailReporter(ctx, tx, r, "We received your report", body, "report.receipt"); err != nil {
			return err
		}
	}
	return s.tellAssigned(ctx, tx, r, fmt.Sprintf("[%s] New vulnerability report: %s", r.TrackingID, r.Title),
		fmt.Sprintf("A new report was routed to your team.\n\nTracking ID: %s\nVendor: %s\nProduct: %s\n\nTriage it here:\n%s\n",
			r.TrackingID, orDash(r.Vendor), orDash(r.Product), s.link("/console/reports/"+r.ID)), "report.new")
}

// tellAssigned mails the analysts of the CERT a report is assigned to.
func (s *Service) tellAssigned(ctx context.Context, tx *db.Tx, r Report, subject, body, tag string) error {
	if r.AssignedOrgID == nil {
		return nil
	}
	to, err := s.recipients(ctx, tx, *r.AssignedOrgID, auth.RoleAnalyst)
	if err != nil {
		return err
	}
	return s.mail(ctx, tx, to, subject, body, tag, "")
}

// tellReporter adds a message from the center to the report and mails the
// reporter a copy with the follow link.
func (s *Service) tellReporter(ctx context.Context, tx *db.Tx, r Report, userID *string, text, subject string) error {
	if _, err := addMessage(ctx, tx, r.ID, false, userID, text, s.now()); err != nil {
		return err
	}
	body := fmt.Sprintf("%s\n\nReport %s: %s\nRead and answer with the link you received when you reported",
		text, r.TrackingID, r.Title)
	if s.reportAddr != "" {
		body += ", or reply to this message"
	}
	return s.mailReporter(ctx, tx, r, subject, body+".\n", "report.message")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// FollowView is what a reporter sees through the follow link.
type FollowView struct {
	TrackingID    string       `json:"tracking_id"`
	Title         string       `json:"title"`
	Status        ReportStatus `json:"status"`
	Vendor        string       `json:"vendor"`
	Product       string       `json:"product"`
	ReceivedAt    time.Time    `json:"received_at"`
	Acknowledged  bool         `json:"acknowledged"`
	DeclineReason string       `json:"decline_reason,omitempty"`
	Case          *FollowCase  `json:"case,omitempty"`
	Messages      []Message    `json:"messages"`
}

// FollowCase is the case a report went into, as its reporter sees it.
type FollowCase struct {
	Number        string     `json:"number"`
	Status        CaseStatus `json:"status"`
	PublicationAt *time.Time `json:"publication_at,omitempty"`
}

func (s *Service) byKey(ctx context.Context, q db.Querier, key, ip string) (Report, error) {
	if ok, wait := s.follow.Allow(ip); !ok {
		return Report{}, errs.RateLimited(wait, "too many requests; wait %d seconds", wait)
	}
	if key == "" || len(key) > 100 {
		return Report{}, errs.NotFound("no report for this link: check that you copied all of it")
	}
	r, err := getReport(ctx, q, "secret_hash = $1", auth.HashSecret(key))
	if errs.KindOf(err) == errs.KindNotFound {
		return Report{}, errs.NotFound("no report for this link: check that you copied all of it")
	}
	return r, err
}

// Follow shows a reporter their report.
func (s *Service) Follow(ctx context.Context, key, ip string) (FollowView, error) {
	var v FollowView
	var authors []string
	err := s.db.Read(ctx, func(q db.Querier) error {
		r, err := s.byKey(ctx, q, key, ip)
		if err != nil {
			return err
		}
		v = FollowView{TrackingID: r.TrackingID, Title: r.Title, Status: r.Status, Vendor: r.Vendor, Product: r.Product,
			ReceivedAt: r.ReceivedAt, Acknowledged: r.AcknowledgedAt != nil, DeclineReason: r.DeclineReason}
		if r.CaseID != nil {
			c, err := getCase(ctx, q, *r.CaseID)
			if err != nil {
				return err
			}
			v.Case = &FollowCase{Number: c.Number, Status: c.Status, PublicationAt: c.PublicationAt}
		}
		v.Messages, authors, err = listMessages(ctx, q, r.ID)
		return err
	})
	if err != nil {
		return v, err
	}
	return v, s.nameAuthors(ctx, map[string]string{}, v.Messages, authors)
}

// ReporterReply adds a message from the reporter through the follow link. A
// report waiting for the reporter goes back to the triage queue.
func (s *Service) ReporterReply(ctx context.Context, key, body, ip string) (Message, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return Message{}, fieldErr("message", "is empty")
	}
	if utf8.RuneCountInString(body) > maxText {
		return Message{}, fieldErr("message", "must be at most %d characters", maxText)
	}
	var m Message
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		r, err := s.byKey(ctx, tx, key, ip)
		if err != nil {
			return err
		}
		m, err = s.reporterWrote(audit.WithActor(ctx, audit.Actor{Email: "reporter", IP: ip}), tx, r, body)
		return err
	})
	return m, err
}

// reporterWrote records a message from the reporter and puts a report that
// waited for it back in the queue.
func (s *Service) reporterWrote(ctx context.Context, tx *db.Tx, r Report, body string) (Message, error) {
	now := s.now()
	m, err := addMessage(ctx, tx, r.ID, true, nil, body, now)
	if err != nil {
		return Message{}, err
	}
	if r.Status == ReportNeedInfo && r.WaitingSince != nil {
		r.PausedSeconds += int64(now.Sub(*r.WaitingSince).Seconds())
		r.Status, r.WaitingSince, r.UpdatedAt = ReportReceived, nil, now
		if err := saveReport(ctx, tx, r); err != nil {
			return Message{}, err
		}
	}
	if err := audit.Record(ctx, tx, now, audit.Event{Action: "report.reply", ObjectType: "report", ObjectID: r.ID,
		OrgID: deref(r.AssignedOrgID), Summary: "the reporter wrote about " + r.TrackingID}); err != nil {
		return Message{}, err
	}
	return m, s.tellAssigned(ctx, tx, r, fmt.Sprintf("[%s] The reporter wrote", r.TrackingID),
		fmt.Sprintf("The reporter of %s (%s) sent a message.\n\nRead it here:\n%s\n", r.TrackingID, r.Title,
			s.link("/console/reports/"+r.ID+"#messages")), "report.reply")
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ReportDetail is a report as the console shows it.
type ReportDetail struct {
	Report
	Messages  []Message `json:"messages"`
	CanTriage bool      `json:"can_triage"`
	Decrypted string    `json:"decrypted_body,omitempty"`
}

// Get returns a report for id. Triage details are left out for those who
// only submitted it.
func (s *Service) Get(ctx context.Context, id *auth.Identity, reportID string) (ReportDetail, error) {
	var d ReportDetail
	var authors []string
	err := s.db.Read(ctx, func(q db.Querier) error {
		r, err := getReport(ctx, q, "id = $1", reportID)
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
		d.Messages, authors, err = listMessages(ctx, q, r.ID)
		return err
	})
	if err != nil {
		return d, err
	}
	return d, s.nameAuthors(ctx, map[string]string{}, d.Messages, authors)
}

// nameAuthors gives each message the name of the user who wrote it, as the
// accounts know it: authors[i] wrote msgs[i] ("" for the reporter, who has
// no account). names keeps the users already asked for.
func (s *Service) nameAuthors(ctx context.Context, names map[string]string, msgs []Message, authors []string) error {
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
func (s *Service) List(ctx context.Context, id *auth.Identity, f ReportFilter) ([]Report, string, error) {
	if id == nil {
		return nil, "", errs.Unauthenticated("sign in to see reports")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Status != "" && f.Status != "open" && !slices.Contains([]ReportStatus{ReportReceived, ReportNeedInfo, ReportAccepted,
		ReportTracked, ReportDeclined, ReportDuplicate}, ReportStatus(f.Status)) {
		return nil, "", fieldErr("status", "must be open, received, need_info, accepted, tracked, declined or duplicate")
	}
	after, err := db.DecodeCursor(f.Cursor, 2)
	if err != nil {
		return nil, "", err
	}
	var afterAt *time.Time
	afterID := ""
	if after != nil {
		t, err := time.Parse(time.RFC3339Nano, after[0])
		if err != nil {
			return nil, "", fieldErr("cursor", "is not a cursor this server issued")
		}
		afterAt, afterID = &t, after[1]
	}
	out, err := listReports(ctx, s.db, id.OrgIDs(), id.IsStaff() || id.IsSystem(), f, afterAt, afterID)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = db.EncodeCursor(last.ReceivedAt.UTC().Format(time.RFC3339Nano), last.ID)
	}
	for i := range out {
		if _, triage := reportAccess(id, &out[i]); !triage {
			out[i].SSVCTriage, out[i].SSVCPublish, out[i].RoutedBy, out[i].Validity = nil, nil, "", ""
		}
	}
	return out, next, nil
}

// triageTx loads a report for a change only its triagers may make.
func (s *Service) triageTx(ctx context.Context, tx *db.Tx, id *auth.Identity, reportID string) (Report, error) {
	r, err := getReport(ctx, tx, "id = $1", reportID)
	if err != nil {
		return r, err
	}
	see, triage := reportAccess(id, &r)
	if !see {
		return r, errs.NotFound("report not found")
	}
	if !triage {
		return r, errs.Forbidden("only the analysts of the responsible CERT triage this report")
	}
	return r, nil
}

// change runs a triage change in a transaction and records it.
func (s *Service) change(ctx context.Context, id *auth.Identity, reportID, action string, fn func(tx *db.Tx, r *Report) (string, error)) (Report, error) {
	var out Report
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		r, err := s.triageTx(ctx, tx, id, reportID)
		if err != nil {
			return err
		}
		before := r
		summary, err := fn(tx, &r)
		if err != nil {
			return err
		}
		r.UpdatedAt = s.now()
		if err := saveReport(ctx, tx, r); err != nil {
			return err
		}
		out = r
		return audit.Record(ctx, tx, r.UpdatedAt, audit.Event{Action: action, ObjectType: "report", ObjectID: r.ID,
			OrgID: deref(r.AssignedOrgID), Summary: r.TrackingID + ": " + summary, Before: trimForAudit(before), After: trimForAudit(r)})
	})
	return out, err
}

// trimForAudit keeps the triage state in the audit log, not the report's text.
func trimForAudit(r Report) map[string]any {
	return map[string]any{"status": r.Status, "validity": r.Validity, "assigned_org_id": r.AssignedOrgID, "case_id": r.CaseID,
		"duplicate_of": r.DuplicateOf, "cwe": r.CWE, "cvss3": vectorOf(r.CVSS3), "cvss4": vectorOf(r.CVSS4),
		"ssvc_triage": r.SSVCTriage, "ssvc_publish": r.SSVCPublish, "sectors": r.Sectors, "cii": r.CII, "vendor_org_id": r.VendorOrgID}
}

// TriageInput records triage decisions; nil fields stay as they are.
type TriageInput struct {
	Validity    *string           `json:"validity"` // valid, invalid, or "" (undecided)
	VendorOrgID *string           `json:"vendor_org_id"`
	CWE         *string           `json:"cwe"`
	CVSS3       *string           `json:"cvss3"` // a CVSS 3.0/3.1 vector, "" to clear
	CVSS4       *string           `json:"cvss4"` // a CVSS 4.0 vector, "" to clear
	SSVCTriage  map[string]string `json:"ssvc_triage"`
	SSVCPublish map[string]string `json:"ssvc_publish"`
	Sectors     *[]string         `json:"sectors"`
	CII         *bool             `json:"cii"`
}

// ParseVector scores a vector of the expected major version ("3" or "4").
func ParseVector(field, vector, major string) (*cvss.Score, error) {
	vector = strings.TrimSpace(vector)
	if vector == "" {
		return nil, nil
	}
	sc, err := cvss.Parse(vector)
	if err != nil {
		return nil, fieldErr(field, "%s", err.Error())
	}
	if !strings.HasPrefix(string(sc.Version), major+".") {
		return nil, fieldErr(field, "must be a CVSS %s vector, not %s", major, sc.Version)
	}
	return &sc, nil
}

// Triage records validity, CWE, CVSS, SSVC, sectors and the vendor.
func (s *Service) Triage(ctx context.Context, id *auth.Identity, reportID string, in TriageInput) (Report, error) {
	var f errs.Fields
	var c3, c4 *cvss.Score
	var triage, publish *ssvc.Decision
	if in.Validity != nil && *in.Validity != "" && *in.Validity != "valid" && *in.Validity != "invalid" {
		f.Add("validity", "must be valid, invalid or empty")
	}
	if in.CWE != nil {
		cwe, problem := NormalizeCWE(*in.CWE)
		if problem != "" {
			f.Add("cwe", "%s", problem)
		}
		*in.CWE = cwe
	}
	addErr := func(err error) {
		if e := errs.As(err); e != nil {
			f = append(f, e.Fields...)
		}
	}
	if in.CVSS3 != nil {
		var err error
		if c3, err = ParseVector("cvss3", *in.CVSS3, "3"); err != nil {
			addErr(err)
		}
	}
	if in.CVSS4 != nil {
		var err error
		if c4, err = ParseVector("cvss4", *in.CVSS4, "4"); err != nil {
			addErr(err)
		}
	}
	if len(in.SSVCTriage) > 0 {
		d, err := ssvc.Triage().Decide(in.SSVCTriage)
		if err != nil {
			f.Add("ssvc_triage", "%s", err.Error())
		}
		triage = &d
	}
	if len(in.SSVCPublish) > 0 {
		d, err := ssvc.Publish().Decide(in.SSVCPublish)
		if err != nil {
			f.Add("ssvc_publish", "%s", err.Error())
		}
		publish = &d
	}
	if in.Sectors != nil {
		for i, sec := range *in.Sectors {
			if !slices.Contains(directory.Sectors, sec) {
				f.Add(fmt.Sprintf("sectors[%d]", i), "must be one of %s", strings.Join(directory.Sectors, ", "))
			}
		}
	}
	if in.VendorOrgID != nil && *in.VendorOrgID != "" {
		o, err := s.orgs.Get(ctx, system, *in.VendorOrgID)
		if err != nil || o.Kind != directory.KindVendor {
			f.Add("vendor_org_id", "is not a vendor of the directory")
		}
	}
	if err := f.Err(); err != nil {
		return Report{}, err
	}
	return s.change(ctx, id, reportID, "report.triage", func(tx *db.Tx, r *Report) (string, error) {
		var changed []string
		if in.Validity != nil && *in.Validity != r.Validity {
			r.Validity = *in.Validity
			changed = append(changed, "validity "+orDash(r.Validity))
		}
		if in.CWE != nil {
			r.CWE = *in.CWE
		}
		if in.CVSS3 != nil {
			r.CVSS3 = c3
		}
		if in.CVSS4 != nil {
			r.CVSS4 = c4
		}
		if in.SSVCTriage != nil {
			r.SSVCTriage = triage
			if triage != nil {
				changed = append(changed, "SSVC triage "+triage.Outcome.Name)
			}
		}
		if in.SSVCPublish != nil {
			r.SSVCPublish = publish
		}
		if in.Sectors != nil {
			r.Sectors = *in.Sectors
		}
		if in.CII != nil {
			r.CII = *in.CII
		}
		if in.VendorOrgID != nil {
			if *in.VendorOrgID == "" {
				r.VendorOrgID = nil
			} else {
				v := *in.VendorOrgID
				r.VendorOrgID = &v
			}
		}
		now := s.now()
		if r.AcknowledgedAt == nil {
			r.AcknowledgedAt = &now
		}
		if r.TriagedAt == nil && (r.Validity != "" || r.SSVCTriage != nil) {
			r.TriagedAt = &now
		}
		if len(changed) == 0 {
			changed = append(changed, "triage details")
		}
		return "recorded " + strings.Join(changed, ", "), nil
	})
}

// Acknowledge tells the reporter a person is looking at the report.
func (s *Service) Acknowledge(ctx context.Context, id *auth.Identity, reportID, text string) (Report, error) {
	return s.change(ctx, id, reportID, "report.acknowledge", func(tx *db.Tx, r *Report) (string, error) {
		if r.AcknowledgedAt != nil {
			return "", errs.Conflict("the report was acknowledged already")
		}
		now := s.now()
		r.AcknowledgedAt = &now
		if strings.TrimSpace(text) == "" {
			text = "We have received your report and an analyst is looking at it. We will tell you what we decide."
		}
		return "acknowledged to the reporter", s.tellReporter(ctx, tx, *r, &id.User.ID, text, "Your report is being looked at")
	})
}

// MessageReporter writes to the reporter.
func (s *Service) MessageReporter(ctx context.Context, id *auth.Identity, reportID, text string) (Report, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Report{}, fieldErr("message", "is empty")
	}
	if utf8.RuneCountInString(text) > maxText {
		return Report{}, fieldErr("message", "must be at most %d characters", maxText)
	}
	return s.change(ctx, id, reportID, "report.message", func(tx *db.Tx, r *Report) (string, error) {
		if r.AcknowledgedAt == nil {
			now := s.now()
			r.AcknowledgedAt = &now
		}
		return "wrote to the reporter", s.tellReporter(ctx, tx, *r, &id.User.ID, text, "A message about your report")
	})
}

// RequestInfo asks the reporter for more and pauses the triage clock.
func (s *Service) RequestInfo(ctx context.Context, id *auth.Identity, reportID, question string) (Report, error) {
	question = strings.TrimSpace(question)
	if question == "" {
		return Report{}, fieldErr("message", "say what you need to know")
	}
	return s.change(ctx, id, reportID, "report.need_info", func(tx *db.Tx, r *Report) (string, error) {
		if !r.Status.Open() {
			return "", errs.Conflict("the report is %s already", r.Status)
		}
		now := s.now()
		r.Status = ReportNeedInfo
		if r.WaitingSince == nil {
			r.WaitingSince = &now
		}
		if r.AcknowledgedAt == nil {
			r.AcknowledgedAt = &now
		}
		return "asked the reporter for more information", s.tellReporter(ctx, tx, *r, &id.User.ID, question, "We need more information")
	})
}

// Decline closes a report with a reason the reporter is told.
func (s *Service) Decline(ctx context.Context, id *auth.Identity, reportID, reason string) (Report, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Report{}, fieldErr("reason", "tell the reporter why the report is declined")
	}
	return s.change(ctx, id, reportID, "report.decline", func(tx *db.Tx, r *Report) (string, error) {
		if !r.Status.Open() {
			return "", errs.Conflict("the report is %s already", r.Status)
		}
		s.close(r, ReportDeclined)
		r.DeclineReason = reason
		return "declined", s.tellReporter(ctx, tx, *r, &id.User.ID, "We have decided not to take this report further: "+reason, "Your report was declined")
	})
}

func (s *Service) close(r *Report, status ReportStatus) {
	now := s.now()
	if r.WaitingSince != nil {
		r.PausedSeconds += int64(now.Sub(*r.WaitingSince).Seconds())
		r.WaitingSince = nil
	}
	r.Status, r.ClosedAt = status, &now
	if r.TriagedAt == nil {
		r.TriagedAt = &now
	}
	if r.AcknowledgedAt == nil {
		r.AcknowledgedAt = &now
	}
}

// MarkDuplicate closes a report as the same as an earlier one.
func (s *Service) MarkDuplicate(ctx context.Context, id *auth.Identity, reportID, originalID string) (Report, error) {
	if originalID == reportID || originalID == "" {
		return Report{}, fieldErr("duplicate_of", "name another report")
	}
	return s.change(ctx, id, reportID, "report.duplicate", func(tx *db.Tx, r *Report) (string, error) {
		if !r.Status.Open() {
			return "", errs.Conflict("the report is %s already", r.Status)
		}
		orig, err := getReport(ctx, tx, "id = $1", originalID)
		if errs.KindOf(err) == errs.KindNotFound {
			return "", fieldErr("duplicate_of", "is not a report")
		}
		if err != nil {
			return "", err
		}
		if see, _ := reportAccess(id, &orig); !see {
			return "", fieldErr("duplicate_of", "is not a report")
		}
		s.close(r, ReportDuplicate)
		r.DuplicateOf = &orig.ID
		msg := "Your report describes the same issue as one we received earlier (" + orig.TrackingID + "). We handle them together."
		if orig.CaseID != nil {
			r.CaseID = orig.CaseID
		}
		return "duplicate of " + orig.TrackingID, s.tellReporter(ctx, tx, *r, &id.User.ID, msg, "Your report duplicates an earlier one")
	})
}

// Route assigns the report to a CERT by hand.
func (s *Service) Route(ctx context.Context, id *auth.Identity, reportID, orgID string) (Report, error) {
	o, err := s.orgs.Get(ctx, system, orgID)
	if err != nil || !o.Kind.IsCERT() {
		return Report{}, fieldErr("org_id", "must be a CERT of the directory")
	}
	return s.change(ctx, id, reportID, "report.route", func(tx *db.Tx, r *Report) (string, error) {
		r.AssignedOrgID, r.RoutedBy = &o.ID, "manual"
		return "routed to " + o.Name, s.tellAssigned(ctx, tx, *r, fmt.Sprintf("[%s] Report routed to your team: %s", r.TrackingID, r.Title),
			fmt.Sprintf("%s was routed to %s.\n\nTriage it here:\n%s\n", r.TrackingID, o.Name, s.link("/console/reports/"+r.ID)), "report.routed")
	})
}

// Messages of a report for the console (triagers and submitters).
func (s *Service) Messages(ctx context.Context, id *auth.Identity, reportID string) ([]Message, error) {
	d, err := s.Get(ctx, id, reportID)
	if err != nil {
		return nil, err
	}
	return d.Messages, nil
}
