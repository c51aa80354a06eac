package council

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Meetings lists the council's meetings, the latest first (members and staff).
func (s *Service) Meetings(ctx context.Context, id *auth.Identity) ([]Meeting, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := rd.mustRead("council"); err != nil {
		return nil, err
	}
	var out []Meeting
	err = s.db.Read(ctx, func(q db.Querier) (err error) { out, err = listMeetings(ctx, q); return err })
	return out, err
}

// Meeting answers a meeting whole: agenda, attendance, minutes (a draft
// too), decisions and actions (members and staff; 404 to anyone else).
func (s *Service) Meeting(ctx context.Context, id *auth.Identity, meetingID string) (MeetingView, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return MeetingView{}, err
	}
	if err := rd.mustRead("meeting"); err != nil {
		return MeetingView{}, err
	}
	members, err := s.members(ctx)
	if err != nil {
		return MeetingView{}, err
	}
	now := s.now()
	var v MeetingView
	err = s.db.Read(ctx, func(q db.Querier) error {
		m, minutes, summary, err := getMeeting(ctx, q, meetingID)
		if err != nil {
			return err
		}
		v = MeetingView{Meeting: m, Minutes: minutes, Summary: summary, Keeps: rd.keeps, Approves: rd.approves, Attendance: []Attendee{}}
		if v.Items, err = listItems(ctx, q, m.ID); err != nil {
			return fmt.Errorf("council: agenda: %w", err)
		}
		if v.Papers, err = listPapers(ctx, q, m.ID); err != nil {
			return err
		}
		att, err := attendanceOf(ctx, q, m.ID)
		if err != nil {
			return fmt.Errorf("council: attendance: %w", err)
		}
		day := m.StartsAt.UTC().Format("2006-01-02")
		for _, mm := range members {
			if status, ok := att[mm.ID]; ok || active(mm.TermStart, mm.TermEnd, day) {
				v.Attendance = append(v.Attendance, Attendee{MemberID: mm.ID, Name: mm.Name, Org: mm.Org, Role: mm.Role, Status: status})
			}
		}
		if v.Decisions, err = listDecisions(ctx, q, m.ID); err != nil {
			return err
		}
		v.Actions, err = actionItems(ctx, q, m.ID, nil, false, now)
		return err
	})
	if err != nil {
		return MeetingView{}, err
	}
	return v, s.ownerNames(ctx, v.Actions)
}

// ownerNames fills in the organisations' names of action items.
func (s *Service) ownerNames(ctx context.Context, items []ActionItem) error {
	var ids []string
	for _, a := range items {
		ids = append(ids, a.OwnerOrgID)
	}
	names, err := directory.Names(ctx, s.orgs, system, ids)
	if err != nil {
		return err
	}
	for i := range items {
		items[i].OwnerOrg = names[items[i].OwnerOrgID]
	}
	return nil
}

// ScheduleMeeting schedules a meeting (the chair, the secretary, the
// center) and invites the members by mail, with the iCalendar
// invitation's link. Audited.
func (s *Service) ScheduleMeeting(ctx context.Context, id *auth.Identity, in MeetingInput, loc *time.Location) (Meeting, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Meeting{}, err
	}
	if err := rd.mustKeep(); err != nil {
		return Meeting{}, err
	}
	start, end, err := in.check(loc, true)
	if err != nil {
		return Meeting{}, err
	}
	to, err := s.activeEmails(ctx)
	if err != nil {
		return Meeting{}, err
	}
	now := s.now().UTC()
	mid := db.NewID()
	var m Meeting
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO governance_meetings (id, title, starts_at, ends_at, place, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, mid, in.Title, start, end, in.Place, id.Label(), now); err != nil {
			return fmt.Errorf("council: schedule: %w", err)
		}
		var err error
		if m, _, _, err = getMeeting(ctx, tx, mid); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "governance.meeting.schedule", ObjectType: "meeting", ObjectID: mid,
			Summary: "scheduled the council meeting " + in.Title, After: m}); err != nil {
			return err
		}
		return s.mail(ctx, tx, to, "governance.meeting", "Council meeting: "+in.Title,
			fmt.Sprintf("The CERT Council meets on %s (UTC)%s.\n\nAgenda and papers: %s/console/council/meetings/%s\nAdd it to your calendar: %s/console/council/meetings/%s/invite.ics",
				start.Format("Monday 2 January 2006, 15:04"), where(in.Place), s.baseURL, mid, s.baseURL, mid))
	})
	return m, err
}

func where(place string) string {
	if place == "" {
		return ""
	}
	return ", " + place
}

// UpdateMeeting changes a meeting's title, time, place or status (held,
// cancelled). Audited.
func (s *Service) UpdateMeeting(ctx context.Context, id *auth.Identity, meetingID string, in MeetingInput, loc *time.Location) (Meeting, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Meeting{}, err
	}
	if err := rd.mustKeep(); err != nil {
		return Meeting{}, err
	}
	start, end, err := in.check(loc, false)
	if err != nil {
		return Meeting{}, err
	}
	now := s.now().UTC()
	var m Meeting
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		before, _, _, err := getMeeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		if in.Status == Held && now.Before(start) {
			return errs.InvalidField("status", "the meeting has not begun")
		}
		if before.MinutesStatus == Approved && in.Status != Held {
			return errs.Conflict("its minutes are approved: the meeting was held")
		}
		if _, err := tx.Exec(ctx, `UPDATE governance_meetings SET title = $2, starts_at = $3, ends_at = $4, place = $5, status = $6, updated_at = $7
			WHERE id = $1`, meetingID, in.Title, start, end, in.Place, in.Status, now); err != nil {
			return fmt.Errorf("council: change meeting: %w", err)
		}
		if m, _, _, err = getMeeting(ctx, tx, meetingID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.meeting.update", ObjectType: "meeting", ObjectID: meetingID,
			Summary: "changed the council meeting " + in.Title + " (" + in.Status + ")", Before: before, After: m})
	})
	return m, err
}

// AddItem adds an agenda item (with its paper's text) at the end. Audited.
func (s *Service) AddItem(ctx context.Context, id *auth.Identity, meetingID string, in ItemInput) (Item, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if err := rd.mustKeep(); err != nil {
		return Item{}, err
	}
	var f errs.Fields
	in.Title, in.Presenter, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Presenter), strings.TrimSpace(in.Body)
	f.Text("title", in.Title, true, maxTitle)
	f.Text("presenter", in.Presenter, false, maxTitle)
	f.Text("body", in.Body, false, maxText)
	if err := f.Err(); err != nil {
		return Item{}, err
	}
	now := s.now().UTC()
	it := Item{ID: db.NewID(), Title: in.Title, Presenter: in.Presenter, Body: in.Body}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		m, _, _, err := getMeeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		if m.MinutesStatus == Approved {
			return errs.Conflict("the minutes are approved: the agenda is closed")
		}
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM governance_agenda_items WHERE meeting_id = $1`, m.ID).Scan(&it.Position); err != nil {
			return fmt.Errorf("council: agenda: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO governance_agenda_items (id, meeting_id, position, title, presenter, body, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, it.ID, m.ID, it.Position, it.Title, it.Presenter, it.Body, now); err != nil {
			return fmt.Errorf("council: agenda item: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.meeting.item", ObjectType: "meeting", ObjectID: m.ID,
			Summary: fmt.Sprintf("agenda item %d of %s: %s", it.Position, m.Title, it.Title), After: it})
	})
	return it, err
}

// SetAttendance records who was present, sent apologies or was absent
// (members of the council). Audited.
func (s *Service) SetAttendance(ctx context.Context, id *auth.Identity, meetingID string, att map[string]string) (MeetingView, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return MeetingView{}, err
	}
	if err := rd.mustKeep(); err != nil {
		return MeetingView{}, err
	}
	members, err := s.members(ctx)
	if err != nil {
		return MeetingView{}, err
	}
	var f errs.Fields
	for mid, st := range att {
		if !slices.ContainsFunc(members, func(m MemberRecord) bool { return m.ID == mid }) {
			f.Add("attendance", "%s is not a member of the council", mid)
		}
		if st != Present && st != Apologies && st != Absent {
			f.Add("attendance", "present, apologies or absent, not %q", st)
		}
	}
	if err := f.Err(); err != nil {
		return MeetingView{}, err
	}
	now := s.now().UTC()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		m, _, _, err := getMeeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		for mid, st := range att {
			if _, err := tx.Exec(ctx, `INSERT INTO governance_attendance (meeting_id, member_id, status) VALUES ($1, $2, $3)
				ON CONFLICT (meeting_id, member_id) DO UPDATE SET status = excluded.status`, m.ID, mid, st); err != nil {
				return fmt.Errorf("council: attendance: %w", err)
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.meeting.attendance", ObjectType: "meeting", ObjectID: m.ID,
			Summary: fmt.Sprintf("recorded the attendance of %d members at %s", len(att), m.Title), After: att})
	})
	if err != nil {
		return MeetingView{}, err
	}
	return s.Meeting(ctx, id, meetingID)
}

// SaveMinutes drafts the minutes of a held meeting (until approved). Audited.
func (s *Service) SaveMinutes(ctx context.Context, id *auth.Identity, meetingID, minutes string) (Meeting, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Meeting{}, err
	}
	if err := rd.mustKeep(); err != nil {
		return Meeting{}, err
	}
	minutes = strings.TrimSpace(minutes)
	var f errs.Fields
	f.Text("minutes", minutes, true, maxText)
	if err := f.Err(); err != nil {
		return Meeting{}, err
	}
	now := s.now().UTC()
	var m Meeting
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		before, old, _, err := getMeeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		switch {
		case before.Status != Held:
			return errs.Conflict("minutes are written of a meeting held: mark it held first")
		case before.MinutesStatus == Approved:
			return errs.Conflict("the minutes are approved and no longer change")
		}
		if _, err := tx.Exec(ctx, `UPDATE governance_meetings SET minutes = $2, minutes_status = 'draft', updated_at = $3 WHERE id = $1`,
			meetingID, minutes, now); err != nil {
			return fmt.Errorf("council: minutes: %w", err)
		}
		if m, _, _, err = getMeeting(ctx, tx, meetingID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.minutes.draft", ObjectType: "meeting", ObjectID: meetingID,
			Summary: "drafted the minutes of " + m.Title, Before: old, After: minutes})
	})
	return m, err
}

// ApproveMinutes approves a meeting's draft minutes (the chair) and sends
// them to the members. Audited.
func (s *Service) ApproveMinutes(ctx context.Context, id *auth.Identity, meetingID string) (Meeting, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Meeting{}, err
	}
	if err := rd.mustRead("meeting"); err != nil {
		return Meeting{}, err
	}
	if !rd.approves {
		return Meeting{}, errs.Forbidden("the chair approves the minutes")
	}
	to, err := s.activeEmails(ctx)
	if err != nil {
		return Meeting{}, err
	}
	now := s.now().UTC()
	var m Meeting
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		before, minutes, _, err := getMeeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		if before.MinutesStatus != Draft {
			return errs.Conflict("there are no draft minutes to approve (%s)", before.MinutesStatus)
		}
		if _, err := tx.Exec(ctx, `UPDATE governance_meetings SET minutes_status = 'approved', minutes_approved_at = $2, minutes_approved_by = $3,
			updated_at = $2 WHERE id = $1`, meetingID, now, id.DisplayName()); err != nil {
			return fmt.Errorf("council: approve minutes: %w", err)
		}
		if m, _, _, err = getMeeting(ctx, tx, meetingID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "governance.minutes.approve", ObjectType: "meeting", ObjectID: meetingID,
			Summary: "approved the minutes of " + m.Title}); err != nil {
			return err
		}
		return s.mail(ctx, tx, to, "governance.minutes", "Minutes approved: "+m.Title,
			fmt.Sprintf("The minutes of %s (%s) are approved.\n\n%s\n\nThe meeting: %s/console/council/meetings/%s", m.Title,
				m.StartsAt.Format("2 January 2006"), minutes, s.baseURL, m.ID))
	})
	return m, err
}

// PublishSummary publishes (or, with an empty summary, withdraws) a
// meeting's public summary on the website, once its minutes are approved.
// Audited.
func (s *Service) PublishSummary(ctx context.Context, id *auth.Identity, meetingID, summary string) (Meeting, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Meeting{}, err
	}
	if err := rd.mustKeep(); err != nil {
		return Meeting{}, err
	}
	summary = strings.TrimSpace(summary)
	var f errs.Fields
	f.Text("public_summary", summary, false, maxText)
	if err := f.Err(); err != nil {
		return Meeting{}, err
	}
	now := s.now().UTC()
	var m Meeting
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		before, _, old, err := getMeeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		if before.MinutesStatus != Approved {
			return errs.Conflict("a summary is published once the minutes are approved")
		}
		var published *time.Time
		if summary != "" {
			published = &now
		}
		if _, err := tx.Exec(ctx, `UPDATE governance_meetings SET public_summary = $2, summary_published_at = $3, updated_at = $4 WHERE id = $1`,
			meetingID, summary, published, now); err != nil {
			return fmt.Errorf("council: summary: %w", err)
		}
		if m, _, _, err = getMeeting(ctx, tx, meetingID); err != nil {
			return err
		}
		what := "published the public summary of "
		if summary == "" {
			what = "withdrew the public summary of "
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.summary", ObjectType: "meeting", ObjectID: meetingID,
			Summary: what + m.Title, Before: old, After: summary})
	})
	return m, err
}

// Summaries answers the published summaries, the latest meeting first
// (the website's).
func (s *Service) Summaries(ctx context.Context) ([]Summary, error) {
	var out []Summary
	err := s.db.Read(ctx, func(q db.Querier) (err error) {
		out, err = db.QueryAll(ctx, q, func(r db.Row) (Summary, error) {
			var x Summary
			return x, r.Scan(&x.MeetingID, &x.Title, &x.Date, &x.Summary, &x.PublishedAt)
		}, `SELECT id, title, starts_at, public_summary, summary_published_at FROM governance_meetings
			WHERE summary_published_at IS NOT NULL ORDER BY starts_at DESC, id DESC`)
		return err
	})
	return out, err
}

// Invitation is a meeting as an iCalendar invitation (members and staff).
func (s *Service) Invitation(ctx context.Context, id *auth.Identity, meetingID string) ([]byte, Meeting, error) {
	v, err := s.Meeting(ctx, id, meetingID)
	if err != nil {
		return nil, Meeting{}, err
	}
	var emails []string
	members, err := s.members(ctx)
	if err != nil {
		return nil, Meeting{}, err
	}
	for _, a := range v.Attendance {
		for _, m := range members {
			if m.ID == a.MemberID && m.Email != "" {
				emails = append(emails, m.Email)
			}
		}
	}
	return invitation(v, emails, s.baseURL, s.centerName, s.organizer, s.now()), v.Meeting, nil
}
