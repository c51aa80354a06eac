package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/ssvc"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
)

func ptr[T any](v T) *T { return &v }

// fixture registers a vendor and a CERT where the foreign keys look.
func fixture(t *testing.T, d *db.DB) {
	t.Helper()
	for _, o := range []string{"vendor", "cert"} {
		if _, err := d.Exec(context.Background(), `INSERT INTO orgs (id, name, name_key, kind, sector, created_at, updated_at)
			VALUES ($1, $1, $1, 'constituent', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, o); err != nil {
			t.Fatal(err)
		}
	}
}

func write(t *testing.T, d *db.DB, fn func(tx *db.Tx) error) {
	t.Helper()
	if err := d.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// TestReports: a report is written and read back whole (lists, scores,
// decisions, times), changed, listed by who may see it and by filter, and
// its messages kept in order.
func TestReports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fixture(t, d)
		at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
		c3, err := cvss.Parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
		if err != nil {
			t.Fatal(err)
		}
		r := model.Report{ID: "r1", TrackingID: "VR-2026-000001", Source: "web", Reporter: model.Reporter{Name: "Ada", Email: "ada@example.org"},
			Title: "SQL injection in the login", Description: "…", Vendor: "ACME", VendorOrgID: ptr("vendor"), Product: "Portal",
			References: []string{"https://example.org/a", "https://example.org/b"}, Status: model.ReportReceived, AssignedOrgID: ptr("cert"),
			SSVCTriage: &ssvc.Decision{Table: "coordinator-triage", Inputs: map[string]string{"RP": "Y"}, Vector: "RP:Y"},
			CVSS3:      &c3, Sectors: []string{"banking", "energy"}, ReceivedAt: at, CreatedAt: at, UpdatedAt: at}
		other := model.Report{ID: "r2", TrackingID: "VR-2026-000002", Source: "api", Title: "XSS", Status: model.ReportDeclined,
			References: []string{}, Sectors: []string{}, ReceivedAt: at.Add(time.Hour), CreatedAt: at, UpdatedAt: at}
		write(t, d, func(tx *db.Tx) error {
			if err := store.InsertReport(ctx, tx, r, "hash-1"); err != nil {
				return err
			}
			return store.InsertReport(ctx, tx, other, "hash-2")
		})
		got, err := store.GetReport(ctx, d, "tracking_id = $1", r.TrackingID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(r, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
			t.Errorf("read back (-wrote +read):\n%s", diff)
		}
		if _, err := store.GetReport(ctx, d, "id = $1", "nope"); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("a missing report: %v", err)
		}
		got.Status, got.Title = model.ReportNeedInfo, "SQL injection in /login"
		write(t, d, func(tx *db.Tx) error { return store.SaveReport(ctx, tx, got) })
		for _, tt := range []struct {
			orgs []string
			all  bool
			f    model.ReportFilter
			want []string
		}{
			{nil, true, model.ReportFilter{Limit: 10}, []string{"r1", "r2"}},
			{nil, true, model.ReportFilter{Status: "open", Limit: 10}, []string{"r1"}},
			{nil, true, model.ReportFilter{Query: "/LOGIN", Limit: 10}, []string{"r1"}},
			{nil, true, model.ReportFilter{Query: "vr-2026-000002", Limit: 10}, []string{"r2"}},
			{nil, true, model.ReportFilter{Query: "100%", Limit: 10}, nil},
			{[]string{"cert"}, false, model.ReportFilter{Limit: 10}, []string{"r1"}},
			{[]string{"vendor"}, false, model.ReportFilter{Limit: 10}, nil},
			{nil, false, model.ReportFilter{Limit: 10}, nil},
			{nil, true, model.ReportFilter{Limit: 0}, []string{"r1"}}, // one more than the limit: the next page exists
		} {
			list, err := store.ListReports(ctx, d, tt.orgs, tt.all, tt.f, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range list {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("%v %v %+v: %v, want %v", tt.orgs, tt.all, tt.f, ids, tt.want)
			}
		}
		if list, err := store.ListReports(ctx, d, nil, true, model.ReportFilter{Limit: 10}, &at, "r1"); err != nil || len(list) != 1 || list[0].ID != "r2" {
			t.Errorf("after the cursor: %v %v", list, err)
		}
		write(t, d, func(tx *db.Tx) error {
			if _, err := store.AddMessage(ctx, tx, "r1", true, nil, "first", at); err != nil {
				return err
			}
			_, err := store.AddMessage(ctx, tx, "r1", false, nil, "second", at.Add(time.Minute))
			return err
		})
		msgs, _, err := store.ListMessages(ctx, d, "r1")
		if err != nil || len(msgs) != 2 || msgs[0].Body != "first" || !msgs[0].FromReporter || msgs[1].FromReporter {
			t.Errorf("messages %+v %v", msgs, err)
		}
	})
}

// TestCases: a case with its participants and vulnerabilities; an unknown
// organisation or a CVE ID given twice is a field error, not a failure.
func TestCases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fixture(t, d)
		now := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
		c := model.Case{ID: "c1", Number: "CC-2026-0001", Title: "Portal injection", Status: model.CaseOpen, OwnerOrgID: "cert",
			TLP: "AMBER", Embargo: "none", References: []string{}, CreatedAt: now, UpdatedAt: now}
		write(t, d, func(tx *db.Tx) error {
			if err := store.InsertCase(ctx, tx, c); err != nil {
				return err
			}
			if err := store.SaveParticipant(ctx, tx, model.Participant{CaseID: "c1", OrgID: "vendor", Role: model.RoleVendor, AddedAt: now}); err != nil {
				return err
			}
			return store.SaveVuln(ctx, tx, model.Vuln{ID: "v1", CaseID: "c1", Title: "SQLi", CVEID: "CVE-2026-0001", CreatedAt: now, UpdatedAt: now}, true)
		})
		err := d.Write(ctx, func(tx *db.Tx) error {
			return store.SaveParticipant(ctx, tx, model.Participant{CaseID: "c1", OrgID: "ghost", Role: model.RoleVendor, AddedAt: now})
		})
		if e := errs.As(err); e == nil || !errs.Fields(e.Fields).Has("org_id") {
			t.Errorf("an unknown organisation: %v", err)
		}
		err = d.Write(ctx, func(tx *db.Tx) error {
			return store.SaveVuln(ctx, tx, model.Vuln{ID: "v2", CaseID: "c1", Title: "XSS", CVEID: "CVE-2026-0001", CreatedAt: now, UpdatedAt: now}, true)
		})
		if e := errs.As(err); e == nil || !errs.Fields(e.Fields).Has("cve_id") {
			t.Errorf("a CVE ID given twice: %v", err)
		}
		got, err := store.GetCase(ctx, d, "c1")
		if err != nil || got.Number != c.Number || got.OwnerOrgID != "cert" || got.Status != model.CaseOpen {
			t.Fatalf("case %+v %v", got, err)
		}
		got.Status, got.PublicationAt = model.CaseCoordinating, ptr(now.Add(90*24*time.Hour))
		write(t, d, func(tx *db.Tx) error { return store.SaveCase(ctx, tx, got) })
		if again, _ := store.GetCase(ctx, d, "c1"); again.Status != model.CaseCoordinating || again.PublicationAt == nil || !again.PublicationAt.Equal(*got.PublicationAt) {
			t.Errorf("saved case %+v", again)
		}
		if parts, err := store.ListParticipants(ctx, d, "c1"); err != nil || len(parts) != 1 || parts[0].OrgID != "vendor" || parts[0].Contact() != "not notified" {
			t.Errorf("participants %+v %v", parts, err)
		}
		if v, err := store.GetVuln(ctx, d, "c1", "v1"); err != nil || v.CVEID != "CVE-2026-0001" {
			t.Errorf("vulnerability %+v %v", v, err)
		}
		if _, err := store.GetVuln(ctx, d, "other-case", "v1"); err == nil {
			t.Error("a vulnerability read through another case")
		}
		for _, tt := range []struct {
			orgs []string
			all  bool
			f    model.CaseFilter
			want int
		}{
			{nil, true, model.CaseFilter{Limit: 5}, 1},
			{nil, true, model.CaseFilter{CVE: "cve-2026-0001", Limit: 5}, 1},
			{nil, true, model.CaseFilter{CVE: "CVE-2026-9999", Limit: 5}, 0},
			{nil, true, model.CaseFilter{Status: "active", Limit: 5}, 1},
			{nil, true, model.CaseFilter{Status: "closed", Limit: 5}, 0},
			{[]string{"vendor"}, false, model.CaseFilter{Limit: 5}, 1}, // a participant
			{[]string{"ghost"}, false, model.CaseFilter{Limit: 5}, 0},
		} {
			list, err := store.ListCases(ctx, d, tt.orgs, tt.all, tt.f, nil, "")
			if err != nil || len(list) != tt.want {
				t.Errorf("%v %v %+v: %d cases (%v), want %d", tt.orgs, tt.all, tt.f, len(list), err, tt.want)
			}
		}
	})
}

// TestProductsNamed: the products the reports of cases opened after a
// time name, oldest case first; a report without a product, and cases
// opened before, are not.
func TestProductsNamed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fixture(t, d)
		at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
		write(t, d, func(tx *db.Tx) error {
			for i, c := range []model.Case{
				{ID: "old", Number: "CC-2026-0001", Title: "Old", Status: model.CaseOpen, OwnerOrgID: "cert", TLP: "AMBER", Embargo: "none",
					References: []string{}, CreatedAt: at, UpdatedAt: at},
				{ID: "new", Number: "CC-2026-0002", Title: "New", Status: model.CaseOpen, OwnerOrgID: "cert", TLP: "AMBER", Embargo: "none",
					References: []string{}, CreatedAt: at.Add(time.Hour), UpdatedAt: at.Add(time.Hour)},
			} {
				if err := store.InsertCase(ctx, tx, c); err != nil {
					return err
				}
				for j, product := range []string{"Portal", ""} {
					r := model.Report{ID: fmt.Sprintf("r%d%d", i, j), TrackingID: fmt.Sprintf("VR-2026-00000%d%d", i, j), Source: "web", Title: "x",
						Vendor: "ACME", Product: product, Versions: "<2.1", Status: model.ReportAccepted, CaseID: ptr(c.ID),
						References: []string{}, Sectors: []string{}, ReceivedAt: at, CreatedAt: at, UpdatedAt: at}
					if err := store.InsertReport(ctx, tx, r, r.ID); err != nil {
						return err
					}
				}
			}
			return nil
		})
		got, err := store.ProductsNamed(ctx, d, at, 10)
		if err != nil || len(got) != 1 || got[0].CaseNumber != "CC-2026-0002" || got[0].Product != "Portal" || got[0].Versions != "<2.1" {
			t.Errorf("named after the first case: %+v %v", got, err)
		}
		if all, err := store.ProductsNamed(ctx, d, time.Time{}, 10); err != nil || len(all) != 2 || all[0].CaseID != "old" {
			t.Errorf("all: %+v %v", all, err)
		}
	})
}
