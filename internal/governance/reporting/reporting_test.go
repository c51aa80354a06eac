package reporting_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/governance/reporting"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The directory: the national CERT, two sectoral CERTs, a bank.
var kinds = map[string]directory.Kind{"ncert": directory.KindNationalCERT, "bankcert": directory.KindSectoralCERT,
	"telcocert": directory.KindSectoralCERT, "bank": directory.KindConstituent}

type orgs struct{}

func (orgs) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	var out []directory.Org
	for _, id := range ids {
		if k, ok := kinds[id]; ok {
			out = append(out, directory.Org{ID: id, Name: "Org " + id, Kind: k})
		}
	}
	return out, nil
}

func (orgs) All(_ context.Context, _ *auth.Identity, f directory.Filter) ([]directory.Summary, error) {
	var out []directory.Summary
	for id, k := range kinds {
		if f.Kind == "" || f.Kind == k {
			out = append(out, directory.Summary{ID: id, Name: "Org " + id, Kind: k})
		}
	}
	return out, nil
}

func (orgs) Members(_ context.Context, _ *auth.Identity, org string) ([]auth.Member, error) {
	return []auth.Member{{Membership: auth.Membership{UserID: "a-" + org, OrgID: org, Role: auth.RoleAnalyst}, Email: "a@" + org + ".example"}}, nil
}

// records counts, for each org, the month's number as its incidents (so
// a test can tell which assembly a report holds), plus what it is told.
type records struct{ extra int }

func (r *records) Figures(_ context.Context, orgID string, from, to time.Time) (reporting.Figures, error) {
	n := int(from.Month()) + r.extra
	return reporting.Figures{Incidents: n, IncidentsCritical: 1, DeadlinesDue: 4, DeadlinesMet: 3, VulnReports: 2, AlertsDelivered: 5,
		AlertsAcknowledged: 4, PeopleTrained: 1, ByClass: []reporting.Count{{Key: "fraud", Label: "Fraud", N: n}}}, nil
}

func person(role auth.Role, org string) *auth.Identity {
	return &auth.Identity{User: auth.User{ID: "u-" + org, Name: "Someone of " + org, Email: "x@" + org + ".example"},
		Memberships: []auth.Membership{{UserID: "u-" + org, OrgID: org, Role: role}}}
}

var staff = &auth.Identity{User: auth.User{ID: "staff", Name: "Staff", Email: "coordinator@cc.example", PlatformRole: auth.PlatformCoordinator}}

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

func TestPeriods(t *testing.T) {
	for in, want := range map[string]string{"2026-11": "2026-11 2026-11-01 2026-12-01", "2026-q4": "2026-Q4 2026-10-01 2027-01-01",
		"2026-12": "2026-12 2026-12-01 2027-01-01", "2027-Q1": "2027-Q1 2027-01-01 2027-04-01"} {
		p, err := reporting.ParsePeriod(in)
		if got := fmt.Sprint(p.Name, " ", p.Start.Format("2006-01-02"), " ", p.End.Format("2006-01-02")); err != nil || got != want {
			t.Errorf("%s: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "2026", "2026-13", "2026-Q5", "2026-1", "26-11", "2026-Q", "x-11"} {
		if _, err := reporting.ParsePeriod(bad); err == nil {
			t.Errorf("%q read as a period", bad)
		}
	}
	if p := must(reporting.ParsePeriod("2026-Q4")).Next(); p.Name != "2027-Q1" {
		t.Errorf("after 2026-Q4: %s", p.Name)
	}
	if p := must(reporting.ParsePeriod("2026-12")).Next(); p.Name != "2027-01" {
		t.Errorf("after 2026-12: %s", p.Name)
	}
}

// A sectoral CERT's monthly report from assembly to acceptance, who may
// do what, and the national roll-up with who has not reported.
func TestReportToRollup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for id, k := range kinds {
			if _, err := d.Exec(ctx, `INSERT INTO orgs (id, name, name_key, kind, created_at, updated_at) VALUES ($1, $1, $1, $2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				id, string(k)); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		rec := &records{}
		s := reporting.NewService(reporting.Options{DB: d, Orgs: orgs{}, Records: rec, Now: func() time.Time { return now }})

		_, err := s.SetSchedule(ctx, person(auth.RoleAdmin, "bankcert"), "bankcert", reporting.ScheduleInput{Frequency: "monthly", Since: "2026-09"})
		wantKind(t, err, errs.KindForbidden, "a sectoral CERT sets its own schedule")
		_, err = s.SetSchedule(ctx, staff, "bankcert", reporting.ScheduleInput{Frequency: "weekly", Since: "2026-Q3", DueDays: 200})
		wantField(t, err, "frequency")
		wantField(t, err, "due_days")
		_, err = s.SetSchedule(ctx, staff, "bank", reporting.ScheduleInput{Frequency: "monthly", Since: "2026-09"})
		wantField(t, err, "org_id")
		_, err = s.SetSchedule(ctx, staff, "telcocert", reporting.ScheduleInput{Frequency: "quarterly", Since: "2026-09"})
		wantField(t, err, "since")
		sc := must(s.SetSchedule(ctx, person(auth.RoleAnalyst, "ncert"), "bankcert", reporting.ScheduleInput{Frequency: "monthly", Since: "2026-09"}))
		if sc.DueDays != 10 || sc.Since != "2026-09-01" {
			t.Fatalf("schedule: %+v", sc)
		}
		must(s.SetSchedule(ctx, staff, "telcocert", reporting.ScheduleInput{Frequency: "quarterly", Since: "2026-Q3", DueDays: 15}))

		_, _, err = s.Open(ctx, person(auth.RoleViewer, "bankcert"), "bankcert", "2026-11")
		wantKind(t, err, errs.KindForbidden, "a viewer assembles")
		_, _, err = s.Open(ctx, staff, "bankcert", "2026-11")
		wantKind(t, err, errs.KindForbidden, "the center writes a CERT's report")
		_, _, err = s.Open(ctx, person(auth.RoleAnalyst, "bankcert"), "bankcert", "2026-Q4")
		wantField(t, err, "period")
		_, _, err = s.Open(ctx, person(auth.RoleAnalyst, "bankcert"), "bankcert", "2026-08")
		wantField(t, err, "period") // before the schedule
		x, created, err := s.Open(ctx, person(auth.RoleAnalyst, "bankcert"), "bankcert", "2026-11")
		if err != nil || !created || x.Status != reporting.Draft || x.Figures.Incidents != 11 || x.PeriodEnd != "2026-12-01" || x.Org != "Org bankcert" {
			t.Fatalf("assembled: %+v %v %v", x, created, err)
		}
		if p := x.OnTimePercent; p == nil || *p != 75 {
			t.Errorf("on time: %v", p)
		}
		_, err = s.Get(ctx, person(auth.RoleAdmin, "telcocert"), x.ID)
		wantKind(t, err, errs.KindNotFound, "another CERT reads the report")
		must(s.Get(ctx, person(auth.RoleViewer, "bankcert"), x.ID))
		must(s.Get(ctx, person(auth.RoleAnalyst, "ncert"), x.ID))

		_, err = s.Submit(ctx, person(auth.RoleAnalyst, "bankcert"), x.ID)
		wantField(t, err, "summary")
		_, err = s.SaveNarrative(ctx, person(auth.RoleViewer, "bankcert"), x.ID, reporting.Narrative{Summary: "x"})
		wantKind(t, err, errs.KindForbidden, "a viewer writes")
		must(s.SaveNarrative(ctx, person(auth.RoleAnalyst, "bankcert"), x.ID, reporting.Narrative{Summary: "A calm month.", Plans: "Phishing drills."}))
		rec.extra = 100 // the records changed since the assembly: submission assembles again
		sub := must(s.Submit(ctx, person(auth.RoleAnalyst, "bankcert"), x.ID))
		if sub.Status != reporting.Submitted || sub.Figures.Incidents != 111 || sub.SubmittedAt == nil {
			t.Fatalf("submitted: %+v", sub)
		}
		_, _, err = s.Open(ctx, person(auth.RoleAnalyst, "bankcert"), "bankcert", "2026-11")
		wantKind(t, err, errs.KindConflict, "assembling a submitted report")
		_, err = s.Review(ctx, person(auth.RoleAdmin, "bankcert"), x.ID, true, "")
		wantKind(t, err, errs.KindForbidden, "a CERT accepts its own report")
		_, err = s.Review(ctx, person(auth.RoleAnalyst, "ncert"), x.ID, false, "")
		wantField(t, err, "note")
		ret := must(s.Review(ctx, person(auth.RoleAnalyst, "ncert"), x.ID, false, "Say which banks the phishing hit."))
		if ret.Status != reporting.Returned || ret.ReviewNote == "" {
			t.Fatalf("returned: %+v", ret)
		}
		must(s.SaveNarrative(ctx, person(auth.RoleAnalyst, "bankcert"), x.ID, reporting.Narrative{Summary: "A calm month; phishing hit two banks."}))
		must(s.Submit(ctx, person(auth.RoleAnalyst, "bankcert"), x.ID))
		acc := must(s.Review(ctx, staff, x.ID, true, ""))
		if acc.Status != reporting.Accepted || acc.ReviewedBy != "Staff" {
			t.Fatalf("accepted: %+v", acc)
		}
		_, _, err = s.Open(ctx, person(auth.RoleAnalyst, "bankcert"), "bankcert", "2026-12")
		if err != nil {
			t.Fatalf("the current month, as a draft: %v", err)
		}
		dec, _, err := s.List(ctx, staff, reporting.ReportFilter{Period: "2026-12"}, 10, "")
		if err != nil || len(dec) != 1 {
			t.Fatalf("December: %v %v", dec, err)
		}
		must(s.SaveNarrative(ctx, person(auth.RoleAnalyst, "bankcert"), dec[0].ID, reporting.Narrative{Summary: "Early."}))
		_, err = s.Submit(ctx, person(auth.RoleAnalyst, "bankcert"), dec[0].ID)
		wantKind(t, err, errs.KindConflict, "submitting a month not over")

		// The roll-up from September: BankCERT's November; its September
		// and October missing; TelcoCERT's Q4 not due yet (its Q3 began
		// before the span).
		_, err = s.Rollup(ctx, person(auth.RoleAdmin, "bankcert"), time.Time{}, time.Time{})
		wantKind(t, err, errs.KindForbidden, "a sectoral CERT reads the roll-up")
		ru := must(s.Rollup(ctx, person(auth.RoleAnalyst, "ncert"), time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)))
		if !slices.Equal(ru.Periods, []string{"2026-09", "2026-10", "2026-Q4", "2026-11", "2026-12"}) || ru.From != "2026-09" || ru.To != "2026-12" {
			t.Fatalf("periods: %v %s %s", ru.Periods, ru.From, ru.To)
		}
		var missing []string
		for _, m := range ru.Missing {
			missing = append(missing, m.OrgID+" "+m.Period)
		}
		if !slices.Equal(missing, []string{"bankcert 2026-09", "bankcert 2026-10"}) {
			t.Errorf("missing: %v", missing)
		}
		if len(ru.Totals) != 1 || ru.Totals[0].Period != "2026-11" || ru.Totals[0].Figures.Incidents != 111 || ru.Totals[0].Reports != 1 {
			t.Errorf("totals: %+v", ru.Totals)
		}
		bank := ru.Rows[slices.IndexFunc(ru.Rows, func(r reporting.RollupRow) bool { return r.OrgID == "bankcert" })]
		if c := bank.Cells[3]; c == nil || c.Figures.Incidents != 111 || c.Status != reporting.Accepted || bank.Cells[4] != nil {
			t.Errorf("BankCERT's row: %+v", bank.Cells)
		}
		var csv bytes.Buffer
		if err := ru.WriteCSV(&csv); err != nil || !strings.Contains(csv.String(), "bankcert,Org bankcert,2026-11,accepted,111,1,") {
			t.Errorf("CSV: %v\n%s", err, csv.String())
		}
		_, err = s.Rollup(ctx, staff, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		wantField(t, err, "to")
	})
}
