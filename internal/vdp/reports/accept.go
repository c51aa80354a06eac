package reports

import (
	"context"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
)

// Cases is what accepting a report needs of the cases, in the
// transaction that accepts it (the vdp Service provides it).
type Cases interface {
	// Open opens a case from r, titled title (r's title when "").
	Open(ctx context.Context, tx *db.Tx, id *auth.Identity, r model.Report, title string) (model.Case, error)
	// Join attaches r to the case caseID that id runs (errs.KindNotFound
	// when id runs no such case) and answers the case.
	Join(ctx context.Context, tx *db.Tx, id *auth.Identity, r model.Report, caseID string) (model.Case, error)
}

// AcceptInput says what to do with a valid report: take it into a new case
// (Title), attach it to an existing case (CaseID), or only track it (Track).
type AcceptInput struct {
	CaseID string `json:"case_id"`
	Title  string `json:"title"`
	Track  bool   `json:"track"`
}

// Accept takes a report into a case (or tracks it without coordinating).
func (s *Service) Accept(ctx context.Context, id *auth.Identity, reportID string, in AcceptInput) (model.Report, *model.Case, error) {
	var out model.Report
	var created *model.Case
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		r, err := s.triageTx(ctx, tx, id, reportID)
		if err != nil {
			return err
		}
		if !r.Status.Open() {
			return errs.Conflict("the report is %s already", r.Status)
		}
		before := r
		now := s.now()
		s.close(&r, model.ReportAccepted)
		r.ClosedAt = nil
		if r.Validity == "" {
			r.Validity = "valid"
		}
		var summary, msg string
		switch {
		case in.Track:
			r.Status = model.ReportTracked
			r.ClosedAt = &now
			summary = "tracked without coordination"
			msg = "Thank you. We have confirmed your report and are tracking it; we are not coordinating a disclosure ourselves."
		case in.CaseID != "":
			c, err := s.cases.Join(ctx, tx, id, r, in.CaseID)
			if errs.KindOf(err) == errs.KindNotFound {
				return errs.InvalidField("case_id", "is not a case you coordinate")
			}
			if err != nil {
				return err
			}
			r.CaseID = &c.ID
			summary = "attached to " + c.Number
			msg = "We have accepted your report and handle it in case " + c.Number + "."
		default:
			c, err := s.cases.Open(ctx, tx, id, r, in.Title)
			if err != nil {
				return err
			}
			created = &c
			r.CaseID = &c.ID
			summary = "opened case " + c.Number
			msg = "We have accepted your report and opened case " + c.Number + " to coordinate it with the vendor."
		}
		r.UpdatedAt = now
		if err := store.SaveReport(ctx, tx, r); err != nil {
			return err
		}
		out = r
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "report.accept", ObjectType: "report", ObjectID: r.ID,
			OrgID: deref(r.AssignedOrgID), Summary: r.TrackingID + ": " + summary, Before: trimForAudit(before), After: trimForAudit(r)}); err != nil {
			return err
		}
		return s.tellReporter(ctx, tx, r, &id.User.ID, msg, "Your report was accepted")
	})
	return out, created, err
}
