package vdp

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/cverecord"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/platform/seal"
	"github.com/certhub/certhub/internal/vdp/config"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/reports"
	"github.com/certhub/certhub/internal/vdp/routing"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// world is a small directory with a disclosure program over it.
type world struct {
	t     testing.TB
	d     *db.DB
	svc   *Service
	dir   *directory.Service
	users *auth.Service
	q     *jobs.Queue
	key   *seal.Key
	clk   *clock
	org   map[string]string
	id    map[string]*auth.Identity
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	q, err := jobs.New(d, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := seal.Parse(strings.Repeat("7e", 32))
	outbox := notify.NewOutbox(q, key)
	users := auth.NewService(auth.Options{DB: d, Outbox: outbox, Key: key, Now: clk.Now, BaseURL: "https://hub.example"})
	dir := directory.NewService(d, users, nil, clk.Now, nil)
	center, err := pgp.LoadOrCreateCenterKey(ctx, d, key, "CC", "cc@cc.example", clk.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(Options{DB: d, Orgs: dir, People: users, Outbox: outbox, CenterKey: center, Now: clk.Now, BaseURL: "https://hub.example", CenterName: "CERT CC",
		DataDir: t.TempDir()})
	w := &world{t: t, d: d, svc: svc, dir: dir, users: users, q: q, key: key, clk: clk, org: map[string]string{}, id: map[string]*auth.Identity{}}
	sys := auth.System("test")
	vendorPub, _, _ := pgp.GenerateKey("Examplesoft PSIRT", "psirt@examplesoft.example", 0, clk.Now().Add(-time.Hour))
	mk := func(key, name string, kind directory.Kind, parent string, extra func(*directory.OrgInput)) {
		in := directory.OrgInput{Name: ptr(name), Kind: ptr(kind),
			Contacts: &[]directory.Contact{{Role: "security", Email: "security@" + key + ".example"}}}
		if parent != "" {
			in.ParentID = ptr(w.org[parent])
		}
		if extra != nil {
			extra(&in)
		}
		o, err := dir.Create(ctx, sys, in)
		if err != nil {
			t.Fatalf("org %s: %v", name, err)
		}
		w.org[key] = o.ID
	}
	mk("cc", "CERT Coordination Center", directory.KindCoordinationCenter, "", nil)
	mk("bankcert", "Banking Sector CERT", directory.KindSectoralCERT, "cc", nil)
	mk("telcocert", "Telecom Sector CERT", directory.KindSectoralCERT, "cc", nil)
	mk("bank", "First Example Bank", directory.KindConstituent, "bankcert", nil)
	mk("examplesoft", "Examplesoft Ltd", directory.KindVendor, "", func(in *directory.OrgInput) { in.PGPKey = &vendorPub })
	mk("netforge", "NetForge Systems", directory.KindVendor, "", nil)
	user := func(name string, pr auth.PlatformRole, org string, role auth.Role) {
		u, err := users.CreateUser(ctx, auth.NewUser{Email: name + "@test.example", Name: name, PlatformRole: pr})
		if err != nil {
			t.Fatal(err)
		}
		if org != "" {
			if err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := auth.PutMembership(ctx, tx, u.ID, w.org[org], role, clk.Now())
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		id, err := users.Identity(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.id[name] = id
	}
	user("coord", auth.PlatformCoordinator, "cc", auth.RoleAdmin)
	user("bank_analyst", "", "bankcert", auth.RoleAnalyst)
	user("bank_viewer", "", "bankcert", auth.RoleViewer)
	user("telco_analyst", "", "telcocert", auth.RoleAnalyst)
	user("bank_member", "", "bank", auth.RoleMember)
	user("vendor", "", "examplesoft", auth.RoleMember)
	user("other_vendor", "", "netforge", auth.RoleAdmin)
	user("nobody", "", "", "")
	return w
}

// mails returns the queued mail jobs (recipients, tag and the unsealed message).
func (w *world) mails() []notify.Mail {
	w.t.Helper()
	list, err := w.q.List(context.Background(), jobs.States, 500)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []notify.Mail
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Kind != "notify.mail" {
			continue
		}
		var a notify.MailArgs
		if err := json.Unmarshal(list[i].Args, &a); err != nil {
			w.t.Fatal(err)
		}
		m, err := notify.OpenMail(w.key, a)
		if err != nil {
			w.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func (w *world) mailsTo(addr, tag string) []notify.Mail {
	var out []notify.Mail
	for _, m := range w.mails() {
		if m.To[0] == addr && (tag == "" || m.Tag == tag) {
			out = append(out, m)
		}
	}
	return out
}

func goodReport() reports.ReportInput {
	return reports.ReportInput{Title: "SQL injection in the Examplesoft banking portal login",
		Description: "The username field of /login is concatenated into SQL.", Vendor: "Examplesoft", Product: "NetBank Portal",
		Versions: "4.0 to 4.2", CWE: "89", Reproduction: "POST /login with username=' OR 1=1--",
		References: []string{"https://researcher.example/blog/netbank"}, Reporter: &model.Reporter{Name: "Ada", Email: "Ada@Researcher.example"},
		Credit: "Ada Researcher"}
}

func TestPublicIntakeAndFollowLink(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		r, rc, err := w.svc.Reports().SubmitPublic(ctx, goodReport(), "web", "198.51.100.7")
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^VR-2026-000001$`).MatchString(rc.TrackingID) || rc.ID != r.ID ||
			!strings.HasPrefix(rc.FollowURL, "https://hub.example/report/follow?key=") {
			t.Fatalf("receipt %+v", rc)
		}
		if r.CWE != "CWE-89" || r.Reporter.Email != "ada@researcher.example" || *r.AssignedOrgID != w.org["cc"] || r.RoutedBy != "default" {
			t.Fatalf("report %+v", r)
		}
		key := strings.TrimPrefix(rc.FollowURL, "https://hub.example/report/follow?key=")
		var stored string
		_ = d.QueryRow(ctx, `SELECT secret_hash FROM vdp_reports WHERE id = $1`, r.ID).Scan(&stored)
		if strings.Contains(stored, key) {
			t.Fatal("follow secret stored in the clear")
		}
		receipts := w.mailsTo("ada@researcher.example", "report.receipt")
		if len(receipts) != 1 || !strings.Contains(receipts[0].Text, rc.FollowURL) || !strings.Contains(receipts[0].Subject, "VR-2026-000001") {
			t.Fatalf("receipt mail %+v", receipts)
		}
		if len(w.mailsTo("coord@test.example", "report.new")) != 1 {
			t.Fatal("the coordination center was not told of the new report")
		}
		v, err := w.svc.Reports().Follow(ctx, key, "198.51.100.7")
		if err != nil || v.TrackingID != rc.TrackingID || v.Status != model.ReportReceived || v.Acknowledged {
			t.Fatalf("follow: %+v %v", v, err)
		}
		if _, err := w.svc.Reports().Follow(ctx, key+"x", "198.51.100.7"); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("wrong key: %v", err)
		}
		if _, err := w.svc.Reports().ReporterReply(ctx, key, "A second way in: the password reset form.", "198.51.100.7"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Reports().ReporterReply(ctx, key, "  ", "198.51.100.7"); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("empty reply: %v", err)
		}
		// Five reports at once from one address, then a pause.
		for i := range 4 {
			if _, _, err := w.svc.Reports().SubmitPublic(ctx, goodReport(), "api", "198.51.100.7"); err != nil {
				t.Fatalf("report %d: %v", i+2, err)
			}
		}
		if _, _, err := w.svc.Reports().SubmitPublic(ctx, goodReport(), "api", "198.51.100.7"); errs.KindOf(err) != errs.KindRateLimited {
			t.Fatalf("sixth report: %v", err)
		}
	})
}

func TestIntakeValidation(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	w := newWorld(t, d)
	ctx := context.Background()
	bad := reports.ReportInput{Title: "x\ny", CWE: "XSS", References: []string{"ftp://x", ""},
		Reporter: &model.Reporter{Email: "not-mail", PGPKey: "nope"}, EncryptedBody: "not a message"}
	_, _, err := w.svc.Reports().SubmitPublic(ctx, bad, "api", "203.0.113.1")
	e := errs.As(err)
	if e == nil || e.Kind != errs.KindInvalid {
		t.Fatalf("err %v", err)
	}
	got := map[string]bool{}
	for _, f := range e.Fields {
		got[f.Field] = true
	}
	for _, want := range []string{"title", "cwe", "references[0]", "reporter.email", "reporter.pgp_key", "encrypted_body"} {
		if !got[want] {
			t.Errorf("no error for %s: %v", want, e.Fields)
		}
	}
	// Details may come encrypted to the center's key instead.
	msg, err := pgp.Encrypt([]byte("the details"), w.svc.CenterKey().Public)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := w.svc.Reports().SubmitPublic(ctx, reports.ReportInput{Title: "Encrypted report", EncryptedBody: msg}, "api", "203.0.113.2")
	if err != nil {
		t.Fatalf("encrypted report: %v", err)
	}
	detail, err := w.svc.Reports().Get(ctx, w.id["coord"], r.ID)
	if err != nil || detail.Decrypted != "the details" || detail.EncryptedBody == "" {
		t.Fatalf("decrypted for the center: %q %v", detail.Decrypted, err)
	}
	other, _, _ := pgp.GenerateKey("x", "x@example.org", 0, w.clk.Now().Add(-time.Hour))
	notToUs, _ := pgp.Encrypt([]byte("x"), other)
	if _, _, err := w.svc.Reports().SubmitPublic(ctx, reports.ReportInput{Title: "Wrong key", EncryptedBody: notToUs}, "api", "203.0.113.3"); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("message for another key: %v", err)
	}
}

func TestRoutingTriageAndTheReportAccessRule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		if _, err := w.svc.Reports().SetRules(ctx, w.id["bank_analyst"], []routing.Rule{{Vendor: "examplesoft", OrgID: w.org["bankcert"]}}); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a sector analyst set rules: %v", err)
		}
		if _, err := w.svc.Reports().SetRules(ctx, w.id["coord"], []routing.Rule{{OrgID: w.org["bankcert"]}}); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("a rule without conditions: %v", err)
		}
		if _, err := w.svc.Reports().SetRules(ctx, w.id["coord"], []routing.Rule{{Vendor: "examplesoft", OrgID: w.org["bankcert"]}, {Sector: "telecom", OrgID: w.org["telcocert"]}}); err != nil {
			t.Fatal(err)
		}
		r, _, err := w.svc.Reports().SubmitPublic(ctx, goodReport(), "web", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if *r.AssignedOrgID != w.org["bankcert"] {
			t.Fatalf("routed to %s", *r.AssignedOrgID)
		}
		if len(w.mailsTo("bank_analyst@test.example", "report.new")) != 1 || len(w.mailsTo("bank_viewer@test.example", "report.new")) != 0 {
			t.Fatal("the bank CERT's analysts (only) should hear of the report")
		}
		see := map[string][2]bool{ // see, triage
			"coord": {true, true}, "bank_analyst": {true, true}, "bank_viewer": {true, false},
			"telco_analyst": {false, false}, "vendor": {false, false}, "nobody": {false, false},
		}
		for user, want := range see {
			d, err := w.svc.Reports().Get(ctx, w.id[user], r.ID)
			if (err == nil) != want[0] || (err == nil && d.CanTriage != want[1]) {
				t.Errorf("%s: err=%v triage=%v, want see=%v triage=%v", user, err, d.CanTriage, want[0], want[1])
			}
			list, _, _ := w.svc.Reports().List(ctx, w.id[user], model.ReportFilter{})
			if (len(list) == 1) != want[0] {
				t.Errorf("%s lists %d reports", user, len(list))
			}
		}
		if _, err := w.svc.Reports().Triage(ctx, w.id["bank_viewer"], r.ID, reports.TriageInput{Validity: ptr("valid")}); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("viewer triaged: %v", err)
		}
		_, err = w.svc.Reports().Triage(ctx, w.id["bank_analyst"], r.ID, reports.TriageInput{CVSS3: ptr("CVSS:4.0/AV:N"), CVSS4: ptr("CVSS:3.1/AV:N"),
			SSVCTriage: map[string]string{"report_public": "maybe"}})
		e := errs.As(err)
		if e == nil || len(e.Fields) != 3 {
			t.Fatalf("bad triage input: %v", err)
		}
		tr, err := w.svc.Reports().Triage(ctx, w.id["bank_analyst"], r.ID, reports.TriageInput{Validity: ptr("valid"), VendorOrgID: ptr(w.org["examplesoft"]),
			CVSS3: ptr("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), CVSS4: ptr("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
			SSVCTriage: map[string]string{"report_public": "no", "supplier_contacted": "yes", "report_credibility": "credible",
				"supplier_cardinality": "one", "supplier_engagement": "unresponsive", "utility": "efficient", "public_safety_impact": "minimal"},
			Sectors: &[]string{"banking"}, CII: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		if tr.CVSS3.BaseScore != 9.8 || tr.CVSS4.BaseScore != 9.3 || tr.SSVCTriage.Outcome.Name != "Coordinate" || tr.TriagedAt == nil || tr.AcknowledgedAt == nil {
			t.Fatalf("triage %+v %+v %+v", tr.CVSS3, tr.CVSS4, tr.SSVCTriage)
		}
		// The submitter view hides the triage: a bank member reports for the bank.
		mine, _, err := w.svc.Reports().SubmitAs(ctx, w.id["bank_member"], w.org["bank"], "console", goodReport())
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.svc.Reports().Get(ctx, w.id["bank_member"], mine.ID)
		if err != nil || got.CanTriage || got.Reporter.Email != "ada@researcher.example" {
			t.Fatalf("submitter view: %+v %v", got.Report, err)
		}
		if _, _, err := w.svc.Reports().SubmitAs(ctx, w.id["bank_member"], w.org["bankcert"], "console", goodReport()); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("reporting for someone else's organisation: %v", err)
		}
		// Manual routing to a non-CERT is refused.
		if _, err := w.svc.Reports().Route(ctx, w.id["coord"], r.ID, w.org["bank"]); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("route to a constituent: %v", err)
		}
	})
}

func TestNeedInfoPausesTheClockAndDeclineTellsTheReporter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		r, rc, err := w.svc.Reports().SubmitPublic(ctx, goodReport(), "web", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		key := strings.TrimPrefix(rc.FollowURL, "https://hub.example/report/follow?key=")
		st := config.DefaultSettings
		w.clk.Add(72 * time.Hour)
		if c := st.Clock(r, w.clk.Now()); !c.AckOverdue || c.TriageOverdue {
			t.Fatalf("after 72 h: %+v", c)
		}
		r, err = w.svc.Reports().RequestInfo(ctx, w.id["coord"], r.ID, "Which versions did you test?")
		if err != nil || r.Status != model.ReportNeedInfo || r.WaitingSince == nil {
			t.Fatalf("need info: %+v %v", r.Status, err)
		}
		w.clk.Add(200 * time.Hour) // waiting for the reporter does not count
		if c := st.Clock(r, w.clk.Now()); !c.Paused || c.TriageOverdue {
			t.Fatalf("paused clock: %+v", c)
		}
		if _, err := w.svc.Reports().ReporterReply(ctx, key, "4.0 to 4.2.", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		got, _ := w.svc.Reports().Get(ctx, w.id["coord"], r.ID)
		if got.Status != model.ReportReceived || got.PausedSeconds != 200*3600 || len(got.Messages) != 2 {
			t.Fatalf("after the reply: status %s paused %d messages %d", got.Status, got.PausedSeconds, len(got.Messages))
		}
		if c := st.Clock(got.Report, w.clk.Now()); c.TriageOverdue {
			t.Fatalf("the pause was counted: %+v", c)
		}
		if _, err := w.svc.Reports().Decline(ctx, w.id["coord"], r.ID, ""); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("decline without a reason: %v", err)
		}
		if _, err := w.svc.Reports().Decline(ctx, w.id["coord"], r.ID, "This is the documented behaviour of the test system."); err != nil {
			t.Fatal(err)
		}
		v, _ := w.svc.Reports().Follow(ctx, key, "192.0.2.1")
		if v.Status != model.ReportDeclined || v.DeclineReason == "" {
			t.Fatalf("reporter view: %+v", v)
		}
		msgs := w.mailsTo("ada@researcher.example", "report.message")
		if len(msgs) != 2 || !strings.Contains(msgs[1].Text, "documented behaviour") {
			t.Fatalf("reporter mails: %+v", msgs)
		}
		if _, err := w.svc.Reports().Decline(ctx, w.id["coord"], r.ID, "again"); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("decline twice: %v", err)
		}
	})
}

// acceptedCase walks a report into a case with the vendor notified.
func (w *world) acceptedCase() (model.Report, model.Case) {
	w.t.Helper()
	ctx := context.Background()
	r, _, err := w.svc.Reports().SubmitPublic(ctx, goodReport(), "web", "192.0.2.9")
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.svc.Reports().Triage(ctx, w.id["coord"], r.ID, reports.TriageInput{VendorOrgID: ptr(w.org["examplesoft"])}); err != nil {
		w.t.Fatal(err)
	}
	r, c, err := w.svc.Reports().Accept(ctx, w.id["coord"], r.ID, reports.AcceptInput{})
	if err != nil {
		w.t.Fatal(err)
	}
	return r, *c
}

func TestCasesEmbargoAndTheCaseAccessRule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		r, c := w.acceptedCase()
		if r.Status != model.ReportAccepted || c.Number != "CC-2026-0001" || c.OwnerOrgID != w.org["cc"] {
			t.Fatalf("accepted: %s %+v", r.Status, c)
		}
		if _, err := w.svc.AddParticipant(ctx, w.id["coord"], c.ID, ParticipantInput{OrgID: w.org["bank"], Role: model.RoleVendor}); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("a bank as vendor: %v", err)
		}
		if _, err := w.svc.AddParticipant(ctx, w.id["coord"], c.ID, ParticipantInput{OrgID: w.org["bankcert"], Role: model.RoleCERT}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.AddParticipant(ctx, w.id["coord"], c.ID, ParticipantInput{OrgID: w.org["netforge"], Role: model.RoleVendor}); err != nil {
			t.Fatal(err)
		}
		c, err := w.svc.NotifyVendor(ctx, w.id["coord"], c.ID, w.org["examplesoft"])
		if err != nil {
			t.Fatal(err)
		}
		want := w.clk.Now().Add(90 * 24 * time.Hour)
		if c.PublicationAt == nil || !c.PublicationAt.Equal(want) || c.Embargo != "active" || c.Status != model.CaseCoordinating || c.Facts.VendorAware == nil {
			t.Fatalf("after notifying: %+v", c)
		}
		vm := w.mailsTo("security@examplesoft.example", "case.vendor")
		if len(vm) != 1 || !pgp.IsMessage(vm[0].Text) || strings.Contains(vm[0].Text, "SQL injection") {
			t.Fatalf("the vendor's mail is not encrypted to its key: %+v", vm)
		}
		// Who sees what during the embargo.
		levels := map[string]Level{"coord": LevelCenter, "bank_analyst": LevelParticipant, "vendor": LevelParticipant,
			"other_vendor": LevelParticipant, "telco_analyst": LevelNone, "bank_member": LevelNone, "nobody": LevelNone}
		for user, lvl := range levels {
			det, err := w.svc.GetCase(ctx, w.id[user], c.ID)
			if lvl == LevelNone {
				if errs.KindOf(err) != errs.KindNotFound {
					t.Errorf("%s sees the embargoed case: %v", user, err)
				}
				continue
			}
			if err != nil || det.Viewer.Level != levelName(lvl) {
				t.Errorf("%s: level %q err %v, want %s", user, det.Viewer.Level, err, levelName(lvl))
			}
		}
		// Vendors see their own statements and threads; the other vendor neither.
		vendorView, _ := w.svc.GetCase(ctx, w.id["vendor"], c.ID)
		for _, th := range vendorView.Threads {
			if th.Visibility == model.VisibleInternal {
				t.Errorf("the vendor sees the internal thread %q", th.Title)
			}
		}
		var vendorThread string
		for _, th := range vendorView.Threads {
			if th.Visibility == model.VisibleVendor {
				vendorThread = th.ID
			}
		}
		if vendorThread == "" {
			t.Fatal("no thread with the vendor")
		}
		if len(vendorView.Statuses) != 1 || vendorView.Statuses[0].Status != model.StatusUnknown {
			t.Fatalf("vendor's own statuses before stating: %+v", vendorView.Statuses)
		}
		if _, err := w.svc.ThreadPosts(ctx, w.id["other_vendor"], c.ID, vendorThread, 0, 0); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("another vendor reads the vendor thread: %v", err)
		}
		if _, err := w.svc.SetStatus(ctx, w.id["other_vendor"], c.ID, StatusInput{VulnID: vendorView.Vulns[0].ID, VendorOrgID: w.org["examplesoft"],
			Product: "NetBank Portal", Status: model.StatusKnownNotAffected}); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("another vendor stated for Examplesoft: %v", err)
		}
		st, err := w.svc.SetStatus(ctx, w.id["vendor"], c.ID, StatusInput{VulnID: vendorView.Vulns[0].ID, VendorOrgID: w.org["examplesoft"],
			Product: "NetBank Portal", Status: model.StatusFixed, FixedVersions: "4.2.1", Mitigation: "Block ' in the username at the WAF."})
		if err != nil {
			t.Fatal(err)
		}
		center, _ := w.svc.GetCase(ctx, w.id["coord"], c.ID)
		if center.Case.Facts.FixReady == nil || center.Case.Status != model.CaseRemediation {
			t.Fatalf("a fix stated: %+v", center.Case)
		}
		var ex, nf string
		for _, vs := range center.Statuses {
			if vs.VendorOrgID == w.org["examplesoft"] {
				ex = vs.Status
			} else {
				nf = vs.Status
			}
		}
		if ex != model.StatusFixed || nf != model.StatusUnknown {
			t.Fatalf("statuses: examplesoft %s, netforge %s (a silent vendor must be unknown)", ex, nf)
		}
		other, _ := w.svc.GetCase(ctx, w.id["other_vendor"], c.ID)
		for _, vs := range other.Statuses {
			if vs.VendorOrgID == w.org["examplesoft"] {
				t.Fatalf("another vendor reads Examplesoft's statement: %+v", vs)
			}
		}
		for _, p := range center.Participants {
			if p.OrgID == w.org["examplesoft"] && (p.AcknowledgedAt == nil || p.SeenAt == nil) {
				t.Fatalf("a statement should acknowledge: %+v", p)
			}
		}
		_ = st
		// Disclosure: the date passes and the case opens to every signed-in user.
		if _, err := w.svc.UpdateCase(ctx, w.id["vendor"], c.ID, CaseChanges{Status: ptr("disclosed")}); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a vendor disclosed the case: %v", err)
		}
		if _, err := w.svc.UpdateCase(ctx, w.id["coord"], c.ID, CaseChanges{Status: ptr("disclosed")}); err != nil {
			t.Fatal(err)
		}
		w.clk.Add(time.Second)
		pub, err := w.svc.GetCase(ctx, w.id["telco_analyst"], c.ID)
		if err != nil || pub.Viewer.Level != "public" || pub.Case.TLP != "CLEAR" || len(pub.Threads) != 0 || len(pub.Events) != 0 {
			t.Fatalf("after disclosure: %+v %v", pub.Viewer, err)
		}
	})
}

func TestDiscussionUnreadAndMail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		_, c := w.acceptedCase()
		if _, err := w.svc.NotifyVendor(ctx, w.id["coord"], c.ID, w.org["examplesoft"]); err != nil {
			t.Fatal(err)
		}
		det, _ := w.svc.GetCase(ctx, w.id["vendor"], c.ID)
		var coordination string
		for _, th := range det.Threads {
			if th.Title == "Coordination" {
				coordination = th.ID
			}
		}
		p, err := w.svc.AddPost(ctx, w.id["coord"], c.ID, coordination, "Can you confirm the affected versions?")
		if err != nil {
			t.Fatal(err)
		}
		det, _ = w.svc.GetCase(ctx, w.id["vendor"], c.ID)
		unread := 0
		for _, th := range det.Threads {
			unread += th.Unread
		}
		if unread != 1 || det.Unread != 1 {
			t.Fatalf("the vendor should have 1 unread post, has %d", unread)
		}
		page, err := w.svc.ThreadPosts(ctx, w.id["vendor"], c.ID, coordination, 0, 0)
		if err != nil || len(page.Posts) != 1 || !page.Posts[0].Unread {
			t.Fatalf("thread page: %+v %v", page, err)
		}
		det, _ = w.svc.GetCase(ctx, w.id["vendor"], c.ID)
		if det.Unread != 0 {
			t.Fatalf("still unread after reading: %d", det.Unread)
		}
		posts := w.mailsTo("security@examplesoft.example", "case.post")
		if len(posts) != 1 || !pgp.IsMessage(posts[0].Text) {
			t.Fatalf("post mail to the vendor: %+v", posts)
		}
		if _, err := w.svc.AddPost(ctx, w.id["vendor"], c.ID, coordination, "Versions 4.0 to 4.2."); err != nil {
			t.Fatal(err)
		}
		center := w.mailsTo("coord@test.example", "case.post")
		if len(center) != 1 || !strings.Contains(center[0].Text, "/threads/"+coordination+"#post-") {
			t.Fatalf("mail to the center should deep-link the post: %+v", center)
		}
		_ = p
	})
}

func TestRemindersEscalationAndDeadline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		_, c := w.acceptedCase()
		if _, err := w.svc.NotifyVendor(ctx, w.id["coord"], c.ID, w.org["examplesoft"]); err != nil {
			t.Fatal(err)
		}
		if n, _ := w.svc.Remind(ctx); n != 0 {
			t.Fatalf("reminders right after notifying: %d", n)
		}
		for i := 1; i <= 3; i++ {
			w.clk.Add(7*24*time.Hour + time.Minute)
			if n, err := w.svc.Remind(ctx); err != nil || n != 1 {
				t.Fatalf("week %d: %d reminders, %v", i, n, err)
			}
		}
		if got := len(w.mailsTo("security@examplesoft.example", "case.reminder")); got != 3 {
			t.Fatalf("%d reminders mailed", got)
		}
		w.clk.Add(7*24*time.Hour + time.Minute)
		if n, _ := w.svc.Remind(ctx); n != 1 || len(w.mailsTo("coord@test.example", "case.escalate")) != 1 {
			t.Fatalf("no escalation after three reminders (%d sent)", n)
		}
		w.clk.Add(7*24*time.Hour + time.Minute)
		if n, _ := w.svc.Remind(ctx); n != 0 {
			t.Fatalf("an escalated vendor is reminded again (%d)", n)
		}
		// 85 days after notification the publication is near: warned once.
		w.clk.Add(50 * 24 * time.Hour)
		n, err := w.svc.Remind(ctx)
		if err != nil || n != 1 {
			t.Fatalf("deadline warning: %d %v", n, err)
		}
		if n, _ := w.svc.Remind(ctx); n != 0 {
			t.Fatal("the deadline warning repeated")
		}
	})
}

func TestCVERecordValidatesAgainstTheOfficialSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		_, c := w.acceptedCase()
		det, _ := w.svc.GetCase(ctx, w.id["coord"], c.ID)
		vuln := det.Vulns[0]
		if _, err := w.svc.CVERecord(ctx, w.id["coord"], c.ID, vuln.ID); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("record without a CNA: %v", err)
		}
		st := config.DefaultSettings
		st.CNAOrgID, st.CNAShortName = "b3476cb9-2e3d-41a6-98d0-0f47421a65b6", "certcc"
		if err := w.svc.SaveSettings(ctx, auth.System("test"), st); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.AssignCVE(ctx, w.id["coord"], c.ID, vuln.ID); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("assign from an empty pool: %v", err)
		}
		if _, err := w.svc.AddCVEs(ctx, w.id["coord"], []string{"CVE-2026-0001x"}); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("bad CVE ID: %v", err)
		}
		if n, err := w.svc.AddCVEs(ctx, w.id["coord"], []string{"cve-2026-10001", "CVE-2026-10002"}); err != nil || n != 2 {
			t.Fatalf("pool: %d %v", n, err)
		}
		cve, err := w.svc.AssignCVE(ctx, w.id["coord"], c.ID, vuln.ID)
		if err != nil || cve != "CVE-2026-10001" {
			t.Fatalf("assign: %s %v", cve, err)
		}
		if _, err := w.svc.UpdateVuln(ctx, w.id["coord"], c.ID, vuln.ID, VulnInput{CVSS3: ptr("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
			CVSS4: ptr("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.SetStatus(ctx, w.id["coord"], c.ID, StatusInput{VulnID: vuln.ID, VendorOrgID: w.org["examplesoft"],
			Product: "NetBank Portal", Status: model.StatusFixed, FixedVersions: "4.2.1"}); err != nil {
			t.Fatal(err)
		}
		b, err := w.svc.CVERecord(ctx, w.id["coord"], c.ID, vuln.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := cverecord.Validate(b); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"cveId": "CVE-2026-10001"`, `"cweId": "CWE-89"`, `"vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"`,
			`"baseSeverity": "CRITICAL"`, `"vendor": "Examplesoft Ltd"`, `"version": "4.2.1"`, `"value": "Ada Researcher"`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("record lacks %s", want)
			}
		}
	})
}

func TestDuplicateSuggestions(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	w := newWorld(t, d)
	ctx := context.Background()
	first, _, _ := w.svc.Reports().SubmitPublic(ctx, goodReport(), "web", "192.0.2.20")
	unrelated := reports.ReportInput{Title: "Weak TLS on the VPN gateway", Description: "TLS 1.0 is offered.", Vendor: "NetForge", Product: "Gate 7"}
	if _, _, err := w.svc.Reports().SubmitPublic(ctx, unrelated, "web", "192.0.2.21"); err != nil {
		t.Fatal(err)
	}
	w.clk.Add(time.Hour)
	again := goodReport()
	again.Title = "Login SQL injection in NetBank Portal by Examplesoft"
	second, _, _ := w.svc.Reports().SubmitPublic(ctx, again, "web", "192.0.2.22")
	cands, err := w.svc.Reports().Duplicates(ctx, w.id["coord"], second.ID)
	if err != nil || len(cands) != 1 || cands[0].ID != first.ID || cands[0].Score < 0.6 {
		t.Fatalf("candidates %+v %v", cands, err)
	}
	if _, err := w.svc.Reports().MarkDuplicate(ctx, w.id["coord"], second.ID, first.ID); err != nil {
		t.Fatal(err)
	}
}

// A report names its vendor the way reporters do — a name, a domain, a
// package URL — and is linked to the directory's vendor when that names
// exactly one; a vague name is left for triage. Analysts find organisations
// to bring into a case the same ways.
func TestReportsFindTheirVendor(t *testing.T) {
	w := newWorld(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	sys := auth.System("test")
	if _, err := w.dir.Update(ctx, sys, w.org["netforge"], directory.OrgInput{
		Packages:     &[]string{"pkg:golang/netforge.example", "pkg:npm/@netforge"},
		Constituency: &directory.Constituency{Domains: []string{"netforge.example"}}}); err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		vendor, product, want string
	}{
		{"", "pkg:npm/%40netforge/router-ui@2.1.0", "netforge"},
		{"", "pkg:golang/netforge.example/edge/agent", "netforge"},
		{"support.netforge.example", "Edge router", "netforge"},
		{"Examplesoft", "NetBank Portal", "examplesoft"}, // the start of "Examplesoft Ltd"
		{"NetForge Systems", "Edge router", "netforge"},
		{"Forge", "Edge router", ""}, // a fragment is too vague
		{"", "pkg:npm/%40other/widget", ""},
	} {
		in := goodReport()
		in.Vendor, in.Product = c.vendor, c.product
		r, _, err := w.svc.Reports().SubmitPublic(ctx, in, "api", fmt.Sprintf("192.0.2.%d", 100+i))
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for k, id := range w.org {
			if r.VendorOrgID != nil && *r.VendorOrgID == id {
				got = k
			}
		}
		if got != c.want {
			t.Errorf("vendor %q product %q: linked to %q, want %q", c.vendor, c.product, got, c.want)
		}
	}
	coord := w.id["coord"]
	for q, want := range map[string]string{"pkg:npm/@netforge/router-ui": "NetForge Systems", "netforge.example": "NetForge Systems", "sector cert": "Banking Sector CERT"} {
		found, err := w.svc.FindOrgs(ctx, coord, q, "")
		if err != nil || len(found) == 0 || found[0].Name != want {
			t.Errorf("find %q: %+v %v", q, found, err)
		}
	}
}

// A constituent's report carries its sector and CII status, so the sector's
// rule routes it to the sectoral CERT without waiting for triage.
func TestConstituentReportsRouteBySector(t *testing.T) {
	w := newWorld(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	sys := auth.System("test")
	if _, err := w.dir.Update(ctx, sys, w.org["bank"], directory.OrgInput{Sector: ptr("banking"), CII: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Reports().SetRules(ctx, sys, []routing.Rule{{Sector: "banking", OrgID: w.org["bankcert"]}}); err != nil {
		t.Fatal(err)
	}
	id, err := w.users.Identity(ctx, w.id["bank_member"].User.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := w.svc.Reports().SubmitAs(ctx, id, "", "api", goodReport())
	if err != nil {
		t.Fatal(err)
	}
	if r.AssignedOrgID == nil || *r.AssignedOrgID != w.org["bankcert"] || !r.CII || len(r.Sectors) != 1 || r.Sectors[0] != "banking" {
		t.Fatalf("assigned %v, sectors %v, CII %v", r.AssignedOrgID, r.Sectors, r.CII)
	}
	// Members have room for a pentest's findings, then wait.
	for i := 1; i < 30; i++ {
		if _, _, err := w.svc.Reports().SubmitAs(ctx, id, "", "api", goodReport()); err != nil {
			t.Fatalf("report %d: %v", i+1, err)
		}
	}
	if _, _, err := w.svc.Reports().SubmitAs(ctx, id, "", "api", goodReport()); errs.KindOf(err) != errs.KindRateLimited {
		t.Fatalf("the 31st report at once: %v", err)
	}
}

// The hand-off to the advisory capability carries the public-facing facts
// and every vendor's standing — a silent vendor as "unknown" — and nothing
// of the reporter's contact or the discussion; only coordinators get it.
func TestHandoffForTheAdvisory(t *testing.T) {
	w := newWorld(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	_, c := w.acceptedCase()
	coord := w.id["coord"]
	if _, err := w.svc.AddParticipant(ctx, coord, c.ID, ParticipantInput{OrgID: w.org["netforge"], Role: model.RoleVendor}); err != nil {
		t.Fatal(err)
	}
	det, err := w.svc.GetCase(ctx, coord, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.SetStatus(ctx, w.id["vendor"], c.ID, StatusInput{VulnID: det.Vulns[0].ID, VendorOrgID: w.org["examplesoft"],
		Product: "NetBank Portal", Status: model.StatusFixed, FixedVersions: "4.2.1"}); err != nil {
		t.Fatal(err)
	}
	h, err := w.svc.Handoff(ctx, coord, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if h.CaseNumber != c.Number || len(h.Vulns) != 1 || len(h.Credits) != 1 || h.Credits[0] != "Ada Researcher" || len(h.Products) != 2 {
		t.Fatalf("hand-off %+v", h)
	}
	got := map[string]string{}
	for _, p := range h.Products {
		got[p.Vendor] = p.Status + " " + p.FixedVersions
	}
	if got["Examplesoft Ltd"] != "fixed 4.2.1" || got["NetForge Systems"] != "unknown " {
		t.Fatalf("products %v", got)
	}
	b, _ := json.Marshal(h)
	if strings.Contains(strings.ToLower(string(b)), "ada@researcher.example") {
		t.Fatal("the reporter's address is in the hand-off")
	}
	for _, who := range []string{"vendor", "bank_analyst", "nobody"} {
		if _, err := w.svc.Handoff(ctx, w.id[who], c.ID); err == nil {
			t.Errorf("%s got the hand-off", who)
		}
	}
}

func ptr[T any](v T) *T { return &v }
