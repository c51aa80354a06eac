package incident_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/coordination/incident"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// BenchmarkIncidentQueue reads a filtered page of the incident queue out
// of 100,000 incidents on SQLite, as the center (every incident) and as a
// sectoral CERT (its own and those it is involved in): issue 17 asks for
// a page in under 100 ms. The incidents are written straight to the
// table, spread over a year, over four CERTs, every class, severity and
// status; one in ten involves a second CERT.
//
//	go test ./internal/coordination/incident -run '^$' -bench IncidentQueue
func BenchmarkIncidentQueue(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	f := setup(b, d)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	owners := []string{"bankcert", "telcocert", "ncert", "cc"}
	reporters := []string{"bank1", "bank2", "telco"}
	classes := [][2]string{{"fraud", "phishing"}, {"availability", "ddos"}, {"malicious-code", "infected-system"}, {"intrusions", "system-compromise"}, {"other", "undetermined"}}
	const n = 100_000
	err := d.Write(ctx, func(tx *db.Tx) error {
		for i := range n {
			at := start.Add(time.Duration(i) * 5 * time.Minute)
			owner, reporter, cl := owners[i%len(owners)], reporters[i%len(reporters)], classes[i%len(classes)]
			status := incident.Statuses[i%len(incident.Statuses)]
			var due *time.Time
			if status != incident.StatusClosed {
				t := at.Add(24 * time.Hour)
				due = &t
			}
			if _, err := tx.ExecRepeated(ctx, `INSERT INTO coordination_incidents (id, number, title, rsit_class, rsit_type, severity, tlp, status,
				channel, reporter_org_id, owner_org_id, regimes, reported_at, next_due_at, alarm_at, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, 'AMBER', $7, 'api', $8, $9, '["first-response"]', $10, $11, $11, $10, $10)`,
				db.NewID(), fmt.Sprintf("INC-B-%06d", i), fmt.Sprintf("Incident %d", i), cl[0], cl[1], incident.Severities[i%4], status,
				reporter, owner, at, due); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO coordination_incident_certs (incident_id, org_id, reason, added_at)
			SELECT id, 'bankcert', 'involved', created_at FROM coordination_incidents WHERE owner_org_id <> 'bankcert' AND CAST(SUBSTR(number, 7) AS INTEGER) % 10 = 0`)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := d.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	*f.now = start.Add(n * 5 * time.Minute)
	cert := member(auth.RoleAnalyst, "bankcert")
	for _, c := range []struct {
		name string
		id   *auth.Identity
		f    incident.Filter
	}{
		{"center/active-high", staff, incident.Filter{Status: "active", Severity: "high"}},
		{"center/due", staff, incident.Filter{Sort: "due"}},
		{"center/search", staff, incident.Filter{Query: "incident 9999"}},
		{"cert/active", cert, incident.Filter{Status: "active"}},
		{"cert/overdue-phishing", cert, incident.Filter{Overdue: true, Class: "fraud"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				list, _, err := f.s.List(ctx, c.id, c.f, 50, "")
				if err != nil || len(list) == 0 {
					b.Fatal(len(list), err)
				}
			}
		})
	}
}
