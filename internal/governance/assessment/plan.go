package assessment

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// AddPlan adds an action to the remediation plan: by the assessor, the
// CERT's analysts, staff, or the organisation's own members; its owner is
// the organisation assessed when left out. Audited; the owner is mailed.
func (s *Service) AddPlan(ctx context.Context, id *auth.Identity, ref string, in PlanInput) (PlanItem, error) {
	rd, err := readerOf(id)
	if err != nil {
		return PlanItem{}, err
	}
	var a Assessment
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { a, err = s.read(ctx, q, rd, ref); return err }); err != nil {
		return PlanItem{}, err
	}
	if !rd.can(a).Plan {
		if a.State == Closed {
			return PlanItem{}, errs.Conflict("the assessment is closed")
		}
		return PlanItem{}, errs.Forbidden("the organisation assessed, its CERT and the assessor keep the remediation plan")
	}
	in.OwnerOrgID = cmp.Or(strings.TrimSpace(in.OwnerOrgID), a.OrgID)
	var f errs.Fields
	if err := in.Check(); err != nil {
		if e := errs.As(err); e != nil {
			f = append(f, e.Fields...)
		} else {
			return PlanItem{}, err
		}
	}
	in.Requirement = strings.TrimSpace(in.Requirement)
	if in.Requirement != "" {
		b, err := s.baseline(ctx, a.Baseline, a.BaselineVersion)
		if err != nil {
			return PlanItem{}, err
		}
		if c, ok := b.Find(in.Requirement); ok {
			in.Requirement = c.ID
		} else {
			f.Add("requirement", "no control %s in the baseline assessed", in.Requirement)
		}
	}
	if in.OwnerOrgID != a.OrgID && in.OwnerOrgID != a.CERTOrgID && in.OwnerOrgID != a.AssessorOrgID {
		f.Add("owner_org_id", "the organisation assessed, its CERT or the assessor")
	}
	if err := f.Err(); err != nil {
		return PlanItem{}, err
	}
	to, err := s.emails(ctx, in.OwnerOrgID)
	if err != nil {
		return PlanItem{}, err
	}
	now := s.now().UTC()
	var out actions.Action
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if out, err = plan.Add(ctx, tx, a.ID, in.Input, id.Label(), now); err != nil {
			return err
		}
		if in.Requirement != "" {
			if _, err := tx.Exec(ctx, `UPDATE governance_assessment_actions SET requirement = $2 WHERE id = $1`, out.ID, in.Requirement); err != nil {
				return fmt.Errorf("assessment: plan: %w", err)
			}
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "governance.assessment.plan", ObjectType: "assessment", ObjectID: a.ID,
			OrgID: a.OrgID, Summary: fmt.Sprintf("%s: remediation %q due %s", a.Number, out.Title, cmp.Or(out.DueOn, "—")), After: in}); err != nil {
			return err
		}
		return s.mail(ctx, tx, to, "governance.assessment.plan", a.Number+": a remediation action for you",
			fmt.Sprintf("%s\nDue: %s\n\nMark it done when it is: %s/console/assessments/%s", out.Title, cmp.Or(out.DueOn, "no date"), s.baseURL, a.ID))
	})
	if err != nil {
		return PlanItem{}, err
	}
	return PlanItem{Action: out, Requirement: in.Requirement}, nil
}

// MovePlan moves an action of a plan on (done, dropped with the reason, or
// open again): its owner's members, the CERT's analysts or staff. Audited.
func (s *Service) MovePlan(ctx context.Context, id *auth.Identity, actionID string, c actions.Change) (PlanItem, error) {
	rd, err := readerOf(id)
	if err != nil {
		return PlanItem{}, err
	}
	now := s.now().UTC()
	var out actions.Action
	var a Assessment
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		parent, err := parentOf(ctx, tx, actionID)
		if err != nil {
			return err
		}
		if a, err = s.read(ctx, tx, rd, parent); err != nil {
			return errs.NotFound("no such action")
		}
		before, err := plan.Get(ctx, tx, a.ID, actionID, now)
		if err != nil {
			return err
		}
		if a.State == Closed {
			return errs.Conflict("the assessment is closed")
		}
		if !rd.moves(a, before.OwnerOrgID) {
			return errs.Forbidden("the organisation that owns the action, or the CERT, moves it")
		}
		if out, err = plan.Move(ctx, tx, before, c, id.Label(), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.assessment.action." + out.Status, ObjectType: "assessment",
			ObjectID: a.ID, OrgID: before.OwnerOrgID, Summary: fmt.Sprintf("%s: remediation %s: %s", a.Number, out.Status, out.Title), Before: before, After: out})
	})
	if err != nil {
		return PlanItem{}, err
	}
	var list []PlanItem
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { list, err = planItems(ctx, q, a.ID, now); return err }); err != nil {
		return PlanItem{}, err
	}
	for _, p := range list {
		if p.ID == out.ID {
			return p, nil
		}
	}
	return PlanItem{Action: out}, nil
}

// Close closes a reported assessment once its plan has no open action (the
// CERT's analysts or staff). Audited.
func (s *Service) Close(ctx context.Context, id *auth.Identity, ref string) (Assessment, error) {
	rd, err := readerOf(id)
	if err != nil {
		return Assessment{}, err
	}
	var a Assessment
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { a, err = s.read(ctx, q, rd, ref); return err }); err != nil {
		return Assessment{}, err
	}
	if !rd.can(a).Close {
		if a.State != Reported {
			return Assessment{}, errs.Conflict("only a reported assessment is closed (it is %s)", strings.ReplaceAll(a.State, "_", " "))
		}
		return Assessment{}, errs.Forbidden("the CERT's analysts or the center's staff close an assessment")
	}
	now := s.now().UTC()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := closed(ctx, tx, a.ID, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.assessment.close", ObjectType: "assessment", ObjectID: a.ID,
			OrgID: a.OrgID, Summary: a.Number + " closed: the remediation plan is done"})
	})
	if err != nil {
		return Assessment{}, err
	}
	d, err := s.Get(ctx, system, a.ID)
	return d.Assessment, err
}
