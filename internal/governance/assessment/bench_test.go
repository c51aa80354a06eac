package assessment_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/governance/assessment"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// BenchmarkMaturity rolls the national baseline up by sector and family
// over 2,000 constituents in 8 sectors, each assessed three times (the
// latest reported counts): 6,000 assessments and 96,000 verdicts, on
// SQLite. The rows are written straight to the tables.
//
//	go test ./internal/governance/assessment -run '^$' -bench Maturity
func BenchmarkMaturity(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s := assessment.NewService(assessment.Options{DB: d, Orgs: orgs{}, Now: func() time.Time { return start.AddDate(3, 0, 0) }})
	if _, err := s.Publish(ctx, staff, "national", []byte(baseline16)); err != nil {
		b.Fatal(err)
	}
	verdicts := []string{"met", "partial", "not_met", "met", "not_applicable"}
	err := d.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO orgs (id, name, name_key, kind, created_at, updated_at) VALUES ('lab', 'lab', 'lab', 'lab', $1, $1)`, start); err != nil {
			return err
		}
		for o := range 2000 {
			org := fmt.Sprintf("org%04d", o)
			if _, err := tx.ExecRepeated(ctx, `INSERT INTO orgs (id, name, name_key, kind, created_at, updated_at) VALUES ($1, $1, $1, 'constituent', $2, $2)`,
				org, start); err != nil {
				return err
			}
			for n := range 3 {
				id, at := db.NewID(), start.AddDate(n, 0, o%300)
				if _, err := tx.ExecRepeated(ctx, `INSERT INTO governance_assessments (id, number, org_id, sector, cert_org_id, assessor_org_id, baseline,
					baseline_version, scope, state, starts_on, reassess_months, next_due_on, reported_at, created_by, created_at, updated_at)
					VALUES ($1, $2, $3, $4, '', 'lab', 'national', 1, 'all', 'reported', $5, 12, $5, $6, 'bench', $6, $6)`,
					id, fmt.Sprintf("AS-%d-%05d", n, o), org, fmt.Sprintf("sector%d", o%8), at.Format("2006-01-02"), at); err != nil {
					return err
				}
				for c := range 16 {
					if _, err := tx.ExecRepeated(ctx, `INSERT INTO governance_assessment_results (assessment_id, requirement, verdict, severity, notes, updated_by, updated_at)
						VALUES ($1, $2, $3, '', 'seen', 'bench', $4)`, id, fmt.Sprintf("C-%02d", c+1), verdicts[(o+n+c)%len(verdicts)], at); err != nil {
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
	b.ResetTimer()
	for b.Loop() {
		m, err := s.Maturity(ctx, staff, "national")
		if err != nil || len(m.Rows) != 8*4 {
			b.Fatalf("maturity: %d rows, %v", len(m.Rows), err)
		}
	}
}

// baseline16 has 16 controls in 4 families.
var baseline16 = func() string {
	out := `{"title": "Bench baseline", "requirements": [`
	for c := range 16 {
		if c > 0 {
			out += ","
		}
		out += fmt.Sprintf(`{"id": "C-%02d", "family": "F%d", "title": "Control %d", "text": "Text.", "severity": "medium"}`, c+1, c/4, c+1)
	}
	return out + "]}"
}()
