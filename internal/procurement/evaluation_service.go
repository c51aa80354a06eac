package procurement

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"path"
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
	"github.com/certhub/certhub/internal/procurement/sbom"
)

// MaxFileSize bounds a document of an evaluation.
const MaxFileSize = 20 << 20

// textField checks a free-text field: trimmed, valid UTF-8, no NUL, at
// most max characters, present when required.
func textField(f *errs.Fields, name, v string, max int, required bool) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		f.Add(name, "is required")
	case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
		f.Add(name, "must be text (UTF-8, without NUL)")
	case utf8.RuneCountInString(v) > max:
		f.Add(name, "must be at most %d characters", max)
	}
	return v
}

// RequestEvaluation opens an evaluation (a member above viewer of the
// requesting organisation, or staff), with its SBOM when one is given.
// Audited; the center and the vendor are told.
func (s *Service) RequestEvaluation(ctx context.Context, id *auth.Identity, in EvaluationInput, sbomDoc []byte) (Detail, error) {
	if id == nil {
		return Detail{}, errs.Unauthenticated("sign in to request an evaluation")
	}
	if in.OrgID == "" && !id.IsStaff() && !id.IsSystem() {
		if orgs := id.OrgIDs(); len(orgs) == 1 {
			in.OrgID = orgs[0]
		}
	}
	var f errs.Fields
	e := Evaluation{
		Product:     textField(&f, "product", in.Product, 200, true),
		Vendor:      textField(&f, "vendor", in.Vendor, 200, false),
		Version:     textField(&f, "version", in.Version, 100, true),
		Category:    in.Category,
		IntendedUse: textField(&f, "intended_use", in.IntendedUse, 4000, false),
		Buyers:      textField(&f, "buyers", in.Buyers, 2000, false),
	}
	if !ValidCategory(in.Category) {
		f.Add("category", "must be one of %s", strings.Join(Categories, ", "))
	}
	if in.OrgID == "" {
		f.Add("org_id", "is required: the organisation that requests the evaluation")
	}
	var doc *sbom.SBOM
	if len(sbomDoc) > 0 && !bytes.Equal(bytes.TrimSpace(sbomDoc), []byte("null")) {
		d, err := sbom.Parse(bytes.NewReader(sbomDoc))
		if err != nil {
			if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
				for _, fe := range e.Fields {
					f.Add(fe.Field, "%s", fe.Message)
				}
				if len(e.Fields) == 0 {
					f.Add("sbom", "%s", e.Message)
				}
			} else {
				return Detail{}, err
			}
		} else {
			doc = &d
		}
	}
	if err := f.Err(); err != nil {
		return Detail{}, err
	}
	if err := mayRequest(id, in.OrgID); err != nil {
		return Detail{}, err
	}
	named, err := s.orgs.GetMany(ctx, system, compact(in.OrgID, deref(in.VendorOrgID)))
	if err != nil {
		return Detail{}, err
	}
	byID := map[string]directory.Org{}
	for _, o := range named {
		byID[o.ID] = o
	}
	if _, ok := byID[in.OrgID]; !ok {
		return Detail{}, errs.InvalidField("org_id", "no organisation of that ID")
	}
	if in.VendorOrgID != nil && *in.VendorOrgID != "" {
		v, ok := byID[*in.VendorOrgID]
		if !ok || v.Kind != directory.KindVendor {
			return Detail{}, errs.InvalidField("vendor_org_id", "no vendor organisation of that ID")
		}
		e.VendorOrgID = in.VendorOrgID
		if e.Vendor == "" {
			e.Vendor = v.Name
		}
	} else if r := byID[in.OrgID]; r.Kind == directory.KindVendor {
		// A vendor requesting for its own product is the vendor.
		e.VendorOrgID = &r.ID
		if e.Vendor == "" {
			e.Vendor = r.Name
		}
	}
	if in.MaintenanceOf != "" {
		base, err := getProduct(ctx, s.db, in.MaintenanceOf)
		if errs.KindOf(err) == errs.KindNotFound {
			return Detail{}, errs.InvalidField("maintenance_of", "no entry of that ID on the approved-products list")
		} else if err != nil {
			return Detail{}, err
		}
		if !recommended(base.State) || base.Recognised {
			return Detail{}, errs.InvalidField("maintenance_of", "only a standing approval of the center is maintained (this one is %s)", labelOf(base.State))
		}
		if base.Category != e.Category || !strings.EqualFold(base.Product, e.Product) {
			return Detail{}, errs.InvalidField("maintenance_of", "is an approval of %s %s (%s): the product and category must be the same", base.Vendor, base.Product, base.Category)
		}
		var f errs.Fields
		e.ImpactAnalysis = textField(&f, "impact_analysis", in.ImpactAnalysis, 20000, true)
		if err := f.Err(); err != nil {
			return Detail{}, err
		}
		e.MaintenanceOf, e.Vendor = &base.ID, base.Vendor
	}
	if e.Vendor == "" {
		return Detail{}, errs.InvalidField("vendor", "is required")
	}
	now := s.now().UTC()
	e.ID, e.RequesterOrgID, e.RequestedBy = db.NewID(), in.OrgID, id.Label()
	e.State, e.StateSince, e.CreatedAt, e.UpdatedAt = EvalRequested, now, now, now
	if doc != nil {
		e.SBOMFormat, e.SBOMSpecVersion, e.SBOMComponents = doc.Format, doc.SpecVersion, len(doc.Components)
	}
	mail, err := s.partiesMail(ctx, e)
	if err != nil {
		return Detail{}, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		n, err := nextNumber(ctx, tx, now)
		if err != nil {
			return err
		}
		e.Number = n
		if err := insertEvaluation(ctx, tx, e); err != nil {
			return err
		}
		if doc != nil {
			if err := replaceComponents(ctx, tx, e.ID, doc.Components); err != nil {
				return err
			}
		}
		if err := insertEvent(ctx, tx, e.ID, Event{At: now, Actor: id.Label(), To: EvalRequested}); err != nil {
			return err
		}
		if err := s.tell(ctx, tx, mail, e, "requested by "+e.RequestedBy); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "procurement.evaluation.request", ObjectType: "evaluation",
			ObjectID: e.ID, OrgID: e.RequesterOrgID, Summary: fmt.Sprintf("%s: %s %s %s (%s) requested", e.Number, e.Vendor, e.Product, e.Version, e.Category)})
	})
	if err != nil {
		return Detail{}, err
	}
	return s.Evaluation(ctx, id, e.ID)
}

// deref is what p points to, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// compact answers the values that are not "".
func compact(vals ...string) []string {
	out := []string{}
	for _, v := range vals {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// read answers e as id may read it, with id's access (errs.NotFound when
// id may not read it at all).
func (s *Service) read(ctx context.Context, q db.Querier, id *auth.Identity, evalID string) (Evaluation, access, error) {
	if id == nil {
		return Evaluation{}, access{}, errs.Unauthenticated("sign in to read evaluations")
	}
	e, err := getEvaluation(ctx, q, evalID)
	if err != nil {
		return Evaluation{}, access{}, err
	}
	covers := false
	if e.LabOrgID != nil && id.RoleIn(*e.LabOrgID) != "" {
		labs, err := listAccreditations(ctx, q, *e.LabOrgID)
		if err != nil {
			return Evaluation{}, access{}, err
		}
		covers = len(labs) == 1 && labs[0].Covers(e.Category, s.now())
	}
	a := accessTo(id, e, covers)
	if !a.reads() {
		return Evaluation{}, access{}, errs.NotFound("no evaluation of that ID")
	}
	return e, a, nil
}

// Evaluation answers one evaluation as id may read it.
func (s *Service) Evaluation(ctx context.Context, id *auth.Identity, evalID string) (Detail, error) {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Evaluation: e, Actions: mayAct(a, e)}
	if d.History, err = listEvents(ctx, s.db, e.ID); err != nil {
		return Detail{}, err
	}
	d.Clocks = clocks(d.History, e, s.now())
	if d.Components, err = listComponents(ctx, s.db, e.ID); err != nil {
		return Detail{}, err
	}
	if !a.party() {
		if d.Results, err = listResults(ctx, s.db, e.ID); err != nil {
			return Detail{}, err
		}
	}
	if d.Findings, err = listFindings(ctx, s.db, e.ID, a.party()); err != nil {
		return Detail{}, err
	}
	files, err := listFiles(ctx, s.db, e.ID)
	if err != nil {
		return Detail{}, err
	}
	d.Files = []File{}
	for _, f := range files {
		if a.party() && (f.Kind == FileEvidence || f.Kind == FileReport) {
			continue
		}
		d.Files = append(d.Files, f)
	}
	if err := s.nameLab(ctx, &d.Evaluation); err != nil {
		return Detail{}, err
	}
	if p, err := productOf(ctx, s.db, e.ID); err != nil {
		return Detail{}, err
	} else {
		d.ProductID = p
	}
	if e.MaintenanceOf != nil && (e.State == EvalApproved || e.State == EvalApprovedCond) {
		d.ProductID = *e.MaintenanceOf
	}
	return d, nil
}

func (s *Service) nameLab(ctx context.Context, es ...*Evaluation) error {
	var ids []string
	for _, e := range es {
		if e.LabOrgID != nil {
			ids = append(ids, *e.LabOrgID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	named, err := s.orgs.GetMany(ctx, system, slices.Compact(ids))
	if err != nil {
		return err
	}
	for _, e := range es {
		for _, o := range named {
			if e.LabOrgID != nil && o.ID == *e.LabOrgID {
				e.Lab = o.Name
			}
		}
	}
	return nil
}

// clocks answers the time spent in each state from the history, the
// current one running until now.
func clocks(h []Event, e Evaluation, now time.Time) []Clock {
	out := []Clock{}
	for i, ev := range h {
		end := now
		running := i == len(h)-1 && e.Open()
		if i+1 < len(h) {
			end = h[i+1].At
		} else if !e.Open() {
			continue // a closed evaluation's last state has no clock
		}
		d := end.Sub(ev.At)
		if j := slices.IndexFunc(out, func(c Clock) bool { return c.State == ev.To }); j >= 0 {
			out[j].Seconds += int64(d / time.Second)
			out[j].Running = out[j].Running || running
			continue
		}
		out = append(out, Clock{State: ev.To, Seconds: int64(d / time.Second), Running: running})
	}
	return out
}

// Evaluations lists the evaluations id may read, newest first, a page at
// a time.
func (s *Service) Evaluations(ctx context.Context, id *auth.Identity, f EvaluationFilter) ([]Evaluation, string, error) {
	if id == nil {
		return nil, "", errs.Unauthenticated("sign in to read evaluations")
	}
	if f.State != "" && !slices.Contains(EvalStates, f.State) {
		return nil, "", errs.InvalidField("state", "must be one of %s", strings.Join(EvalStates, ", "))
	}
	if f.Category != "" && !ValidCategory(f.Category) {
		return nil, "", errs.InvalidField("category", "must be one of %s", strings.Join(Categories, ", "))
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	want := f.Limit
	f.Limit++
	list, err := listEvaluations(ctx, s.db, id.IsStaff() || id.IsSystem(), id.OrgIDs(), f, s.now())
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > want {
		list = list[:want]
		next = evaluationCursor(list[want-1])
	}
	ptrs := make([]*Evaluation, len(list))
	for i := range list {
		ptrs[i] = &list[i]
	}
	if err := s.nameLab(ctx, ptrs...); err != nil {
		return nil, "", err
	}
	return list, next, nil
}

// Transition takes an action on an evaluation (see Actions for who may
// take which, and when). Audited; the requester and the vendor are told.
func (s *Service) Transition(ctx context.Context, id *auth.Identity, evalID string, t Transition) (Detail, error) {
	if !validAction(t.Action) {
		return Detail{}, errs.InvalidField("action", "must be one of %s", strings.Join(Actions, ", "))
	}
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return Detail{}, err
	}
	if !slices.Contains(mayAct(a, e), t.Action) {
		if t.Action == ActReview && e.State == EvalAccepted && e.MaintenanceOf == nil && a.center {
			return Detail{}, errs.Conflict("an evaluation goes to review after the lab's report: only an assurance maintenance skips the lab")
		}
		if !slices.Contains(from[t.Action], e.State) {
			return Detail{}, errs.Conflict("an evaluation %s cannot be %s", strings.ReplaceAll(e.State, "_", " "), pastTense(t.Action))
		}
		return Detail{}, errs.Forbidden("you may not %s this evaluation", strings.ReplaceAll(t.Action, "_", " "))
	}
	now := s.now().UTC()
	was := e.State
	next := e
	next.Reason = ""
	var f errs.Fields
	reason := textField(&f, "reason", t.Reason, 4000, t.Action == ActRefuse || t.Action == ActSendBack ||
		(t.Action == ActDecide && t.Decision == EvalRejected))
	var approval *Approved
	switch t.Action {
	case ActAccept:
		c, err := getCatalogue(ctx, s.db, e.Category, 0)
		if errs.KindOf(err) == errs.KindNotFound {
			return Detail{}, errs.Conflict("there is no criteria catalogue for %s yet: publish one first", e.Category)
		} else if err != nil {
			return Detail{}, err
		}
		next.State, next.CatalogueVersion = EvalAccepted, &c.Version
	case ActRefuse:
		next.State, next.Reason = EvalRefused, reason
	case ActAssign:
		if t.LabID == "" {
			f.Add("lab_id", "is required")
			break
		}
		labs, err := labsFor(ctx, s.db, e.Category, now)
		if err != nil {
			return Detail{}, err
		}
		if !slices.Contains(labs, t.LabID) {
			f.Add("lab_id", "is not a lab whose accreditation covers %s today", e.Category)
			break
		}
		next.State, next.LabOrgID = EvalLabAssigned, &t.LabID
	case ActStart:
		next.State = EvalTesting
	case ActSubmit:
		if err := s.complete(ctx, e); err != nil {
			return Detail{}, err
		}
		next.State = EvalReportSubmitted
	case ActReview:
		next.State = EvalUnderReview
	case ActSendBack:
		next.State, next.Reason, next.SentBack = EvalTesting, reason, e.SentBack+1
	case ActDecide:
		switch t.Decision {
		case EvalApproved, EvalApprovedCond:
			p := s.approval(&f, e, t, now)
			approval = &p
			if err := s.checkGuideline(ctx, &f, p.GuidelineURL); err != nil {
				return Detail{}, err
			}
		case EvalRejected:
			next.Reason = reason
		default:
			f.Add("decision", "must be approved, approved_with_conditions or rejected")
		}
		next.State, next.DecidedAt = t.Decision, &now
	case ActWithdraw:
		next.State, next.Reason = EvalWithdrawn, reason
	}
	if err := f.Err(); err != nil {
		return Detail{}, err
	}
	next.StateSince, next.UpdatedAt = now, now
	if approval != nil {
		if err := s.nameLab(ctx, &e); err != nil {
			return Detail{}, err
		}
		approval.Lab = e.Lab
	}
	mail, err := s.partiesMail(ctx, e)
	if err != nil {
		return Detail{}, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := updateEvaluation(ctx, tx, next, was); err != nil {
			return err
		}
		ev := Event{At: now, Actor: id.Label(), From: was, To: next.State, Reason: next.Reason}
		if next.LabOrgID != nil {
			ev.LabID = *next.LabOrgID
		}
		if err := insertEvent(ctx, tx, e.ID, ev); err != nil {
			return err
		}
		summary := fmt.Sprintf("%s: %s → %s", e.Number, was, next.State)
		switch {
		case approval != nil && e.MaintenanceOf != nil:
			cert, err := maintainProduct(ctx, tx, *e.MaintenanceOf, e, approval.Conditions, now)
			if err != nil {
				return err
			}
			approval.CertificateID = cert
			summary += ", version " + e.Version + " added to certificate " + cert
		case approval != nil:
			cert, err := nextCertificate(ctx, tx, now)
			if err != nil {
				return err
			}
			approval.CertificateID = cert
			if err := insertProduct(ctx, tx, *approval); err != nil {
				return err
			}
			summary += ", certificate " + cert
		}
		if err := s.tell(ctx, tx, mail, next, describe(t.Action, next, approval)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "procurement.evaluation." + t.Action, ObjectType: "evaluation",
			ObjectID: e.ID, OrgID: e.RequesterOrgID, Summary: summary})
	})
	if err != nil {
		return Detail{}, err
	}
	return s.Evaluation(ctx, id, e.ID)
}

func pastTense(action string) string {
	switch action {
	case ActSendBack:
		return "sent back"
	case ActStart:
		return "started"
	case ActSubmit:
		return "submitted"
	case ActReview:
		return "reviewed"
	case ActDecide:
		return "decided"
	case ActWithdraw:
		return "withdrawn"
	case ActAssign:
		return "assigned"
	}
	return action + "ed"
}

// describe is what the parties are told of a change.
func describe(action string, e Evaluation, p *Approved) string {
	switch {
	case p != nil:
		s := fmt.Sprintf("approved: certificate %s, valid until %s", p.CertificateID, p.ValidUntil.Format(time.DateOnly))
		if p.Conditions != "" {
			s += "\nConditions: " + p.Conditions
		}
		return s
	case e.Reason != "":
		return strings.ReplaceAll(e.State, "_", " ") + ": " + e.Reason
	}
	return strings.ReplaceAll(e.State, "_", " ")
}

// complete checks that the lab has judged every requirement of the pinned
// catalogue version and uploaded its report.
func (s *Service) complete(ctx context.Context, e Evaluation) error {
	if e.CatalogueVersion == nil {
		return errs.Conflict("the evaluation has no catalogue version")
	}
	c, err := getCatalogue(ctx, s.db, e.Category, *e.CatalogueVersion)
	if err != nil {
		return err
	}
	results, err := listResults(ctx, s.db, e.ID)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, r := range results {
		done[r.Requirement] = true
	}
	var missing []string
	for _, r := range c.Requirements {
		if !done[r.ID] {
			missing = append(missing, r.ID)
		}
	}
	var f errs.Fields
	if len(missing) > 0 {
		f.Add("results", "%d requirements have no verdict yet: %s", len(missing), strings.Join(missing[:min(len(missing), 10)], ", "))
	}
	if ok, err := hasReport(ctx, s.db, e.ID); err != nil {
		return err
	} else if !ok {
		f.Add("report", "upload the report (a PDF) before submitting")
	}
	return f.Err()
}

// approval makes the approved-products entry of a decision.
func (s *Service) approval(f *errs.Fields, e Evaluation, t Transition, now time.Time) Approved {
	p := Approved{ID: db.NewID(), EvaluationID: &e.ID, Product: e.Product, Vendor: e.Vendor, Versions: e.Version,
		Category: e.Category, State: t.Decision, Scheme: SchemeCerthub, DecidedAt: now,
		Conditions: textField(f, "conditions", t.Conditions, 4000, t.Decision == EvalApprovedCond),
		CreatedAt:  now, UpdatedAt: now}
	until := now.AddDate(2, 0, 0).Truncate(24 * time.Hour)
	if t.ValidUntil != "" {
		d, err := time.Parse(time.DateOnly, t.ValidUntil)
		switch {
		case err != nil:
			f.Add("valid_until", "must be a date, YYYY-MM-DD")
		case !d.After(now):
			f.Add("valid_until", "must be after today")
		case d.After(now.AddDate(5, 0, 0)):
			f.Add("valid_until", "must be within five years")
		default:
			until = d
		}
	}
	p.ValidUntil = &until
	if t.GuidelineURL != "" {
		u, err := url.Parse(strings.TrimSpace(t.GuidelineURL))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http" && !strings.HasPrefix(t.GuidelineURL, "/")) || len(t.GuidelineURL) > 2000 {
			f.Add("guideline_url", "must be a web address (https://…) or a path on this site (/advisories/…)")
		} else {
			p.GuidelineURL = u.String()
		}
	}
	return p
}

// partiesMail answers the addresses of the requester's and the vendor's
// contacts (read before the transaction that tells them).
func (s *Service) partiesMail(ctx context.Context, e Evaluation) ([]string, error) {
	if s.outbox == nil {
		return nil, nil
	}
	orgs, err := s.orgs.GetMany(ctx, system, compact(e.RequesterOrgID, deref(e.VendorOrgID)))
	if err != nil {
		return nil, err
	}
	var to []string
	for _, o := range orgs {
		for _, c := range o.Contacts {
			if c.Email != "" && !slices.Contains(to, c.Email) {
				to = append(to, c.Email)
			}
		}
	}
	return to, nil
}

// tell mails the parties of e what happened, in tx.
func (s *Service) tell(ctx context.Context, tx *db.Tx, to []string, e Evaluation, what string) error {
	if s.outbox == nil || len(to) == 0 {
		return nil
	}
	text := fmt.Sprintf("Evaluation %s of %s %s %s (%s): %s.\n\n%s/console/procurement/evaluations/%s\n",
		e.Number, e.Vendor, e.Product, e.Version, e.Category, what, s.baseURL, e.ID)
	return s.outbox.Send(ctx, tx, notify.Mail{To: to, Subject: fmt.Sprintf("[%s] %s", e.Number, strings.ReplaceAll(e.State, "_", " ")),
		Text: text, Tag: "procurement.evaluation"})
}

// SetSBOM replaces an evaluation's SBOM (the requester, the vendor or
// staff; before testing starts).
func (s *Service) SetSBOM(ctx context.Context, id *auth.Identity, evalID string, data []byte) (Detail, error) {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return Detail{}, err
	}
	if !a.acts || !(a.center || a.requester || a.vendor) {
		return Detail{}, errs.Forbidden("only the requester, the vendor and the center give the SBOM")
	}
	if e.State != EvalRequested && e.State != EvalAccepted && e.State != EvalLabAssigned {
		return Detail{}, errs.Conflict("the SBOM is fixed once testing has started")
	}
	doc, err := sbom.Parse(bytes.NewReader(data))
	if err != nil {
		return Detail{}, err
	}
	now := s.now().UTC()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		next := e
		next.SBOMFormat, next.SBOMSpecVersion, next.SBOMComponents, next.UpdatedAt = doc.Format, doc.SpecVersion, len(doc.Components), now
		if err := updateEvaluation(ctx, tx, next, e.State); err != nil {
			return err
		}
		if err := replaceComponents(ctx, tx, e.ID, doc.Components); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "procurement.evaluation.sbom", ObjectType: "evaluation", ObjectID: e.ID,
			OrgID: e.RequesterOrgID, Summary: fmt.Sprintf("%s: SBOM %s %s with %d components", e.Number, doc.Format, doc.SpecVersion, len(doc.Components))})
	})
	if err != nil {
		return Detail{}, err
	}
	return s.Evaluation(ctx, id, e.ID)
}

// testing answers e when id tests it now: a member above viewer of its
// lab, the accreditation covering the category, the evaluation in testing.
func (s *Service) testing(ctx context.Context, id *auth.Identity, evalID string) (Evaluation, error) {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return Evaluation{}, err
	}
	if !a.lab || !a.acts {
		return Evaluation{}, errs.Forbidden("only the assigned lab records results")
	}
	if e.State != EvalTesting {
		return Evaluation{}, errs.Conflict("results are recorded while the evaluation is in testing (it is %s)", strings.ReplaceAll(e.State, "_", " "))
	}
	return e, nil
}

// SetResult records the lab's verdict on a requirement of the pinned
// catalogue version. Audited.
func (s *Service) SetResult(ctx context.Context, id *auth.Identity, evalID, requirement string, in ResultInput) (Result, error) {
	e, err := s.testing(ctx, id, evalID)
	if err != nil {
		return Result{}, err
	}
	c, err := getCatalogue(ctx, s.db, e.Category, deref(e.CatalogueVersion))
	if err != nil {
		return Result{}, err
	}
	if !slices.ContainsFunc(c.Requirements, func(r Requirement) bool { return r.ID == requirement }) {
		return Result{}, errs.NotFound("no requirement %q in version %d of the %s catalogue", requirement, c.Version, c.Category)
	}
	var f errs.Fields
	if !slices.Contains(Verdicts, in.Verdict) {
		f.Add("verdict", "must be one of %s", strings.Join(Verdicts, ", "))
	}
	notes := textField(&f, "notes", in.Notes, 8000, in.Verdict == VerdictFail || in.Verdict == VerdictInconclusive || in.Verdict == VerdictNotApplicable)
	if err := f.Err(); err != nil {
		return Result{}, err
	}
	now := s.now().UTC()
	r := Result{Requirement: requirement, Verdict: in.Verdict, Notes: notes, UpdatedBy: id.Label(), UpdatedAt: now}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := saveResult(ctx, tx, e.ID, r); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "procurement.evaluation.result", ObjectType: "evaluation", ObjectID: e.ID,
			OrgID: deref(e.LabOrgID), Summary: fmt.Sprintf("%s: %s %s", e.Number, requirement, in.Verdict)})
	})
	return r, err
}

// AddFinding records a finding of the lab, scored with CVSS 3.1 or 4.0.
// Audited.
func (s *Service) AddFinding(ctx context.Context, id *auth.Identity, evalID string, in FindingInput) (Finding, error) {
	e, err := s.testing(ctx, id, evalID)
	if err != nil {
		return Finding{}, err
	}
	var f errs.Fields
	fd := Finding{ID: db.NewID(), Title: textField(&f, "title", in.Title, 300, true),
		Description: textField(&f, "description", in.Description, 20000, false),
		Requirement: strings.TrimSpace(in.Requirement), CreatedBy: id.Label(), CreatedAt: s.now().UTC()}
	if v := strings.TrimSpace(in.CVSSVector); v != "" {
		sc, err := cvss.Parse(v)
		if err != nil || (sc.Version != cvss.V31 && sc.Version != cvss.V40) {
			f.Add("cvss_vector", "must be a CVSS 3.1 or 4.0 vector (CVSS:3.1/AV:N/… or CVSS:4.0/AV:N/…)")
		} else {
			fd.CVSSVector, fd.Severity = sc.Vector, strings.ToLower(sc.Severity)
			fd.CVSSScore = &sc.Score
		}
	}
	if w := strings.ToUpper(strings.TrimSpace(in.CWE)); w != "" {
		if !validCWE(w) {
			f.Add("cwe", "must be a CWE ID such as CWE-79")
		}
		fd.CWE = w
	}
	if fd.Requirement != "" && e.CatalogueVersion != nil {
		c, err := getCatalogue(ctx, s.db, e.Category, *e.CatalogueVersion)
		if err != nil {
			return Finding{}, err
		}
		if !slices.ContainsFunc(c.Requirements, func(r Requirement) bool { return r.ID == fd.Requirement }) {
			f.Add("requirement", "is not a requirement of version %d of the catalogue", c.Version)
		}
	}
	if err := f.Err(); err != nil {
		return Finding{}, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := insertFinding(ctx, tx, e.ID, fd); err != nil {
			return err
		}
		return audit.Record(ctx, tx, fd.CreatedAt, audit.Event{Action: "procurement.evaluation.finding", ObjectType: "evaluation",
			ObjectID: e.ID, OrgID: deref(e.LabOrgID), Summary: fmt.Sprintf("%s: finding %q %s", e.Number, fd.Title, fd.Severity)})
	})
	return fd, err
}

func validCWE(s string) bool {
	n, ok := strings.CutPrefix(s, "CWE-")
	if !ok || n == "" || len(n) > 6 {
		return false
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ReleaseFinding shows a finding to the requester and the vendor (staff).
// Audited.
func (s *Service) ReleaseFinding(ctx context.Context, id *auth.Identity, evalID, findingID string) error {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return err
	}
	if !a.center {
		return errs.Forbidden("only the center releases findings")
	}
	now := s.now().UTC()
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if err := releaseFinding(ctx, tx, e.ID, findingID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "procurement.evaluation.release", ObjectType: "evaluation",
			ObjectID: e.ID, OrgID: e.RequesterOrgID, Summary: fmt.Sprintf("%s: finding %s released to the vendor", e.Number, findingID)})
	})
}

// FileInput is a document to add to an evaluation.
type FileInput struct {
	Kind        string
	Requirement string
	Name        string
	Data        []byte
}

// AddFile adds a document: the requester, the vendor or staff give the
// datasheet and hardening guide while the evaluation is open; the lab its
// evidence and its report (a PDF, checked to be one) while testing.
// Audited.
func (s *Service) AddFile(ctx context.Context, id *auth.Identity, evalID string, in FileInput) (File, error) {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return File{}, err
	}
	var f errs.Fields
	if !slices.Contains(FileKinds, in.Kind) {
		return File{}, errs.InvalidField("kind", "must be one of %s", strings.Join(FileKinds, ", "))
	}
	switch in.Kind {
	case FileDatasheet, FileHardeningGuide:
		if !a.acts || !(a.center || a.requester || a.vendor) {
			return File{}, errs.Forbidden("only the requester, the vendor and the center add product documents")
		}
		if !e.Open() {
			return File{}, errs.Conflict("the evaluation is closed")
		}
	default:
		if !a.lab || !a.acts {
			return File{}, errs.Forbidden("only the assigned lab adds evidence and its report")
		}
		if e.State != EvalTesting {
			return File{}, errs.Conflict("evidence and the report are added while the evaluation is in testing")
		}
	}
	name := textField(&f, "file", path.Base(strings.ReplaceAll(in.Name, `\`, "/")), 200, true)
	if len(in.Data) == 0 {
		f.Add("file", "is empty")
	}
	if len(in.Data) > MaxFileSize {
		f.Add("file", "is larger than %d MB", MaxFileSize>>20)
	}
	ctype := http.DetectContentType(in.Data)
	if in.Kind == FileReport && !isPDF(in.Data) {
		f.Add("file", "is not a PDF: the report must be one")
	}
	if in.Kind == FileReport || strings.HasSuffix(strings.ToLower(name), ".pdf") && isPDF(in.Data) {
		ctype = "application/pdf"
	}
	if in.Requirement != "" && in.Kind == FileEvidence {
		in.Requirement = textField(&f, "requirement", in.Requirement, 40, false)
	} else {
		in.Requirement = ""
	}
	if err := f.Err(); err != nil {
		return File{}, err
	}
	sum := sha256.Sum256(in.Data)
	fl := File{ID: db.NewID(), Kind: in.Kind, Requirement: in.Requirement, Name: name, ContentType: ctype,
		Size: int64(len(in.Data)), SHA256: hex.EncodeToString(sum[:]), UploadedBy: id.Label(), CreatedAt: s.now().UTC()}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := insertFile(ctx, tx, e.ID, fl, in.Data); err != nil {
			return err
		}
		return audit.Record(ctx, tx, fl.CreatedAt, audit.Event{Action: "procurement.evaluation.file", ObjectType: "evaluation",
			ObjectID: e.ID, OrgID: e.RequesterOrgID, Summary: fmt.Sprintf("%s: %s %q (%d bytes, sha256 %s)", e.Number, in.Kind, name, fl.Size, fl.SHA256)})
	})
	return fl, err
}

// isPDF reports whether data looks like a whole PDF file: the header
// within the first kilobyte (as readers accept it), a cross-reference and
// the end-of-file marker in the last kilobyte.
func isPDF(data []byte) bool {
	head := data[:min(len(data), 1024)]
	i := bytes.Index(head, []byte("%PDF-1."))
	if i < 0 {
		i = bytes.Index(head, []byte("%PDF-2."))
	}
	if i < 0 {
		return false
	}
	tail := data[max(0, len(data)-1024):]
	return bytes.Contains(tail, []byte("%%EOF")) && bytes.Contains(tail, []byte("startxref"))
}

// FileContent answers a document and its bytes, as id may read them: the
// requester and the vendor read the product documents, the lab and the
// center every one.
func (s *Service) FileContent(ctx context.Context, id *auth.Identity, evalID, fileID string) (File, []byte, error) {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return File{}, nil, err
	}
	f, data, err := getFile(ctx, s.db, e.ID, fileID)
	if err != nil {
		return File{}, nil, err
	}
	if a.party() && (f.Kind == FileEvidence || f.Kind == FileReport) {
		return File{}, nil, errs.NotFound("no file of that ID in this evaluation")
	}
	return f, data, nil
}

// EvaluationCheck matches an evaluation's SBOM against the OSV records
// loaded (the center and the lab).
func (s *Service) EvaluationCheck(ctx context.Context, id *auth.Identity, evalID string) (SBOMCheck, error) {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return SBOMCheck{}, err
	}
	if !a.center && !a.lab {
		return SBOMCheck{}, errs.Forbidden("only the center and the lab read the SBOM check")
	}
	cs, err := listComponents(ctx, s.db, e.ID)
	if err != nil {
		return SBOMCheck{}, err
	}
	return s.check(ctx, sbom.SBOM{Format: e.SBOMFormat, SpecVersion: e.SBOMSpecVersion, Product: e.Product, Components: cs})
}

// checkGuideline checks that a link to a publication of this site is a
// published hardening guideline (when the publications are wired in).
func (s *Service) checkGuideline(ctx context.Context, f *errs.Fields, link string) error {
	if s.guides == nil || !strings.HasPrefix(link, "/advisories/") {
		return nil
	}
	list, err := s.guides.Guidelines(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(list, func(g Guideline) bool { return g.URL == link }) {
		f.Add("guideline_url", "is not a published hardening guideline of this site")
	}
	return nil
}

// Guidelines answers the hardening guidelines an approval may point to.
func (s *Service) Guidelines(ctx context.Context) ([]Guideline, error) {
	if s.guides == nil {
		return nil, nil
	}
	return s.guides.Guidelines(ctx)
}
