package incident

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/coordination/deadline"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// AddTask adds a task for the owning CERT or a CERT the incident
// involves, or (in.Done with taskID) marks one done: its CERT's members
// and the owner's. Audited.
func (s *Service) AddTask(ctx context.Context, id *auth.Identity, ref string, in TaskInput) (Task, error) {
	var f errs.Fields
	text(&f, "title", &in.Title, true, MaxTitle)
	due, ok := parseTime(in.DueAt)
	if !ok {
		f.Add("due_at", "a time (2026-03-01T14:30:00Z) or a date")
	}
	if err := f.Err(); err != nil {
		return Task{}, err
	}
	var t Task
	_, err := s.change(ctx, id, ref, "task", handler, func(tx *db.Tx, inc *Incident, inv []Involved, _ standing, d directoryOf, now time.Time) ([]Event, error) {
		owner := strings.TrimSpace(in.OwnerOrgID)
		if owner == "" {
			owner = inc.OwnerOrgID
		}
		if owner != inc.OwnerOrgID && !slices.Contains(orgsOf(inv), owner) && (inc.ReporterOrgID == nil || *inc.ReporterOrgID != owner) {
			return nil, errs.InvalidField("owner_org_id", "the owning CERT, a CERT the incident involves, or the reporter")
		}
		t = Task{ID: db.NewID(), Title: in.Title, OwnerOrgID: owner, DueAt: due, CreatedAt: now}
		if err := insertTask(ctx, tx, inc.ID, t); err != nil {
			return nil, err
		}
		vis := Internal
		if owner != inc.OwnerOrgID {
			vis = CERTs
			if inc.ReporterOrgID != nil && *inc.ReporterOrgID == owner {
				vis = Reporter
			}
		}
		return []Event{{Kind: "task", Visibility: vis, Summary: fmt.Sprintf("task for %s: %s", d.name(owner), t.Title)}}, nil
	})
	return t, err
}

// FinishTask marks a task done (a member above viewer of its CERT, or the
// incident's handler). Audited.
func (s *Service) FinishTask(ctx context.Context, id *auth.Identity, ref, taskID string) error {
	_, err := s.change(ctx, id, ref, "task.done", func(st standing) error {
		if !st.writes && !st.handles {
			return errs.Forbidden("viewers read incidents; members act on them")
		}
		return nil
	}, func(tx *db.Tx, inc *Incident, _ []Involved, st standing, d directoryOf, now time.Time) ([]Event, error) {
		tasks, err := listTasks(ctx, tx, inc.ID, now)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(tasks, func(t Task) bool { return t.ID == taskID })
		if i < 0 {
			return nil, errs.NotFound("no such task")
		}
		t := tasks[i]
		if !st.handles && !above(id, t.OwnerOrgID) {
			return nil, errs.Forbidden("the task is %s's", d.name(t.OwnerOrgID))
		}
		done, err := finishTask(ctx, tx, inc.ID, taskID, id.Label(), now)
		if err != nil || !done {
			return nil, err // done already: nothing to do
		}
		return []Event{{Kind: "task_done", Visibility: Internal, Summary: "task done: " + t.Title}}, nil
	})
	return err
}

// AddLink ties the incident to a case, a publication or another incident
// the handler may see. Audited.
func (s *Service) AddLink(ctx context.Context, id *auth.Identity, ref string, l Link) (Link, error) {
	l.Kind, l.Ref = strings.TrimSpace(l.Kind), strings.TrimSpace(l.Ref)
	var f errs.Fields
	if !slices.Contains(LinkKinds, l.Kind) {
		f.Add("kind", "one of %s", strings.Join(LinkKinds, ", "))
	}
	text(&f, "ref", &l.Ref, true, 200)
	if err := f.Err(); err != nil {
		return Link{}, err
	}
	_, err := s.change(ctx, id, ref, "link", handler, func(tx *db.Tx, inc *Incident, _ []Involved, _ standing, _ directoryOf, now time.Time) ([]Event, error) {
		if l.Kind == "incident" {
			other, _, _, err := s.load(ctx, tx, id, l.Ref)
			if err != nil {
				return nil, errs.InvalidField("ref", "no incident of that number you may see")
			}
			if other.ID == inc.ID {
				return nil, errs.InvalidField("ref", "an incident is not linked to itself")
			}
			l.Ref = other.Number
		}
		l.AddedAt = now
		added, err := insertLink(ctx, tx, inc.ID, l)
		if err != nil || !added {
			return nil, err
		}
		return []Event{{Kind: "link", Visibility: CERTs, Summary: fmt.Sprintf("linked to %s %s", l.Kind, l.Ref)}}, nil
	})
	return l, err
}

// Transfer hands the incident to another CERT, explicitly and recorded:
// the new owner handles it from now on, the previous one stays involved
// (it reads the CERTs' notes), the assignee is cleared. Audited.
func (s *Service) Transfer(ctx context.Context, id *auth.Identity, ref string, t Transfer) (Incident, error) {
	var f errs.Fields
	text(&f, "reason", &t.Reason, true, 2000)
	t.OrgID = strings.TrimSpace(t.OrgID)
	if t.OrgID == "" {
		f.Add("org_id", "name the CERT that takes the incident over")
	}
	if err := f.Err(); err != nil {
		return Incident{}, err
	}
	return s.change(ctx, id, ref, "transfer", handler, func(tx *db.Tx, inc *Incident, inv []Involved, _ standing, d directoryOf, now time.Time) ([]Event, error) {
		o, ok := d.byID[t.OrgID]
		switch {
		case !ok || !o.Kind.IsCERT():
			return nil, errs.InvalidField("org_id", "not a CERT of the directory")
		case t.OrgID == inc.OwnerOrgID:
			return nil, errs.InvalidField("org_id", "%s handles it already", o.Name)
		case inc.Closed():
			return nil, errs.Conflict("a closed incident is not handed over: reopen it first")
		}
		from := inc.OwnerOrgID
		if err := uninvolve(ctx, tx, inc.ID, t.OrgID); err != nil {
			return nil, err
		}
		if err := involve(ctx, tx, inc.ID, from, ReasonPrevious, now); err != nil {
			return nil, err
		}
		inc.OwnerOrgID, inc.AssigneeID, inc.AssigneeName = t.OrgID, nil, ""
		if err := s.tell(ctx, tx, []string{t.OrgID}, *inc, "Incident "+inc.Number+" handed over to you",
			fmt.Sprintf("%s handed incident %s over to %s: %s", d.name(from), inc.Number, o.Name, t.Reason)); err != nil {
			return nil, err
		}
		return []Event{{Kind: "transferred", Visibility: Reporter,
			Summary: fmt.Sprintf("handed over from %s to %s: %s", d.name(from), o.Name, firstLine(t.Reason))}}, nil
	})
}

// Involve asks another CERT in: it reads the incident and writes the
// CERTs' notes. Audited.
func (s *Service) Involve(ctx context.Context, id *auth.Identity, ref, orgID string) (Incident, error) {
	orgID = strings.TrimSpace(orgID)
	return s.change(ctx, id, ref, "involve", handler, func(tx *db.Tx, inc *Incident, inv []Involved, _ standing, d directoryOf, now time.Time) ([]Event, error) {
		o, ok := d.byID[orgID]
		switch {
		case !ok || !o.Kind.IsCERT():
			return nil, errs.InvalidField("org_id", "not a CERT of the directory")
		case orgID == inc.OwnerOrgID || slices.Contains(orgsOf(inv), orgID):
			return nil, nil // involved already
		}
		if err := involve(ctx, tx, inc.ID, orgID, ReasonInvolved, now); err != nil {
			return nil, err
		}
		if err := s.tell(ctx, tx, []string{orgID}, *inc, "You are asked in on incident "+inc.Number,
			fmt.Sprintf("%s asks %s in on incident %s.", d.name(inc.OwnerOrgID), o.Name, inc.Number)); err != nil {
			return nil, err
		}
		return []Event{{Kind: "involved", Visibility: CERTs, Summary: o.Name + " asked in"}}, nil
	})
}

// MarkStep records a deadline step done: the reporter's steps (an early
// warning, a notification, a final report) by the reporter or the owning
// CERT, the CERT's by the CERT. Audited.
func (s *Service) MarkStep(ctx context.Context, id *auth.Identity, ref, key string) (Incident, error) {
	regimes, err := s.Regimes(ctx)
	if err != nil {
		return Incident{}, err
	}
	return s.change(ctx, id, ref, "step", func(st standing) error {
		if !st.handles && !(st.reporter && st.writes) {
			return errs.Forbidden("only the reporter and the CERT that handles the incident mark its deadlines")
		}
		return nil
	}, func(tx *db.Tx, inc *Incident, _ []Involved, st standing, _ directoryOf, now time.Time) ([]Event, error) {
		steps, err := listSteps(ctx, tx, inc.ID)
		if err != nil {
			return nil, err
		}
		cs := deadline.Clocks(pick(regimes, inc.Regimes), facts(*inc, steps), now)
		i := slices.IndexFunc(cs, func(c deadline.Clock) bool { return deadline.Key(c.Regime, c.Step) == key })
		if i < 0 {
			return nil, errs.InvalidField("step", "no deadline %q on this incident", key)
		}
		c := cs[i]
		switch {
		case c.By == deadline.ByCERT && !st.handles:
			return nil, errs.Forbidden("the CERT marks its own deadlines")
		case !c.Open():
			return nil, nil // done already
		}
		if _, err := markStep(ctx, tx, inc.ID, key, now, c.Due, id.Label()); err != nil {
			return nil, err
		}
		state := "on time"
		if c.Due != nil && now.After(*c.Due) {
			state = "late"
		}
		return []Event{{Kind: "step", Visibility: Reporter, Summary: fmt.Sprintf("%s done (%s)", c.Title, state)}}, nil
	})
}
