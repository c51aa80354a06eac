package incident_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/coordination/deadline"
	"github.com/certhub/certhub/internal/coordination/incident"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

func ptr[T any](v T) *T { return &v }

// orgs is a small directory: the center, the national CERT, a banking
// CERT below it with two banks, a telecom CERT with an operator (CII).
type orgs []directory.Summary

var dir = orgs{
	{ID: "cc", Name: "Coordination Center", Kind: directory.KindCoordinationCenter},
	{ID: "ncert", Name: "National CERT", Kind: directory.KindNationalCERT, ParentID: ptr("cc")},
	{ID: "bankcert", Name: "Banking CERT", Kind: directory.KindSectoralCERT, ParentID: ptr("ncert"), Sector: "banking"},
	{ID: "bank1", Name: "First Bank", Kind: directory.KindConstituent, ParentID: ptr("bankcert"), Sector: "banking", CII: true},
	{ID: "bank2", Name: "Second Bank", Kind: directory.KindConstituent, ParentID: ptr("bankcert"), Sector: "banking"},
	{ID: "telcocert", Name: "Telecom CERT", Kind: directory.KindSectoralCERT, ParentID: ptr("ncert"), Sector: "telecom"},
	{ID: "telco", Name: "Telco", Kind: directory.KindConstituent, ParentID: ptr("telcocert"), Sector: "telecom", CII: true},
	{ID: "vendor", Name: "Examplesoft", Kind: directory.KindVendor},
}

func (o orgs) All(context.Context, *auth.Identity, directory.Filter) ([]directory.Summary, error) {
	return o, nil
}

func (o orgs) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	var out []directory.Org
	for _, s := range o {
		if slices.Contains(ids, s.ID) {
			out = append(out, directory.Org{ID: s.ID, Name: s.Name, Kind: s.Kind, ParentID: s.ParentID,
				Contacts: []directory.Contact{{Role: "24x7", Email: "soc@" + s.ID + ".example"}}})
		}
	}
	return out, nil
}

// Members: every organisation has one analyst, u-<org>.
func (o orgs) Members(_ context.Context, _ *auth.Identity, org string) ([]auth.Member, error) {
	return []auth.Member{{Membership: auth.Membership{UserID: "u-" + org, OrgID: org, Role: auth.RoleAnalyst}, Name: "Analyst of " + org}}, nil
}

// routes: the telecom sector goes to the telecom CERT; nothing else has a
// rule.
type routes struct{}

func (routes) Responsible(_ context.Context, sectors []string, _ bool) (string, bool, error) {
	if slices.Contains(sectors, "telecom") {
		return "telcocert", true, nil
	}
	return "", false, nil
}

// outbox keeps the mail sent.
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

// to answers the subjects of the mail sent to addr since the last call,
// and forgets all mail.
func (o *outbox) take() []notify.Mail {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := o.mail
	o.mail = nil
	return m
}

func sentTo(mail []notify.Mail, org string) []string {
	var out []string
	for _, m := range mail {
		if slices.Contains(m.To, "soc@"+org+".example") {
			out = append(out, m.Subject)
		}
	}
	return out
}

// shared records what went to threat intelligence.
type shared struct {
	mu    sync.Mutex
	calls []string
}

func (s *shared) Share(_ context.Context, source, tlp, owner string, inds []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, fmt.Sprintf("%s|%s|%s|%s", source, tlp, owner, strings.Join(inds, ",")))
	return nil
}

var staff = &auth.Identity{User: auth.User{ID: "u-staff", Name: "Staff", Email: "coordinator@cc.example", PlatformRole: auth.PlatformCoordinator}}

func member(role auth.Role, org string) *auth.Identity {
	return &auth.Identity{User: auth.User{ID: "u-" + org, Name: "Someone of " + org, Email: "someone@" + org + ".example"},
		Memberships: []auth.Membership{{OrgID: org, Role: role}}}
}

type fixture struct {
	s     *incident.Service
	now   *time.Time
	out   *outbox
	intel *shared
}

func setup(t testing.TB, d *db.DB) fixture {
	t.Helper()
	for _, o := range dir {
		if _, err := d.Exec(context.Background(), `INSERT INTO orgs (id, name, name_key, kind, sector, created_at, updated_at)
			VALUES ($1, $2, $1, $3, $4, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, o.ID, o.Name, string(o.Kind), o.Sector); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	f := fixture{now: &now, out: &outbox{}, intel: &shared{}}
	f.s = incident.NewService(incident.Options{DB: d, Orgs: dir, Routes: routes{}, Indicators: f.intel, Outbox: f.out,
		Now: func() time.Time { return *f.now }, BaseURL: "https://cc.example"})
	return f
}

func clockOf(v incident.View, key string) deadline.Clock {
	for _, c := range v.Clocks {
		if deadline.Key(c.Regime, c.Step) == key {
			return c
		}
	}
	return deadline.Clock{}
}

func get(t *testing.T, s *incident.Service, id *auth.Identity, ref string) incident.View {
	t.Helper()
	v, err := s.Get(context.Background(), id, ref)
	if err != nil {
		t.Fatalf("get %s: %v", ref, err)
	}
	return v
}

const (
	earlyWarning = "nis2/early-warning"
	notification = "nis2/notification"
	firstResp    = "first-response/first-response"
)

// A bank's incident from its report to its closure across two CERTs:
// routed to its CERT, escalated to the national CERT for touching CII,
// its clocks right at each step, notes read only by whom their visibility
// names, handed over explicitly, closed with a resolution.
func TestIncidentFromReportToClosure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		s, now := f.s, f.now
		bank, cert, national := member(auth.RoleMember, "bank1"), member(auth.RoleAnalyst, "bankcert"), member(auth.RoleAnalyst, "ncert")
		in := incident.Input{Title: "Phishing against our customers", Class: "fraud", Type: "phishing", Severity: "high",
			Indicators: []string{"https://bank1-login.example.net/\n198.51.100.7", "198.51.100.7"}, Regimes: []string{"nis2"},
			DetectedAt: now.Add(-31 * time.Hour).Format(time.RFC3339), AwareAt: now.Add(-30 * time.Hour).Format(time.RFC3339)}
		if _, err := s.Report(ctx, member(auth.RoleViewer, "bank1"), in, incident.ChannelAPI); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a viewer reported: %v", err)
		}
		if _, err := s.Report(ctx, bank, withOrg(in, "bank2"), incident.ChannelAPI); !errs.HasField(err, "reporter_org_id") {
			t.Errorf("reported for another organisation: %v", err)
		}
		inc, err := s.Report(ctx, bank, in, incident.ChannelAPI)
		if err != nil {
			t.Fatal(err)
		}
		if inc.Number != "INC-2026-0001" || inc.OwnerOrgID != "bankcert" || !inc.CII || inc.Sector != "banking" || inc.TLP != "AMBER" ||
			!slices.Equal(inc.Regimes, []string{"nis2", "first-response"}) || len(inc.Indicators) != 2 {
			t.Fatalf("reported: %+v", inc)
		}
		if got := f.intel.calls; len(got) != 1 || got[0] != "Incident INC-2026-0001|AMBER|bankcert|https://bank1-login.example.net/,198.51.100.7" {
			t.Errorf("shared with threat intelligence: %q", got)
		}
		mail := f.out.take()
		if len(sentTo(mail, "bankcert")) != 1 || len(sentTo(mail, "ncert")) != 1 || len(sentTo(mail, "bank2")) != 0 {
			t.Errorf("told of the new incident: %+v", mail)
		}
		for _, m := range mail {
			if strings.Contains(m.Text, "Phishing against") {
				t.Errorf("a TLP:AMBER title travelled in clear mail: %q", m.Text)
			}
		}

		// The clocks: the early warning was due 6 h ago.
		v := get(t, s, cert, inc.ID)
		if c := clockOf(v, earlyWarning); c.State != deadline.Overdue || !c.Due.Equal(now.Add(-6*time.Hour)) {
			t.Errorf("early warning: %+v", c)
		}
		if c := clockOf(v, notification); c.State != deadline.Running {
			t.Errorf("notification: %+v", c)
		}
		if c := clockOf(v, firstResp); c.State != deadline.Running || !c.Due.Equal(now.Add(24*time.Hour)) {
			t.Errorf("first response: %+v", c)
		}
		if !v.Handles || len(v.Involved) != 1 || v.Involved[0].OrgID != "ncert" || v.Involved[0].Reason != incident.ReasonEscalated {
			t.Errorf("the CERT's view: handles %v, involved %+v", v.Handles, v.Involved)
		}

		// Who sees it.
		for _, who := range []*auth.Identity{member(auth.RoleAdmin, "bank2"), member(auth.RoleAdmin, "telcocert"), member(auth.RoleAdmin, "vendor")} {
			if _, err := s.Get(ctx, who, inc.ID); errs.KindOf(err) != errs.KindNotFound {
				t.Errorf("%s read it: %v", who.Memberships[0].OrgID, err)
			}
		}
		if v := get(t, s, national, inc.Number); v.Handles {
			t.Error("the national CERT, involved, handles it")
		}
		if _, err := s.Update(ctx, national, inc.ID, incident.Change{Status: ptr("open")}); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("an involved CERT changed it: %v", err)
		}

		// Notes and their readers.
		if _, err := s.AddNote(ctx, bank, inc.ID, incident.NoteInput{Body: "For us only", Visibility: incident.Internal}); !errs.HasField(err, "visibility") {
			t.Errorf("the reporter wrote an internal note: %v", err)
		}
		if _, err := s.AddNote(ctx, cert, inc.ID, incident.NoteInput{Body: "internal: looks like the kit from last month"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddNote(ctx, national, inc.ID, incident.NoteInput{Body: "certs: same kit seen at another bank"}); err != nil {
			t.Fatal(err)
		}
		if v := get(t, s, cert, inc.ID); v.Incident.FirstResponse != nil || clockOf(v, firstResp).State != deadline.Running {
			t.Error("an internal note counted as the first response")
		}
		f.out.take()
		*now = now.Add(2 * time.Hour)
		if _, err := s.AddNote(ctx, cert, inc.ID, incident.NoteInput{Body: "reporter: we are on it; send the SMS sender IDs", Visibility: incident.Reporter}); err != nil {
			t.Fatal(err)
		}
		if got := sentTo(f.out.take(), "bank1"); len(got) != 1 {
			t.Errorf("the reporter was not told of the answer: %v", got)
		}
		if _, err := s.AddNote(ctx, bank, inc.ID, incident.NoteInput{Body: "reporter: sender IDs attached"}); err != nil {
			t.Fatal(err)
		}
		if got := sentTo(f.out.take(), "bankcert"); len(got) != 1 {
			t.Errorf("the CERT was not told of the reporter's note: %v", got)
		}
		notes := func(id *auth.Identity) string {
			var b []string
			for _, n := range get(t, s, id, inc.ID).Notes {
				b = append(b, strings.SplitN(n.Body, ":", 2)[0])
			}
			return strings.Join(b, " ")
		}
		for who, want := range map[*auth.Identity]string{cert: "internal certs reporter reporter", bank: "reporter reporter", national: "certs", staff: "internal certs reporter reporter"} {
			if got := notes(who); got != want {
				t.Errorf("notes read: %q, want %q", got, want)
			}
		}
		v = get(t, s, cert, inc.ID)
		if v.Incident.FirstResponse == nil || clockOf(v, firstResp).State != deadline.Met || v.Incident.Status != incident.StatusOpen {
			t.Errorf("the first response: %+v %+v", v.Incident.FirstResponse, clockOf(v, firstResp))
		}

		// The clock job tells of the overdue early warning, once: to the
		// reporter and its CERT.
		n, err := s.Tick(ctx)
		if err != nil || n != 1 {
			t.Fatalf("tick: %d %v", n, err)
		}
		mail = f.out.take()
		if len(sentTo(mail, "bank1")) != 1 || len(sentTo(mail, "bankcert")) != 1 {
			t.Errorf("the overdue step told: %+v", mail)
		}
		if n, err := s.Tick(ctx); err != nil || n != 0 {
			t.Errorf("told twice: %d %v", n, err)
		}
		// The bank sends its early warning late; the CERT's steps are not
		// the reporter's to mark.
		if _, err := s.MarkStep(ctx, bank, inc.ID, firstResp); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("the reporter marked the CERT's step: %v", err)
		}
		if _, err := s.MarkStep(ctx, bank, inc.ID, earlyWarning); err != nil {
			t.Fatal(err)
		}
		if c := clockOf(get(t, s, bank, inc.ID), earlyWarning); c.State != deadline.Late {
			t.Errorf("a late early warning: %+v", c)
		}

		// Tasks and handing over.
		if _, err := s.AddTask(ctx, cert, inc.ID, incident.TaskInput{Title: "Take the kit down", OwnerOrgID: "telcocert"}); !errs.HasField(err, "owner_org_id") {
			t.Errorf("a task for a CERT not involved: %v", err)
		}
		task, err := s.AddTask(ctx, cert, inc.ID, incident.TaskInput{Title: "Send the sender IDs", OwnerOrgID: "bank1", DueAt: "2026-12-07"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.FinishTask(ctx, bank, inc.ID, task.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Transfer(ctx, cert, inc.ID, incident.Transfer{OrgID: "bank2", Reason: "x"}); !errs.HasField(err, "org_id") {
			t.Errorf("handed to a bank: %v", err)
		}
		if _, err := s.Transfer(ctx, cert, inc.ID, incident.Transfer{OrgID: "ncert", Reason: "The campaign spans sectors."}); err != nil {
			t.Fatal(err)
		}
		v = get(t, s, cert, inc.ID)
		if v.Handles || v.Incident.OwnerOrgID != "ncert" || !slices.ContainsFunc(v.Involved, func(i incident.Involved) bool {
			return i.OrgID == "bankcert" && i.Reason == incident.ReasonPrevious
		}) || slices.ContainsFunc(v.Involved, func(i incident.Involved) bool { return i.OrgID == "ncert" }) {
			t.Errorf("after the handover: handles %v, owner %s, involved %+v", v.Handles, v.Incident.OwnerOrgID, v.Involved)
		}
		if slices.ContainsFunc(get(t, s, bank, inc.ID).Events, func(e incident.Event) bool { return e.Kind == "transferred" }) == false {
			t.Error("the reporter does not see the handover")
		}

		// Closure: a resolution first.
		if _, err := s.Update(ctx, national, inc.ID, incident.Change{Status: ptr(incident.StatusClosed)}); !errs.HasField(err, "resolution") {
			t.Errorf("closed without a resolution: %v", err)
		}
		inc, err = s.Update(ctx, national, inc.ID, incident.Change{Status: ptr(incident.StatusClosed), Resolution: ptr("Domains taken down; customers' accounts restored."),
			RootCause: ptr("Customers entered credentials on a lookalike site.")})
		if err != nil || inc.ClosedAt == nil || inc.NextDueAt != nil {
			t.Fatalf("closed: %+v %v", inc, err)
		}
		list, _, err := s.List(ctx, national, incident.Filter{Status: "active"}, 50, "")
		if err != nil || len(list) != 0 {
			t.Errorf("active after closing: %+v %v", list, err)
		}
		list, _, err = s.List(ctx, bank, incident.Filter{}, 50, "")
		if err != nil || len(list) != 1 || list[0].Status != incident.StatusClosed {
			t.Errorf("the reporter's list: %+v %v", list, err)
		}
		if list, _, _ := s.List(ctx, member(auth.RoleAdmin, "bank2"), incident.Filter{}, 50, ""); len(list) != 0 {
			t.Errorf("another bank lists it: %+v", list)
		}
	})
}

func withOrg(in incident.Input, org string) incident.Input {
	in.ReporterOrgID = org
	return in
}

// A CERT that lets its own first response pass is escalated to the CERT
// above it; a telecom incident follows the routing rules.
func TestOverdueCERTStepEscalates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		inc, err := f.s.Report(ctx, member(auth.RoleMember, "bank2"), incident.Input{Title: "Ransom note on a file server", Class: "malicious-code",
			Type: "infected-system"}, incident.ChannelPortal)
		if err != nil || inc.OwnerOrgID != "bankcert" || inc.Severity != "medium" {
			t.Fatalf("%+v %v", inc, err)
		}
		if v := get(t, f.s, staff, inc.ID); len(v.Involved) != 0 {
			t.Errorf("escalated without cause: %+v", v.Involved)
		}
		f.out.take()
		*f.now = f.now.Add(25 * time.Hour)
		if n, err := f.s.Tick(ctx); err != nil || n != 1 {
			t.Fatalf("tick: %d %v", n, err)
		}
		v := get(t, f.s, staff, inc.ID)
		if len(v.Involved) != 1 || v.Involved[0].OrgID != "ncert" || v.Involved[0].Reason != incident.ReasonEscalated {
			t.Errorf("not escalated to the CERT above: %+v", v.Involved)
		}
		if got := sentTo(f.out.take(), "ncert"); len(got) != 1 {
			t.Errorf("the national CERT not told: %v", got)
		}
		list, _, err := f.s.List(ctx, staff, incident.Filter{Overdue: true, Sort: "due"}, 10, "")
		if err != nil || len(list) != 1 || !list[0].Overdue {
			t.Errorf("the overdue queue: %+v %v", list, err)
		}
		telco, err := f.s.Report(ctx, member(auth.RoleAdmin, "telco"), incident.Input{Title: "DDoS", Class: "availability", Type: "ddos", Severity: "critical"}, incident.ChannelAPI)
		if err != nil || telco.OwnerOrgID != "telcocert" {
			t.Fatalf("telecom routing: %+v %v", telco, err)
		}
	})
}

// Bad input is named field by field, never a failure of the server.
func TestReportBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		bank := member(auth.RoleMember, "bank1")
		many := make([]string, incident.MaxIndicators+1)
		for i := range many {
			many[i] = fmt.Sprintf("192.0.2.%d/%d", i%250, i)
		}
		cases := []struct {
			in    incident.Input
			field string
		}{
			{incident.Input{}, "title"},
			{incident.Input{Title: "x\x00y"}, "title"},
			{incident.Input{Title: "x", Class: "weather"}, "rsit_class"},
			{incident.Input{Title: "x", Class: "fraud", Type: "hail"}, "rsit_type"},
			{incident.Input{Title: "x", Severity: "apocalyptic"}, "severity"},
			{incident.Input{Title: "x", TLP: "RED"}, "tlp"},
			{incident.Input{Title: "x", TLP: "PURPLE"}, "tlp"},
			{incident.Input{Title: "x", Sector: "farming"}, "sector"},
			{incident.Input{Title: "x", Regimes: []string{"gdpr-33"}}, "regimes[0]"},
			{incident.Input{Title: "x", DetectedAt: "yesterday"}, "detected_at"},
			{incident.Input{Title: "x", DetectedAt: "2027-01-01T00:00:00Z"}, "detected_at"},
			{incident.Input{Title: "x", DetectedAt: "2026-12-05T10:00:00Z", AwareAt: "2026-12-05T09:00:00Z"}, "aware_at"},
			{incident.Input{Title: "x", Indicators: many}, "indicators"},
			{incident.Input{Title: "x", AffectedUsers: ptr(int64(-3))}, "affected_users"},
			{incident.Input{Title: "x", ReporterEmail: "not an address"}, "reporter_email"},
		}
		for _, c := range cases {
			if _, err := f.s.Report(ctx, bank, c.in, incident.ChannelAPI); !errs.HasField(err, c.field) {
				t.Errorf("%+v: want a problem with %s, got %v", c.in, c.field, err)
			}
		}
		if _, _, err := f.s.ReportPublic(ctx, incident.Input{Title: "x"}, "192.0.2.1"); !errs.HasField(err, "reporter_email") {
			t.Errorf("a public report without an address: %v", err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM coordination_incidents`).Scan(&n); err != nil || n != 0 {
			t.Errorf("bad reports were stored: %d %v", n, err)
		}
		if _, _, err := f.s.List(ctx, staff, incident.Filter{Status: "sleeping"}, 10, ""); !errs.HasField(err, "status") {
			t.Errorf("a bad filter: %v", err)
		}
		if _, _, err := f.s.List(ctx, staff, incident.Filter{}, 10, "garbage"); !errs.HasField(err, "cursor") {
			t.Errorf("a bad cursor: %v", err)
		}
	})
}

// A citizen reports through the public form: routed to the national
// CERT, followed through the link only they hold, which shows the
// exchange with the CERT and nothing else; the form is rate-limited.
func TestPublicReportAndFollowLink(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		inc, secret, err := f.s.ReportPublic(ctx, incident.Input{Title: "SMS asking for a customs fee", ReporterName: "Citizen",
			ReporterEmail: "citizen@mail.example", Class: "fraud", Type: "phishing", Regimes: []string{"nis2"}}, "192.0.2.10")
		if err != nil || len(secret) < 40 || inc.OwnerOrgID != "ncert" || inc.ReporterOrgID != nil || !slices.Equal(inc.Regimes, []string{"first-response"}) {
			t.Fatalf("%+v %q %v", inc, secret, err)
		}
		national := member(auth.RoleAnalyst, "ncert")
		if _, err := f.s.AddNote(ctx, national, inc.ID, incident.NoteInput{Body: "Internal: same campaign as last week"}); err != nil {
			t.Fatal(err)
		}
		f.out.take()
		if _, err := f.s.AddNote(ctx, national, inc.ID, incident.NoteInput{Body: "Thank you: the site is being taken down.", Visibility: incident.Reporter}); err != nil {
			t.Fatal(err)
		}
		mail := f.out.take()
		if len(mail) != 1 || mail[0].To[0] != "citizen@mail.example" || strings.Contains(mail[0].Text, "taken down") || strings.Contains(mail[0].Text, secret) {
			t.Errorf("the citizen's notice: %+v", mail)
		}
		fw, err := f.s.Follow(ctx, secret)
		if err != nil || fw.Number != inc.Number || len(fw.Notes) != 1 || fw.Notes[0].Body != "Thank you: the site is being taken down." || fw.CERT != "National CERT" {
			t.Fatalf("follow: %+v %v", fw, err)
		}
		for _, bad := range []string{"", "short", strings.Repeat("A", 43), secret + "x"} {
			if _, err := f.s.Follow(ctx, bad); errs.KindOf(err) != errs.KindNotFound {
				t.Errorf("follow %q: %v", bad, err)
			}
		}
		if _, err := f.s.ReplyByLink(ctx, secret, "Here is a screenshot description.", "192.0.2.10"); err != nil {
			t.Fatal(err)
		}
		if v := get(t, f.s, national, inc.ID); len(v.Notes) != 3 {
			t.Errorf("the CERT reads %d notes", len(v.Notes))
		}
		limited := false
		for i := range 6 {
			_, _, err := f.s.ReportPublic(ctx, incident.Input{Title: fmt.Sprint("spam ", i), ReporterEmail: "a@b.example"}, "192.0.2.99")
			limited = limited || errs.KindOf(err) == errs.KindRateLimited
		}
		if !limited {
			t.Error("the public form is not rate-limited")
		}
	})
}

// The figures of a period: counts by class, severity and CERT, medians,
// and how each deadline step fared.
func TestFigures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		start := *f.now
		cert := member(auth.RoleAnalyst, "bankcert")
		for i, sev := range []string{"low", "high", "high"} {
			inc, err := f.s.Report(ctx, member(auth.RoleMember, "bank2"), incident.Input{Title: fmt.Sprint("incident ", i), Severity: sev,
				Class: "fraud", Type: "phishing"}, incident.ChannelAPI)
			if err != nil {
				t.Fatal(err)
			}
			if i < 2 { // answered after 2 h and 30 h: one in time, one late
				*f.now = f.now.Add(time.Duration(2+28*i) * time.Hour)
				if _, err := f.s.AddNote(ctx, cert, inc.ID, incident.NoteInput{Body: "answer", Visibility: incident.Reporter}); err != nil {
					t.Fatal(err)
				}
				*f.now = f.now.Add(-time.Duration(2+28*i) * time.Hour)
			}
		}
		*f.now = start.Add(48 * time.Hour)
		fg, err := f.s.Figures(ctx, staff, start.Add(-time.Hour), start.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if fg.Total != 3 || len(fg.BySeverity) != 2 || fg.BySeverity[0].Key != "high" || fg.BySeverity[0].N != 2 || fg.ByCERT[0].Label != "Banking CERT" ||
			fg.ByClass[0].Label != "Fraud" {
			t.Errorf("counts: %+v", fg)
		}
		if fg.MedianFirstResponse == nil || *fg.MedianFirstResponse != 16*3600 {
			t.Errorf("median first response: %v", fg.MedianFirstResponse)
		}
		if len(fg.Steps) != 1 || fg.Steps[0].Met != 1 || fg.Steps[0].Late != 1 || fg.Steps[0].Overdue != 1 || fg.Steps[0].OnTime == nil ||
			int(*fg.Steps[0].OnTime) != 33 {
			t.Errorf("deadlines: %+v", fg.Steps)
		}
		if fg, err := f.s.Figures(ctx, member(auth.RoleAdmin, "telcocert"), start.Add(-time.Hour), start.Add(time.Hour)); err != nil || fg.Total != 0 {
			t.Errorf("another CERT's figures: %+v %v", fg, err)
		}
	})
}

// The queue pages with a cursor in either order, and a custom regime
// applies like a built-in one.
func TestQueuePagesAndRegimes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		if _, err := f.s.SetRegime(ctx, member(auth.RoleAdmin, "bankcert"), "sbp", []byte(`{}`)); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a CERT defined a regime: %v", err)
		}
		if _, err := f.s.SetRegime(ctx, staff, "nis2", []byte(`{"id":"nis2","title":"x","steps":[{"id":"a","title":"A","by":"cert","after":"1h","from":"report"}]}`)); !errs.HasField(err, "id") {
			t.Errorf("a built-in regime replaced: %v", err)
		}
		if _, err := f.s.SetRegime(ctx, staff, "sbp", []byte(`{"id":"sbp","title":"Central bank circular","steps":[{"id":"notice","title":"Notice to the central bank","by":"reporter","after":"6h","from":"report"}]}`)); err != nil {
			t.Fatal(err)
		}
		bank := member(auth.RoleMember, "bank2")
		for i := range 7 {
			*f.now = f.now.Add(time.Minute)
			in := incident.Input{Title: fmt.Sprint("incident ", i)}
			if i%2 == 0 {
				in.Regimes = []string{"sbp"}
			}
			if _, err := f.s.Report(ctx, bank, in, incident.ChannelAPI); err != nil {
				t.Fatal(err)
			}
		}
		for _, sort := range []string{"", "due"} {
			var seen []string
			cursor := ""
			for range 5 {
				page, next, err := f.s.List(ctx, staff, incident.Filter{Sort: sort}, 3, cursor)
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range page {
					seen = append(seen, x.Title[len("incident "):])
				}
				if cursor = next; cursor == "" {
					break
				}
			}
			want := "6543210"
			if sort == "due" {
				want = "0246135" // the central bank's 6 h first, then the 24 h first responses
			}
			if got := strings.Join(seen, ""); got != want {
				t.Errorf("sort %q: %s, want %s", sort, got, want)
			}
		}
	})
}
