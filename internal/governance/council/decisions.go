package council

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
)

// Decisions answers the decisions register, the latest first (members
// and staff).
func (s *Service) Decisions(ctx context.Context, id *auth.Identity) ([]DecisionRecord, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := rd.mustRead("council"); err != nil {
		return nil, err
	}
	var out []DecisionRecord
	err = s.db.Read(ctx, func(q db.Querier) (err error) { out, err = listDecisions(ctx, q, ""); return err })
	return out, err
}

// AddDecision records a decision or a recommendation of a held meeting
// with its vote and the records it rests on, numbered CD-YYYY-NNN in the
// register. Audited.
func (s *Service) AddDecision(ctx context.Context, id *auth.Identity, meetingID string, in DecisionInput) (DecisionRecord, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return DecisionRecord{}, err
	}
	if err := rd.mustKeep(); err != nil {
		return DecisionRecord{}, err
	}
	if err := in.check(); err != nil {
		return DecisionRecord{}, err
	}
	links, err := s.resolve(ctx, in.Links)
	if err != nil {
		return DecisionRecord{}, err
	}
	now := s.now().UTC()
	d := DecisionRecord{ID: db.NewID(), MeetingID: meetingID, Kind: in.Kind, Title: in.Title, Text: in.Text, For: in.For, Against: in.Against,
		Abstentions: in.Abstentions, Outcome: outcome(in), Links: links, CreatedAt: now}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		m, _, _, err := getMeeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		if m.Status != Held {
			return errs.Conflict("decisions are taken at a meeting held: mark it held first")
		}
		year := m.StartsAt.UTC().Year()
		n, err := tx.NextNumber(ctx, fmt.Sprintf("governance.decision.%d", year))
		if err != nil {
			return err
		}
		d.Number, d.MeetingTitle = fmt.Sprintf("CD-%d-%03d", year, n), m.Title
		if _, err := tx.Exec(ctx, `INSERT INTO governance_decisions (id, number, meeting_id, kind, title, text, votes_for, votes_against,
			abstentions, outcome, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			d.ID, d.Number, m.ID, d.Kind, d.Title, d.Text, d.For, d.Against, d.Abstentions, d.Outcome, id.Label(), now); err != nil {
			return fmt.Errorf("council: decision: %w", err)
		}
		if err := insertLinks(ctx, tx, d.ID, links); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.decision", ObjectType: "decision", ObjectID: d.Number,
			Summary: fmt.Sprintf("%s %s %s (%d for, %d against, %d abstaining): %s", d.Kind, d.Number, d.Outcome, d.For, d.Against, d.Abstentions, d.Title),
			After:   d})
	})
	if err != nil {
		return DecisionRecord{}, err
	}
	if d.Links == nil {
		d.Links = []Link{}
	}
	return d, nil
}

// AddAction gives an organisation an action item from a meeting (and,
// when named, one of its decisions), resting on the records named.
// Audited; the organisation is told.
func (s *Service) AddAction(ctx context.Context, id *auth.Identity, meetingID string, in ActionInput) (ActionItem, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return ActionItem{}, err
	}
	if err := rd.mustKeep(); err != nil {
		return ActionItem{}, err
	}
	var f errs.Fields
	if e := errs.As(in.Input.Check()); e != nil {
		f = e.Fields
	}
	in.DecisionID = strings.TrimSpace(in.DecisionID)
	checkLinks(&f, in.Links)
	if err := f.Err(); err != nil {
		return ActionItem{}, err
	}
	if orgs, err := s.orgs.GetMany(ctx, system, []string{in.OwnerOrgID}); err != nil {
		return ActionItem{}, err
	} else if len(orgs) == 0 {
		return ActionItem{}, errs.InvalidField("owner_org_id", "no such organisation")
	}
	links, err := s.resolve(ctx, in.Links)
	if err != nil {
		return ActionItem{}, err
	}
	people, err := s.orgs.Members(ctx, system, in.OwnerOrgID)
	if err != nil {
		return ActionItem{}, err
	}
	now := s.now().UTC()
	var item ActionItem
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		m, _, _, err := getMeeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		var decision *string
		if in.DecisionID != "" {
			var got string
			err := tx.QueryRow(ctx, `SELECT id FROM governance_decisions WHERE meeting_id = $1 AND (id = $2 OR number = $2)`, m.ID, in.DecisionID).Scan(&got)
			if errors.Is(err, db.ErrNoRows) {
				return errs.InvalidField("decision_id", "not a decision of this meeting")
			}
			if err != nil {
				return fmt.Errorf("council: decision: %w", err)
			}
			decision = &got
		}
		a, err := councilActions.Add(ctx, tx, m.ID, in.Input, id.Label(), now)
		if err != nil {
			return err
		}
		if decision != nil {
			if _, err := tx.Exec(ctx, `UPDATE governance_council_actions SET decision_id = $2 WHERE id = $1`, a.ID, *decision); err != nil {
				return fmt.Errorf("council: action: %w", err)
			}
		}
		if err := insertLinks(ctx, tx, a.ID, links); err != nil {
			return err
		}
		item = ActionItem{Action: a, MeetingTitle: m.Title, DecisionID: decision, Links: links}
		if item.Links == nil {
			item.Links = []Link{}
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "governance.action", ObjectType: "council_action", ObjectID: a.ID, OrgID: a.OwnerOrgID,
			Summary: "council action for " + a.OwnerOrgID + ": " + a.Title, After: item}); err != nil {
			return err
		}
		return s.mail(ctx, tx, auth.Handlers(people), "governance.action", "Council action: "+a.Title,
			fmt.Sprintf("The CERT Council (%s) asks your organisation:\n\n%s%s\n\nMark it done when it is: %s/console/council/actions",
				m.Title, a.Title, due(a.DueOn), s.baseURL))
	})
	if err != nil {
		return ActionItem{}, err
	}
	named := []ActionItem{item}
	err = s.ownerNames(ctx, named)
	return named[0], err
}

func due(d string) string {
	if d == "" {
		return ""
	}
	return "\n\nDue: " + d
}

// Actions answers action items: the council's members and staff read
// them all, anyone else those of their organisations; overdue ones only
// when asked.
func (s *Service) Actions(ctx context.Context, id *auth.Identity, overdue bool) ([]ActionItem, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return nil, err
	}
	var owners []string
	if !rd.reads() {
		owners = append([]string{}, id.OrgIDs()...)
	}
	var out []ActionItem
	err = s.db.Read(ctx, func(q db.Querier) (err error) {
		out, err = actionItems(ctx, q, "", owners, overdue, s.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, s.ownerNames(ctx, out)
}

// MoveAction marks an action item done, dropped (with why) or open again:
// its organisation's members above viewer, or who keeps the council's
// records. Audited.
func (s *Service) MoveAction(ctx context.Context, id *auth.Identity, actionID string, c actions.Change) (ActionItem, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return ActionItem{}, err
	}
	now := s.now().UTC()
	var out actions.Action
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var parent string
		err := tx.QueryRow(ctx, `SELECT parent_id FROM governance_council_actions WHERE id = $1`, actionID).Scan(&parent)
		if errors.Is(err, db.ErrNoRows) {
			return errs.NotFound("no such action")
		}
		if err != nil {
			return fmt.Errorf("council: action: %w", err)
		}
		a, err := councilActions.Get(ctx, tx, parent, actionID, now)
		if err != nil {
			return err
		}
		if !rd.reads() && rd.id.RoleIn(a.OwnerOrgID) == "" {
			return errs.NotFound("no such action")
		}
		if !rd.movesFor(a.OwnerOrgID) {
			return errs.Forbidden("the organisation that owns the action, or who keeps the council's records, moves it")
		}
		if out, err = councilActions.Move(ctx, tx, a, c, id.Label(), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.action." + out.Status, ObjectType: "council_action", ObjectID: a.ID,
			OrgID: a.OwnerOrgID, Summary: "council action " + out.Status + ": " + a.Title, Before: a, After: out})
	})
	if err != nil {
		return ActionItem{}, err
	}
	var items []ActionItem
	err = s.db.Read(ctx, func(q db.Querier) (err error) {
		items, err = actionItems(ctx, q, out.ParentID, nil, false, now)
		return err
	})
	if err != nil {
		return ActionItem{}, err
	}
	for _, it := range items {
		if it.ID == actionID {
			named := []ActionItem{it}
			err := s.ownerNames(ctx, named)
			return named[0], err
		}
	}
	return ActionItem{}, errs.NotFound("no such action")
}

// The reminders: each open action item due within three days (or
// overdue) is recalled to its organisation once a week.
const (
	remindAhead = 72 * time.Hour
	remindEvery = 7 * 24 * time.Hour
)

// Remind mails the organisations whose action items are due soon or
// overdue, once a week each; it answers how many items it recalled.
func (s *Service) Remind(ctx context.Context) (int, error) {
	now := s.now().UTC()
	var due []actions.Action
	err := s.db.Read(ctx, func(q db.Querier) (err error) {
		due, err = councilActions.ToRemind(ctx, q, now, remindAhead, remindEvery, 200)
		return err
	})
	if err != nil || len(due) == 0 {
		return 0, err
	}
	byOrg := map[string][]actions.Action{}
	for _, a := range due {
		byOrg[a.OwnerOrgID] = append(byOrg[a.OwnerOrgID], a)
	}
	for org, list := range byOrg {
		people, err := s.orgs.Members(ctx, system, org)
		if err != nil {
			return 0, err
		}
		var lines []string
		ids := make([]string, len(list))
		for i, a := range list {
			state := "due " + a.DueOn
			if a.Overdue {
				state = "OVERDUE since " + a.DueOn
			}
			lines = append(lines, "- "+a.Title+" ("+state+")")
			ids[i] = a.ID
		}
		err = s.db.Write(ctx, func(tx *db.Tx) error {
			if err := councilActions.Reminded(ctx, tx, ids, now); err != nil {
				return err
			}
			return s.mail(ctx, tx, auth.Handlers(people), "governance.action.reminder", "Council actions due",
				"The CERT Council's actions for your organisation:\n\n"+strings.Join(lines, "\n")+"\n\nMark them done: "+s.baseURL+"/console/council/actions")
		})
		if err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// remindArgs is the reminders' job.
type remindArgs struct{}

func (remindArgs) Kind() string { return "governance.council-reminders" }

type remindWorker struct {
	jobs.WorkerDefaults[remindArgs]
	s *Service
}

func (w *remindWorker) Work(ctx context.Context, _ *jobs.Job[remindArgs]) error {
	n, err := w.s.Remind(ctx)
	if err == nil && n > 0 {
		w.s.log.Info("council actions recalled", "count", n)
	}
	return err
}

// Register adds the reminders' job, run every hour.
func (s *Service) Register(q *jobs.Queue) {
	jobs.AddWorker(q, &remindWorker{s: s})
	q.Every("governance.council-reminders", time.Hour, func() jobs.Args { return remindArgs{} })
}
