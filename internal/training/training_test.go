package training_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/training"
)

func ptr[T any](v T) *T { return &v }

// orgs is a small directory: the center, a banking CERT with two banks
// (the first CII), and a telecom operator (CII) under nobody.
type orgs []directory.Summary

var dir = orgs{
	{ID: "cc", Name: "Coordination Center", Kind: directory.KindCoordinationCenter},
	{ID: "bankcert", Name: "Banking CERT", Kind: directory.KindSectoralCERT, Sector: "banking"},
	{ID: "bank1", Name: "First Bank", Kind: directory.KindConstituent, ParentID: ptr("bankcert"), Sector: "banking", CII: true},
	{ID: "bank2", Name: "Second Bank", Kind: directory.KindConstituent, ParentID: ptr("bankcert"), Sector: "banking"},
	{ID: "telco", Name: "Telco", Kind: directory.KindConstituent, Sector: "telecom", CII: true},
}

func (o orgs) All(_ context.Context, _ *auth.Identity, f directory.Filter) ([]directory.Summary, error) {
	var out []directory.Summary
	for _, s := range o {
		if f.ParentID == "" || (s.ParentID != nil && *s.ParentID == f.ParentID) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (o orgs) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	var out []directory.Org
	for _, s := range o {
		if slices.Contains(ids, s.ID) {
			out = append(out, directory.Org{ID: s.ID, Name: s.Name, Kind: s.Kind, ParentID: s.ParentID, Sector: s.Sector, CII: s.CII})
		}
	}
	return out, nil
}

// people of each organisation: its administrator a-<org> and two
// members, m-<org> and n-<org>.
var roles = map[string]auth.Role{"a": auth.RoleAdmin, "m": auth.RoleMember, "n": auth.RoleViewer}

func (o orgs) Members(_ context.Context, _ *auth.Identity, org string) ([]auth.Member, error) {
	var out []auth.Member
	for _, p := range []string{"a", "m", "n"} {
		out = append(out, auth.Member{Membership: auth.Membership{UserID: p + "-" + org, OrgID: org, Role: roles[p]},
			Name: "Person " + p + " of " + org, Email: p + "@" + org + ".example"})
	}
	return out, nil
}

func person(p, org string) *auth.Identity {
	return &auth.Identity{User: auth.User{ID: p + "-" + org, Name: "Person " + p + " of " + org, Email: p + "@" + org + ".example"},
		Memberships: []auth.Membership{{UserID: p + "-" + org, OrgID: org, Role: roles[p]}}}
}

var staff = &auth.Identity{User: auth.User{ID: "staff", Name: "Staff", Email: "coordinator@cc.example", PlatformRole: auth.PlatformCoordinator}}

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

// take answers "to: subject" of the mail sent since the last call.
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

// signer "signs" by wrapping the text, so the test sees it was asked.
type signer struct{}

func (signer) ClearSign(text []byte) ([]byte, error) {
	return append(append([]byte("-----BEGIN PGP SIGNED MESSAGE-----\n\n"), text...), "-----BEGIN PGP SIGNATURE-----\n"...), nil
}

type fixture struct {
	s   *training.Service
	now *time.Time
	out *outbox
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	ctx := context.Background()
	for _, o := range dir {
		if _, err := d.Exec(ctx, `INSERT INTO orgs (id, name, name_key, kind, sector, created_at, updated_at)
			VALUES ($1, $2, $1, $3, $4, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, o.ID, o.Name, string(o.Kind), o.Sector); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"a", "m", "n"} {
			if _, err := d.Exec(ctx, `INSERT INTO users (id, email, name, sessions_valid_after, created_at, updated_at)
				VALUES ($1, $2, $3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, p+"-"+o.ID, p+"@"+o.ID+".example", p); err != nil {
				t.Fatal(err)
			}
		}
	}
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	f := fixture{now: &now, out: &outbox{}}
	f.s = training.NewService(training.Options{DB: d, Orgs: dir, Outbox: f.out, Signer: signer{}, Now: func() time.Time { return *f.now },
		BaseURL: "https://cc.example", CenterName: "Test Center"})
	return f
}

// must answers v, or stops the test (by a panic, which fails it with
// where) on an error.
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
	e := errs.As(err)
	if e == nil || !errs.Fields(e.Fields).Has(field) {
		t.Fatalf("want a problem with %s, got %v", field, err)
	}
}

func TestEnrolmentApprovalWaitingListAndCertificate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		c := must(f.s.CreateCourse(ctx, staff, training.CourseInput{Title: "Incident handling", Topic: "incident_response", Level: "foundation",
			DurationHours: 16}))
		_, err := f.s.CreateCourse(ctx, person("a", "bank1"), training.CourseInput{Title: "X", Topic: "incident_response", Level: "foundation", DurationHours: 1})
		wantKind(t, err, errs.KindForbidden, "a bank adds a course")
		start := f.now.AddDate(0, 0, 10)
		ses := must(f.s.CreateSession(ctx, staff, training.SessionInput{CourseID: c.ID, StartsAt: start.Format(time.RFC3339),
			EndsAt: start.Add(8 * time.Hour).Format(time.RFC3339), Place: "Islamabad", Seats: 2}, time.UTC))

		// A member asks; the bank's administrator is asked to approve.
		req := must(f.s.Enrol(ctx, person("m", "bank1"), ses.ID, training.EnrolInput{}))
		if req.Status != training.Requested || req.OrgName != "First Bank" {
			t.Fatalf("member's request: %+v", req)
		}
		if got := f.out.take(); len(got) != 1 || !strings.HasPrefix(got[0], "a@bank1.example: Approve training") {
			t.Fatalf("mail on request: %q", got)
		}
		_, err = f.s.Enrol(ctx, person("m", "bank1"), ses.ID, training.EnrolInput{})
		wantKind(t, err, errs.KindConflict, "asking twice")
		_, err = f.s.Decide(ctx, person("m", "bank1"), req.ID, training.Decision{Approve: true})
		wantKind(t, err, errs.KindForbidden, "approving oneself")
		_, err = f.s.Decide(ctx, person("a", "bank2"), req.ID, training.Decision{Approve: true})
		wantKind(t, err, errs.KindNotFound, "another bank approves")
		_, err = f.s.Enrolment(ctx, person("a", "telco"), req.ID)
		wantKind(t, err, errs.KindNotFound, "telco reads bank1's enrolment")
		must(f.s.Enrolment(ctx, person("n", "bankcert"), req.ID)) // its sectoral CERT reads it
		_, err = f.s.Decide(ctx, person("a", "bank1"), req.ID, training.Decision{})
		wantField(t, err, "reason")
		e := must(f.s.Decide(ctx, person("a", "bank1"), req.ID, training.Decision{Approve: true}))
		if e.Status != training.Enrolled {
			t.Fatalf("approved: %s", e.Status)
		}
		if got := f.out.take(); len(got) != 1 || got[0] != "m@bank1.example: Enrolled: Incident handling" {
			t.Fatalf("mail on approval: %q", got)
		}
		// An administrator's own enrolment needs no approval; the
		// session is then full.
		must(f.s.Enrol(ctx, person("a", "bank1"), ses.ID, training.EnrolInput{}))
		// Second Bank's administrator enrols two of its people: both wait, in order.
		w1 := must(f.s.Enrol(ctx, person("a", "bank2"), ses.ID, training.EnrolInput{UserID: "m-bank2"}))
		w2 := must(f.s.Enrol(ctx, person("a", "bank2"), ses.ID, training.EnrolInput{UserID: "n-bank2"}))
		if w1.Status != training.Waiting || w1.Position != 1 || w2.Position != 2 {
			t.Fatalf("waiting list: %+v %+v", w1, w2)
		}
		_, err = f.s.Enrol(ctx, person("m", "bank2"), ses.ID, training.EnrolInput{UserID: "n-bank2"})
		wantKind(t, err, errs.KindForbidden, "a member enrols someone else")
		_, err = f.s.Enrol(ctx, person("a", "bank2"), ses.ID, training.EnrolInput{OrgID: "bank1"})
		wantField(t, err, "org_id")
		f.out.take()

		// A seat frees: the first waiting moves up and is told.
		must(f.s.Cancel(ctx, person("m", "bank1"), req.ID, "cannot travel"))
		if got := must(f.s.Enrolment(ctx, staff, w1.ID)); got.Status != training.Enrolled {
			t.Fatalf("first waiting after a withdrawal: %s", got.Status)
		}
		if got := must(f.s.Enrolment(ctx, staff, w2.ID)); got.Status != training.Waiting || got.Position != 1 {
			t.Fatalf("second waiting after a withdrawal: %+v", got)
		}
		if got := f.out.take(); !slices.Contains(got, "m@bank2.example: Enrolled: Incident handling") {
			t.Fatalf("mail on moving up: %q", got)
		}
		// More seats move the list up; fewer than are taken are refused.
		_, err = f.s.UpdateSession(ctx, staff, ses.ID, training.SessionInput{StartsAt: start.Format(time.RFC3339),
			EndsAt: start.Add(8 * time.Hour).Format(time.RFC3339), Place: "Islamabad", Seats: 1}, time.UTC)
		wantField(t, err, "seats")
		ses = must(f.s.UpdateSession(ctx, staff, ses.ID, training.SessionInput{StartsAt: start.Format(time.RFC3339),
			EndsAt: start.Add(8 * time.Hour).Format(time.RFC3339), Place: "Islamabad", Seats: 3}, time.UTC))
		if ses.Taken != 3 || ses.WaitingCount != 0 {
			t.Fatalf("after adding a seat: taken %d waiting %d", ses.Taken, ses.WaitingCount)
		}

		// Who reads which enrolments.
		count := func(id *auth.Identity) int {
			l, _, err := f.s.Enrolments(ctx, id, training.EnrolmentFilter{SessionID: ses.ID}, 100, "")
			if err != nil {
				t.Fatal(err)
			}
			return len(l)
		}
		for _, c := range []struct {
			who  *auth.Identity
			want int
		}{{staff, 4}, {person("n", "bankcert"), 4}, {person("a", "bank2"), 2}, {person("n", "bank2"), 1}, {person("a", "telco"), 0}} {
			if got := count(c.who); got != c.want {
				t.Errorf("%s reads %d enrolments, want %d", c.who.User.ID, got, c.want)
			}
		}

		// Results: not before the session; attendance completes it.
		admin1, _, err := f.s.Enrolments(ctx, staff, training.EnrolmentFilter{UserID: "a-bank1"}, 10, "")
		if err != nil || len(admin1) != 1 {
			t.Fatalf("a-bank1's enrolments: %v %v", admin1, err)
		}
		_, err = f.s.Record(ctx, staff, admin1[0].ID, training.Result{Attended: true})
		wantKind(t, err, errs.KindConflict, "a result before the session")
		*f.now = start.Add(2 * time.Hour)
		_, err = f.s.Enrol(ctx, person("m", "telco"), ses.ID, training.EnrolInput{})
		wantKind(t, err, errs.KindConflict, "enrolling once it began")
		_, err = f.s.Record(ctx, person("a", "bank1"), admin1[0].ID, training.Result{Attended: true})
		wantKind(t, err, errs.KindForbidden, "a bank records its own result")
		*f.now = start.AddDate(0, 0, 3)
		done := must(f.s.Record(ctx, staff, admin1[0].ID, training.Result{Attended: true}))
		if done.Status != training.Completed || done.Certificate == "" || !done.CompletedAt.Equal(start.Add(8*time.Hour)) {
			t.Fatalf("completed: %+v", done)
		}
		absent := must(f.s.Record(ctx, staff, w1.ID, training.Result{Attended: false}))
		if absent.Status != training.NotCompleted || absent.Certificate != "" {
			t.Fatalf("absent: %+v", absent)
		}
		_, err = f.s.Record(ctx, staff, done.ID, training.Result{Attended: false})
		wantKind(t, err, errs.KindConflict, "recording a completed course again")

		// The certificate says what is printed and nothing more.
		cert := must(f.s.Certificate(ctx, strings.ToLower(strings.ReplaceAll(done.Certificate, "-", ""))))
		if !cert.Valid || cert.HolderName != "Person a of bank1" || cert.CourseTitle != "Incident handling" || cert.CompletedOn != start.Format("2006-01-02") {
			t.Fatalf("certificate: %+v", cert)
		}
		if !strings.Contains(cert.Signed, "BEGIN PGP SIGNED MESSAGE") || !strings.Contains(cert.Signed, "Holder: Person a of bank1") {
			t.Fatalf("signed statement: %q", cert.Signed)
		}
		pdf, _, err := f.s.PDF(ctx, done.Certificate)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || attached(t, pdf) != cert.Signed {
			t.Fatalf("PDF of %d bytes: the signed statement is not attached as it is", len(pdf))
		}
		_, err = f.s.Certificate(ctx, "AAAA-AAAA-AAAA-AAAA")
		wantKind(t, err, errs.KindNotFound, "an unknown code")

		// Capacity: First Bank (CII) has its incident contact; Telco has none.
		cap := must(f.s.Capacity(ctx, staff))
		byOrg := map[string]training.OrgCapacity{}
		for _, o := range cap.Orgs {
			byOrg[o.OrgID] = o
		}
		if o := byOrg["bank1"]; o.People != 1 || len(o.Gaps) != 0 {
			t.Errorf("bank1 capacity: %+v", o)
		}
		if o := byOrg["telco"]; !slices.Contains(o.Gaps, "cii-incident-contact") {
			t.Errorf("telco capacity: %+v", o)
		}
		if o := byOrg["bankcert"]; !slices.Contains(o.Gaps, "cert-incident-handlers") {
			t.Errorf("bankcert capacity: %+v", o)
		}
		mine := must(f.s.Capacity(ctx, person("n", "bankcert")))
		for _, o := range mine.Orgs {
			if o.OrgID == "telco" || o.OrgID == "cc" {
				t.Errorf("the banking CERT sees %s's capacity", o.OrgID)
			}
		}
		var csv bytes.Buffer
		if err := cap.WriteCSV(&csv); err != nil || !strings.Contains(csv.String(), "bank1,First Bank,constituent,banking,true,1,1,") {
			t.Errorf("CSV: %v\n%s", err, csv.String())
		}

		// Revoked: the page says so, the PDF is no longer served, and
		// the figures no longer count it.
		_, err = f.s.Revoke(ctx, person("a", "bank1"), done.Certificate, "issued in error")
		wantKind(t, err, errs.KindForbidden, "a bank revokes")
		_, err = f.s.Revoke(ctx, staff, done.Certificate, "")
		wantField(t, err, "reason")
		rev := must(f.s.Revoke(ctx, staff, done.Certificate, "issued in error"))
		if rev.Valid || rev.Revoked != "issued in error" {
			t.Fatalf("revoked: %+v", rev)
		}
		_, _, err = f.s.PDF(ctx, done.Certificate)
		wantKind(t, err, errs.KindConflict, "the PDF of a revoked certificate")
		if o := must(f.s.Capacity(ctx, staff)); o.Orgs[slices.IndexFunc(o.Orgs, func(c training.OrgCapacity) bool { return c.OrgID == "bank1" })].People != 0 {
			t.Error("a revoked certificate still counts")
		}
	})
}

// attached answers the PDF's embedded file (the one stream after
// "/Type /EmbeddedFile", deflated).
func attached(t *testing.T, pdf []byte) string {
	t.Helper()
	_, rest, ok := bytes.Cut(pdf, []byte("/Type /EmbeddedFile"))
	if !ok {
		t.Fatal("the PDF embeds no file")
	}
	_, rest, _ = bytes.Cut(rest, []byte("stream\n"))
	body, _, _ := bytes.Cut(rest, []byte("\nendstream"))
	r, err := zlib.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPassMarkAndCancelledSession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		c := must(f.s.CreateCourse(ctx, staff, training.CourseInput{Title: "Forensics", Topic: "digital_forensics", Level: "intermediate",
			DurationHours: 24, PassMark: ptr(70)}))
		start := f.now.AddDate(0, 0, 5)
		in := training.SessionInput{CourseID: c.ID, StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(48 * time.Hour).Format(time.RFC3339),
			Online: true, Seats: 5}
		ses := must(f.s.CreateSession(ctx, staff, in, time.UTC))
		a := must(f.s.Enrol(ctx, person("a", "bankcert"), ses.ID, training.EnrolInput{}))
		b := must(f.s.Enrol(ctx, person("a", "telco"), ses.ID, training.EnrolInput{}))
		r := must(f.s.Enrol(ctx, person("m", "bank2"), ses.ID, training.EnrolInput{}))
		*f.now = start.Add(50 * time.Hour)
		_, err := f.s.Record(ctx, staff, a.ID, training.Result{Attended: true})
		wantField(t, err, "score")
		_, err = f.s.Record(ctx, staff, a.ID, training.Result{Attended: true, Score: ptr(101)})
		wantField(t, err, "score")
		if got := must(f.s.Record(ctx, staff, a.ID, training.Result{Attended: true, Score: ptr(69)})); got.Status != training.NotCompleted {
			t.Fatalf("below the pass mark: %s", got.Status)
		}
		// A result not completed may be recorded again (a resit).
		if got := must(f.s.Record(ctx, staff, a.ID, training.Result{Attended: true, Score: ptr(70)})); got.Status != training.Completed {
			t.Fatalf("at the pass mark: %s", got.Status)
		}
		_, err = f.s.Record(ctx, staff, r.ID, training.Result{Attended: true, Score: ptr(90)})
		wantKind(t, err, errs.KindConflict, "a result for an unapproved request")

		// A cancelled session withdraws the live enrolments and tells them.
		*f.now = start.Add(-time.Hour)
		ses2 := must(f.s.CreateSession(ctx, staff, in, time.UTC))
		e := must(f.s.Enrol(ctx, person("a", "bank1"), ses2.ID, training.EnrolInput{}))
		f.out.take()
		in.Status = "cancelled"
		must(f.s.UpdateSession(ctx, staff, ses2.ID, in, time.UTC))
		if got := must(f.s.Enrolment(ctx, staff, e.ID)); got.Status != training.Cancelled {
			t.Fatalf("after the session was cancelled: %s", got.Status)
		}
		if got := f.out.take(); len(got) != 1 || got[0] != "a@bank1.example: Cancelled: Forensics" {
			t.Fatalf("mail on cancelling: %q", got)
		}
		_, err = f.s.Enrol(ctx, person("m", "bank1"), ses2.ID, training.EnrolInput{})
		wantKind(t, err, errs.KindConflict, "enrolling in a cancelled session")
		_ = b
	})
}

func TestBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		_, err := f.s.CreateCourse(ctx, staff, training.CourseInput{Title: "", Topic: "knitting", Level: "expert", DurationHours: 0,
			PassMark: ptr(120), Materials: []string{"http://"}})
		for _, field := range []string{"title", "topic", "level", "duration_hours", "pass_mark", "materials"} {
			wantField(t, err, field)
		}
		c := must(f.s.CreateCourse(ctx, staff, training.CourseInput{Title: "Old", Topic: "security_awareness", Level: "foundation",
			DurationHours: 2, Retired: true}))
		_, err = f.s.CreateSession(ctx, staff, training.SessionInput{CourseID: c.ID, StartsAt: "tomorrow", EndsAt: "2026-12-01T10:00:00Z", Seats: 0}, time.UTC)
		for _, field := range []string{"course_id", "starts_at", "seats", "place"} {
			wantField(t, err, field)
		}
		_, err = f.s.CreateSession(ctx, staff, training.SessionInput{CourseID: "nope", StartsAt: "2026-12-02T10:00", EndsAt: "2026-12-01T10:00", Seats: 3, Online: true}, time.UTC)
		wantField(t, err, "course_id")
		wantField(t, err, "ends_at")
		_, err = f.s.Session(ctx, nil, "x")
		wantKind(t, err, errs.KindUnauthenticated, "anonymous")
		_, _, err = f.s.Enrolments(ctx, staff, training.EnrolmentFilter{Status: "lost"}, 10, "")
		wantField(t, err, "status")
		_, _, err = f.s.Enrolments(ctx, staff, training.EnrolmentFilter{}, 10, "garbage")
		wantField(t, err, "cursor")
	})
}

func TestNormalizeCode(t *testing.T) {
	for in, want := range map[string]string{"abcd-efgh-ijkl-mnop": "ABCD-EFGH-IJKL-MNOP", " ABCDEFGHIJKLMNOP ": "ABCD-EFGH-IJKL-MNOP",
		"abcd efgh ijkl mn23": "ABCD-EFGH-IJKL-MN23", "ABCD-EFGH-IJKL-MNO": "", "ABCD-EFGH-IJKL-MNO1": "", "ÄBCD-EFGH-IJKL-MNOP": ""} {
		got, ok := training.NormalizeCode(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"ABCD-EFGH-IJKL-MNOP", "abcd efgh ijkl mnop", "", "----", "ABCD-EFGH-IJKL-MNO1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, ok := training.NormalizeCode(s)
		if !ok {
			return
		}
		again, ok2 := training.NormalizeCode(code)
		if !ok2 || again != code || len(code) != 19 {
			t.Fatalf("NormalizeCode(%q) = %q, not stable: %q %v", s, code, again, ok2)
		}
	})
}
