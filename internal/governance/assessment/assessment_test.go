package assessment_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/governance/assessment"
	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// The directory: a sectoral CERT with two banks, another CERT with a
// power company, an accredited lab and one whose accreditation lapsed.
var dir = map[string]directory.Org{
	"bankcert":  {ID: "bankcert", Name: "Banking CERT", Kind: directory.KindSectoralCERT},
	"bank":      {ID: "bank", Name: "A Bank", Kind: directory.KindConstituent, Sector: "banking", ParentID: ptr("bankcert")},
	"bank2":     {ID: "bank2", Name: "B Bank", Kind: directory.KindConstituent, Sector: "banking", ParentID: ptr("bankcert")},
	"powercert": {ID: "powercert", Name: "Power CERT", Kind: directory.KindSectoralCERT},
	"power":     {ID: "power", Name: "Power Co", Kind: directory.KindConstituent, Sector: "energy", ParentID: ptr("powercert")},
	"lab":       {ID: "lab", Name: "Good Lab", Kind: directory.KindLab},
	"oldlab":    {ID: "oldlab", Name: "Lapsed Lab", Kind: directory.KindLab},
}

func ptr(s string) *string { return &s }

type orgs struct{}

func (orgs) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	var out []directory.Org
	for _, id := range ids {
		if o, ok := dir[id]; ok {
			out = append(out, o)
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

type labs struct{}

func (labs) Accredited(_ context.Context, org string, _ time.Time) (bool, error) {
	return org == "lab", nil
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

// to answers the subjects of the mail sent to addr, and forgets all mail.
func (o *outbox) take(addr string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, m := range o.mail {
		for _, t := range m.To {
			if t == addr {
				out = append(out, m.Subject)
			}
		}
	}
	o.mail = nil
	return out
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

const baseline = `{"title": "National security baseline", "requirements": [
	{"id": "GV-1", "family": "Govern", "title": "Policy", "text": "A security policy is approved by management.", "severity": "high", "methods": ["document_review"]},
	{"id": "GV-2", "family": "Govern", "title": "Risk register", "text": "Risks are registered and reviewed yearly.", "severity": "medium"},
	{"id": "PR-1", "family": "Protect", "title": "MFA", "text": "Remote access requires MFA.", "severity": "critical", "methods": ["technical_test"]},
	{"id": "PR-2", "family": "Protect", "title": "Backups", "text": "Backups are offline and tested.", "severity": "high"}]}`

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	if !errs.HasField(err, field) {
		t.Errorf("%v, want a problem with %s", err, field)
	}
}

func wantKind(t *testing.T, err error, k errs.Kind, what string) {
	t.Helper()
	if errs.KindOf(err) != k {
		t.Errorf("%s: %v, want %s", what, err, k)
	}
}

// TestAssessment: a baseline is published and versioned; the bank's CERT
// opens an assessment by an accredited lab; the lab records verdicts with
// evidence and reports; the bank keeps and moves its remediation plan; an
// overdue action is recalled and escalated to the CERT once; the CERT
// closes it once the plan is done; the re-assessment opens on schedule;
// maturity rolls up by sector and family; outsiders learn nothing.
func TestAssessment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for id, o := range dir {
			if _, err := d.Exec(ctx, `INSERT INTO orgs (id, name, name_key, kind, created_at, updated_at) VALUES ($1, $2, $1, $3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				id, o.Name, string(o.Kind)); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		out := &outbox{}
		s := assessment.NewService(assessment.Options{DB: d, Orgs: orgs{}, Labs: labs{}, Outbox: out, Now: func() time.Time { return now },
			BaseURL: "https://certhub.example"})

		// Baselines: staff publish; bad input named.
		if _, err := s.Publish(ctx, person("a", "bankcert"), "national", []byte(baseline)); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a CERT published a baseline: %v", err)
		}
		_, err := s.Publish(ctx, staff, "National Policy", []byte(baseline))
		wantField(t, err, "baseline")
		_, err = s.Publish(ctx, staff, "national", []byte(`{"title": "x", "requirements": [{"id": "A", "title": "t", "text": "x", "severity": "low"}]}`))
		wantField(t, err, "requirements[0].family")
		if _, err := s.Publish(ctx, staff, "national", []byte(strings.Replace(baseline, `"GV-2"`, `"GV-X"`, 1))); err != nil {
			t.Fatal(err)
		}
		v2, err := s.Publish(ctx, staff, "national", []byte(baseline))
		if err != nil || v2.Version != 2 || len(v2.Requirements) != 4 || v2.Requirements[0].Family != "Govern" {
			t.Fatalf("version 2: %+v %v", v2, err)
		}
		if list, err := s.Baselines(ctx, person("v", "bank")); err != nil || len(list) != 1 || list[0].Version != 2 || list[0].Requirements != 4 {
			t.Errorf("baselines: %+v %v", list, err)
		}

		// Opening: the bank's CERT's analysts, not another CERT, not the bank.
		in := assessment.Input{OrgID: "bank", AssessorOrgID: "lab", Baseline: "national", Scope: "Head office and the payment systems", ReassessMonths: 12}
		_, err = s.Open(ctx, person("a", "powercert"), in)
		wantKind(t, err, errs.KindForbidden, "another CERT opened it")
		_, err = s.Open(ctx, person("a", "bank"), in)
		wantKind(t, err, errs.KindForbidden, "the bank opened its own")
		_, err = s.Open(ctx, person("a", "bankcert"), assessment.Input{OrgID: "bank", AssessorOrgID: "oldlab", Baseline: "nothing", StartsOn: "March"})
		for _, f := range []string{"assessor_org_id", "baseline", "scope", "starts_on"} {
			wantField(t, err, f)
		}
		_, err = s.Open(ctx, person("a", "bankcert"), assessment.Input{OrgID: "bank", AssessorOrgID: "power", Baseline: "national", Scope: "x"})
		wantField(t, err, "assessor_org_id")
		a, err := s.Open(ctx, person("a", "bankcert"), in)
		if err != nil || a.Number != "AS-2026-001" || a.State != assessment.Planned || a.BaselineVersion != 2 || a.Sector != "banking" ||
			a.CERTOrgID != "bankcert" || a.Controls != 4 || a.Org != "A Bank" || a.Assessor != "Good Lab" {
			t.Fatalf("open: %+v %v", a, err)
		}
		if got := out.take("a@lab.example"); len(got) != 1 {
			t.Errorf("the lab was mailed %v", got)
		}

		// Who reads it.
		for who, reads := range map[*auth.Identity]bool{person("v", "bank"): true, person("v", "bankcert"): true, person("v", "lab"): true,
			staff: true, person("a", "bank2"): false, person("a", "powercert"): false, person("a", "oldlab"): false} {
			_, err := s.Get(ctx, who, a.ID)
			if reads && err != nil || !reads && errs.KindOf(err) != errs.KindNotFound {
				t.Errorf("%s reads: %v (want %v)", who.User.ID, err, reads)
			}
			list, _ := s.List(ctx, who, assessment.Filter{})
			if (len(list) == 1) != reads {
				t.Errorf("%s lists %d", who.User.ID, len(list))
			}
		}

		// Verdicts: the assessor only; evidence demanded unless met.
		_, err = s.SetResult(ctx, person("a", "bank"), a.ID, "GV-1", assessment.ResultInput{Verdict: "met"})
		wantKind(t, err, errs.KindForbidden, "the bank assessed itself")
		_, err = s.SetResult(ctx, person("a", "lab"), a.ID, "ZZ-1", assessment.ResultInput{Verdict: "met"})
		wantKind(t, err, errs.KindNotFound, "an unknown control")
		_, err = s.SetResult(ctx, person("a", "lab"), a.ID, "GV-1", assessment.ResultInput{Verdict: "maybe", Severity: "dire"})
		wantField(t, err, "verdict")
		wantField(t, err, "severity")
		_, err = s.SetResult(ctx, person("a", "lab"), a.ID, "PR-1", assessment.ResultInput{Verdict: "not_met"})
		wantField(t, err, "notes")
		for _, v := range []struct{ c, verdict, notes string }{{"gv-1", "met", "Policy v3 approved 2025-11"}, {"GV-2", "partial", "Register exists, not reviewed"},
			{"PR-1", "not_met", "VPN accepts passwords alone"}, {"PR-2", "not_applicable", "Backups are the parent's"}} {
			r, err := s.SetResult(ctx, person("a", "lab"), a.ID, v.c, assessment.ResultInput{Verdict: v.verdict, Notes: v.notes})
			if err != nil {
				t.Fatalf("%s: %v", v.c, err)
			}
			if v.c == "PR-1" && r.Severity != "critical" {
				t.Errorf("a control not met takes its own severity: %+v", r)
			}
		}
		dt, err := s.Get(ctx, person("v", "bank"), a.ID)
		if err != nil || dt.State != assessment.InProgress || dt.Assessed != 4 || dt.Score != 50 || len(dt.Families) != 2 ||
			dt.Families[0].Score != 75 || dt.Families[1].Score != 0 || dt.Families[1].Applicable != 1 {
			t.Fatalf("in progress: %+v %+v %v", dt.Assessment, dt.Families, err)
		}
		if dt.Can.Assess || dt.Can.Close || dt.Can.Plan {
			t.Errorf("the bank's viewer can %+v", dt.Can)
		}

		// Report: the summary is required; then verdicts are final.
		_, err = s.Report(ctx, person("a", "lab"), a.ID, assessment.ReportInput{})
		wantField(t, err, "summary")
		now = now.AddDate(0, 0, 10)
		rep, err := s.Report(ctx, person("a", "lab"), a.ID, assessment.ReportInput{Summary: "Governance is in place; remote access is weak."})
		if err != nil || rep.State != assessment.Reported || rep.NextDueOn != "2027-03-12" {
			t.Fatalf("report: %+v %v", rep, err)
		}
		if got := out.take("a@bankcert.example"); len(got) != 1 || !strings.Contains(got[0], "reported") {
			t.Errorf("the CERT was told %v", got)
		}
		_, err = s.SetResult(ctx, person("a", "lab"), a.ID, "PR-1", assessment.ResultInput{Verdict: "met"})
		wantKind(t, err, errs.KindConflict, "a verdict after the report")

		// The plan: the bank adds and moves its own; outsiders cannot.
		_, err = s.AddPlan(ctx, person("a", "powercert"), a.ID, assessment.PlanInput{Input: actions.Input{Title: "x"}})
		wantKind(t, err, errs.KindNotFound, "another CERT planned")
		_, err = s.AddPlan(ctx, person("a", "bank"), a.ID, assessment.PlanInput{Input: actions.Input{Title: "", DueOn: "soon", OwnerOrgID: "power"}, Requirement: "XX"})
		for _, f := range []string{"title", "due_on", "owner_org_id", "requirement"} {
			wantField(t, err, f)
		}
		mfa, err := s.AddPlan(ctx, person("a", "bankcert"), a.ID, assessment.PlanInput{Input: actions.Input{Title: "Require MFA on the VPN", DueOn: "2026-03-20"},
			Requirement: "pr-1"})
		if err != nil || mfa.OwnerOrgID != "bank" || mfa.Requirement != "PR-1" {
			t.Fatalf("plan: %+v %v", mfa, err)
		}
		risk, err := s.AddPlan(ctx, person("a", "bank"), a.ID, assessment.PlanInput{Input: actions.Input{Title: "Review the risk register", DueOn: "2026-06-30"},
			Requirement: "GV-2"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Close(ctx, person("a", "bankcert"), a.ID)
		wantKind(t, err, errs.KindConflict, "closing with the plan open")

		// The MFA action falls due, is recalled to the bank, goes
		// overdue and is escalated to the CERT once.
		out.take("")
		now = time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
		r, e, o, err := s.Sweep(ctx)
		if err != nil || r != 1 || e != 0 || o != 0 {
			t.Fatalf("sweep 1: %d %d %d %v", r, e, o, err)
		}
		if got := out.take("a@bank.example"); len(got) != 1 {
			t.Errorf("the bank was reminded %v", got)
		}
		now = time.Date(2026, 3, 21, 9, 0, 0, 0, time.UTC)
		if r, e, _, err = s.Sweep(ctx); err != nil || r != 0 || e != 1 {
			t.Fatalf("sweep 2: %d %d %v", r, e, err)
		}
		if got := out.take("a@bankcert.example"); len(got) != 1 || !strings.Contains(got[0], "overdue at A Bank") {
			t.Errorf("the CERT was told %v", got)
		}
		if _, e, _, _ = s.Sweep(ctx); e != 0 {
			t.Errorf("escalated twice")
		}
		dt, _ = s.Get(ctx, person("v", "bank"), a.ID)
		if dt.OverdueActions != 1 || !dt.Plan[0].Escalated || !dt.Plan[0].Overdue {
			t.Errorf("overdue: %d %+v", dt.OverdueActions, dt.Plan)
		}

		// The bank's viewer cannot move it; its admin does; the CERT closes.
		_, err = s.MovePlan(ctx, person("v", "bank"), mfa.ID, actions.Change{Status: actions.Done})
		wantKind(t, err, errs.KindForbidden, "a viewer moved an action")
		_, err = s.MovePlan(ctx, person("a", "power"), mfa.ID, actions.Change{Status: actions.Done})
		wantKind(t, err, errs.KindNotFound, "an outsider moved an action")
		if p, err := s.MovePlan(ctx, person("a", "bank"), mfa.ID, actions.Change{Status: actions.Done, Note: "MFA enforced 2026-03-22"}); err != nil || p.Status != actions.Done {
			t.Fatalf("done: %+v %v", p, err)
		}
		if _, err := s.MovePlan(ctx, person("a", "bank"), risk.ID, actions.Change{Status: actions.Done}); err != nil {
			t.Fatal(err)
		}
		_, err = s.Close(ctx, person("a", "bank"), a.ID)
		wantKind(t, err, errs.KindForbidden, "the bank closed its own")
		if c, err := s.Close(ctx, person("a", "bankcert"), a.ID); err != nil || c.State != assessment.Closed {
			t.Fatalf("close: %+v %v", c, err)
		}

		// Maturity by sector and family; another CERT sees none of it.
		m, err := s.Maturity(ctx, staff, "national")
		if err != nil || len(m.Rows) != 2 || m.Cell("banking", "Govern").Score != 75 || m.Cell("banking", "Protect").Score != 0 ||
			m.Cell("banking", "Govern").Organisations != 1 {
			t.Errorf("maturity: %+v %v", m, err)
		}
		if m, err := s.Maturity(ctx, person("a", "powercert"), "national"); err != nil || len(m.Rows) != 0 {
			t.Errorf("another CERT's maturity: %+v %v", m, err)
		}

		// A year on, the re-assessment opens by itself, once.
		now = time.Date(2027, 3, 12, 10, 0, 0, 0, time.UTC)
		if due, err := s.Due(ctx, person("a", "bankcert"), 0); err != nil || len(due) != 1 {
			t.Errorf("due: %+v %v", due, err)
		}
		if _, _, o, err = s.Sweep(ctx); err != nil || o != 1 {
			t.Fatalf("reassess: %d %v", o, err)
		}
		if _, _, o, _ = s.Sweep(ctx); o != 0 {
			t.Errorf("reassessed twice")
		}
		list, err := s.List(ctx, person("v", "bank"), assessment.Filter{State: assessment.Planned})
		if err != nil || len(list) != 1 || list[0].Number != "AS-2027-001" || list[0].StartsOn != "2027-03-12" || list[0].AssessorOrgID != "lab" {
			t.Errorf("the re-assessment: %+v %v", list, err)
		}
		_, err = s.List(ctx, staff, assessment.Filter{State: "lost"})
		wantField(t, err, "state")
	})
}
