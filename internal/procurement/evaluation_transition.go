package procurement

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/procurement/catalogue"
)

// Transition takes an action on an evaluation (see Actions for who may
// take which, and when). Audited; the requester and the vendor are told.
func (s *Service) Transition(ctx context.Context, id *auth.Identity, evalID string, t Transition) (Detail, error) {
	if !ValidAction(t.Action) {
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
		c, err := catalogue.Get(ctx, s.db, e.Category, 0)
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
	c, err := catalogue.Get(ctx, s.db, e.Category, *e.CatalogueVersion)
	if err != nil {
		return err
	}
	given, err := results.Of(ctx, s.db, e.ID)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, r := range given {
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
