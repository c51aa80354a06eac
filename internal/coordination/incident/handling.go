package incident

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/coordination/deadline"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/rsit"
)

// load reads an incident and what the reader is to it; "not found" to a
// reader the rule shows nothing.
func (s *Service) load(ctx context.Context, q db.Querier, id *auth.Identity, ref string) (Incident, []Involved, standing, error) {
	if id == nil {
		return Incident{}, nil, standing{}, errs.Unauthenticated("sign in to read incidents")
	}
	in, err := getIncident(ctx, q, strings.TrimSpace(ref))
	if err != nil {
		return in, nil, standing{}, err
	}
	inv, err := listInvolved(ctx, q, in.ID)
	if err != nil {
		return in, nil, standing{}, err
	}
	st := readerOf(id).of(in, inv)
	if !st.sees() {
		return Incident{}, nil, standing{}, errs.NotFound("no such incident")
	}
	return in, inv, st, nil
}

// Get answers an incident as the reader may see it: the notes and the
// timeline entries of the visibilities the rule lets them read, its
// clocks, tasks and links.
func (s *Service) Get(ctx context.Context, id *auth.Identity, ref string) (View, error) {
	regimes, err := s.Regimes(ctx)
	if err != nil {
		return View{}, err
	}
	now := s.now().UTC()
	var v View
	err = s.db.Read(ctx, func(q db.Querier) error {
		in, inv, st, err := s.load(ctx, q, id, ref)
		if err != nil {
			return err
		}
		steps, err := listSteps(ctx, q, in.ID)
		if err != nil {
			return err
		}
		v = View{Incident: in, Involved: inv, Handles: st.handles, Reports: st.reporter}
		v.Clocks = clocks(&v.Incident, regimes, steps, now)
		v.Incident.NextDueAt = in.NextDueAt
		if v.Tasks, err = listTasks(ctx, q, in.ID, now); err != nil {
			return err
		}
		if v.Links, err = listLinks(ctx, q, in.ID); err != nil {
			return err
		}
		if v.Files, err = listFiles(ctx, q, in.ID); err != nil {
			return err
		}
		notes, err := listNotes(ctx, q, in.ID)
		if err != nil {
			return err
		}
		v.Notes = []Note{}
		for _, n := range notes {
			if st.reads(n.Visibility) {
				v.Notes = append(v.Notes, n)
			}
		}
		events, err := listEvents(ctx, q, in.ID)
		if err != nil {
			return err
		}
		v.Events = []Event{}
		for _, e := range events {
			if st.reads(e.Visibility) {
				v.Events = append(v.Events, e)
			}
		}
		if !st.staff && !st.owner && !st.involved {
			v.Incident.ReporterEmail = "" // the reporter's own, or a citizen's: for the CERTs only
		}
		return nil
	})
	if err != nil {
		return View{}, err
	}
	if v.Clocks == nil {
		v.Clocks = []deadline.Clock{}
	}
	return v, s.name(ctx, &v)
}

// name fills in the organisations' names of a view.
func (s *Service) name(ctx context.Context, v *View) error {
	d, err := s.directory(ctx)
	if err != nil {
		return err
	}
	v.Incident.OwnerOrg = d.name(v.Incident.OwnerOrgID)
	if v.Incident.ReporterOrgID != nil {
		v.Incident.ReporterOrg = d.name(*v.Incident.ReporterOrgID)
	}
	for i := range v.Involved {
		v.Involved[i].Org = d.name(v.Involved[i].OrgID)
	}
	for i := range v.Tasks {
		v.Tasks[i].OwnerOrg = d.name(v.Tasks[i].OwnerOrgID)
	}
	return nil
}

// List answers a page of the incident queue: the incidents the reader may
// see that match f.
func (s *Service) List(ctx context.Context, id *auth.Identity, f Filter, limit int, cursor string) ([]Summary, string, error) {
	if id == nil {
		return nil, "", errs.Unauthenticated("sign in to read incidents")
	}
	var fe errs.Fields
	if f.Status != "" && f.Status != "active" && !slices.Contains(Statuses, f.Status) {
		fe.Add("status", "one of active, %s", strings.Join(Statuses, ", "))
	}
	if f.Severity != "" && !slices.Contains(Severities, f.Severity) {
		fe.Add("severity", "one of %s", strings.Join(Severities, ", "))
	}
	if f.Class != "" {
		if c, _, _ := rsit.Find(f.Class, ""); c.Value == "" {
			fe.Add("rsit_class", "not a class of the reference incident classification")
		}
	}
	if f.Sort != "" && f.Sort != "due" && f.Sort != "new" {
		fe.Add("sort", "due or new")
	}
	if len(f.Query) > 200 {
		fe.Add("q", "at most 200 characters")
	}
	if err := fe.Err(); err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var out []Summary
	var next string
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		out, next, err = listIncidents(ctx, q, readerOf(id), f, limit, cursor, s.now().UTC())
		return err
	})
	if err != nil || len(out) == 0 {
		return out, next, err
	}
	d, err := s.directory(ctx)
	if err != nil {
		return nil, "", err
	}
	for i := range out {
		out[i].OwnerOrg = d.name(out[i].OwnerOrgID)
		if r := out[i].ReporterOrgID; r != nil {
			out[i].ReporterOrg = d.name(*r)
		}
	}
	return out, next, nil
}

// change runs fn on an incident in one transaction, for a reader may
// allows: fn changes the incident and answers what happened (timeline
// entries; the first one's summary is the audit's). The clocks are then
// counted again and the incident written back.
func (s *Service) change(ctx context.Context, id *auth.Identity, ref, action string, may func(standing) error,
	fn func(tx *db.Tx, in *Incident, inv []Involved, st standing, d directoryOf, now time.Time) ([]Event, error)) (Incident, error) {
	regimes, err := s.Regimes(ctx)
	if err != nil {
		return Incident{}, err
	}
	d, err := s.directory(ctx)
	if err != nil {
		return Incident{}, err
	}
	now := s.now().UTC()
	var out Incident
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		in, inv, st, err := s.load(ctx, tx, id, ref)
		if err != nil {
			return err
		}
		if err := may(st); err != nil {
			return err
		}
		before := in
		events, err := fn(tx, &in, inv, st, d, now)
		if err != nil || len(events) == 0 {
			out = in
			return err
		}
		steps, err := listSteps(ctx, tx, in.ID)
		if err != nil {
			return err
		}
		clocks(&in, regimes, steps, now)
		in.UpdatedAt = now
		if err := updateIncident(ctx, tx, in); err != nil {
			return err
		}
		for _, e := range events {
			e.At, e.Actor = now, id.Label()
			if err := insertEvent(ctx, tx, in.ID, e); err != nil {
				return err
			}
		}
		out = in
		return audit.Record(ctx, tx, now, audit.Event{Action: "coordination.incident." + action, ObjectType: "incident", ObjectID: in.ID,
			OrgID: in.OwnerOrgID, Summary: in.Number + ": " + events[0].Summary, Before: before, After: in})
	})
	return out, err
}

func handler(st standing) error {
	if !st.handles {
		return errs.Forbidden("only the CERT that handles the incident changes it")
	}
	return nil
}

// Update changes an incident's status, severity, assignee,
// classification, regimes or moment of awareness (its CERT). Closing
// needs a resolution; reopening clears the closure. Audited.
func (s *Service) Update(ctx context.Context, id *auth.Identity, ref string, c Change) (Incident, error) {
	regimes, err := s.Regimes(ctx)
	if err != nil {
		return Incident{}, err
	}
	return s.change(ctx, id, ref, "update", handler, func(tx *db.Tx, in *Incident, _ []Involved, _ standing, d directoryOf, now time.Time) ([]Event, error) {
		var f errs.Fields
		var events []Event
		add := func(vis, kind, format string, args ...any) {
			events = append(events, Event{Kind: kind, Visibility: vis, Summary: fmt.Sprintf(format, args...)})
		}
		if c.Resolution != nil {
			v := *c.Resolution
			text(&f, "resolution", &v, false, MaxText)
			if v != in.Resolution {
				in.Resolution = v
				add(Reporter, "resolution", "resolution set")
			}
		}
		if c.RootCause != nil {
			v := *c.RootCause
			text(&f, "root_cause", &v, false, MaxText)
			if v != in.RootCause {
				in.RootCause = v
				add(Internal, "root_cause", "root cause set")
			}
		}
		if c.Status != nil && *c.Status != in.Status {
			to := strings.TrimSpace(*c.Status)
			switch {
			case !slices.Contains(Statuses, to):
				f.Add("status", "one of %s", strings.Join(Statuses, ", "))
			case to == StatusClosed && strings.TrimSpace(in.Resolution) == "":
				f.Add("resolution", "say how the incident was resolved before closing it")
			case to == StatusNew:
				f.Add("status", "an incident taken up is not new again: open or waiting")
			default:
				from := in.Status
				in.Status = to
				switch {
				case to == StatusClosed:
					in.ClosedAt = &now
					add(Reporter, "closed", "closed: %s", firstLine(in.Resolution))
				case from == StatusClosed:
					in.ClosedAt = nil
					add(Reporter, "reopened", "reopened (%s)", to)
				default:
					add(Reporter, "status", "status %s → %s", from, to)
				}
			}
		}
		if c.Severity != nil && *c.Severity != in.Severity {
			if !slices.Contains(Severities, *c.Severity) {
				f.Add("severity", "one of %s", strings.Join(Severities, ", "))
			} else {
				add(Reporter, "severity", "severity %s → %s", in.Severity, *c.Severity)
				in.Severity = *c.Severity
			}
		}
		if c.Class != nil || c.Type != nil {
			class, typ := in.Class, in.Type
			if c.Class != nil {
				class = strings.TrimSpace(*c.Class)
			}
			if c.Type != nil {
				typ = strings.TrimSpace(*c.Type)
			}
			if err := rsit.Check(class, typ); err != nil {
				f.Add("rsit_type", "%s", err.Error())
			} else if class != in.Class || typ != in.Type {
				in.Class, in.Type = class, typ
				add(Reporter, "classified", "classified as %s", in.Label())
			}
		}
		if c.Regimes != nil {
			var ids []string
			for i, r := range *c.Regimes {
				if !slices.ContainsFunc(regimes, func(g deadline.Regime) bool { return g.ID == r }) {
					f.Add(fmt.Sprintf("regimes[%d]", i), "no deadline regime %q", r)
				} else if !slices.Contains(ids, r) {
					ids = append(ids, r)
				}
			}
			if !slices.Equal(ids, in.Regimes) {
				in.Regimes = ids
				add(Reporter, "regimes", "deadline regimes: %s", strings.Join(ids, ", "))
			}
		}
		if c.AwareAt != nil {
			t, ok := parseTime(*c.AwareAt)
			switch {
			case !ok:
				f.Add("aware_at", "a time (2026-03-01T14:30:00Z)")
			case t != nil && t.After(now):
				f.Add("aware_at", "cannot be in the future")
			case !timeEqual(t, in.AwareAt):
				in.AwareAt = t
				add(Reporter, "aware", "moment of awareness set")
			}
		}
		if c.AssigneeID != nil {
			who := strings.TrimSpace(*c.AssigneeID)
			cur := ""
			if in.AssigneeID != nil {
				cur = *in.AssigneeID
			}
			if who != cur {
				if who == "" {
					in.AssigneeID, in.AssigneeName = nil, ""
					add(Internal, "assigned", "unassigned")
				} else {
					members, err := s.orgs.Members(ctx, system, in.OwnerOrgID)
					if err != nil {
						return nil, err
					}
					i := slices.IndexFunc(members, func(m auth.Member) bool { return m.UserID == who && !m.Disabled })
					if i < 0 {
						f.Add("assignee_id", "not a member of %s", d.name(in.OwnerOrgID))
					} else {
						in.AssigneeID, in.AssigneeName = &who, members[i].Name
						add(Internal, "assigned", "assigned to %s", members[i].Name)
					}
				}
			}
		}
		if err := f.Err(); err != nil {
			return nil, err
		}
		if in.Status == StatusNew && len(events) > 0 {
			in.Status = StatusOpen
		}
		return events, nil
	})
}

func timeEqual(a, b *time.Time) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > 120 {
		return string(r[:119]) + "…"
	}
	return s
}
