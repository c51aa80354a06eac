package vdp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/vdp/config"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/stats"
)

// seeded is what seedStats wrote, to work the figures out the slow way.
type seeded struct {
	reports []model.Report
	cases   []struct {
		status              model.CaseStatus
		org                 string
		created             time.Time
		fixReady, disclosed *time.Time
	}
}

// seedStats writes n reports and n/10 cases in every state, spread over
// the CERTs orgs, received over the two years before now.
func seedStats(tb testing.TB, d *db.DB, orgs []string, n int, now time.Time) seeded {
	tb.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	statuses := []model.ReportStatus{model.ReportReceived, model.ReportNeedInfo, model.ReportAccepted, "tracked", model.ReportDeclined, model.ReportDuplicate}
	caseStatuses := []model.CaseStatus{model.CaseOpen, model.CaseCoordinating, model.CaseRemediation, "disclosed", "closed"}
	at := func(t time.Time) *time.Time { return &t }
	var out seeded
	err := d.Write(ctx, func(tx *db.Tx) error {
		for start := 0; start < n; start += 500 {
			var sb strings.Builder
			var args db.Args
			sb.WriteString(`INSERT INTO vdp_reports (id, tracking_id, secret_hash, source, title, description, status, assigned_org_id,
				received_at, acknowledged_at, triaged_at, waiting_since, paused_seconds, created_at, updated_at) VALUES `)
			for i := start; i < min(n, start+500); i++ {
				// Two years of reports: those of the last month in every
				// state, the older ones settled, as a working program's are.
				r := model.Report{Status: statuses[rng.IntN(len(statuses))], ReceivedAt: now.Add(-time.Duration(rng.IntN(730*24*3600)) * time.Second).Truncate(time.Second)}
				old := now.Sub(r.ReceivedAt) > 30*24*time.Hour
				if old {
					r.Status = statuses[2+rng.IntN(len(statuses)-2)]
				}
				if rng.IntN(5) > 0 {
					r.AssignedOrgID = &orgs[rng.IntN(len(orgs))]
				}
				if old || rng.IntN(3) > 0 {
					r.AcknowledgedAt = at(r.ReceivedAt.Add(time.Duration(rng.IntN(72*60)) * time.Minute))
				}
				if !r.Status.Open() {
					r.TriagedAt = at(r.ReceivedAt.Add(time.Duration(rng.IntN(14*24*60)) * time.Minute))
				} else if r.Status == model.ReportNeedInfo && rng.IntN(2) == 0 {
					r.WaitingSince = at(r.ReceivedAt.Add(time.Hour))
				}
				r.PausedSeconds = int64(rng.IntN(3)) * 3600
				out.reports = append(out.reports, r)
				if i > start {
					sb.WriteString(", ")
				}
				fmt.Fprintf(&sb, "(%s, %s, %s, 'web', 'Report', 'Details', %s, %s, %s, %s, %s, %s, %s, %s, %s)",
					args.Add(db.NewID()), args.Add(fmt.Sprintf("VR-S-%07d", i)), args.Add(fmt.Sprintf("secret-%d", i)), args.Add(string(r.Status)),
					args.Add(r.AssignedOrgID), args.Add(r.ReceivedAt), args.Add(r.AcknowledgedAt), args.Add(r.TriagedAt), args.Add(r.WaitingSince),
					args.Add(r.PausedSeconds), args.Add(r.ReceivedAt), args.Add(r.ReceivedAt))
			}
			if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
				return err
			}
		}
		for i := range n / 10 {
			c := out.cases
			c = append(c, struct {
				status              model.CaseStatus
				org                 string
				created             time.Time
				fixReady, disclosed *time.Time
			}{status: caseStatuses[rng.IntN(len(caseStatuses))], org: orgs[rng.IntN(len(orgs))],
				created: now.Add(-time.Duration(rng.IntN(60*24)) * time.Hour)})
			k := &c[len(c)-1]
			if rng.IntN(2) == 0 {
				k.fixReady = at(k.created.Add(time.Duration(rng.IntN(30*24)) * time.Hour))
			}
			if k.status == "disclosed" || k.status == "closed" {
				k.disclosed = at(k.created.Add(time.Duration(rng.IntN(90*24)) * time.Hour))
			}
			out.cases = c
			if _, err := tx.Exec(ctx, `INSERT INTO vdp_cases (id, number, title, status, owner_org_id, fix_ready_at, disclosed_at, created_at, updated_at)
				VALUES ($1, $2, 'Case', $3, $4, $5, $6, $7, $7)`, db.NewID(), fmt.Sprintf("CC-S-%06d", i), string(k.status), k.org, k.fixReady, k.disclosed, k.created); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// slowStats works the figures out row by row, as the dashboard once did.
func (sd seeded) slowStats(st config.Settings, now time.Time, orgs []string, names map[string]string) stats.Figures {
	out := stats.Figures{Reports: map[string]int{}, Cases: map[string]int{}}
	loads := map[string]*stats.Load{}
	load := func(org string) *stats.Load {
		if loads[org] == nil {
			loads[org] = &stats.Load{OrgID: org, OrgName: names[org]}
		}
		return loads[org]
	}
	var ack, triage, fix, publish []float64
	for _, r := range sd.reports {
		if orgs != nil && (r.AssignedOrgID == nil || !slices.Contains(orgs, *r.AssignedOrgID)) {
			continue
		}
		out.Reports[string(r.Status)]++
		clock := st.Clock(r, now)
		if r.AssignedOrgID != nil && r.Status.Open() {
			load(*r.AssignedOrgID).OpenReports++
		}
		if clock.AckOverdue {
			out.AckOverdue++
		}
		if clock.TriageOverdue {
			out.TriageOverdue++
		}
		if r.AssignedOrgID != nil && (clock.AckOverdue || clock.TriageOverdue) {
			load(*r.AssignedOrgID).Overdue++
		}
		if r.AcknowledgedAt != nil {
			ack = append(ack, r.AcknowledgedAt.Sub(r.ReceivedAt).Hours())
		}
		if r.TriagedAt != nil {
			triage = append(triage, r.TriagedAt.Sub(r.ReceivedAt).Hours()-float64(r.PausedSeconds)/3600)
		}
	}
	for _, c := range sd.cases {
		if orgs != nil && !slices.Contains(orgs, c.org) {
			continue
		}
		out.Cases[string(c.status)]++
		if c.status == model.CaseOpen || c.status == model.CaseCoordinating || c.status == model.CaseRemediation {
			load(c.org).ActiveCases++
		}
		if c.fixReady != nil {
			fix = append(fix, c.fixReady.Sub(c.created).Hours())
		}
		if c.disclosed != nil {
			publish = append(publish, c.disclosed.Sub(c.created).Hours())
		}
	}
	med := func(xs []float64) *float64 {
		if len(xs) == 0 {
			return nil
		}
		slices.Sort(xs)
		m := xs[len(xs)/2]
		if len(xs)%2 == 0 {
			m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
		}
		m = float64(int64(m*10+0.5)) / 10
		return &m
	}
	out.MedianAcknowledge, out.MedianTriage, out.MedianFix, out.MedianPublish = med(ack), med(triage), med(fix), med(publish)
	for _, l := range loads {
		out.ByCERT = append(out.ByCERT, *l)
	}
	slices.SortFunc(out.ByCERT, func(a, b stats.Load) int {
		if a.OpenReports+a.ActiveCases != b.OpenReports+b.ActiveCases {
			return (b.OpenReports + b.ActiveCases) - (a.OpenReports + a.ActiveCases)
		}
		return strings.Compare(a.OrgName, b.OrgName)
	})
	return out
}

// TestStatsAgreeWithTheRows: the dashboard's aggregates in SQL give the
// figures the rows give one by one, for staff and for a sectoral CERT's
// analyst (who sees only its own), on both engines.
func TestStatsAgreeWithTheRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		now := w.clk.Now()
		certs := []string{w.org["cc"], w.org["bankcert"], w.org["telcocert"]}
		names := map[string]string{w.org["cc"]: "CERT Coordination Center", w.org["bankcert"]: "Banking Sector CERT", w.org["telcocert"]: "Telecom Sector CERT"}
		sd := seedStats(t, d, certs, 2001, now)
		st, err := w.svc.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			who  string
			orgs []string
		}{{"coord", nil}, {"bank_analyst", []string{w.org["bankcert"]}}} {
			got, err := w.svc.Stats(ctx, w.id[tc.who])
			if err != nil {
				t.Fatal(err)
			}
			want := sd.slowStats(st, now, tc.orgs, names)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: stats (-rows +sql):\n%s", tc.who, diff)
			}
			if got.AckOverdue == 0 || got.TriageOverdue == 0 || got.MedianPublish == nil {
				t.Errorf("%s: the seed should make every figure non-zero: %+v", tc.who, got)
			}
		}
		if _, err := w.svc.Stats(ctx, w.id["nobody"]); err == nil {
			t.Error("someone in no organisation got the figures")
		}
	})
}

// BenchmarkStats is the dashboard's figures over 100,000 reports and
// 10,000 cases on SQLite (the target: under 50 ms).
//
//	go test ./internal/vdp -run '^$' -bench Stats
func BenchmarkStats(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	w := newWorld(b, d)
	seedStats(b, d, []string{w.org["cc"], w.org["bankcert"], w.org["telcocert"]}, 100_000, w.clk.Now())
	ctx := context.Background()
	for _, who := range []string{"coord", "bank_analyst"} {
		b.Run(who, func(b *testing.B) {
			id := w.id[who]
			for b.Loop() {
				if _, err := w.svc.Stats(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
