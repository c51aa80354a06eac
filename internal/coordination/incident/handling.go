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

// AddNote writes a note of a visibility the writer may use (the owner any;
// the reporter its exchange with the owner; an involved CERT the CERTs').
// The owning CERT's first note to the reporter is its first response.
// Those who may read it are told. Audited.
func (s *Service) AddNote(ctx context.Context, id *auth.Identity, ref string, in NoteInput) (Note, error) {
	var f errs.Fields
	text(&f, "body", &in.Body, true, MaxText)
	in.Visibility = strings.TrimSpace(in.Visibility)
	if in.Visibility != "" && !slices.Contains(Visibilities, in.Visibility) {
		f.Add("visibility", "one of %s", strings.Join(Visibilities, ", "))
	}
	if err := f.Err(); err != nil {
		return Note{}, err
	}
	var n Note
	_, err := s.change(ctx, id, ref, "note", func(st standing) error {
		if !st.writes && !st.handles {
			return errs.Forbidden("viewers read incidents; members write in them")
		}
		return nil
	}, func(tx *db.Tx, inc *Incident, inv []Involved, st standing, d directoryOf, now time.Time) ([]Event, error) {
		vis := in.Visibility
		if vis == "" {
			switch {
			case st.handles:
				vis = Internal
			case st.reporter:
				vis = Reporter
			default:
				vis = CERTs
			}
		}
		if !st.mayWrite(vis) {
			return nil, errs.InvalidField("visibility", "you may not write a note for %s", visibilityLabel(vis))
		}
		var org *string
		switch {
		case st.handles && !st.staff || st.owner:
			org = &inc.OwnerOrgID
		case st.reporter && vis == Reporter:
			org = inc.ReporterOrgID
		default:
			for _, v := range inv {
				if above(id, v.OrgID) {
					o := v.OrgID
					org = &o
					break
				}
			}
		}
		n = Note{ID: db.NewID(), Visibility: vis, Body: in.Body, AuthorName: id.DisplayName(), AuthorOrgID: org, CreatedAt: now}
		if err := insertNote(ctx, tx, inc.ID, n); err != nil {
			return nil, err
		}
		events := []Event{{Kind: "note", Visibility: vis, Summary: fmt.Sprintf("note for %s", visibilityLabel(vis))}}
		fromOwner := st.handles
		if vis == Reporter && fromOwner && inc.FirstResponse == nil {
			inc.FirstResponse = &now
			fr := deadline.FirstResponse.Steps[0]
			due := fr.After.From(inc.ReportedAt)
			if _, err := markStep(ctx, tx, inc.ID, deadline.Key(deadline.FirstResponse.ID, fr.ID), now, &due, id.Label()); err != nil {
				return nil, err
			}
			events = append(events, Event{Kind: "first_response", Visibility: Reporter, Summary: "first response to the reporter"})
		}
		if inc.Status == StatusNew && fromOwner {
			inc.Status = StatusOpen
		}
		// Tell those who may read it, except the writer's side.
		var tell []string
		switch vis {
		case Reporter:
			if fromOwner {
				if inc.ReporterOrgID != nil {
					tell = append(tell, *inc.ReporterOrgID)
				} else if err := s.tellPublic(ctx, tx, *inc); err != nil {
					return nil, err
				}
			} else {
				tell = append(tell, inc.OwnerOrgID)
			}
		case CERTs:
			for _, o := range append([]string{inc.OwnerOrgID}, orgsOf(inv)...) {
				if org == nil || o != *org {
					tell = append(tell, o)
				}
			}
		}
		if err := s.tell(ctx, tx, tell, *inc, "New note on "+inc.Number, fmt.Sprintf("%s wrote on incident %s.", id.DisplayName(), inc.Number)); err != nil {
			return nil, err
		}
		return events, nil
	})
	return n, err
}

func orgsOf(inv []Involved) []string {
	out := make([]string, len(inv))
	for i, v := range inv {
		out[i] = v.OrgID
	}
	return out
}

func visibilityLabel(v string) string {
	switch v {
	case Internal:
		return "the owning CERT only"
	case Reporter:
		return "the owning CERT and the reporter"
	case CERTs:
		return "every CERT involved"
	}
	return v
}

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
