package reporting_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/governance/reporting"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// manyOrgs names any organisation, for the benchmark's fifty CERTs.
type manyOrgs struct{ orgs }

func (manyOrgs) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	out := make([]directory.Org, len(ids))
	for i, id := range ids {
		out[i] = directory.Org{ID: id, Name: "CERT " + id, Kind: directory.KindSectoralCERT}
	}
	return out, nil
}

// BenchmarkRollup reads the National CERT's roll-up over 50 CERTs and
// three years of monthly reports (1,800 reports), on SQLite: issue 18
// asks for under 200 ms. The reports are written straight to the table.
//
//	go test ./internal/governance/reporting -run '^$' -bench Rollup
func BenchmarkRollup(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	err := d.Write(ctx, func(tx *db.Tx) error {
		for c := range 50 {
			org := fmt.Sprintf("cert%02d", c)
			if _, err := tx.Exec(ctx, `INSERT INTO orgs (id, name, name_key, kind, created_at, updated_at) VALUES ($1, $1, $1, 'sectoral_cert', $2, $2)`, org, start); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO governance_report_schedules (org_id, frequency, due_days, since, created_by, created_at, updated_at)
				VALUES ($1, 'monthly', 10, '2024-01-01', 'bench', $2, $2)`, org, start); err != nil {
				return err
			}
			for m := range 36 {
				if (c+m)%17 == 0 {
					continue // a few never sent
				}
				p := start.AddDate(0, m, 0)
				if _, err := tx.ExecRepeated(ctx, `INSERT INTO governance_reports (id, org_id, period, period_start, period_end, status, incidents,
					incidents_critical, deadlines_due, deadlines_met, vuln_reports, alerts_delivered, alerts_acknowledged, people_trained, assembled_at, created_at, updated_at)
					VALUES ($1, $2, $3, $4, $5, 'accepted', $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $14)`,
					db.NewID(), org, p.Format("2006-01"), p.Format("2006-01-02"), p.AddDate(0, 1, 0).Format("2006-01-02"), 20+c+m, c%3, 10, 8, m%5, 12, 10, 3, p); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	s := reporting.NewService(reporting.Options{DB: d, Orgs: manyOrgs{}, Records: &records{}, Now: func() time.Time { return start.AddDate(3, 0, 15) }})
	for b.Loop() {
		ru, err := s.Rollup(ctx, staff, start, start.AddDate(3, 0, 0))
		if err != nil || len(ru.Rows) != 50 || len(ru.Periods) != 36 || len(ru.Missing) == 0 {
			b.Fatal(len(ru.Rows), len(ru.Periods), err)
		}
	}
}
