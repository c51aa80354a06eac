package vdp

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/vdp/config"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/reports"
	"github.com/certhub/certhub/internal/vdp/routing"
)

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
