package procurement_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/procurement"
	"github.com/certhub/certhub/internal/procurement/proctest"
)

// mailbox keeps what the service sends.
type mailbox struct{ sent []notify.Mail }

func (m *mailbox) Send(_ context.Context, _ *db.Tx, mail notify.Mail) error {
	m.sent = append(m.sent, mail)
	return nil
}

// to answers the subjects of the mail sent to addr.
func (m *mailbox) to(addr string) []string {
	var out []string
	for _, x := range m.sent {
		if slices.Contains(x.To, addr) {
			out = append(out, x.Subject)
		}
	}
	return out
}

// news is a fixed list of publications for the watch.
type news []procurement.Notice

func (n *news) NamedSince(_ context.Context, t time.Time, limit int) ([]procurement.Notice, error) {
	var out []procurement.Notice
	for _, x := range *n {
		if x.At.After(t) && len(out) < limit {
			out = append(out, x)
		}
	}
	return out, nil
}

// flowSetup accredits lab1 for firewalls (lab2 for VPN gateways only),
// publishes the firewall catalogue and answers a service that watches nw.
func flowSetup(t *testing.T, d *db.DB, clock *time.Time, nw procurement.News, out ...procurement.Outbox) *procurement.Service {
	t.Helper()
	ctx := context.Background()
	s := setup(t, d, func() time.Time { return *clock })
	if _, err := d.Exec(ctx, `INSERT INTO orgs (id, name, name_key, kind, sector, created_at, updated_at)
		VALUES ('bank', 'First Bank', 'first bank', 'constituent', 'banking', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	o := procurement.Options{DB: d, Orgs: withBank(), News: nw, Now: func() time.Time { return *clock }, Center: "cc@cert.example",
		BaseURL: "https://cert.example"}
	if len(out) > 0 {
		o.Outbox = out[0]
	}
	s = procurement.NewService(o)
	for lab, cats := range map[string][]string{"lab1": {"firewall"}, "lab2": {"vpn_gateway"}} {
		if _, err := s.SetAccreditation(ctx, staff, lab, procurement.AccreditationInput{Categories: cats, State: "active",
			ValidFrom: "2026-01-01", ValidUntil: "2028-12-31"}); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := os.ReadFile("testdata/firewall-catalogue.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Criteria().Publish(ctx, staff, "firewall", fw); err != nil {
		t.Fatal(err)
	}
	return s
}

func withBank() orgs {
	o := orgs{"bank": {ID: "bank", Name: "First Bank", Kind: directory.KindConstituent,
		Contacts: []directory.Contact{{Role: "security", Email: "soc@bank.example"}}}}
	for k, v := range dir {
		o[k] = v
	}
	v := o["vendor"]
	v.Contacts = []directory.Contact{{Role: "vulnerability", Email: "psirt@vendor.example"}}
	o["vendor"] = v
	return o
}

// TestEvaluationFlow: a vendor's request goes through acceptance (the
// catalogue version pinned), assignment to a lab accredited for the
// category (not another), testing (a verdict per requirement, a CVSS-scored
// finding, a report that must be a PDF), a send-back with reasons, review
// and approval with conditions, which puts a certified entry on the
// public list. The vendor sees only released findings and never the
// report; another lab, and the lab itself once suspended, see nothing.
func TestEvaluationFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		s := flowSetup(t, d, &clock, nil)
		vendor, bank, lab1, lab2 := member("vendor", auth.RoleAdmin), member("bank", auth.RoleViewer), member("lab1", auth.RoleAnalyst), member("lab2", auth.RoleAdmin)
		in := procurement.EvaluationInput{Product: "Gate 7", Version: "3.1", Category: "firewall", IntendedUse: "Perimeter of branch offices"}
		if _, err := s.RequestEvaluation(ctx, bank, in, nil); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a viewer requested an evaluation: %v", err)
		}
		bad := in
		bad.Category, bad.Product = "toasters", ""
		_, err := s.RequestEvaluation(ctx, vendor, bad, []byte(`{"bomFormat": "CycloneDX", "specVersion": "1.2"}`))
		if e := errs.As(err); e == nil || !hasFields(e, "category", "product", "sbom") {
			t.Errorf("bad request: %v", err)
		}
		ev, err := s.RequestEvaluation(ctx, vendor, in, []byte(proctest.GateBOM))
		if err != nil {
			t.Fatal(err)
		}
		if ev.State != procurement.EvalRequested || ev.Number != "EVAL-2026-0001" || ev.Vendor != "Examplesoft" ||
			ev.VendorOrgID == nil || ev.SBOMComponents != 3 || len(ev.Components) != 3 || !slices.Equal(ev.Actions, []string{"withdraw"}) {
			t.Fatalf("requested: %+v", ev)
		}
		act := func(who *auth.Identity, tr procurement.Transition) (procurement.Detail, error) {
			clock = clock.Add(time.Hour)
			return s.Transition(ctx, who, ev.ID, tr)
		}
		if _, err := act(staff, procurement.Transition{Action: "assign", LabID: "lab1"}); errs.KindOf(err) != errs.KindConflict {
			t.Errorf("assigned before acceptance: %v", err)
		}
		if _, err := act(vendor, procurement.Transition{Action: "accept"}); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("the vendor accepted its own request: %v", err)
		}
		if ev, err = act(staff, procurement.Transition{Action: "accept"}); err != nil || ev.CatalogueVersion == nil || *ev.CatalogueVersion != 1 {
			t.Fatalf("accept: %+v %v", ev, err)
		}
		if _, err := act(staff, procurement.Transition{Action: "assign", LabID: "lab2"}); !errs.HasField(err, "lab_id") {
			t.Errorf("assigned to a lab not accredited for firewalls: %v", err)
		}
		if ev, err = act(staff, procurement.Transition{Action: "assign", LabID: "lab1"}); err != nil || ev.Lab != "Alpha Test Lab" {
			t.Fatalf("assign: %+v %v", ev, err)
		}
		if _, err := s.Evaluation(ctx, lab2, ev.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("another lab reads the evaluation: %v", err)
		}
		if list, _, _ := s.Evaluations(ctx, lab2, procurement.EvaluationFilter{}); len(list) != 0 {
			t.Errorf("another lab lists it: %+v", list)
		}
		if _, err := act(member("lab1", auth.RoleViewer), procurement.Transition{Action: "start"}); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a lab viewer started testing: %v", err)
		}
		if ev, err = act(lab1, procurement.Transition{Action: "start"}); err != nil || ev.State != procurement.EvalTesting {
			t.Fatalf("start: %+v %v", ev, err)
		}
		_, err = act(lab1, procurement.Transition{Action: "submit"})
		if !errs.HasField(err, "results") || !errs.HasField(err, "report") {
			t.Errorf("submitted without results or report: %v", err)
		}
		if _, err := s.SetResult(ctx, lab1, ev.ID, "FW-99", procurement.ResultInput{Verdict: "pass"}); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("a result for no requirement: %v", err)
		}
		if _, err := s.SetResult(ctx, lab1, ev.ID, "FW-01", procurement.ResultInput{Verdict: "fail"}); !errs.HasField(err, "notes") {
			t.Errorf("a failure without notes: %v", err)
		}
		if _, err := s.SetResult(ctx, vendor, ev.ID, "FW-01", procurement.ResultInput{Verdict: "pass"}); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("the vendor judged its own product: %v", err)
		}
		for i := 1; i <= 20; i++ {
			v := procurement.ResultInput{Verdict: "pass"}
			if i == 7 {
				v = procurement.ResultInput{Verdict: "fail", Notes: "Management UI answers on the WAN side."}
			}
			if _, err := s.SetResult(ctx, lab1, ev.ID, "FW-"+twoDigits(i), v); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.AddFinding(ctx, lab1, ev.ID, procurement.FindingInput{Title: "x", CVSSVector: "CVSS:3.1/AV:N", CWE: "79"}); !errs.HasField(err, "cvss_vector") || !errs.HasField(err, "cwe") {
			t.Errorf("a bad finding: %v", err)
		}
		fd, err := s.AddFinding(ctx, lab1, ev.ID, procurement.FindingInput{Requirement: "FW-07", Title: "Management exposed on WAN",
			CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", CWE: "cwe-1188"})
		if err != nil || fd.Severity != "critical" || fd.CVSSScore == nil || *fd.CVSSScore != 9.8 || fd.CWE != "CWE-1188" {
			t.Fatalf("finding: %+v %v", fd, err)
		}
		if _, err := s.AddFile(ctx, lab1, ev.ID, procurement.FileInput{Kind: "report", Name: "report.pdf", Data: []byte("<html>not a pdf</html>")}); !errs.HasField(err, "file") {
			t.Errorf("a report that is not a PDF: %v", err)
		}
		if _, err := s.AddFile(ctx, vendor, ev.ID, procurement.FileInput{Kind: "report", Name: "report.pdf", Data: []byte(proctest.PDF)}); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("the vendor uploaded the report: %v", err)
		}
		report, err := s.AddFile(ctx, lab1, ev.ID, procurement.FileInput{Kind: "report", Name: `C:\work\report.pdf`, Data: []byte(proctest.PDF)})
		if err != nil || report.ContentType != "application/pdf" || report.Name != "report.pdf" {
			t.Fatalf("report: %+v %v", report, err)
		}
		if _, err := s.AddFile(ctx, vendor, ev.ID, procurement.FileInput{Kind: "datasheet", Name: "gate7.txt", Data: []byte("Gate 7: 10 Gbit/s")}); err != nil {
			t.Fatal(err)
		}
		if ev, err = act(lab1, procurement.Transition{Action: "submit"}); err != nil || ev.State != procurement.EvalReportSubmitted {
			t.Fatalf("submit: %+v %v", ev, err)
		}
		// The vendor's view: no results, no report, findings once released.
		vv, err := s.Evaluation(ctx, vendor, ev.ID)
		if err != nil || len(vv.Results) != 0 || len(vv.Findings) != 0 || len(vv.Files) != 1 {
			t.Fatalf("the vendor's view: %d results, %d findings, %d files (%v)", len(vv.Results), len(vv.Findings), len(vv.Files), err)
		}
		if _, _, err := s.FileContent(ctx, vendor, ev.ID, report.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("the vendor reads the report: %v", err)
		}
		if err := s.ReleaseFinding(ctx, lab1, ev.ID, fd.ID); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("the lab released a finding: %v", err)
		}
		if err := s.ReleaseFinding(ctx, staff, ev.ID, fd.ID); err != nil {
			t.Fatal(err)
		}
		if vv, _ := s.Evaluation(ctx, vendor, ev.ID); len(vv.Findings) != 1 || !vv.Findings[0].Released {
			t.Errorf("released findings: %+v", vv.Findings)
		}
		if _, err := act(staff, procurement.Transition{Action: "send_back"}); !errs.HasField(err, "reason") {
			t.Errorf("sent back without reasons: %v", err)
		}
		if ev, err = act(staff, procurement.Transition{Action: "send_back", Reason: "FW-12 needs the scan output."}); err != nil || ev.SentBack != 1 || ev.State != procurement.EvalTesting {
			t.Fatalf("send back: %+v %v", ev, err)
		}
		for _, a := range []string{"submit", "review"} {
			who := lab1
			if a == "review" {
				who = staff
			}
			if ev, err = act(who, procurement.Transition{Action: a}); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
		if _, err := act(staff, procurement.Transition{Action: "decide", Decision: "approved_with_conditions", ValidUntil: "2020-01-01"}); !errs.HasField(err, "conditions") || !errs.HasField(err, "valid_until") {
			t.Errorf("approval without conditions, valid in the past: %v", err)
		}
		ev, err = act(staff, procurement.Transition{Action: "decide", Decision: "approved_with_conditions",
			Conditions: "Management on a separate VLAN.", GuidelineURL: "/advisories/CH-2026-0007"})
		if err != nil || ev.State != procurement.EvalApprovedCond || ev.ProductID == "" || ev.DecidedAt == nil {
			t.Fatalf("decide: %+v %v", ev, err)
		}
		if len(ev.Clocks) == 0 || ev.Clocks[0].State != "requested" || ev.Clocks[0].Seconds != 3*3600 {
			t.Errorf("clocks: %+v", ev.Clocks)
		}
		if _, err := act(vendor, procurement.Transition{Action: "withdraw"}); errs.KindOf(err) != errs.KindConflict {
			t.Errorf("withdrawn after the decision: %v", err)
		}
		list, _, err := s.ApprovedProducts(ctx, procurement.ProductFilter{Vendor: "examplesoft"})
		if err != nil || len(list) != 1 || list[0].CertificateID != "CH-2026-0001" || list[0].Lab != "Alpha Test Lab" ||
			list[0].State != "approved_with_conditions" || list[0].ValidUntil == nil || list[0].ValidUntil.Year() != 2028 {
			t.Fatalf("the list: %+v %v", list, err)
		}
		card, err := s.Scorecard(ctx, lab1, "lab1")
		if err != nil || card.Assigned != 1 || card.Done != 1 || card.OnTime != 1 || card.OnTimeShare != 1 || card.SentBack != 1 || card.SendBacks != 1 {
			t.Errorf("scorecard: %+v %v", card, err)
		}
		var testing int64
		for _, st := range card.Stages {
			if st.State == "testing" {
				testing = st.MedianSeconds
			}
		}
		if testing != 3*3600 { // two hours before the send-back (a submission refused), one after
			t.Errorf("median testing time: %d s (%+v)", testing, card.Stages)
		}
		if _, err := s.Scorecard(ctx, vendor, "lab1"); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("the vendor reads the lab's scorecard: %v", err)
		}
		// The lab loses everything with its accreditation.
		if _, err := s.SetAccreditation(ctx, staff, "lab1", procurement.AccreditationInput{Categories: []string{"firewall"}, State: "suspended",
			ValidFrom: "2026-01-01", ValidUntil: "2028-12-31", Reason: "Audit."}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Evaluation(ctx, lab1, ev.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("a suspended lab reads its evaluation: %v", err)
		}
		if list, _, _ := s.Evaluations(ctx, lab1, procurement.EvaluationFilter{}); len(list) != 0 {
			t.Errorf("a suspended lab lists evaluations: %+v", list)
		}
		if list, _, _ := s.Evaluations(ctx, vendor, procurement.EvaluationFilter{}); len(list) != 1 {
			t.Errorf("the vendor lists %d", len(list))
		}
		if list, _, _ := s.Evaluations(ctx, member("bank", auth.RoleAdmin), procurement.EvaluationFilter{}); len(list) != 0 {
			t.Errorf("a bank lists another's evaluation: %+v", list)
		}
	})
}

// TestWatch: an approved product named by a publication (by vendor and
// product, or through a component of its SBOM) turns under_review with
// the publication's reason and link; staff clear it, and an OSV record
// loaded afterwards that affects a component puts it back; revoking is
// final; the validity's end expires it.
func TestWatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		nw, mail := &news{}, &mailbox{}
		s := flowSetup(t, d, &clock, nw, mail)
		p := approve(t, s, &clock)
		if err := s.SetInUse(ctx, member("bank", auth.RoleViewer), p.ID, "bank", true); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a viewer registered a product in use: %v", err)
		}
		for range 2 { // idempotent
			if err := s.SetInUse(ctx, member("bank", auth.RoleAdmin), p.ID, "", true); err != nil {
				t.Fatal(err)
			}
		}
		if users, err := s.InUseOf(ctx, member("vendor", auth.RoleAdmin), p.ID); err != nil || len(users) != 0 {
			t.Errorf("the vendor reads who uses its product: %+v %v", users, err)
		}
		if users, err := s.InUseOf(ctx, staff, p.ID); err != nil || len(users) != 1 || users[0].Org != "First Bank" {
			t.Errorf("staff read who uses it: %+v %v", users, err)
		}
		*nw = append(*nw, procurement.Notice{At: clock.Add(-48 * time.Hour), Ref: "OLD-1", Title: "Old",
			Products: []procurement.NamedProduct{{Vendor: "Examplesoft", Name: "Gate 7"}}})
		if n, err := s.Watch(ctx); err != nil || n != 1 {
			t.Fatalf("first watch: %d %v", n, err) // the mark starts at zero: old news counts once
		}
		if _, err := s.ActOnProduct(ctx, staff, p.ID, procurement.ProductAction{Action: "clear"}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Watch(ctx); err != nil || n != 0 {
			t.Fatalf("the same news again: %d %v", n, err)
		}
		clock = clock.Add(time.Minute)
		*nw = append(*nw,
			procurement.Notice{At: clock, Ref: "CH-2026-0100", Title: "Other", Products: []procurement.NamedProduct{{Vendor: "Examplesoft", Name: "Gate 7", Versions: "2.0"}}},
			procurement.Notice{At: clock, Ref: "CH-2026-0101", Title: "zlib overflow", URL: "/advisories/CH-2026-0101",
				Products: []procurement.NamedProduct{{Vendor: "zlib", Name: "zlib", CPE: "cpe:2.3:a:zlib:zlib:*:*:*:*:*:*:*:*"}}})
		if n, err := s.Watch(ctx); err != nil || n != 1 {
			t.Fatalf("watch: %d %v", n, err)
		}
		got, err := s.ApprovedProduct(ctx, p.ID)
		if err != nil || got.State != "under_review" || got.AdvisoryURL != "/advisories/CH-2026-0101" ||
			!strings.Contains(got.Reason, "CH-2026-0101 names its component zlib 1.2.13") || len(got.History) != 4 {
			t.Fatalf("under review: %+v %v", got, err)
		}
		if _, err := s.ActOnProduct(ctx, member("vendor", auth.RoleAdmin), p.ID, procurement.ProductAction{Action: "clear"}); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("the vendor cleared its product: %v", err)
		}
		if got, err = s.ActOnProduct(ctx, staff, p.ID, procurement.ProductAction{Action: "clear"}); err != nil || got.State != "approved" || got.Reason != "" {
			t.Fatalf("clear: %+v %v", got, err)
		}
		if subjects := mail.to("soc@bank.example"); len(subjects) != 4 || !strings.Contains(subjects[2], "is under review") ||
			!strings.Contains(subjects[3], "is approved") { // each of the two reviews, and each clearance
			t.Errorf("the bank, which uses it, was told: %v", subjects)
		}
		if subjects := mail.to("cc@cert.example"); len(subjects) != 2 {
			t.Errorf("the center was alerted: %v", subjects)
		}
		// A case committed late, its time a minute before the watch's
		// mark, is still read; read again, the news already acted on is
		// not acted on twice (the product was cleared after it).
		*nw = append(*nw, procurement.Notice{At: clock.Add(-time.Minute), Ref: "VDP-2026-0042", Title: "Late",
			Products: []procurement.NamedProduct{{Vendor: "Examplesoft", Name: "Gate 7"}}})
		if n, err := s.Watch(ctx); err != nil || n != 1 {
			t.Fatalf("a notice committed late: %d %v", n, err)
		}
		if got, err = s.ActOnProduct(ctx, staff, p.ID, procurement.ProductAction{Action: "clear"}); err != nil || got.State != "approved" {
			t.Fatalf("clear: %+v %v", got, err)
		}
		if n, err := s.Watch(ctx); err != nil || n != 0 {
			t.Fatalf("the news read again within the overlap: %d %v", n, err)
		}
		if err := s.SetInUse(ctx, member("bank", auth.RoleAdmin), p.ID, "bank", false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Vulns().Load(ctx, staff, []byte(proctest.OSVRecord("GHSA-aaaa-0001", "2024-01-01T00:00:00Z", "left-pad", "1.4.0", "CVE-2024-0001"))); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Watch(ctx); err != nil || n != 1 {
			t.Fatalf("OSV watch: %d %v", n, err)
		}
		if got, _ = s.ApprovedProduct(ctx, p.ID); got.State != "under_review" || !strings.Contains(got.Reason, "GHSA-aaaa-0001 affects its component left-pad 1.3.5") {
			t.Errorf("after OSV: %+v", got)
		}
		if _, err := s.ActOnProduct(ctx, staff, p.ID, procurement.ProductAction{Action: "revoke"}); !errs.HasField(err, "reason") {
			t.Errorf("revoked without a reason: %v", err)
		}
		if got, err = s.ActOnProduct(ctx, staff, p.ID, procurement.ProductAction{Action: "revoke", Reason: "Unpatched for 90 days."}); err != nil || got.State != "revoked" {
			t.Fatalf("revoke: %+v %v", got, err)
		}
		if _, err := s.ActOnProduct(ctx, staff, p.ID, procurement.ProductAction{Action: "clear"}); errs.KindOf(err) != errs.KindConflict {
			t.Errorf("a revoked entry cleared: %v", err)
		}
		if list, _, _ := s.ApprovedProducts(ctx, procurement.ProductFilter{State: "revoked"}); len(list) != 1 {
			t.Errorf("revoked: %+v", list)
		}
		// Expiry: a second product, its validity over.
		q := approve(t, s, &clock)
		clock = q.ValidUntil.Add(-30 * 24 * time.Hour)
		for want := range []int{1, 0} { // once
			if n, err := s.Remind(ctx); err != nil || n != 1-want {
				t.Fatalf("remind: %d %v", n, err)
			}
		}
		if subjects := mail.to("psirt@vendor.example"); len(subjects) == 0 || !strings.Contains(subjects[len(subjects)-1], "ends on "+q.ValidUntil.Format(time.DateOnly)) {
			t.Errorf("the vendor was reminded: %v", subjects)
		}
		clock = q.ValidUntil.Add(36 * time.Hour)
		if n, err := s.Expire(ctx); err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		if got, _ := s.ApprovedProduct(ctx, q.ID); got.State != "expired" {
			t.Errorf("expired: %+v", got)
		}
		valid := q.DecidedAt.Add(24 * time.Hour)
		if list, _, _ := s.ApprovedProducts(ctx, procurement.ProductFilter{ValidOn: &valid}); len(list) != 2 {
			t.Errorf("valid on %s: %d", valid.Format(time.DateOnly), len(list))
		}
	})
}

// approve takes a vendor's request for Gate 7 to approval.
func approve(t *testing.T, s *procurement.Service, clock *time.Time) procurement.Approved {
	t.Helper()
	ctx := context.Background()
	lab := member("lab1", auth.RoleAnalyst)
	ev, err := s.RequestEvaluation(ctx, member("vendor", auth.RoleAdmin), procurement.EvaluationInput{Product: "Gate 7",
		Version: "3.1", Category: "firewall"}, []byte(proctest.GateBOM))
	if err != nil {
		t.Fatal(err)
	}
	step := func(who *auth.Identity, tr procurement.Transition) {
		t.Helper()
		*clock = clock.Add(time.Hour)
		if _, err := s.Transition(ctx, who, ev.ID, tr); err != nil {
			t.Fatalf("%s: %v", tr.Action, err)
		}
	}
	step(staff, procurement.Transition{Action: "accept"})
	step(staff, procurement.Transition{Action: "assign", LabID: "lab1"})
	step(lab, procurement.Transition{Action: "start"})
	for i := 1; i <= 20; i++ {
		if _, err := s.SetResult(ctx, lab, ev.ID, "FW-"+twoDigits(i), procurement.ResultInput{Verdict: "pass"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddFile(ctx, lab, ev.ID, procurement.FileInput{Kind: "report", Name: "r.pdf", Data: []byte(proctest.PDF)}); err != nil {
		t.Fatal(err)
	}
	step(lab, procurement.Transition{Action: "submit"})
	step(staff, procurement.Transition{Action: "review"})
	step(staff, procurement.Transition{Action: "decide", Decision: "approved"})
	d, err := s.Evaluation(ctx, staff, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.ApprovedProduct(ctx, d.ProductID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func twoDigits(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

func hasFields(e *errs.Error, fields ...string) bool {
	for _, f := range fields {
		if !errs.Fields(e.Fields).Has(f) {
			return false
		}
	}
	return true
}

// TestImportCommonCriteria: staff recognise the Common Criteria portal's
// products of the center's categories (a database is skipped, counted);
// an archived one is expired; an import again changes nothing, and an
// entry the center put under review keeps that state when re-imported.
func TestImportCommonCriteria(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		s := flowSetup(t, d, &clock, nil)
		data, err := os.ReadFile("testdata/certified-products-sample.csv")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ImportCommonCriteria(ctx, member("lab1", auth.RoleAdmin), strings.NewReader(string(data))); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a lab imported: %v", err)
		}
		res, err := s.ImportCommonCriteria(ctx, staff, strings.NewReader(string(data)))
		if err != nil || res.Products != 3 || res.New != 2 || res.Skipped["Databases"] != 1 {
			t.Fatalf("import: %+v %v", res, err)
		}
		list, _, err := s.ApprovedProducts(ctx, procurement.ProductFilter{Vendor: "Polaris Devices"})
		if err != nil || len(list) != 1 {
			t.Fatalf("polaris: %+v %v", list, err)
		}
		pol := list[0]
		if !pol.Recognised || pol.Scheme != "Common Criteria (FR)" || pol.Category != "network_device" || pol.Versions != "Polaris Router OS 5.1.4" ||
			pol.State != "approved" || pol.ValidUntil == nil || pol.ValidUntil.Year() != 2027 || !strings.Contains(pol.Conditions, "EAL2") {
			t.Errorf("polaris: %+v", pol)
		}
		if _, err := s.ActOnProduct(ctx, staff, pol.ID, procurement.ProductAction{Action: "review", Reason: "CVE-2026-1 in the router OS."}); err != nil {
			t.Fatal(err)
		}
		clock = time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC) // Polaris archived meanwhile
		res, err = s.ImportCommonCriteria(ctx, staff, strings.NewReader(string(data)))
		if err != nil || res.New != 0 || res.Unchanged != 2 {
			t.Fatalf("again: %+v %v", res, err)
		}
		if got, _ := s.ApprovedProduct(ctx, pol.ID); got.State != "under_review" {
			t.Errorf("a reviewed entry changed with the import: %+v", got)
		}
		if _, err := s.ImportCommonCriteria(ctx, staff, strings.NewReader("a,b\n1,2\n")); !errs.HasField(err, "file") {
			t.Errorf("another CSV: %v", err)
		}
	})
}

// TestAssuranceMaintenance: a new version of an approved product goes
// through the lighter path — an impact analysis, accepted, reviewed by
// the center without a lab — and joins the entry's certificate; an
// ordinary evaluation cannot skip the lab.
func TestAssuranceMaintenance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		s := flowSetup(t, d, &clock, nil)
		p := approve(t, s, &clock)
		vendor := member("vendor", auth.RoleAdmin)
		in := procurement.EvaluationInput{Product: "Gate 7", Version: "3.2", Category: "firewall", MaintenanceOf: p.ID}
		if _, err := s.RequestEvaluation(ctx, vendor, in, nil); !errs.HasField(err, "impact_analysis") {
			t.Errorf("no impact analysis: %v", err)
		}
		other := in
		other.Category, other.ImpactAnalysis = "vpn_gateway", "x"
		if _, err := s.RequestEvaluation(ctx, vendor, other, nil); !errs.HasField(err, "maintenance_of") {
			t.Errorf("another category: %v", err)
		}
		in.ImpactAnalysis = "Only the web UI's TLS library changed (OpenSSL 3.0.13 to 3.0.15)."
		ev, err := s.RequestEvaluation(ctx, vendor, in, nil)
		if err != nil || ev.MaintenanceOf == nil || *ev.MaintenanceOf != p.ID {
			t.Fatalf("request: %+v %v", ev, err)
		}
		for _, a := range []string{"accept", "review"} {
			if ev, err = s.Transition(ctx, staff, ev.ID, procurement.Transition{Action: a}); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
		ev, err = s.Transition(ctx, staff, ev.ID, procurement.Transition{Action: "decide", Decision: "approved"})
		if err != nil || ev.ProductID != p.ID {
			t.Fatalf("decide: %+v %v", ev, err)
		}
		got, _ := s.ApprovedProduct(ctx, p.ID)
		if got.Versions != "3.1, 3.2" || got.CertificateID != p.CertificateID || !strings.Contains(got.History[0].Reason, "version 3.2 added") {
			t.Errorf("the entry: %+v", got)
		}
		plain, err := s.RequestEvaluation(ctx, vendor, procurement.EvaluationInput{Product: "Gate 8", Version: "1", Category: "firewall"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Transition(ctx, staff, plain.ID, procurement.Transition{Action: "accept"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Transition(ctx, staff, plain.ID, procurement.Transition{Action: "review"}); errs.KindOf(err) != errs.KindConflict {
			t.Errorf("an evaluation skipped the lab: %v", err)
		}
	})
}
