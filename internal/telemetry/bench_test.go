package telemetry_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/telemetry"
)

// BenchmarkIngest sends batches of 10,000 one-minute summaries (each with
// five top ports and two peers), each batch from a gateway of its own, on
// SQLite: parsed, checked, stored, added to the hourly sums. It reports
// summaries a second.
//
//	go test ./internal/telemetry -run '^$' -bench Ingest
func BenchmarkIngest(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	s := telemetry.NewService(telemetry.Options{DB: d, Orgs: orgs{}, Now: func() time.Time { return now }})
	admin := &auth.Identity{User: auth.User{ID: "a", Email: "a@bank.example"}, Memberships: []auth.Membership{{UserID: "a", OrgID: "bank", Role: auth.RoleAdmin}}}
	const batch = 10000
	var sb strings.Builder
	from := now.Add(-20 * 24 * time.Hour)
	for i := range batch {
		at := from.Add(time.Duration(i) * time.Minute)
		sb.WriteString(strings.Replace(line(at, 50_000_000, 8_000_000, []int{443, 80, 53, 25, 993}, "198.51.100.7", "203.0.113.9"),
			`"interval_seconds":3600`, `"interval_seconds":60`, 1))
		sb.WriteByte('\n')
	}
	body := sb.String()
	total := 0
	for b.Loop() {
		b.StopTimer()
		g, err := s.RegisterGateway(ctx, admin, telemetry.GatewayInput{OrgID: "bank", Name: "edge"}) // each batch a gateway of its own
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := s.Ingest(ctx, g.Token, strings.NewReader(body))
		if err != nil || res.Accepted != batch {
			b.Fatalf("ingest: %d accepted, %v (%v)", res.Accepted, err, res.Errors)
		}
		total += batch
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "summaries/s")
}
