package situation

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/settings"
)

// Sources answer each part of the picture as the reader may see it
// (wired in app over the domains).
type Sources interface {
	OpenIncidents(ctx context.Context, id *auth.Identity) ([]Incident, error)
	Hygiene(ctx context.Context, id *auth.Identity) (national *float64, sectors []SectorHygiene, months []string, err error)
	Anomalies(ctx context.Context, id *auth.Identity, since time.Time) ([]Anomaly, error)
	TopObservables(ctx context.Context, id *auth.Identity, limit int) ([]Observable, error)
	AwaitingAlerts(ctx context.Context, id *auth.Identity) ([]Alert, error)
	ActiveActors(ctx context.Context, id *auth.Identity, limit int) ([]Actor, error)
}

// Service composes the board.
type Service struct {
	db      *db.DB
	sources Sources
	now     func() time.Time
}

// NewService makes the service.
func NewService(d *db.DB, s Sources, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, sources: s, now: now}
}

// The settings that hold the threat level.
const (
	keyLevel  = "situation.level"
	keyReason = "situation.reason"
	keyBy     = "situation.set_by"
	keyAt     = "situation.set_at"
)

// ThreatLevel answers the level the center set (guarded, until it sets
// one).
func (s *Service) ThreatLevel(ctx context.Context) (Level, error) {
	m, err := settings.Prefixed(ctx, s.db, "situation.")
	if err != nil {
		return Level{}, err
	}
	l := Level{Level: 2, Reason: "No level has been set by the coordination center."}
	if n, err := strconv.Atoi(m[keyLevel]); err == nil && n >= 1 && n <= 5 {
		l.Level, l.Reason, l.SetBy = n, m[keyReason], m[keyBy]
		l.SetAt, _ = time.Parse(time.RFC3339, m[keyAt])
	}
	l.Name = Levels[l.Level]
	return l, nil
}

// SetThreatLevel records the national threat level (the center's staff).
func (s *Service) SetThreatLevel(ctx context.Context, id *auth.Identity, level int, reason string) (Level, error) {
	if id == nil {
		return Level{}, errs.Unauthenticated("sign in to set the threat level")
	}
	if !id.IsStaff() && !id.IsSystem() {
		return Level{}, errs.Forbidden("only the coordination center sets the national threat level")
	}
	var f errs.Fields
	if level < 1 || level > 5 {
		f.Add("level", "1 (low) to 5 (severe)")
	}
	reason = strings.TrimSpace(reason)
	f.Text("reason", reason, true, 1000)
	if err := f.Err(); err != nil {
		return Level{}, err
	}
	before, err := s.ThreatLevel(ctx)
	if err != nil {
		return Level{}, err
	}
	now := s.now().UTC()
	l := Level{Level: level, Name: Levels[level], Reason: reason, SetBy: id.Label(), SetAt: now}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		for k, v := range map[string]string{keyLevel: strconv.Itoa(level), keyReason: reason, keyBy: l.SetBy, keyAt: now.Format(time.RFC3339)} {
			if err := settings.Put(ctx, tx, k, v, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "situation.threat_level", ObjectType: "threat_level", ObjectID: "national",
			Summary: fmt.Sprintf("national threat level %s (was %s): %s", l.Name, before.Name, reason), Before: before, After: l})
	})
	return l, err
}

// Board answers the picture as id may see it.
func (s *Service) Board(ctx context.Context, id *auth.Identity) (Board, error) {
	if id == nil {
		return Board{}, errs.Unauthenticated("sign in to see the situation")
	}
	b := Board{At: s.now().UTC()}
	var err error
	if b.Level, err = s.ThreatLevel(ctx); err != nil {
		return b, err
	}
	incidents, err := s.sources.OpenIncidents(ctx, id)
	if err != nil {
		return b, err
	}
	by := map[string]*SectorIncidents{}
	for _, in := range incidents {
		sec := cmp.Or(in.Sector, "—")
		x := by[sec]
		if x == nil {
			x = &SectorIncidents{Sector: sec}
			by[sec] = x
		}
		switch in.Severity {
		case "critical":
			x.Critical++
			b.Critical = append(b.Critical, in)
		case "high":
			x.High++
		case "medium":
			x.Medium++
		default:
			x.Low++
		}
		x.Total++
		b.OpenTotal++
	}
	for _, x := range by {
		b.Incidents = append(b.Incidents, *x)
	}
	slices.SortFunc(b.Incidents, func(a, c SectorIncidents) int {
		return cmp.Or(cmp.Compare(c.Critical, a.Critical), cmp.Compare(c.Total, a.Total), cmp.Compare(a.Sector, c.Sector))
	})
	if b.National, b.Hygiene, b.Months, err = s.sources.Hygiene(ctx, id); err != nil {
		return b, err
	}
	if b.Anomalies, err = s.sources.Anomalies(ctx, id, b.At.Add(-24*time.Hour)); err != nil {
		return b, err
	}
	if b.Observables, err = s.sources.TopObservables(ctx, id, 10); err != nil {
		return b, err
	}
	if b.Alerts, err = s.sources.AwaitingAlerts(ctx, id); err != nil {
		return b, err
	}
	b.Actors, err = s.sources.ActiveActors(ctx, id, 6)
	return b, err
}
