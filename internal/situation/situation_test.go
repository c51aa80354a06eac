package situation_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/situation"
)

type sources struct{}

func (sources) OpenIncidents(context.Context, *auth.Identity) ([]situation.Incident, error) {
	return []situation.Incident{{ID: "1", Severity: "critical", Sector: "banking"}, {ID: "2", Severity: "high", Sector: "banking"},
		{ID: "3", Severity: "low", Sector: "energy"}, {ID: "4", Severity: "medium"}}, nil
}

func (sources) Hygiene(context.Context, *auth.Identity) (*float64, []situation.SectorHygiene, []string, error) {
	n := 81.5
	return &n, []situation.SectorHygiene{{Sector: "banking", Score: 88, Trend: []float64{math.NaN(), 80, 88}}}, []string{"2026-10", "2026-11", "2026-12"}, nil
}

func (sources) Anomalies(_ context.Context, _ *auth.Identity, since time.Time) ([]situation.Anomaly, error) {
	return []situation.Anomaly{{ID: "a", Kind: "spike_in", Hour: since.Add(time.Hour)}}, nil
}

func (sources) TopObservables(context.Context, *auth.Identity, int) ([]situation.Observable, error) {
	return []situation.Observable{{ID: 7, Value: "192.0.2.200", Sightings: 3}}, nil
}

func (sources) AwaitingAlerts(context.Context, *auth.Identity) ([]situation.Alert, error) {
	return []situation.Alert{{ID: "x", Recipients: 5, NoAnswer: 2}}, nil
}

func (sources) ActiveActors(context.Context, *auth.Identity, int) ([]situation.Actor, error) {
	return []situation.Actor{{ID: "a", Name: "Indus Viper"}}, nil
}

// TestBoard: the board counts open incidents by sector and severity (the
// worst sector first), carries every part; the threat level starts
// guarded, is set by staff only, with a reason, and audited.
func TestBoard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		s := situation.NewService(d, sources{}, func() time.Time { return now })
		analyst := &auth.Identity{User: auth.User{ID: "u", Email: "analyst@cert.example"}, Memberships: []auth.Membership{{UserID: "u", OrgID: "cert", Role: auth.RoleAnalyst}}}
		staff := &auth.Identity{User: auth.User{ID: "s", Email: "coordinator@cc.example", PlatformRole: auth.PlatformCoordinator}}
		if _, err := s.Board(ctx, nil); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Errorf("an anonymous board: %v", err)
		}
		b, err := s.Board(ctx, analyst)
		if err != nil {
			t.Fatal(err)
		}
		if b.Level.Level != 2 || b.Level.Name != "guarded" {
			t.Errorf("the first level: %+v", b.Level)
		}
		if b.OpenTotal != 4 || len(b.Incidents) != 3 || b.Incidents[0].Sector != "banking" || b.Incidents[0].Critical != 1 || b.Incidents[0].High != 1 {
			t.Errorf("incidents: %+v", b.Incidents)
		}
		if len(b.Critical) != 1 || len(b.Anomalies) != 1 || len(b.Observables) != 1 || len(b.Alerts) != 1 || b.National == nil || len(b.Hygiene) != 1 {
			t.Errorf("board: %+v", b)
		}
		if _, err := s.SetThreatLevel(ctx, analyst, 4, "a campaign"); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("an analyst set the level: %v", err)
		}
		if _, err := s.SetThreatLevel(ctx, staff, 6, ""); !errs.HasField(err, "level") || !errs.HasField(err, "reason") {
			t.Errorf("a bad level: %v", err)
		}
		if _, err := s.SetThreatLevel(ctx, staff, 4, "Ransomware campaign against the banks"); err != nil {
			t.Fatal(err)
		}
		b, _ = s.Board(ctx, analyst)
		if b.Level.Level != 4 || b.Level.Name != "high" || b.Level.SetBy != "coordinator@cc.example" || !b.Level.SetAt.Equal(now) {
			t.Errorf("the level set: %+v", b.Level)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'situation.threat_level'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("audited %d times (%v)", n, err)
		}
	})
}

func TestSpark(t *testing.T) {
	if got := situation.Spark([]float64{math.NaN(), 80, 90}); got != "50,22 100,2" {
		t.Errorf("spark %q", got)
	}
	if got := situation.Spark([]float64{90, 90}); got != "0,12 100,12" {
		t.Errorf("a flat spark %q", got)
	}
}
