package council

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The SQL of the council: governance_* tables only.

// councilActions is the table of the council's action items.
const councilActions = actions.Table("governance_council_actions")

func listMembers(ctx context.Context, q db.Querier) ([]MemberRecord, error) {
	out, err := db.QueryAll(ctx, q, func(r db.Row) (MemberRecord, error) {
		var m MemberRecord
		return m, r.Scan(&m.ID, &m.OrgID, &m.UserID, &m.Role, &m.TermStart, &m.TermEnd, &m.CreatedAt, &m.UpdatedAt)
	}, `SELECT id, org_id, user_id, role, term_start, term_end, created_at, updated_at FROM governance_council_members
		ORDER BY CASE role WHEN 'chair' THEN 0 WHEN 'secretary' THEN 1 WHEN 'member' THEN 2 ELSE 3 END, term_start, id`)
	if err != nil {
		return nil, fmt.Errorf("council: members: %w", err)
	}
	return out, nil
}

const meetingCols = `id, title, starts_at, ends_at, place, status, minutes_status, minutes_approved_at, minutes_approved_by,
	summary_published_at, created_at, updated_at`

func scanMeeting(r db.Row) (Meeting, error) {
	var m Meeting
	err := r.Scan(&m.ID, &m.Title, &m.StartsAt, &m.EndsAt, &m.Place, &m.Status, &m.MinutesStatus, &m.MinutesApprovedAt, &m.MinutesApprovedBy,
		&m.SummaryPublishedAt, &m.CreatedAt, &m.UpdatedAt)
	return m, err
}

func getMeeting(ctx context.Context, q db.Querier, id string) (Meeting, string, string, error) {
	var minutes, summary string
	var m Meeting
	err := q.QueryRow(ctx, `SELECT `+meetingCols+`, minutes, public_summary FROM governance_meetings WHERE id = $1`, id).Scan(
		&m.ID, &m.Title, &m.StartsAt, &m.EndsAt, &m.Place, &m.Status, &m.MinutesStatus, &m.MinutesApprovedAt, &m.MinutesApprovedBy,
		&m.SummaryPublishedAt, &m.CreatedAt, &m.UpdatedAt, &minutes, &summary)
	if errors.Is(err, db.ErrNoRows) {
		return Meeting{}, "", "", errs.NotFound("no such meeting")
	}
	if err != nil {
		return Meeting{}, "", "", fmt.Errorf("council: meeting: %w", err)
	}
	return m, minutes, summary, nil
}

func listMeetings(ctx context.Context, q db.Querier) ([]Meeting, error) {
	out, err := db.QueryAll(ctx, q, scanMeeting, `SELECT `+meetingCols+` FROM governance_meetings ORDER BY starts_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("council: meetings: %w", err)
	}
	return out, nil
}

func listItems(ctx context.Context, q db.Querier, meetingID string) ([]Item, error) {
	return db.QueryAll(ctx, q, func(r db.Row) (Item, error) {
		var i Item
		return i, r.Scan(&i.ID, &i.Position, &i.Title, &i.Presenter, &i.Body)
	}, `SELECT id, position, title, presenter, body FROM governance_agenda_items WHERE meeting_id = $1 ORDER BY position, id`, meetingID)
}

func attendanceOf(ctx context.Context, q db.Querier, meetingID string) (map[string]string, error) {
	rows, err := db.QueryAll(ctx, q, func(r db.Row) ([2]string, error) {
		var p [2]string
		return p, r.Scan(&p[0], &p[1])
	}, `SELECT member_id, status FROM governance_attendance WHERE meeting_id = $1`, meetingID)
	out := map[string]string{}
	for _, p := range rows {
		out[p[0]] = p[1]
	}
	return out, err
}

const decisionCols = `d.id, d.number, d.meeting_id, m.title, d.kind, d.title, d.text, d.votes_for, d.votes_against, d.abstentions,
	d.outcome, d.created_at`

func scanDecision(r db.Row) (DecisionRecord, error) {
	d := DecisionRecord{Links: []Link{}}
	err := r.Scan(&d.ID, &d.Number, &d.MeetingID, &d.MeetingTitle, &d.Kind, &d.Title, &d.Text, &d.For, &d.Against, &d.Abstentions,
		&d.Outcome, &d.CreatedAt)
	return d, err
}

// listDecisions answers the register (one meeting's, when meetingID is
// not ""), the latest first, with their links.
func listDecisions(ctx context.Context, q db.Querier, meetingID string) ([]DecisionRecord, error) {
	var a db.Args
	where := "1 = 1"
	if meetingID != "" {
		where = "d.meeting_id = " + a.Add(meetingID)
	}
	out, err := db.QueryAll(ctx, q, scanDecision, `SELECT `+decisionCols+` FROM governance_decisions d
		JOIN governance_meetings m ON m.id = d.meeting_id WHERE `+where+` ORDER BY d.created_at DESC, d.number DESC`, a...)
	if err != nil {
		return nil, fmt.Errorf("council: decisions: %w", err)
	}
	ids := make([]string, len(out))
	for i, d := range out {
		ids[i] = d.ID
	}
	links, err := linksOf(ctx, q, ids)
	for i := range out {
		if l := links[out[i].ID]; l != nil {
			out[i].Links = l
		}
	}
	return out, err
}

func linksOf(ctx context.Context, q db.Querier, owners []string) (map[string][]Link, error) {
	out := map[string][]Link{}
	if len(owners) == 0 {
		return out, nil
	}
	var a db.Args
	type row struct {
		owner string
		l     Link
	}
	rows, err := db.QueryAll(ctx, q, func(r db.Row) (row, error) {
		var x row
		return x, r.Scan(&x.owner, &x.l.Kind, &x.l.Ref, &x.l.Label, &x.l.Title, &x.l.URL)
	}, `SELECT owner_id, kind, ref, label, title, url FROM governance_links WHERE owner_id IN (`+db.In(&a, owners)+`) ORDER BY kind, label`, a...)
	if err != nil {
		return nil, fmt.Errorf("council: links: %w", err)
	}
	for _, x := range rows {
		out[x.owner] = append(out[x.owner], x.l)
	}
	return out, nil
}

func insertLinks(ctx context.Context, tx *db.Tx, owner string, links []Link) error {
	for _, l := range links {
		if _, err := tx.Exec(ctx, `INSERT INTO governance_links (owner_id, kind, ref, label, title, url) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (owner_id, kind, ref) DO NOTHING`, owner, l.Kind, l.Ref, l.Label, l.Title, l.URL); err != nil {
			return fmt.Errorf("council: link: %w", err)
		}
	}
	return nil
}

// actionItems answers action items with their meetings, decisions and
// links: of one meeting, or (meetingID "") of the owners given (every
// owner when owners is nil), open ones first by due date.
func actionItems(ctx context.Context, q db.Querier, meetingID string, owners []string, overdueOnly bool, now time.Time) ([]ActionItem, error) {
	var list []actions.Action
	var err error
	switch {
	case meetingID != "":
		list, err = councilActions.Of(ctx, q, meetingID, now)
	case overdueOnly:
		list, err = councilActions.Overdue(ctx, q, owners, now, 500)
	default:
		list, err = councilActions.All(ctx, q, owners, now, 500)
	}
	if err != nil {
		return nil, err
	}
	out := make([]ActionItem, len(list))
	ids := make([]string, len(list))
	for i, a := range list {
		out[i] = ActionItem{Action: a, Links: []Link{}}
		ids[i] = a.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	var a db.Args
	extra, err := db.QueryAll(ctx, q, func(r db.Row) ([3]*string, error) {
		var id, title string
		var dec *string
		err := r.Scan(&id, &title, &dec)
		return [3]*string{&id, &title, dec}, err
	}, `SELECT x.id, m.title, x.decision_id FROM governance_council_actions x JOIN governance_meetings m ON m.id = x.parent_id
		WHERE x.id IN (`+db.In(&a, ids)+`)`, a...)
	if err != nil {
		return nil, fmt.Errorf("council: actions: %w", err)
	}
	links, err := linksOf(ctx, q, ids)
	for i := range out {
		for _, e := range extra {
			if *e[0] == out[i].ID {
				out[i].MeetingTitle, out[i].DecisionID = *e[1], e[2]
			}
		}
		if l := links[out[i].ID]; l != nil {
			out[i].Links = l
		}
	}
	return out, err
}
