package hygiene_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/hygiene"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// manyOrgs is a directory of n constituents in 10 sectors under 10 CERTs,
// each with a domain and a /28.
type manyOrgs struct{ n int }

func (m manyOrgs) org(i int) directory.Org {
	cert := fmt.Sprintf("cert%d", i%10)
	return directory.Org{ID: fmt.Sprintf("org%05d", i), Name: fmt.Sprintf("Organisation %d", i), Kind: directory.KindConstituent,
		Sector: fmt.Sprintf("sector%d", i%10), ParentID: &cert,
		Constituency: directory.Constituency{Domains: []string{fmt.Sprintf("org%d.example", i)}, CIDRs: []string{fmt.Sprintf("10.%d.%d.0/28", i/256, i%256)}}}
}

func (m manyOrgs) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	var out []directory.Org
	for _, id := range ids {
		var i int
		if _, err := fmt.Sscanf(id, "org%05d", &i); err == nil && i < m.n {
			out = append(out, m.org(i))
		}
	}
	return out, nil
}

func (m manyOrgs) Members(context.Context, *auth.Identity, string) ([]auth.Member, error) {
	return nil, nil
}

func (m manyOrgs) Constituencies(context.Context, *auth.Identity) (map[string]directory.Constituency, error) {
	out := make(map[string]directory.Constituency, m.n)
	for i := range m.n {
		o := m.org(i)
		out[o.ID] = o.Constituency
	}
	return out, nil
}

// TestScheduleSpread: 10,000 organisations fall in slots spread evenly
// over the week, so no hour carries much more than its share (the pace
// the rate limits are set for), and after a week each is queued once.
func TestScheduleSpread(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 organisations")
	}
	ctx := context.Background()
	d := dbtest.Open(t, db.SQLite)
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	s := hygiene.NewService(hygiene.Options{DB: d, Orgs: manyOrgs{n: 10000}, Now: func() time.Time { return now }})
	tracked, queued, err := s.Schedule(ctx)
	if err != nil || tracked != 10000 {
		t.Fatalf("schedule: %d tracked, %d queued, %v", tracked, queued, err)
	}
	perHour := map[int]int{}
	rows, err := d.Query(ctx, `SELECT next_at FROM hygiene_orgs`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		perHour[int(at.Sub(now).Hours())]++
	}
	rows.Close()
	share := 10000.0 / 168
	busiest := 0
	for h, n := range perHour {
		if h < 0 || h >= 168 {
			t.Errorf("a slot %d hours ahead", h)
		}
		busiest = max(busiest, n)
	}
	if float64(busiest) > 1.6*share {
		t.Errorf("the busiest hour has %d runs, %.0f%% of its share of %.0f", busiest, 100*float64(busiest)/share, share)
	}
	total := 0
	for range 7 * 4 { // rounds six hours apart: each organisation's slot passes once
		now = now.Add(6 * time.Hour)
		_, q, err := s.Schedule(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total += q
	}
	if total != 10000 {
		t.Errorf("a week queued %d runs, want each organisation once", total)
	}
}

// BenchmarkSchedule brings the schedule of 10,000 organisations up to
// date with the directory and queues the ones due in an hour of the
// cycle (about 60 runs), on SQLite.
//
//	go test ./internal/hygiene -run '^$' -bench Schedule
func BenchmarkSchedule(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	s := hygiene.NewService(hygiene.Options{DB: d, Orgs: manyOrgs{n: 10000}, Now: func() time.Time { return now }})
	if _, _, err := s.Schedule(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		now = now.Add(time.Hour)
		if _, _, err := s.Schedule(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRollup reads the roll-up over 10,000 organisations in 10
// sectors with a year of weekly runs (520,000 runs) and 30,000 open
// findings: as the center's staff (monthly sums) and as one CERT (its
// 1,000 constituents' runs aggregated), on SQLite.
//
//	go test ./internal/hygiene -run '^$' -bench Rollup
func BenchmarkRollup(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	s := hygiene.NewService(hygiene.Options{DB: d, Orgs: manyOrgs{n: 10000}, Now: func() time.Time { return now }})
	sev := []string{"low", "medium", "high", "critical"}
	err := d.Write(ctx, func(tx *db.Tx) error {
		for i := range 10000 {
			o := manyOrgs{}.org(i)
			score := float64(50 + i%50)
			if _, err := tx.ExecRepeated(ctx, `INSERT INTO hygiene_orgs (org_id, sector, cert_org_id, next_at, checked_at, score) VALUES ($1, $2, $3, $4, $4, $5)`,
				o.ID, o.Sector, o.Parent(), now, score); err != nil {
				return err
			}
			for f := range 3 {
				if _, err := tx.ExecRepeated(ctx, `INSERT INTO hygiene_findings (id, org_id, sector, cert_org_id, check_id, target, severity, severity_rank, evidence,
					state, first_seen, last_seen, last_run_id) VALUES ($1, $2, $3, $4, 'dns.caa', $5, $6, $7, 'no CAA', 'open', $8, $8, 'r')`,
					db.NewID(), o.ID, o.Sector, o.Parent(), fmt.Sprint(f), sev[(i+f)%4], 1+(i+f)%4, now); err != nil {
					return err
				}
			}
			for w := range 52 {
				at := now.AddDate(0, 0, -7*w)
				if _, err := tx.ExecRepeated(ctx, `INSERT INTO hygiene_runs (id, org_id, sector, cert_org_id, trigger, state, score, created_at, finished_at, month)
					VALUES ($1, $2, $3, $4, 'schedule', 'done', $5, $6, $6, $7)`, db.NewID(), o.ID, o.Sector, o.Parent(), score, at, at.Format("2006-01")); err != nil {
					return err
				}
			}
		}
		for m := range 12 {
			month := now.AddDate(0, -m, 0).Format("2006-01")
			for _, cert := range []string{"", "cert0", "cert1", "cert2", "cert3", "cert4", "cert5", "cert6", "cert7", "cert8", "cert9"} {
				for _, sec := range []string{"", "sector0", "sector1", "sector2", "sector3", "sector4", "sector5", "sector6", "sector7", "sector8", "sector9"} {
					if _, err := tx.Exec(ctx, `INSERT INTO hygiene_months (cert_org_id, sector, month, total, runs) VALUES ($1, $2, $3, 300000, 4000)`,
						cert, sec, month); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	cert := &auth.Identity{User: auth.User{ID: "u", Email: "analyst@cert3.example"}, Memberships: []auth.Membership{{UserID: "u", OrgID: "cert3", Role: auth.RoleAnalyst}}}
	for _, c := range []struct {
		name string
		id   *auth.Identity
		orgs int
	}{{"staff", staff, 50}, {"cert", cert, 50}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				r, err := s.Rollup(ctx, c.id, "")
				if err != nil || len(r.Orgs) != c.orgs || len(r.Trend) == 0 {
					b.Fatalf("roll-up: %d organisations, %d trend points, %v", len(r.Orgs), len(r.Trend), err)
				}
			}
		})
	}
}
