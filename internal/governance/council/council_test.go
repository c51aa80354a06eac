package council_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/governance/council"
	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/notify"
)

// The directory: the national CERT, two sectoral CERTs, a ministry and a
// bank; each has an administrator a-<org> and a viewer v-<org>.
var orgNames = map[string]string{"ncert": "National CERT", "bankcert": "Banking CERT", "telcocert": "Telecom CERT",
	"ministry": "Ministry", "bank": "A Bank"}

type orgs struct{}

func (orgs) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	var out []directory.Org
	for _, id := range ids {
		if n, ok := orgNames[id]; ok {
			out = append(out, directory.Org{ID: id, Name: n, Kind: directory.KindSectoralCERT})
		}
	}
	return out, nil
}

func (orgs) Members(_ context.Context, _ *auth.Identity, org string) ([]auth.Member, error) {
	return []auth.Member{
		{Membership: auth.Membership{UserID: "a-" + org, OrgID: org, Role: auth.RoleAdmin}, Name: "Admin of " + org, Email: "a@" + org + ".example"},
		{Membership: auth.Membership{UserID: "v-" + org, OrgID: org, Role: auth.RoleViewer}, Name: "Viewer of " + org, Email: "v@" + org + ".example"},
	}, nil
}

func person(p, org string) *auth.Identity {
	role := auth.RoleAdmin
	if p == "v" {
		role = auth.RoleViewer
	}
	return &auth.Identity{User: auth.User{ID: p + "-" + org, Name: p + " of " + org, Email: p + "@" + org + ".example"},
		Memberships: []auth.Membership{{UserID: p + "-" + org, OrgID: org, Role: role}}}
}

var staff = &auth.Identity{User: auth.User{ID: "staff", Name: "Staff", Email: "coordinator@cc.example", PlatformRole: auth.PlatformCoordinator}}

// records knows one incident, INC-1, and one alert.
type records struct{}

func (records) Find(_ context.Context, kind, ref string) (council.Link, error) {
	switch {
	case kind == "incident" && (ref == "INC-1" || ref == "i1"):
		return council.Link{Ref: "i1", Label: "INC-1", Title: "DDoS", URL: "/console/incidents/i1"}, nil
	case kind == "alert" && ref == "al1":
		return council.Link{Ref: "al1", Label: "ALERT-1", Title: "VPN", URL: "/console/alerts/al1"}, nil
	}
	return council.Link{}, errs.NotFound("no %s %s", kind, ref)
}

type outbox struct {
	mu   sync.Mutex
	mail []notify.Mail
}

func (o *outbox) Send(_ context.Context, _ *db.Tx, m notify.Mail) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mail = append(o.mail, m)
	return nil
}

func (o *outbox) take() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, m := range o.mail {
		out = append(out, strings.Join(m.To, ",")+": "+m.Subject)
	}
	o.mail = nil
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

func wantKind(t *testing.T, err error, kind errs.Kind, what string) {
	t.Helper()
	if errs.KindOf(err) != kind {
		t.Fatalf("%s: got %v, want %s", what, err, kind)
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	if e := errs.As(err); e == nil || !errs.Fields(e.Fields).Has(field) {
		t.Fatalf("want a problem with %s, got %v", field, err)
	}
}

// A meeting from its agenda to approved minutes, its decisions resting
// on records, actions tracked to done with reminders, and who reads what.
func TestMeetingToApprovedMinutes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for id, name := range orgNames {
			if _, err := d.Exec(ctx, `INSERT INTO orgs (id, name, name_key, kind, created_at, updated_at) VALUES ($1, $2, $1, 'sectoral_cert', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, id, name); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"a", "v"} {
				if _, err := d.Exec(ctx, `INSERT INTO users (id, email, name, sessions_valid_after, created_at, updated_at)
					VALUES ($1, $2, $1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, p+"-"+id, p+"@"+id+".example"); err != nil {
					t.Fatal(err)
				}
			}
		}
		now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		out := &outbox{}
		s := council.NewService(council.Options{DB: d, Orgs: orgs{}, Records: records{}, Outbox: out, Files: files.NewStore(d, t.TempDir()), Now: func() time.Time { return now },
			BaseURL: "https://cc.example", Organizer: "council@cc.example"})

		_, err := s.Appoint(ctx, person("a", "ncert"), "", council.MemberInput{OrgID: "ncert", UserID: "a-ncert", Role: council.Chair, TermStart: "2026-01-01"})
		wantKind(t, err, errs.KindForbidden, "appointing oneself")
		_, err = s.Appoint(ctx, staff, "", council.MemberInput{OrgID: "ncert", UserID: "a-bank", Role: "king", TermStart: "soon"})
		wantField(t, err, "role")
		wantField(t, err, "term_start")
		_, err = s.Appoint(ctx, staff, "", council.MemberInput{OrgID: "ncert", UserID: "a-bank", Role: council.Member, TermStart: "2026-01-01"})
		wantField(t, err, "user_id") // not a member of the National CERT
		chair := must(s.Appoint(ctx, staff, "", council.MemberInput{OrgID: "ncert", UserID: "a-ncert", Role: council.Chair, TermStart: "2026-01-01"}))
		must(s.Appoint(ctx, staff, "", council.MemberInput{OrgID: "bankcert", UserID: "a-bankcert", Role: council.Member, TermStart: "2026-01-01"}))
		must(s.Appoint(ctx, staff, "", council.MemberInput{OrgID: "ministry", UserID: "v-ministry", Role: council.Observer, TermStart: "2025-01-01", TermEnd: "2025-12-31"}))
		if !chair.Active || chair.Name != "Admin of ncert" || chair.Org != "National CERT" {
			t.Fatalf("the chair: %+v", chair)
		}

		start := now.Add(48 * time.Hour)
		in := council.MeetingInput{Title: "Fourth meeting", StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(3 * time.Hour).Format(time.RFC3339), Place: "Islamabad"}
		_, err = s.ScheduleMeeting(ctx, person("a", "bankcert"), in, time.UTC)
		wantKind(t, err, errs.KindForbidden, "a member schedules")
		m := must(s.ScheduleMeeting(ctx, person("a", "ncert"), in, time.UTC)) // the chair may
		invited := out.take()
		if len(invited) != 1 || !strings.Contains(invited[0], "a@ncert.example,a@bankcert.example") || strings.Contains(invited[0], "ministry") {
			t.Fatalf("invitations: %q", invited) // the observer's term is over
		}
		item := must(s.AddItem(ctx, staff, m.ID, council.ItemInput{Title: "Monthly reporting", Presenter: "National CERT", Body: "The proposal."}))
		// A paper of the item: the council reads it, nobody else.
		staged := must(s.Stage(ctx, "proposal.txt", strings.NewReader("Report monthly.\n")))
		wantKind(t, s.MayAttach(ctx, person("a", "bankcert"), m.ID), errs.KindForbidden, "a member adds a paper")
		_, err = s.AttachPaper(ctx, staff, m.ID, "not-an-item", staged)
		wantField(t, err, "item_id")
		paper := must(s.AttachPaper(ctx, staff, m.ID, item.ID, staged))
		pp, body, err := s.OpenPaper(ctx, person("a", "bankcert"), m.ID, paper.ID)
		if err != nil {
			t.Fatal(err)
		}
		content, _ := io.ReadAll(body)
		body.Close()
		if pp.Filename != "proposal.txt" || string(content) != "Report monthly.\n" {
			t.Errorf("the paper: %+v %q", pp, content)
		}
		_, _, err = s.OpenPaper(ctx, person("a", "bank"), m.ID, paper.ID)
		wantKind(t, err, errs.KindNotFound, "an outsider reads a paper")

		// Who reads it: members and staff; the ex-observer and a bank get 404.
		for _, who := range []*auth.Identity{person("v", "ministry"), person("a", "bank")} {
			_, err := s.Meeting(ctx, who, m.ID)
			wantKind(t, err, errs.KindNotFound, "an outsider reads the meeting")
		}
		if v := must(s.Meeting(ctx, person("a", "bankcert"), m.ID)); len(v.Items) != 1 || v.Keeps || len(v.Attendance) != 2 {
			t.Fatalf("a member's view: %+v", v)
		}
		b, _, err := s.Invitation(ctx, person("a", "bankcert"), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		ics := string(b)
		for _, want := range []string{"BEGIN:VCALENDAR", "METHOD:REQUEST", "UID:" + m.ID + "@certhub", "DTSTART:" + start.Format("20060102T150405Z"),
			"SUMMARY:CERT Council: Fourth meeting", "1. Monthly reporting (National CERT)", "mailto:a@bankcert.example", "ORGANIZER"} {
			if !strings.Contains(strings.ReplaceAll(ics, "\r\n ", ""), want) {
				t.Errorf("the invitation lacks %q:\n%s", want, ics)
			}
		}

		// Minutes wait for the meeting to be held; a member does not
		// approve them, the chair does; then they no longer change.
		_, err = s.SaveMinutes(ctx, staff, m.ID, "Draft.")
		wantKind(t, err, errs.KindConflict, "minutes of a meeting not held")
		in.Status = council.Held
		_, err = s.UpdateMeeting(ctx, staff, m.ID, in, time.UTC)
		wantField(t, err, "status") // not begun
		now = start.Add(4 * time.Hour)
		must(s.UpdateMeeting(ctx, staff, m.ID, in, time.UTC))
		members := must(s.Members(ctx, staff))
		att := map[string]string{}
		for _, mm := range members {
			att[mm.ID] = council.Present
		}
		_, err = s.SetAttendance(ctx, staff, m.ID, map[string]string{"nobody": "late"})
		wantField(t, err, "attendance")
		must(s.SetAttendance(ctx, staff, m.ID, att))
		_, err = s.SaveMinutes(ctx, staff, m.ID, "  ")
		wantField(t, err, "minutes")
		must(s.SaveMinutes(ctx, staff, m.ID, "1. Monthly reporting adopted."))
		_, err = s.ApproveMinutes(ctx, person("a", "bankcert"), m.ID)
		wantKind(t, err, errs.KindForbidden, "a member approves minutes")
		_, err = s.ApproveMinutes(ctx, staff, m.ID)
		wantKind(t, err, errs.KindForbidden, "the secretariat approves minutes")
		_, err = s.PublishSummary(ctx, staff, m.ID, "Early.")
		wantKind(t, err, errs.KindConflict, "a summary before approval")
		out.take()
		approved := must(s.ApproveMinutes(ctx, person("a", "ncert"), m.ID))
		if approved.MinutesStatus != council.Approved || approved.MinutesApprovedBy != "a of ncert" {
			t.Fatalf("approved: %+v", approved)
		}
		if got := out.take(); len(got) != 1 || !strings.HasPrefix(got[0], "a@ncert.example,a@bankcert.example: Minutes approved") {
			t.Fatalf("minutes sent: %q", got)
		}
		_, err = s.SaveMinutes(ctx, staff, m.ID, "Changed.")
		wantKind(t, err, errs.KindConflict, "changing approved minutes")
		_, err = s.AttachPaper(ctx, staff, m.ID, "", staged)
		wantKind(t, err, errs.KindConflict, "a paper after the minutes")
		if l := must(s.Summaries(ctx)); len(l) != 0 {
			t.Fatalf("a summary public before it was published: %+v", l)
		}
		must(s.PublishSummary(ctx, staff, m.ID, "The council adopted monthly reporting."))
		if l := must(s.Summaries(ctx)); len(l) != 1 || l[0].Summary != "The council adopted monthly reporting." {
			t.Fatalf("public summaries: %+v", l)
		}

		// Decisions: numbered, the vote's outcome, the records they rest on.
		_, err = s.AddDecision(ctx, staff, m.ID, council.DecisionInput{Kind: council.Decision, Title: "x", Text: "y", For: -1,
			Links: []council.LinkInput{{Kind: "incident", Ref: "INC-9"}}})
		wantField(t, err, "votes_for")
		_, err = s.AddDecision(ctx, staff, m.ID, council.DecisionInput{Kind: council.Decision, Title: "x", Text: "y",
			Links: []council.LinkInput{{Kind: "incident", Ref: "INC-9"}}})
		wantField(t, err, "links")
		d1 := must(s.AddDecision(ctx, staff, m.ID, council.DecisionInput{Kind: council.Decision, Title: "Monthly reporting", Text: "Adopted.",
			For: 4, Against: 1, Links: []council.LinkInput{{Kind: "incident", Ref: "INC-1"}}}))
		d2 := must(s.AddDecision(ctx, staff, m.ID, council.DecisionInput{Kind: council.Recommendation, Title: "Weekly", Text: "Not adopted.", For: 1, Against: 3}))
		if d1.Number != fmt.Sprintf("CD-%d-001", start.Year()) || d2.Number != fmt.Sprintf("CD-%d-002", start.Year()) ||
			d1.Outcome != council.Adopted || d2.Outcome != council.Rejected || len(d1.Links) != 1 || d1.Links[0].Label != "INC-1" {
			t.Fatalf("decisions: %+v %+v", d1, d2)
		}
		if reg := must(s.Decisions(ctx, person("a", "bankcert"))); len(reg) != 2 || reg[0].Number != d2.Number || reg[1].Links[0].URL != "/console/incidents/i1" {
			t.Fatalf("register: %+v", reg)
		}
		_, err = s.Decisions(ctx, person("a", "bank"))
		wantKind(t, err, errs.KindNotFound, "an outsider reads the register")

		// Actions: to the bank (not on the council), from decision 1.
		_, err = s.AddAction(ctx, staff, m.ID, council.ActionInput{Input: actions.Input{Title: "Report", OwnerOrgID: "bank"}, DecisionID: "CD-1999-001"})
		wantField(t, err, "decision_id")
		out.take()
		a := must(s.AddAction(ctx, staff, m.ID, council.ActionInput{Input: actions.Input{Title: "Send the first monthly report", OwnerOrgID: "bank",
			DueOn: "2026-12-10"}, DecisionID: d1.Number, Links: []council.LinkInput{{Kind: "alert", Ref: "al1"}}}))
		if a.DecisionID == nil || *a.DecisionID != d1.ID || a.OwnerOrg != "A Bank" || len(a.Links) != 1 {
			t.Fatalf("action: %+v", a)
		}
		if got := out.take(); len(got) != 1 || got[0] != "a@bank.example: Council action: Send the first monthly report" {
			t.Fatalf("the action's mail: %q", got) // the bank's administrator, not its viewer
		}
		// The bank reads its action, not the council's records.
		if l := must(s.Actions(ctx, person("v", "bank"), false)); len(l) != 1 || l[0].MeetingTitle != "Fourth meeting" {
			t.Fatalf("the bank's actions: %+v", l)
		}
		if l := must(s.Actions(ctx, person("a", "telcocert"), false)); len(l) != 0 {
			t.Fatalf("another organisation reads the bank's action: %+v", l)
		}
		// Reminders: due within three days, then overdue; once a week.
		now = time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
		if n := must(s.Remind(ctx)); n != 1 {
			t.Fatalf("reminded %d", n)
		}
		if got := out.take(); len(got) != 1 || got[0] != "a@bank.example: Council actions due" {
			t.Fatalf("reminder: %q", got)
		}
		if n := must(s.Remind(ctx)); n != 0 {
			t.Fatalf("reminded again at once: %d", n)
		}
		now = time.Date(2026, 12, 16, 9, 0, 0, 0, time.UTC)
		if over := must(s.Actions(ctx, staff, true)); len(over) != 1 || !over[0].Overdue {
			t.Fatalf("overdue list: %+v", over)
		}
		_, err = s.MoveAction(ctx, person("v", "bank"), a.ID, actions.Change{Status: actions.Done})
		wantKind(t, err, errs.KindForbidden, "a viewer closes the action")
		_, err = s.MoveAction(ctx, person("a", "telcocert"), a.ID, actions.Change{Status: actions.Done})
		wantKind(t, err, errs.KindNotFound, "another organisation closes the action")
		done := must(s.MoveAction(ctx, person("a", "bank"), a.ID, actions.Change{Status: actions.Done, Note: "Sent."}))
		if done.Status != actions.Done || done.Overdue || len(done.Links) != 1 {
			t.Fatalf("done: %+v", done)
		}
		if over := must(s.Actions(ctx, staff, true)); len(over) != 0 {
			t.Fatalf("still overdue: %+v", over)
		}
		v := must(s.Meeting(ctx, staff, m.ID))
		if len(v.Decisions) != 2 || len(v.Actions) != 1 || v.Actions[0].Status != actions.Done ||
			!slices.ContainsFunc(v.Attendance, func(a council.Attendee) bool { return a.Status == council.Present && a.Role == council.Chair }) {
			t.Fatalf("the meeting at the end: %+v", v)
		}
	})
}
