package vdp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/cverecord"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/vdp/config"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/reports"
)

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
