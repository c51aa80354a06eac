package stats

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// TestCompute: the figures of a small program worked out by hand, for the
// center (every CERT) and for one CERT, on both engines. vdp's
// TestStatsAgreeWithTheRows checks the same against thousands of rows.
func TestCompute(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		h := func(n int) time.Time { return now.Add(time.Duration(n) * time.Hour) }
		for _, org := range []string{"a", "b"} {
			if _, err := d.Exec(ctx, `INSERT INTO orgs (id, name, name_key, kind, sector, created_at, updated_at)
				VALUES ($1, $1, $1, 'cert', 'government', $2, $2)`, org, now); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range []struct {
			id, status, org string
			received        time.Time
			ack, triaged    *time.Time
		}{
			// a: acknowledged in 1 h, never triaged (due at 72 h): overdue.
			{"r1", "received", "a", h(-100), new(h(-99)), nil},
			// a: not acknowledged after 10 h (due at 5 h): overdue.
			{"r2", "received", "a", h(-10), nil, nil},
			// b: acknowledged in 3 h, triaged in 20 h.
			{"r3", "accepted", "b", h(-50), new(h(-47)), new(h(-30))},
		} {
			if _, err := d.Exec(ctx, `INSERT INTO vdp_reports (id, tracking_id, secret_hash, source, title, description, status,
				assigned_org_id, received_at, acknowledged_at, triaged_at, paused_seconds, created_at, updated_at)
				VALUES ($1, $1, $1, 'web', 'R', 'D', $2, $3, $4, $5, $6, 0, $4, $4)`, r.id, r.status, r.org, r.received, r.ack, r.triaged); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Exec(ctx, `INSERT INTO vdp_cases (id, number, title, status, owner_org_id, fix_ready_at, disclosed_at, created_at, updated_at)
			VALUES ('c1', 'CC-1', 'C', 'open', 'a', NULL, NULL, $1, $1), ('c2', 'CC-2', 'C', 'disclosed', 'b', $2, $3, $4, $4)`,
			h(-5), h(-90), h(-60), h(-100)); err != nil {
			t.Fatal(err)
		}
		deadlines := Deadlines{AckHours: 5, TriageHours: 72}
		all, err := Compute(ctx, d, true, nil, deadlines, now)
		if err != nil {
			t.Fatal(err)
		}
		all.Name(map[string]string{"a": "CERT A", "b": "CERT B"})
		hours := func(v float64) *float64 { return &v }
		want := Figures{
			Reports: map[string]int{"received": 2, "accepted": 1}, Cases: map[string]int{"open": 1, "disclosed": 1},
			AckOverdue: 1, TriageOverdue: 1,
			MedianAcknowledge: hours(2), MedianTriage: hours(20), MedianFix: hours(10), MedianPublish: hours(40),
		}
		got := all
		got.ByCERT = nil
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("the center's figures (-want +got):\n%s", diff)
		}
		if len(all.ByCERT) == 0 || all.ByCERT[0] != (Load{OrgID: "a", OrgName: "CERT A", OpenReports: 2, ActiveCases: 1, Overdue: 2}) {
			t.Errorf("the busiest CERT: %+v", all.ByCERT)
		}
		mine, err := Compute(ctx, d, false, []string{"b"}, deadlines, now)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int{"accepted": 1}, mine.Reports); diff != "" || mine.AckOverdue != 0 || mine.TriageOverdue != 0 ||
			mine.Cases["open"] != 0 || mine.MedianAcknowledge == nil || *mine.MedianAcknowledge != 3 {
			t.Errorf("CERT b's figures: %+v (reports -want +got: %s)", mine, diff)
		}
	})
}
