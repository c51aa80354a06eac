package telemetry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/telemetry/detect"
)

const anomalyColumns = `a.id, a.gateway_id, g.name, a.org_id, a.sector, a.cert_org_id, a.kind, a.hour, a.subject, a.observed, a.expected, a.score, a.detail,
	a.observable_id, a.sources, a.state, a.note, a.decided_by, a.decided_at, a.created_at`

func scanAnomaly(r db.Row) (Anomaly, error) {
	var a Anomaly
	var hour int64
	err := r.Scan(&a.ID, &a.GatewayID, &a.Gateway, &a.OrgID, &a.Sector, &a.CERTOrgID, &a.Kind, &hour, &a.Subject, &a.Observed, &a.Expected, &a.Score,
		&a.Detail, &a.ObservableID, &a.Sources, &a.State, &a.Note, &a.DecidedBy, &a.DecidedAt, &a.CreatedAt)
	a.Hour = time.Unix(hour*3600, 0).UTC()
	return a, err
}

func (s *Service) names(ctx context.Context, list []Anomaly) error {
	var ids []string
	for _, a := range list {
		ids = append(ids, a.OrgID)
	}
	names, err := directory.Names(ctx, s.orgs, system, ids)
	for i := range list {
		list[i].Org = names[list[i].OrgID]
	}
	return err
}

// Anomalies answers the anomalies the caller reads, the latest first.
func (s *Service) Anomalies(ctx context.Context, id *auth.Identity, f AnomalyFilter) ([]Anomaly, error) {
	rd, err := readerOf(id)
	if err != nil {
		return nil, err
	}
	if f.Kind != "" && !slices.Contains(detect.Kinds, f.Kind) {
		return nil, errs.InvalidField("kind", "one of %s", strings.Join(detect.Kinds, ", "))
	}
	if f.State != "" && !slices.Contains([]string{Open, Acknowledged, Dismissed}, f.State) {
		return nil, errs.InvalidField("state", "one of open, acknowledged, dismissed")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	args := db.Args{}
	where := rd.Where(&args, "a")
	if f.OrgID != "" {
		where += " AND a.org_id = " + args.Add(f.OrgID)
	}
	if f.GatewayID != "" {
		where += " AND a.gateway_id = " + args.Add(f.GatewayID)
	}
	if f.Kind != "" {
		where += " AND a.kind = " + args.Add(f.Kind)
	}
	if f.State != "" {
		where += " AND a.state = " + args.Add(f.State)
	}
	if !f.Since.IsZero() {
		where += " AND a.hour >= " + args.Add(f.Since.Unix()/3600)
	}
	var list []Anomaly
	err = s.db.Read(ctx, func(q db.Querier) (err error) {
		list, err = db.QueryAll(ctx, q, scanAnomaly, `SELECT `+anomalyColumns+` FROM telemetry_anomalies a JOIN telemetry_gateways g ON g.id = a.gateway_id
			WHERE `+where+fmt.Sprintf(` ORDER BY a.hour DESC, a.kind LIMIT %d`, f.Limit), args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return list, s.names(ctx, list)
}

// Anomaly answers one anomaly and its gateway's hourly traffic from two
// days before to a day after it.
func (s *Service) Anomaly(ctx context.Context, id *auth.Identity, anomalyID string) (Anomaly, []Point, error) {
	rd, err := readerOf(id)
	if err != nil {
		return Anomaly{}, nil, err
	}
	var a Anomaly
	var pts []Point
	err = s.db.Read(ctx, func(q db.Querier) error {
		a, err = scanAnomaly(q.QueryRow(ctx, `SELECT `+anomalyColumns+` FROM telemetry_anomalies a JOIN telemetry_gateways g ON g.id = a.gateway_id
			WHERE a.id = $1`, anomalyID))
		if errors.Is(err, db.ErrNoRows) || (err == nil && !rd.Reads(a.OrgID, a.CERTOrgID)) {
			return errs.NotFound("no such anomaly")
		}
		if err != nil {
			return err
		}
		h := a.Hour.Unix() / 3600
		pts, err = series(ctx, q, a.GatewayID, h-48, h+25)
		return err
	})
	if err != nil {
		return Anomaly{}, nil, err
	}
	list := []Anomaly{a}
	err = s.names(ctx, list)
	return list[0], pts, err
}

// series answers a gateway's hours [from, to), silent hours as zero.
func series(ctx context.Context, q db.Querier, gw string, from, to int64) ([]Point, error) {
	rows, err := loadHours(ctx, q, gw, from, to)
	if err != nil {
		return nil, err
	}
	byHour := map[int64]hourRow{}
	for _, r := range rows {
		byHour[r.hour] = r
	}
	out := make([]Point, 0, to-from)
	for h := from; h < to; h++ {
		r := byHour[h]
		out = append(out, Point{Hour: time.Unix(h*3600, 0).UTC(), BytesIn: r.in, BytesOut: r.out})
	}
	return out, nil
}

// Series answers a gateway's hourly traffic over the last days.
func (s *Service) Series(ctx context.Context, id *auth.Identity, gatewayID string, days int) ([]Point, error) {
	rd, err := readerOf(id)
	if err != nil {
		return nil, err
	}
	g, err := s.gateway(ctx, rd, gatewayID)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Unix()/3600 + 1
	var pts []Point
	err = s.db.Read(ctx, func(q db.Querier) (err error) { pts, err = series(ctx, q, g.ID, now-int64(days)*24, now); return err })
	return pts, err
}

// Decide records what the organisation or its CERT made of an anomaly: a
// dismissed pattern (the same kind, or the same port or address) is not
// raised again at the gateway for a week.
func (s *Service) Decide(ctx context.Context, id *auth.Identity, anomalyID string, d Decision) (Anomaly, error) {
	rd, err := readerOf(id)
	if err != nil {
		return Anomaly{}, err
	}
	a, _, err := s.Anomaly(ctx, id, anomalyID)
	if err != nil {
		return Anomaly{}, err
	}
	var f errs.Fields
	if d.State != Acknowledged && d.State != Dismissed {
		f.Add("state", "acknowledged or dismissed")
	}
	d.Note = strings.TrimSpace(d.Note)
	f.Text("note", d.Note, d.State == Dismissed, 2000)
	if err := f.Err(); err != nil {
		return Anomaly{}, err
	}
	if !rd.decides(a.OrgID, a.CERTOrgID) {
		return Anomaly{}, errs.Forbidden("the organisation's members, its CERT's analysts and the center's staff decide on its anomalies")
	}
	now := s.now().UTC()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE telemetry_anomalies SET state = $2, note = $3, decided_by = $4, decided_at = $5 WHERE id = $1`,
			a.ID, d.State, d.Note, id.Label(), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "telemetry.anomaly." + d.State, ObjectType: "anomaly", ObjectID: a.ID, OrgID: a.OrgID,
			Summary: fmt.Sprintf("%s the %s at %q on %s", d.State, strings.ReplaceAll(a.Kind, "_", " "), a.Gateway, a.Hour.Format("2006-01-02 15:00"))})
	})
	a.State, a.Note, a.DecidedBy, a.DecidedAt = d.State, d.Note, id.Label(), &now
	return a, err
}
