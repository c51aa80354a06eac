package app

import (
	"cmp"
	"context"
	"math"
	"time"

	"github.com/certhub/certhub/internal/coordination/incident"
	"github.com/certhub/certhub/internal/hygiene"
	"github.com/certhub/certhub/internal/intel/actors"
	"github.com/certhub/certhub/internal/intel/lookup"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/situation"
	"github.com/certhub/certhub/internal/telemetry"
)

// ActiveActors answers the threat actors active in the last 90 days the
// reader reads, most recently active first.
func (s situationSources) ActiveActors(ctx context.Context, id *auth.Identity, limit int) ([]situation.Actor, error) {
	list, err := s.c.Intel.ActorProfiles(ctx, id, actors.Filter{Family: actors.FamilyActor, Active: true, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]situation.Actor, 0, len(list.Items))
	for _, a := range list.Items {
		x := situation.Actor{ID: a.ID, Name: a.Name, Aliases: a.Aliases[:min(len(a.Aliases), 3)], Sectors: a.Sectors, Indicators: a.Indicators}
		if a.LastSeen != nil {
			x.LastSeen = *a.LastSeen
		}
		out = append(out, x)
	}
	return out, nil
}

// situationSources reads each part of the national picture from its
// domain, as the reader may.
type situationSources struct{ c *Core }

var situationSystem = auth.System("situation")

// OpenIncidents answers the active incidents the reader sees, each with
// the sector of the organisation that reported it (else of its owner).
func (s situationSources) OpenIncidents(ctx context.Context, id *auth.Identity) ([]situation.Incident, error) {
	list, _, err := s.c.Incidents.List(ctx, id, incident.Filter{Status: "active"}, 500, "")
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, x := range list {
		ids = append(ids, x.OwnerOrgID)
		if x.ReporterOrgID != nil {
			ids = append(ids, *x.ReporterOrgID)
		}
	}
	orgs, err := s.c.Directory.GetMany(ctx, situationSystem, ids)
	if err != nil {
		return nil, err
	}
	sector := map[string]string{}
	for _, o := range orgs {
		sector[o.ID] = o.Sector
	}
	out := make([]situation.Incident, 0, len(list))
	for _, x := range list {
		sec := sector[x.OwnerOrgID]
		if x.ReporterOrgID != nil && sector[*x.ReporterOrgID] != "" {
			sec = sector[*x.ReporterOrgID]
		}
		out = append(out, situation.Incident{ID: x.ID, Number: x.Number, Title: x.Title, Severity: x.Severity, Sector: sec, Org: cmp.Or(x.ReporterOrg, x.OwnerOrg)})
	}
	return out, nil
}

// Hygiene answers the mean scores by sector with the last six months.
func (s situationSources) Hygiene(ctx context.Context, id *auth.Identity) (*float64, []situation.SectorHygiene, []string, error) {
	ru, err := s.c.Hygiene.Rollup(ctx, id, "")
	if err != nil {
		return nil, nil, nil, err
	}
	months := hygiene.Months(s.c.Now())
	months = months[len(months)-6:]
	trend := map[string]map[string]float64{}
	for _, m := range ru.Trend {
		if trend[m.Sector] == nil {
			trend[m.Sector] = map[string]float64{}
		}
		trend[m.Sector][m.Month] = m.Score
	}
	var out []situation.SectorHygiene
	for _, sc := range ru.Sectors {
		if sc.Checked == 0 {
			continue
		}
		h := situation.SectorHygiene{Sector: sc.Sector, Score: sc.Score}
		var last []float64
		for _, m := range months {
			v, ok := trend[sc.Sector][m]
			if !ok {
				v = math.NaN()
			} else {
				last = append(last, v)
			}
			h.Trend = append(h.Trend, v)
		}
		if n := len(last); n >= 2 {
			h.Change = math.Round((last[n-1]-last[n-2])*10) / 10
		}
		out = append(out, h)
	}
	return ru.National, out, months, nil
}

// Anomalies answers the gateway anomalies since a time.
func (s situationSources) Anomalies(ctx context.Context, id *auth.Identity, since time.Time) ([]situation.Anomaly, error) {
	list, err := s.c.Telemetry.Anomalies(ctx, id, telemetry.AnomalyFilter{Since: since, Limit: 50})
	if err != nil {
		return nil, err
	}
	out := make([]situation.Anomaly, 0, len(list))
	for _, a := range list {
		out = append(out, situation.Anomaly{ID: a.ID, Kind: a.Kind, Org: a.Org, Gateway: a.Gateway, Hour: a.Hour, Detail: a.Detail})
	}
	return out, nil
}

// TopObservables answers the observables routed to constituents most
// sighted, among the latest the reader sees.
func (s situationSources) TopObservables(ctx context.Context, id *auth.Identity, limit int) ([]situation.Observable, error) {
	list, _, err := s.c.Intel.Lookup().Observables(ctx, id, lookup.ObservableFilter{Limit: limit, MostSighted: true})
	if err != nil {
		return nil, err
	}
	var out []situation.Observable
	for _, o := range list {
		x := situation.Observable{ID: o.ID, Type: string(o.Type), Value: o.Value, Sightings: o.Sightings}
		for _, r := range o.Constituents {
			x.Constituents = append(x.Constituents, r.Name)
		}
		out = append(out, x)
	}
	return out, nil
}

// AwaitingAlerts answers the latest alerts some recipient has not
// acknowledged.
func (s situationSources) AwaitingAlerts(ctx context.Context, id *auth.Identity) ([]situation.Alert, error) {
	list, _, err := s.c.Coordination.Alerts(ctx, id, 50, "")
	if err != nil {
		return nil, err
	}
	var out []situation.Alert
	for _, a := range list {
		if a.Counts.NoAnswer > 0 {
			out = append(out, situation.Alert{ID: a.ID, TrackingID: a.TrackingID, Title: a.Title, Recipients: a.Counts.Recipients,
				NoAnswer: a.Counts.NoAnswer, SentAt: a.CreatedAt})
		}
	}
	return out, nil
}
