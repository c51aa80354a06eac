package telemetry

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/telemetry/detect"
)

// DetectArgs judges a gateway's hours that have ended since the last time.
type DetectArgs struct {
	GatewayID string `json:"gateway_id"`
}

// Kind names the job.
func (DetectArgs) Kind() string { return "telemetry.detect" }

type detectWorker struct {
	jobs.WorkerDefaults[DetectArgs]
	s *Service
}

func (w *detectWorker) Work(ctx context.Context, j *jobs.Job[DetectArgs]) error {
	_, err := w.s.Judge(ctx, j.Args.GatewayID)
	return err
}

type sweepArgs struct{}

func (sweepArgs) Kind() string { return "telemetry.sweep" }

type sweepWorker struct {
	jobs.WorkerDefaults[sweepArgs]
	s *Service
}

// Work judges every gateway whose last hour ended, so a gateway that went
// silent is judged too (its drop is an anomaly).
func (w *sweepWorker) Work(ctx context.Context, _ *jobs.Job[sweepArgs]) error {
	// Parts of flow sums left when every collector stopped.
	if err := w.s.MergeFlows(ctx, w.s.now().Add(-mergeGrace)); err != nil {
		return err
	}
	var ids []string
	err := w.s.db.Read(ctx, func(q db.Querier) (err error) {
		ids, err = db.QueryAll(ctx, q, func(r db.Row) (string, error) {
			var id string
			return id, r.Scan(&id)
		}, `SELECT id FROM telemetry_gateways WHERE revoked_at IS NULL AND judged_until < $1`, w.s.now().UTC().Unix()/3600)
		return err
	})
	for _, id := range ids {
		if err != nil {
			break
		}
		_, err = w.s.Judge(ctx, id)
	}
	return err
}

// Register adds the workers and the hourly sweep.
func (s *Service) Register(q *jobs.Queue) {
	s.queue = q
	jobs.AddWorker(q, &detectWorker{s: s})
	jobs.AddWorker(q, &sweepWorker{s: s})
	q.Every("telemetry.sweep", 15*time.Minute, func() jobs.Args { return sweepArgs{} })
}

// history is how far back baselines read.
const history = 8 * 7 * 24 // hours

// hourRow is a stored hour.
type hourRow struct {
	hour         int64
	in, out      int64
	ports, peers map[string]int64
}

func loadHours(ctx context.Context, q db.Querier, gw string, from, to int64) ([]hourRow, error) {
	return db.QueryAll(ctx, q, func(r db.Row) (hourRow, error) {
		var h hourRow
		var ports, peers string
		err := r.Scan(&h.hour, &h.in, &h.out, &ports, &peers)
		_ = json.Unmarshal([]byte(ports), &h.ports)
		_ = json.Unmarshal([]byte(peers), &h.peers)
		return h, err
	}, `SELECT hour, bytes_in, bytes_out, ports, peers FROM telemetry_hours WHERE gateway_id = $1 AND hour >= $2 AND hour < $3 ORDER BY hour`, gw, from, to)
}

// topPorts orders an hour's ports by bytes, the top five.
func topPorts(m map[string]int64) []int {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			if m[a] > m[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	var out []int
	for _, k := range keys[:min(5, len(keys))] {
		if p, err := strconv.Atoi(k); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func asHour(h hourRow) detect.Hour {
	return detect.Hour{At: time.Unix(h.hour*3600, 0).UTC(), BytesIn: float64(h.in), BytesOut: float64(h.out), Ports: topPorts(h.ports)}
}

// Judge judges a gateway's hours that ended since it was last judged
// (a silent hour counts as no traffic), records the anomalies found and
// tells the organisation and its CERT. It answers how many it found.
func (s *Service) Judge(ctx context.Context, gatewayID string) (int, error) {
	now := s.now().UTC().Unix() / 3600 // the hour under way is not judged
	var g Gateway
	var from int64
	var rows []hourRow
	dismissed := map[string]bool{}
	err := s.db.Read(ctx, func(q db.Querier) error {
		if err := q.QueryRow(ctx, `SELECT `+gatewayColumns+`, g.judged_until FROM telemetry_gateways g WHERE g.id = $1`, gatewayID).Scan(
			&g.ID, &g.OrgID, &g.Sector, &g.CERTOrgID, &g.Name, &g.Exporter, &g.CreatedBy, &g.CreatedAt, &g.LastSeenAt, &g.RevokedAt, &from); err != nil {
			return err
		}
		var err error
		if rows, err = loadHours(ctx, q, g.ID, from-history, now); err != nil {
			return err
		}
		week := now - 7*24
		list, err := db.QueryAll(ctx, q, func(r db.Row) (string, error) {
			var k, sub string
			err := r.Scan(&k, &sub)
			return k + "/" + sub, err
		}, `SELECT kind, subject FROM telemetry_anomalies WHERE gateway_id = $1 AND state = 'dismissed' AND hour >= $2`, g.ID, week)
		for _, k := range list {
			dismissed[k] = true
		}
		return err
	})
	if err != nil || from >= now {
		return 0, err
	}
	// Hours of the series before from are its history; from on, each hour
	// (silent ones as zero) is judged, then added.
	series := detect.NewSeries(nil)
	byHour := map[int64]hourRow{}
	first := int64(-1)
	for _, r := range rows {
		byHour[r.hour] = r
		if first < 0 {
			first = r.hour
		}
		if r.hour < from {
			series.Add(asHour(r))
		}
	}
	if first < 0 {
		return 0, s.judged(ctx, g.ID, now) // nothing ever came
	}
	var found []Anomaly
	var peers []string
	peerHour := map[string]int64{}
	for h := max(from, first); h < now; h++ {
		r, ok := byHour[h]
		if !ok {
			r = hourRow{hour: h}
		}
		x := asHour(r)
		for _, a := range series.Detect(x, detect.Options{}, dismissed) {
			subject := ""
			if a.Kind == detect.NewPort {
				subject = fmt.Sprint(int(a.Observed))
			}
			found = append(found, Anomaly{Kind: a.Kind, Hour: a.At, Subject: subject, Observed: a.Observed, Expected: a.Expected, Score: a.Score, Detail: a.Detail})
		}
		series.Add(x)
		for ip := range r.peers {
			if _, ok := peerHour[ip]; !ok {
				peers = append(peers, ip)
			}
			peerHour[ip] = h
		}
	}
	if s.indicators != nil && len(peers) > 0 {
		slices.Sort(peers)
		known, err := s.indicators.Known(ctx, peers)
		if err != nil {
			return 0, err
		}
		for _, k := range known {
			if dismissed[detect.Known+"/"+k.Value] {
				continue
			}
			id := k.ObservableID
			h := peerHour[k.Value]
			found = append(found, Anomaly{Kind: detect.Known, Hour: time.Unix(h*3600, 0).UTC(), Subject: k.Value, Observed: float64(byHour[h].peers[k.Value]),
				Score: 1, ObservableID: &id, Sources: strings.Join(k.Sources, ", "),
				Detail: fmt.Sprintf("traffic with %s, which threat intelligence knows (from %s)", k.Value, strings.Join(k.Sources, ", "))})
		}
	}
	return len(found), s.record(ctx, g, found, now)
}

func (s *Service) judged(ctx context.Context, gw string, until int64) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE telemetry_gateways SET judged_until = $2 WHERE id = $1 AND judged_until < $2`, gw, until)
		return err
	})
}

// record stores what Judge found, marks the hours judged and tells the
// organisation's members and its CERT's analysts.
func (s *Service) record(ctx context.Context, g Gateway, found []Anomaly, until int64) error {
	now := s.now().UTC()
	var to []string
	if len(found) > 0 {
		for _, org := range []string{g.OrgID, g.CERTOrgID} {
			if org == "" {
				continue
			}
			people, err := s.orgs.Members(ctx, system, org)
			if err != nil {
				return err
			}
			for _, e := range auth.Handlers(people) {
				if !slices.Contains(to, e) {
					to = append(to, e)
				}
			}
		}
	}
	var sighted []Sighting
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		sighted = sighted[:0]
		var lines []string
		added := 0
		for _, a := range found {
			n, err := tx.Exec(ctx, `INSERT INTO telemetry_anomalies (id, gateway_id, org_id, sector, cert_org_id, kind, hour, subject, observed, expected, score,
				detail, observable_id, sources, state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'open', $15)
				ON CONFLICT (gateway_id, kind, hour, subject) DO NOTHING`,
				db.NewID(), g.ID, g.OrgID, g.Sector, g.CERTOrgID, a.Kind, a.Hour.Unix()/3600, a.Subject, a.Observed, a.Expected, a.Score, a.Detail,
				a.ObservableID, a.Sources, now)
			if err != nil {
				return fmt.Errorf("telemetry: anomaly: %w", err)
			}
			if n > 0 && a.Kind == detect.Known {
				sighted = append(sighted, Sighting{Value: a.Subject, At: a.Hour, OrgID: g.OrgID, Gateway: g.Name})
			}
			if n > 0 {
				added++
				lines = append(lines, fmt.Sprintf("- %s %s: %s", a.Hour.Format("2006-01-02 15:00 UTC"), strings.ReplaceAll(a.Kind, "_", " "), a.Detail))
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE telemetry_gateways SET judged_until = $2 WHERE id = $1 AND judged_until < $2`, g.ID, until); err != nil {
			return err
		}
		if added == 0 {
			return nil
		}
		if s.outbox != nil && len(to) > 0 {
			body := fmt.Sprintf("Traffic at the gateway %q was unusual:\n\n%s\n\nSee %s/console/telemetry/gateways/%s to acknowledge or dismiss.\n\n-- \n%s\n",
				g.Name, strings.Join(lines, "\n"), s.baseURL, g.ID, s.centerName)
			if err := s.outbox.Send(ctx, tx, notify.Mail{To: to, Tag: "telemetry.anomaly", Subject: fmt.Sprintf("%d traffic anomalies at %s", added, g.Name),
				Text: body}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "telemetry.anomalies", ObjectType: "gateway", ObjectID: g.ID, OrgID: g.OrgID,
			Summary: fmt.Sprintf("%d traffic anomalies at gateway %q", added, g.Name)})
	})
	if err != nil || len(sighted) == 0 || s.indicators == nil {
		return err
	}
	// Intel hears of each new one after the anomaly is stored (its write
	// is not this transaction's); a failure loses the sighting, never
	// the anomaly.
	if err := s.indicators.Sighted(ctx, sighted); err != nil {
		s.log.Error("telemetry: sightings not recorded in threat intelligence", "gateway", g.ID, "err", err)
	}
	return nil
}
