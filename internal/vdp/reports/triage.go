package reports

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/ssvc"
	"github.com/certhub/certhub/internal/vdp/cwe"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
)

// triageTx loads a report for a change only its triagers may make.
func (s *Service) triageTx(ctx context.Context, tx *db.Tx, id *auth.Identity, reportID string) (model.Report, error) {
	r, err := store.GetReport(ctx, tx, "id = $1", reportID)
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
func (s *Service) change(ctx context.Context, id *auth.Identity, reportID, action string, fn func(tx *db.Tx, r *model.Report) (string, error)) (model.Report, error) {
	var out model.Report
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
		if err := store.SaveReport(ctx, tx, r); err != nil {
			return err
		}
		out = r
		return audit.Record(ctx, tx, r.UpdatedAt, audit.Event{Action: action, ObjectType: "report", ObjectID: r.ID,
			OrgID: deref(r.AssignedOrgID), Summary: r.TrackingID + ": " + summary, Before: trimForAudit(before), After: trimForAudit(r)})
	})
	return out, err
}

// trimForAudit keeps the triage state in the audit log, not the report's text.
func trimForAudit(r model.Report) map[string]any {
	return map[string]any{"status": r.Status, "validity": r.Validity, "assigned_org_id": r.AssignedOrgID, "case_id": r.CaseID,
		"duplicate_of": r.DuplicateOf, "cwe": r.CWE, "cvss3": store.Vector(r.CVSS3), "cvss4": store.Vector(r.CVSS4),
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

// Triage records validity, CWE, CVSS, SSVC, sectors and the vendor.
func (s *Service) Triage(ctx context.Context, id *auth.Identity, reportID string, in TriageInput) (model.Report, error) {
	var f errs.Fields
	var c3, c4 *cvss.Score
	var triage, publish *ssvc.Decision
	if in.Validity != nil && *in.Validity != "" && *in.Validity != "valid" && *in.Validity != "invalid" {
		f.Add("validity", "must be valid, invalid or empty")
	}
	if in.CWE != nil {
		norm, problem := cwe.Normalize(*in.CWE)
		if problem != "" {
			f.Add("cwe", "%s", problem)
		}
		*in.CWE = norm
	}
	addErr := func(err error) {
		if e := errs.As(err); e != nil {
			f = append(f, e.Fields...)
		}
	}
	if in.CVSS3 != nil {
		var err error
		if c3, err = model.ParseVector("cvss3", *in.CVSS3, "3"); err != nil {
			addErr(err)
		}
	}
	if in.CVSS4 != nil {
		var err error
		if c4, err = model.ParseVector("cvss4", *in.CVSS4, "4"); err != nil {
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
		return model.Report{}, err
	}
	return s.change(ctx, id, reportID, "report.triage", func(tx *db.Tx, r *model.Report) (string, error) {
		var changed []string
		if in.Validity != nil && *in.Validity != r.Validity {
			r.Validity = *in.Validity
			changed = append(changed, "validity "+cmp.Or(r.Validity, "—"))
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
func (s *Service) Acknowledge(ctx context.Context, id *auth.Identity, reportID, text string) (model.Report, error) {
	return s.change(ctx, id, reportID, "report.acknowledge", func(tx *db.Tx, r *model.Report) (string, error) {
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
func (s *Service) MessageReporter(ctx context.Context, id *auth.Identity, reportID, text string) (model.Report, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return model.Report{}, errs.InvalidField("message", "is empty")
	}
	if utf8.RuneCountInString(text) > model.MaxText {
		return model.Report{}, errs.InvalidField("message", "must be at most %d characters", model.MaxText)
	}
	return s.change(ctx, id, reportID, "report.message", func(tx *db.Tx, r *model.Report) (string, error) {
		if r.AcknowledgedAt == nil {
			now := s.now()
			r.AcknowledgedAt = &now
		}
		return "wrote to the reporter", s.tellReporter(ctx, tx, *r, &id.User.ID, text, "A message about your report")
	})
}

// RequestInfo asks the reporter for more and pauses the triage clock.
func (s *Service) RequestInfo(ctx context.Context, id *auth.Identity, reportID, question string) (model.Report, error) {
	question = strings.TrimSpace(question)
	if question == "" {
		return model.Report{}, errs.InvalidField("message", "say what you need to know")
	}
	return s.change(ctx, id, reportID, "report.need_info", func(tx *db.Tx, r *model.Report) (string, error) {
		if !r.Status.Open() {
			return "", errs.Conflict("the report is %s already", r.Status)
		}
		now := s.now()
		r.Status = model.ReportNeedInfo
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
func (s *Service) Decline(ctx context.Context, id *auth.Identity, reportID, reason string) (model.Report, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return model.Report{}, errs.InvalidField("reason", "tell the reporter why the report is declined")
	}
	return s.change(ctx, id, reportID, "report.decline", func(tx *db.Tx, r *model.Report) (string, error) {
		if !r.Status.Open() {
			return "", errs.Conflict("the report is %s already", r.Status)
		}
		s.close(r, model.ReportDeclined)
		r.DeclineReason = reason
		return "declined", s.tellReporter(ctx, tx, *r, &id.User.ID, "We have decided not to take this report further: "+reason, "Your report was declined")
	})
}

func (s *Service) close(r *model.Report, status model.ReportStatus) {
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
func (s *Service) MarkDuplicate(ctx context.Context, id *auth.Identity, reportID, originalID string) (model.Report, error) {
	if originalID == reportID || originalID == "" {
		return model.Report{}, errs.InvalidField("duplicate_of", "name another report")
	}
	return s.change(ctx, id, reportID, "report.duplicate", func(tx *db.Tx, r *model.Report) (string, error) {
		if !r.Status.Open() {
			return "", errs.Conflict("the report is %s already", r.Status)
		}
		orig, err := store.GetReport(ctx, tx, "id = $1", originalID)
		if errs.KindOf(err) == errs.KindNotFound {
			return "", errs.InvalidField("duplicate_of", "is not a report")
		}
		if err != nil {
			return "", err
		}
		if see, _ := reportAccess(id, &orig); !see {
			return "", errs.InvalidField("duplicate_of", "is not a report")
		}
		s.close(r, model.ReportDuplicate)
		r.DuplicateOf = &orig.ID
		msg := "Your report describes the same issue as one we received earlier (" + orig.TrackingID + "). We handle them together."
		if orig.CaseID != nil {
			r.CaseID = orig.CaseID
		}
		return "duplicate of " + orig.TrackingID, s.tellReporter(ctx, tx, *r, &id.User.ID, msg, "Your report duplicates an earlier one")
	})
}

// Route assigns the report to a CERT by hand.
func (s *Service) Route(ctx context.Context, id *auth.Identity, reportID, orgID string) (model.Report, error) {
	o, err := s.orgs.Get(ctx, system, orgID)
	if err != nil || !o.Kind.IsCERT() {
		return model.Report{}, errs.InvalidField("org_id", "must be a CERT of the directory")
	}
	return s.change(ctx, id, reportID, "report.route", func(tx *db.Tx, r *model.Report) (string, error) {
		r.AssignedOrgID, r.RoutedBy = &o.ID, "manual"
		return "routed to " + o.Name, s.tellAssigned(ctx, tx, *r, fmt.Sprintf("[%s] Report routed to your team: %s", r.TrackingID, r.Title),
			fmt.Sprintf("%s was routed to %s.\n\nTriage it here:\n%s\n", r.TrackingID, o.Name, s.link("/console/reports/"+r.ID)), "report.routed")
	})
}

// Messages of a report for the console (triagers and submitters).
func (s *Service) Messages(ctx context.Context, id *auth.Identity, reportID string) ([]model.Message, error) {
	d, err := s.Get(ctx, id, reportID)
	if err != nil {
		return nil, err
	}
	return d.Messages, nil
}
