package advisory

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/platform/tlp"
	"github.com/certhub/certhub/internal/vdp"
)

// Cases is what publication needs of the disclosure program.
type Cases interface {
	Handoff(ctx context.Context, id *auth.Identity, caseID string) (vdp.Handoff, error)
	AnnouncePublication(ctx context.Context, caseID, trackingID, title, pageURL string) error
}

// People is what publication needs of the accounts: the people named as
// recipients.
type People interface {
	GetUser(ctx context.Context, id string) (auth.User, error)
	UserByEmail(ctx context.Context, email string) (auth.User, error)
}

// Orgs is what publication needs of the directory.
type Orgs interface {
	GetMany(ctx context.Context, id *auth.Identity, orgIDs []string) ([]directory.Org, error)
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
	Get(ctx context.Context, id *auth.Identity, orgID string) (directory.Org, error)
}

// Options configure the Service.
type Options struct {
	DB        *db.DB
	Cases     Cases
	Orgs      Orgs
	People    People
	Queue     *jobs.Queue
	Outbox    *notify.Outbox
	CenterKey *pgp.CenterKey
	Now       func() time.Time
	Log       *slog.Logger
	BaseURL   string
	// CenterName is the publisher of every document.
	CenterName string
	// Contact is the center's security contact (an e-mail address).
	Contact string
	// Prefix starts every tracking ID (CC-SA-2026-0001).
	Prefix string
}

// Service runs publication.
type Service struct {
	db         *db.DB
	cases      Cases
	orgs       Orgs
	people     People
	queue      *jobs.Queue
	outbox     *notify.Outbox
	key        *pgp.CenterKey
	now        func() time.Time
	log        *slog.Logger
	baseURL    string
	centerName string
	contact    string
	prefix     string
	subscribe  *auth.Limiter
	cache      *providerCache
}

// NewService makes the service.
func NewService(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: o.DB, cases: o.Cases, orgs: o.Orgs, people: o.People, queue: o.Queue, outbox: o.Outbox, key: o.CenterKey, now: o.Now,
		log: o.Log, baseURL: strings.TrimRight(o.BaseURL, "/"), centerName: o.CenterName, contact: o.Contact,
		prefix: cmp.Or(o.Prefix, "CC"), subscribe: auth.NewLimiter(5, 10*time.Minute, o.Now), cache: &providerCache{}}
}

// SetBaseURL changes the public URL used in documents and links; call it before serving.
func (s *Service) SetBaseURL(u string) { s.baseURL = strings.TrimRight(u, "/") }

// BaseURL is the public URL.
func (s *Service) BaseURL() string { return s.baseURL }

// CenterName is the publisher's name.
func (s *Service) CenterName() string { return s.centerName }

var system = auth.System("publication")

// Input is a working copy as an editor sends it.
type Input struct {
	Kind       Kind     `json:"kind"`
	TLP        string   `json:"tlp"`
	CaseID     *string  `json:"case_id,omitempty"`
	Recipients []string `json:"recipients"`
	// RecipientUsers names people (by id or e-mail address): the readers
	// of a TLP:RED publication, and readers whatever its label.
	RecipientUsers []string `json:"recipient_users"`
	Content        Content  `json:"content"`
	// RevisionNote says what a correction changes (the revision history entry).
	RevisionNote string `json:"revision_note,omitempty"`
}

var (
	cveRE    = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)
	cweRE    = regexp.MustCompile(`^CWE-[1-9]\d{0,5}$`)
	langRE   = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	sectorRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)
	// CSAF allows any product ID; vendors use colons, slashes and plus signs.
	productID = regexp.MustCompile(`^\S[^\x00-\x1f]{0,199}$`)
)

// validate checks an input field by field and tidies it (trims, fills
// product IDs). It checks what the editor can correct; the CSAF validation
// then checks the document as a whole.
func (in *Input) validate() error {
	var f errs.Fields
	if !in.Kind.valid() {
		f.Add("kind", "choose advisory, alert, guideline or news")
	}
	l, err := tlp.Parse(in.TLP)
	if err != nil {
		f.Add("tlp", "choose CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
	} else {
		in.TLP = string(l)
	}
	c := &in.Content
	c.Title = strings.TrimSpace(c.Title)
	c.Summary = strings.TrimSpace(c.Summary)
	c.Lang = cmp.Or(strings.TrimSpace(c.Lang), "en")
	switch {
	case c.Title == "":
		f.Add("content.title", "a title is required")
	case len(c.Title) > 300:
		f.Add("content.title", "at most 300 characters")
	}
	if c.Summary == "" {
		f.Add("content.summary", "a summary is required: what happened and who is concerned")
	}
	if len(c.Details) > 200_000 || len(c.Action) > 50_000 || len(c.Summary) > 20_000 {
		f.Add("content.details", "the text is too long")
	}
	if c.Severity != "" && !slices.Contains(Severities, c.Severity) {
		f.Add("content.severity", "choose critical, high, medium, low or none, or leave it empty to take it from CVSS")
	}
	if !langRE.MatchString(c.Lang) {
		f.Add("content.lang", "a language tag such as en or en-GB")
	}
	for i, s := range c.Sectors {
		if !sectorRE.MatchString(s) {
			f.Add(fmt.Sprintf("content.sectors[%d]", i), "a sector name in lower case, such as banking")
		}
	}
	ids := map[string]bool{}
	for i := range c.Products {
		p := &c.Products[i]
		field := fmt.Sprintf("content.products[%d]", i)
		p.Vendor, p.Name, p.Versions = strings.TrimSpace(p.Vendor), strings.TrimSpace(p.Name), strings.TrimSpace(p.Versions)
		p.CPE, p.PURL = strings.TrimSpace(p.CPE), strings.TrimSpace(p.PURL)
		if p.ID == "" {
			p.ID = fmt.Sprintf("CSAFPID-%04d", i+1)
			for ids[p.ID] {
				p.ID += "x"
			}
		}
		switch {
		case !productID.MatchString(p.ID):
			f.Add(field+".id", "at most 200 characters, not starting with a space")
		case ids[p.ID]:
			f.Add(field+".id", "product ID %s is used twice", p.ID)
		}
		ids[p.ID] = true
		if p.Vendor == "" {
			f.Add(field+".vendor", "the vendor is required")
		}
		if p.Name == "" {
			f.Add(field+".name", "the product name is required")
		}
		if p.CPE != "" && !strings.HasPrefix(p.CPE, "cpe:") {
			f.Add(field+".cpe", "a CPE 2.3 name such as cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*")
		}
		if p.PURL != "" {
			if _, err := packageurl.FromString(p.PURL); err != nil {
				f.Add(field+".purl", "not a package URL such as pkg:npm/%%40vendor/product@1.2.3: %v", err)
			}
		}
	}
	for i := range c.Vulns {
		v := &c.Vulns[i]
		field := fmt.Sprintf("content.vulnerabilities[%d]", i)
		v.CVE, v.CWE = strings.ToUpper(strings.TrimSpace(v.CVE)), strings.ToUpper(strings.TrimSpace(v.CWE))
		v.Title, v.Description = strings.TrimSpace(v.Title), strings.TrimSpace(v.Description)
		if v.CVE != "" && !cveRE.MatchString(v.CVE) {
			f.Add(field+".cve", "a CVE ID such as CVE-2026-12345")
		}
		if v.CWE != "" && !cweRE.MatchString(v.CWE) {
			f.Add(field+".cwe", "a CWE ID such as CWE-79")
		}
		if v.Title == "" && v.CVE == "" {
			f.Add(field+".title", "a title or a CVE ID is required")
		}
		for name, vec := range map[string]*string{"cvss3": &v.CVSS3, "cvss4": &v.CVSS4} {
			*vec = strings.TrimSpace(*vec)
			if *vec == "" {
				continue
			}
			s, err := cvss.Parse(*vec)
			switch {
			case err != nil:
				f.Add(field+"."+name, "%v", err)
			case name == "cvss3" && s.Version == cvss.V40, name == "cvss4" && s.Version != cvss.V40:
				f.Add(field+"."+name, "a CVSS %s vector belongs in the other field", s.Version)
			}
		}
		for pid, st := range v.Status {
			if !ids[pid] {
				f.Add(field+".status", "product %s is not in the product list", pid)
			}
			if st != "" && !slices.Contains(ProductStatuses, st) {
				f.Add(field+".status", "unknown product status %q", st)
			}
			if st == "" {
				delete(v.Status, pid)
			}
		}
		for j, r := range v.Remediations {
			rf := fmt.Sprintf("%s.remediations[%d]", field, j)
			if !slices.Contains(RemediationCategories, r.Category) {
				f.Add(rf+".category", "choose vendor_fix, mitigation, workaround, none_available or no_fix_planned")
			}
			if strings.TrimSpace(r.Details) == "" {
				f.Add(rf+".details", "say what to do")
			}
			if r.URL != "" && !isHTTPURL(r.URL) {
				f.Add(rf+".url", "an http(s) URL")
			}
			if len(r.ProductIDs) == 0 {
				f.Add(rf+".product_ids", "name the products it applies to")
			}
			for _, pid := range r.ProductIDs {
				if !ids[pid] {
					f.Add(rf+".product_ids", "product %s is not in the product list", pid)
				}
			}
		}
	}
	for i, r := range c.References {
		c.References[i].URL = strings.TrimSpace(r.URL)
		if !isHTTPURL(c.References[i].URL) {
			f.Add(fmt.Sprintf("content.references[%d].url", i), "an http(s) URL")
		}
	}
	acks := c.Acknowledgments[:0]
	for _, a := range c.Acknowledgments {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(acks, a) {
			acks = append(acks, a)
		}
	}
	c.Acknowledgments = acks
	c.normalise()
	return f.Err()
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// Create starts a new publication as a draft.
func (s *Service) Create(ctx context.Context, id *auth.Identity, in Input) (Advisory, error) {
	if !mayEdit(id) {
		return Advisory{}, errs.Forbidden("only the coordination center's staff write publications")
	}
	if err := s.check(ctx, &in); err != nil {
		return Advisory{}, err
	}
	if err := s.checkCase(ctx, id, in.CaseID); err != nil {
		return Advisory{}, err
	}
	return s.create(ctx, id, in, false, "")
}

// checkCase makes sure the caller coordinates the case a publication is
// linked to (its participants and reporters are told when it is published).
func (s *Service) checkCase(ctx context.Context, id *auth.Identity, caseID *string) error {
	if caseID == nil || s.cases == nil {
		return nil
	}
	if _, err := s.cases.Handoff(ctx, id, *caseID); err != nil {
		var f errs.Fields
		f.Add("case_id", "not a case you coordinate: %v", err)
		return f.Err()
	}
	return nil
}

// check validates an input (validate) and resolves its audience: every
// recipient organisation must exist, and every person named, given by id
// or e-mail address, becomes a user id.
func (s *Service) check(ctx context.Context, in *Input) error {
	err := in.validate()
	var f errs.Fields
	if err != nil {
		e := errs.As(err)
		if e == nil || len(e.Fields) == 0 {
			return err
		}
		f = e.Fields
	}
	in.Recipients, in.RecipientUsers = cleanIDs(in.Recipients), cleanIDs(in.RecipientUsers)
	if len(in.Recipients) > 0 {
		orgs, err := s.orgs.GetMany(ctx, system, in.Recipients)
		if err != nil {
			return err
		}
		for i, o := range in.Recipients {
			if !slices.ContainsFunc(orgs, func(x directory.Org) bool { return x.ID == o }) {
				f.Add(fmt.Sprintf("recipients[%d]", i), "no such organisation")
			}
		}
	}
	for i, who := range in.RecipientUsers {
		var u auth.User
		var err error
		switch {
		case s.people == nil:
			err = db.ErrNoRows
		case strings.Contains(who, "@"):
			u, err = s.people.UserByEmail(ctx, who)
		default:
			u, err = s.people.GetUser(ctx, who)
		}
		switch {
		case err == nil && u.Disabled:
			f.Add(fmt.Sprintf("recipient_users[%d]", i), "%s's account is disabled", who)
		case err == nil:
			in.RecipientUsers[i] = u.ID
		case errors.Is(err, db.ErrNoRows) || errs.KindOf(err) == errs.KindNotFound:
			f.Add(fmt.Sprintf("recipient_users[%d]", i), "no user %s", who)
		default:
			return err
		}
	}
	in.RecipientUsers = cleanIDs(in.RecipientUsers)
	return f.Err()
}

// NamedPeople answers the accounts of the people named as recipients, in
// order; one that no longer exists is left out.
func (s *Service) NamedPeople(ctx context.Context, ids []string) ([]auth.User, error) {
	out := []auth.User{}
	for _, id := range ids {
		if s.people == nil {
			break
		}
		u, err := s.people.GetUser(ctx, id)
		if errors.Is(err, db.ErrNoRows) || errs.KindOf(err) == errs.KindNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func (s *Service) create(ctx context.Context, id *auth.Identity, in Input, imported bool, upload string) (Advisory, error) {
	now := s.now()
	a := Advisory{ID: db.NewID(), Kind: in.Kind, Status: StatusDraft, TLP: in.TLP, Content: in.Content, CaseID: in.CaseID,
		Imported: imported, Recipients: cleanIDs(in.Recipients), RecipientUsers: cleanIDs(in.RecipientUsers), CreatedAt: now, UpdatedAt: now}
	if !id.IsSystem() {
		a.AuthorID, a.EditorID, a.Editors = &id.User.ID, &id.User.ID, []string{id.User.ID}
	}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		if a.TrackingID, err = newTrackingID(ctx, tx, s.prefix, a.Kind, now); err != nil {
			return err
		}
		if err := insertAdvisory(ctx, tx, a, upload); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "advisory.create", ObjectType: "advisory", ObjectID: a.ID,
			Summary: fmt.Sprintf("drafted %s %s: %s", a.Kind, a.TrackingID, a.Content.Title), After: a})
	})
	if err != nil {
		return Advisory{}, err
	}
	return a, nil
}

func cleanIDs(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Detail is a publication for the console: the working copy, its revisions
// and whether its CSAF document would be valid now.
type Detail struct {
	Advisory  Advisory   `json:"advisory"`
	Revisions []Revision `json:"revisions"`
	Problems  []Problem  `json:"problems"`
	// MayApprove: the viewer may approve (a second person: not its author,
	// last editor or submitter).
	MayApprove bool `json:"may_approve"`
	MayEdit    bool `json:"may_edit"`
	// CasePublicationAt is the linked case's agreed publication date, which
	// the reviewer is offered as the publication time.
	CasePublicationAt *time.Time `json:"case_publication_at,omitempty"`
	// Audience names the recipient organisations and people (for the
	// console; the API has their ids in the advisory).
	Audience Audience `json:"-"`
}

// Audience is who a publication is for, by name.
type Audience struct {
	Orgs   []directory.Org
	People []auth.User
}

// Get returns a publication for the console (staff only).
func (s *Service) Get(ctx context.Context, id *auth.Identity, advID string) (Detail, error) {
	if !mayEdit(id) {
		return Detail{}, errs.NotFound("advisory not found")
	}
	var d Detail
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		if d.Advisory, err = getAdvisory(ctx, q, advID); err != nil {
			return err
		}
		d.Revisions, err = listRevisions(ctx, q, d.Advisory.ID)
		return err
	})
	if err != nil {
		return Detail{}, err
	}
	if d.Advisory.Kind.HasCSAF() {
		_, d.Problems, err = s.preview(d.Advisory, d.Revisions)
		if err != nil {
			return Detail{}, err
		}
	}
	if d.Problems == nil {
		d.Problems = []Problem{}
	}
	if len(d.Advisory.Recipients) > 0 {
		if d.Audience.Orgs, err = s.orgs.GetMany(ctx, system, d.Advisory.Recipients); err != nil {
			return Detail{}, err
		}
	}
	if d.Audience.People, err = s.NamedPeople(ctx, d.Advisory.RecipientUsers); err != nil {
		return Detail{}, err
	}
	d.MayEdit = d.Advisory.Status == StatusDraft || d.Advisory.Status == StatusPublished
	d.MayApprove = d.Advisory.Status == StatusInReview && secondPerson(id, d.Advisory)
	if d.MayApprove && d.Advisory.CaseID != nil && s.cases != nil {
		// Best effort: a case the reviewer may not run offers no date.
		if h, err := s.cases.Handoff(ctx, id, *d.Advisory.CaseID); err == nil && h.PublicationAt != nil && h.PublicationAt.After(s.now()) {
			// Offered to the minute (the form's precision), never before the date.
			t := h.PublicationAt.UTC().Truncate(time.Minute)
			if t.Before(*h.PublicationAt) {
				t = t.Add(time.Minute)
			}
			d.CasePublicationAt = &t
		}
	}
	return d, nil
}

// Filter narrows the console list.
type Filter struct {
	Status string
	Kind   string
	Query  string
	Limit  int
	Offset int
}

// List lists publications for the console, most recently changed first.
func (s *Service) List(ctx context.Context, id *auth.Identity, f Filter) ([]Advisory, int, error) {
	if !mayEdit(id) {
		return nil, 0, errs.Forbidden("only the coordination center's staff see unpublished work")
	}
	where, args := []string{"1=1"}, db.Args{}
	arg := args.Add
	if f.Status != "" {
		where = append(where, "status = "+arg(f.Status))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := "%" + db.EscapeLike(strings.ToLower(q)) + "%"
		where = append(where, "(LOWER(title) LIKE "+arg(p)+` ESCAPE '\' OR LOWER(tracking_id) LIKE `+arg(p)+` ESCAPE '\')`)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var out []Advisory
	var total int
	err := s.db.Read(ctx, func(q db.Querier) error {
		cond := strings.Join(where, " AND ")
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM advisories WHERE `+cond, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT `+advisoryColumns+` FROM advisories WHERE `+cond+
			` ORDER BY updated_at DESC, id LIMIT `+strconv.Itoa(limit)+` OFFSET `+strconv.Itoa(max(f.Offset, 0)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAdvisory(rows)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("advisory: list: %w", err)
	}
	return out, total, nil
}

// change loads a publication for a change by id, runs fn on it inside one
// transaction, saves the working copy and records the audit event fn names.
func (s *Service) change(ctx context.Context, id *auth.Identity, advID string, fn func(tx *db.Tx, a *Advisory) (audit.Event, error)) (Advisory, error) {
	if !mayEdit(id) {
		return Advisory{}, errs.NotFound("advisory not found")
	}
	var out Advisory
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		// Lock by the ID (callers may name it by tracking ID), then read it
		// again under the lock.
		a, err := getAdvisory(ctx, tx, advID)
		if err != nil {
			return err
		}
		if err := tx.Lock(ctx, "advisory:"+a.ID); err != nil {
			return err
		}
		if a, err = getAdvisory(ctx, tx, a.ID); err != nil {
			return err
		}
		before := a
		ev, err := fn(tx, &a)
		if err != nil {
			return err
		}
		a.UpdatedAt = s.now()
		if err := saveWorking(ctx, tx, a); err != nil {
			return err
		}
		ev.ObjectType, ev.ObjectID, ev.Before, ev.After = "advisory", a.ID, before, a
		out = a
		return audit.Record(ctx, tx, a.UpdatedAt, ev)
	})
	return out, err
}

// Update replaces the working copy. A published publication's working copy
// becomes a correction: a draft of the next revision (the published revision
// stays public until the correction is published).
func (s *Service) Update(ctx context.Context, id *auth.Identity, advID string, in Input) (Advisory, error) {
	if err := s.check(ctx, &in); err != nil {
		return Advisory{}, err
	}
	if err := s.checkCase(ctx, id, in.CaseID); err != nil {
		return Advisory{}, err
	}
	return s.change(ctx, id, advID, func(tx *db.Tx, a *Advisory) (audit.Event, error) {
		switch a.Status {
		case StatusDraft, StatusPublished:
		default:
			return audit.Event{}, errs.Conflict("the advisory is %s: send it back to draft before changing it", label(a.Status))
		}
		if in.Kind != a.Kind && a.Published() {
			return audit.Event{}, errs.Conflict("a published %s keeps its kind", a.Kind)
		}
		if a.Published() && strings.TrimSpace(in.RevisionNote) == "" {
			var f errs.Fields
			f.Add("revision_note", "say what this correction changes: it goes into the revision history")
			return audit.Event{}, f.Err()
		}
		a.Kind, a.TLP, a.CaseID, a.Content = in.Kind, in.TLP, in.CaseID, in.Content
		a.Recipients, a.RecipientUsers = cleanIDs(in.Recipients), cleanIDs(in.RecipientUsers)
		a.RevisionNote = strings.TrimSpace(in.RevisionNote)
		a.Status, a.ApprovedBy, a.SubmittedBy, a.PublishAt = StatusDraft, nil, nil, nil
		if !id.IsSystem() {
			a.EditorID = &id.User.ID
			if !slices.Contains(a.Editors, id.User.ID) {
				a.Editors = append(a.Editors, id.User.ID)
			}
		}
		return audit.Event{Action: "advisory.update", Summary: "edited " + a.TrackingID}, nil
	})
}

func label(st Status) string { return strings.ReplaceAll(string(st), "_", " ") }

// Submit sends a draft for review. Its CSAF document must be valid.
func (s *Service) Submit(ctx context.Context, id *auth.Identity, advID string) (Advisory, error) {
	return s.change(ctx, id, advID, func(tx *db.Tx, a *Advisory) (audit.Event, error) {
		if a.Status != StatusDraft {
			return audit.Event{}, errs.Conflict("only a draft goes to review; this one is %s", label(a.Status))
		}
		if err := s.mustBeValid(ctx, tx, *a); err != nil {
			return audit.Event{}, err
		}
		a.Status, a.ReviewNote = StatusInReview, ""
		if !id.IsSystem() {
			a.SubmittedBy = &id.User.ID
		}
		return audit.Event{Action: "advisory.submit", Summary: "sent " + a.TrackingID + " for review"}, nil
	})
}

// SendBack returns a publication under review to its author with a reason.
func (s *Service) SendBack(ctx context.Context, id *auth.Identity, advID, note string) (Advisory, error) {
	note = strings.TrimSpace(note)
	return s.change(ctx, id, advID, func(tx *db.Tx, a *Advisory) (audit.Event, error) {
		if a.Status != StatusInReview && a.Status != StatusApproved {
			return audit.Event{}, errs.Conflict("only an advisory in review or approved can be sent back; this one is %s", label(a.Status))
		}
		if note == "" {
			var f errs.Fields
			f.Add("note", "say what needs to change")
			return audit.Event{}, f.Err()
		}
		a.Status, a.ReviewNote, a.ApprovedBy, a.PublishAt = StatusDraft, note, nil, nil
		return audit.Event{Action: "advisory.send_back", Summary: "sent " + a.TrackingID + " back: " + note}, nil
	})
}

// Approve approves a publication under review, by a second person, for
// publication at publishAt (nil: now). Publication happens at once when the
// time has come, otherwise by the scheduler.
func (s *Service) Approve(ctx context.Context, id *auth.Identity, advID string, publishAt *time.Time) (Advisory, error) {
	// The embargo is checked before the transaction: reading the case may
	// itself write (read marks), and SQLite has one writer.
	if mayEdit(id) {
		cur, err := getAdvisory(ctx, s.db, advID)
		if err != nil {
			return Advisory{}, err
		}
		cur.PublishAt = publishAt
		if err := s.respectsEmbargo(ctx, id, cur); err != nil {
			return Advisory{}, err
		}
	}
	a, err := s.change(ctx, id, advID, func(tx *db.Tx, a *Advisory) (audit.Event, error) {
		if a.Status != StatusInReview {
			return audit.Event{}, errs.Conflict("only an advisory in review can be approved; this one is %s", label(a.Status))
		}
		if !secondPerson(id, *a) {
			return audit.Event{}, errs.Forbidden("a second person approves: you wrote or submitted this version")
		}
		if err := s.mustBeValid(ctx, tx, *a); err != nil {
			return audit.Event{}, err
		}
		a.Status, a.PublishAt = StatusApproved, nil
		if publishAt != nil {
			t := publishAt.UTC()
			a.PublishAt = &t
		}

		if !id.IsSystem() {
			a.ApprovedBy = &id.User.ID
		}
		when := "now"
		if a.PublishAt != nil {
			when = a.PublishAt.Format(time.RFC3339)
		}
		return audit.Event{Action: "advisory.approve", Summary: "approved " + a.TrackingID + " for publication " + when}, nil
	})
	if err != nil {
		return a, err
	}
	if a.PublishAt == nil || !a.PublishAt.After(s.now()) {
		return s.publish(ctx, a.ID)
	}
	return a, nil
}

// respectsEmbargo refuses to publish a TLP:CLEAR advisory of a case before
// the case's publication date while the case is not yet disclosed: the
// embargo agreed with the vendors binds the center too. A TLP:AMBER or RED
// publication goes to named recipients and may go out earlier.
func (s *Service) respectsEmbargo(ctx context.Context, id *auth.Identity, a Advisory) error {
	if a.CaseID == nil || s.cases == nil || a.TLP != "CLEAR" {
		return nil
	}
	h, err := s.cases.Handoff(ctx, id, *a.CaseID)
	if err != nil || h.PublicationAt == nil || h.Status == vdp.CaseDisclosed || h.Status == vdp.CaseClosed {
		return nil // a case the reviewer cannot see or one already public sets no date
	}
	when := s.now()
	if a.PublishAt != nil {
		when = *a.PublishAt
	}
	if when.Before(*h.PublicationAt) {
		var f errs.Fields
		f.Add("publish_at", "the case %s is under embargo until %s: publish then or later, or move the case's date first",
			h.CaseNumber, h.PublicationAt.UTC().Format("2006-01-02 15:04 UTC"))
		return f.Err()
	}
	return nil
}

// mustBeValid refuses a working copy whose CSAF document would not be valid,
// with every reason.
func (s *Service) mustBeValid(ctx context.Context, q db.Querier, a Advisory) error {
	if !a.Kind.HasCSAF() {
		return nil
	}
	revs, err := listRevisions(ctx, q, a.ID)
	if err != nil {
		return err
	}
	_, problems, err := s.preview(a, revs)
	if err != nil {
		return err
	}
	return problemsError("the CSAF document would not be valid", problems)
}

// problemsError turns CSAF problems into a validation error whose fields
// are the JSON pointers (as dotted paths under "csaf"); nil when there are none.
func problemsError(msg string, problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	var f errs.Fields
	for _, p := range problems {
		f.Add("csaf"+strings.ReplaceAll(p.Path, "/", "."), "%s (%s)", p.Message, p.Test)
	}
	e := errs.As(f.Err())
	e.Message = msg
	return e
}

// preview builds the CSAF document the working copy would publish as its
// next revision, and validates it.
func (s *Service) preview(a Advisory, revs []Revision) ([]byte, []Problem, error) {
	in := s.docInput(a, revs, s.now())
	doc, err := buildCSAF(in)
	if err != nil {
		return nil, nil, err
	}
	return doc, ValidateCSAF(doc, ""), nil
}

func (s *Service) docInput(a Advisory, revs []Revision, at time.Time) docInput {
	summary := a.RevisionNote
	if len(revs) == 0 {
		summary = "Initial version."
	}
	return docInput{Advisory: a, Content: a.Content, TLP: a.TLP, Version: len(revs) + 1, History: revs, Summary: summary,
		Date: at, PageURL: s.baseURL + "/advisories/" + a.TrackingID,
		Publisher: Publisher{Name: s.centerName, Namespace: s.baseURL, Contact: s.contactDetails()}}
}

func (s *Service) contactDetails() string {
	if s.contact == "" {
		return "Report vulnerabilities at " + s.baseURL + "/report"
	}
	return "E-mail: " + s.contact + "; reports: " + s.baseURL + "/report"
}

// Preview answers the CSAF document the working copy would publish, with
// its problems.
func (s *Service) Preview(ctx context.Context, id *auth.Identity, advID string) ([]byte, []Problem, error) {
	d, err := s.Get(ctx, id, advID)
	if err != nil {
		return nil, nil, err
	}
	if !d.Advisory.Kind.HasCSAF() {
		return nil, nil, errs.NotFound("news items have no CSAF document")
	}
	return s.preview(d.Advisory, d.Revisions)
}

// publish makes an approved working copy the next published revision: the
// CSAF document is built, validated, hashed and signed, and everything is
// stored in one transaction.
func (s *Service) publish(ctx context.Context, advID string) (Advisory, error) {
	var out Advisory
	var rev Revision
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		if err := tx.Lock(ctx, "advisory:"+advID); err != nil {
			return err
		}
		a, err := getAdvisory(ctx, tx, advID)
		if err != nil {
			return err
		}
		if a.Status != StatusApproved {
			return errs.Conflict("only an approved advisory is published; this one is %s", label(a.Status))
		}
		revs, err := listRevisions(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		now := s.now()
		in := s.docInput(a, revs, now)
		rev = Revision{AdvisoryID: a.ID, Number: in.Version, Summary: in.Summary, Content: a.Content, TLP: a.TLP,
			ApprovedBy: a.ApprovedBy, PublishedAt: now}
		if a.Kind.HasCSAF() {
			doc, err := buildCSAF(in)
			if err != nil {
				return err
			}
			if problems := ValidateCSAF(doc, ""); len(problems) > 0 {
				return errs.Invalid("the CSAF document is not valid: %s (%s)", problems[0].Message, problems[0].Test)
			}
			sum256, sum512 := sha256.Sum256(doc), sha512.Sum512(doc)
			rev.CSAF, rev.SHA256, rev.SHA512 = doc, hex.EncodeToString(sum256[:]), hex.EncodeToString(sum512[:])
			if rev.Signature, err = s.key.SignDetached(doc); err != nil {
				return err
			}
		}
		if err := savePublished(ctx, tx, a, rev); err != nil {
			return err
		}
		before := a
		a.Status, a.PublishAt, a.RevisionNote, a.UpdatedAt = StatusPublished, nil, "", now
		a.PublishedVersion = rev.Number
		if a.FirstPublishedAt == nil {
			a.FirstPublishedAt = &now
		}
		a.LastPublishedAt, a.PublishedTLP = &now, a.TLP
		if err := saveWorking(ctx, tx, a); err != nil {
			return err
		}
		if err := s.notifySubscribers(ctx, tx, a, rev); err != nil {
			return err
		}
		out = a
		return audit.Record(ctx, tx, now, audit.Event{Action: "advisory.publish", ObjectType: "advisory", ObjectID: a.ID,
			Summary: fmt.Sprintf("published %s revision %d (TLP:%s)", a.TrackingID, rev.Number, a.TLP), Before: before, After: a})
	})
	if err != nil {
		return Advisory{}, err
	}
	s.cache.clear()
	s.log.Info("published", "tracking_id", out.TrackingID, "revision", rev.Number, "tlp", out.TLP)
	if rev.Number == 1 && rev.TLP == "CLEAR" && out.CaseID != nil && s.cases != nil {
		// The publication stands; a failure to tell the case is logged, not undone.
		if err := s.cases.AnnouncePublication(ctx, *out.CaseID, out.TrackingID, rev.Content.Title,
			s.baseURL+"/advisories/"+out.TrackingID); err != nil {
			s.log.Error("could not tell the case about the publication", "case_id", *out.CaseID, "err", err)
		}
	}
	return out, nil
}

// PublishDue publishes every approved publication whose time has come, and
// answers how many it published. The scheduler runs it every minute.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	var ids []string
	err := s.db.Read(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT id FROM advisories WHERE status = $1 AND (publish_at IS NULL OR publish_at <= $2)
			ORDER BY publish_at, id`, string(StatusApproved), s.now())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("advisory: due publications: %w", err)
	}
	n := 0
	var failed []error
	for _, id := range ids {
		ctx := auth.WithIdentity(ctx, system)
		if _, err := s.publish(ctx, id); err != nil {
			if errs.KindOf(err) == errs.KindConflict {
				continue // published or sent back meanwhile
			}
			// One publication that cannot go out must not hold up the others.
			s.log.Error("a due publication failed", "advisory_id", id, "err", err)
			failed = append(failed, fmt.Errorf("advisory %s: %w", id, err))
			continue
		}
		n++
	}
	return n, errors.Join(failed...)
}
