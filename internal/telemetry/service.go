package telemetry

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// Orgs is what telemetry needs of the directory.
type Orgs interface {
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error)
	Members(ctx context.Context, id *auth.Identity, orgID string) ([]auth.Member, error)
}

// Indicator is what threat intelligence knows of an address.
type Indicator struct {
	Value        string
	ObservableID int64
	Sources      []string
}

// Indicators answers the addresses of values threat intelligence knows
// (intel's lookup, wired in app), and hears of the traffic with them a
// gateway saw: a sighting in intel.
type Indicators interface {
	Known(ctx context.Context, values []string) ([]Indicator, error)
	Sighted(ctx context.Context, sightings []Sighting) error
}

// Sighting is traffic with a known indicator seen at a gateway.
type Sighting struct {
	Value   string
	At      time.Time
	OrgID   string
	Gateway string
}

// Outbox sends mail in the transaction of the change it tells of.
type Outbox interface {
	Send(ctx context.Context, tx *db.Tx, m notify.Mail) error
}

// Options are the service's dependencies.
type Options struct {
	DB         *db.DB
	Orgs       Orgs
	Indicators Indicators
	Outbox     Outbox
	Now        func() time.Time
	Log        *slog.Logger
	// BaseURL is the server's public address for links in mail;
	// CenterName signs the mail.
	BaseURL, CenterName string
}

// Service keeps gateways, their traffic and anomalies.
type Service struct {
	db                  *db.DB
	orgs                Orgs
	indicators          Indicators
	outbox              Outbox
	queue               *jobs.Queue
	now                 func() time.Time
	log                 *slog.Logger
	baseURL, centerName string
}

// NewService makes the service.
func NewService(o Options) *Service {
	now, log := o.Now, o.Log
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: o.DB, orgs: o.Orgs, indicators: o.Indicators, outbox: o.Outbox, now: now, log: log,
		baseURL: strings.TrimRight(o.BaseURL, "/"), centerName: cmp.Or(o.CenterName, "The coordination center")}
}

var system = auth.System("telemetry")

func (s *Service) org(ctx context.Context, orgID string) (directory.Org, error) {
	return directory.One(ctx, s.orgs, system, orgID)
}

// hashToken is how an ingest token is stored.
func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// TokenPrefix starts every gateway's ingest token.
const TokenPrefix = "chgw_"

// RegisterGateway registers a gateway of an organisation and answers it
// with its ingest token (shown this once).
func (s *Service) RegisterGateway(ctx context.Context, id *auth.Identity, in GatewayInput) (Gateway, error) {
	rd, err := readerOf(id)
	if err != nil {
		return Gateway{}, err
	}
	var f errs.Fields
	in.Name = strings.TrimSpace(in.Name)
	f.Text("name", in.Name, true, 120)
	var o directory.Org
	if in.OrgID == "" {
		f.Add("org_id", "the organisation the gateway belongs to")
	} else if o, err = s.org(ctx, in.OrgID); err != nil || !rd.Reads(o.ID, o.Parent()) {
		f.Add("org_id", "no such organisation")
	}
	in.Exporter = strings.TrimSpace(in.Exporter)
	if in.Exporter != "" {
		if a, err := netip.ParseAddr(in.Exporter); err != nil {
			f.Add("exporter", "an IP address")
		} else {
			in.Exporter = a.Unmap().String()
		}
	}
	if err := f.Err(); err != nil {
		return Gateway{}, err
	}
	if !rd.registers(o.ID, o.Parent()) {
		return Gateway{}, errs.Forbidden("the organisation's administrators, its CERT's analysts and the center's staff register its gateways")
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.now().UTC()
	g := Gateway{ID: db.NewID(), OrgID: o.ID, Org: o.Name, Sector: o.Sector, CERTOrgID: o.Parent(), Name: in.Name, Exporter: in.Exporter, CreatedBy: id.Label(), CreatedAt: now,
		Token: token, Rejected: map[string]int{}}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if in.Exporter != "" {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM telemetry_gateways WHERE exporter = $1 AND revoked_at IS NULL`, in.Exporter).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errs.InvalidField("exporter", "another gateway exports from %s", in.Exporter)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO telemetry_gateways (id, org_id, sector, cert_org_id, name, exporter, token_hash, created_by, created_at, judged_until)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, g.ID, g.OrgID, g.Sector, g.CERTOrgID, g.Name, g.Exporter, hashToken(token), g.CreatedBy, now, 0); err != nil {
			return fmt.Errorf("telemetry: gateway: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "telemetry.gateway.register", ObjectType: "gateway", ObjectID: g.ID, OrgID: o.ID,
			Summary: fmt.Sprintf("registered gateway %q of %s", g.Name, o.Name)})
	})
	return g, err
}

// RevokeGateway stops a gateway's token; its traffic and anomalies stay.
func (s *Service) RevokeGateway(ctx context.Context, id *auth.Identity, gatewayID string) error {
	rd, err := readerOf(id)
	if err != nil {
		return err
	}
	g, err := s.gateway(ctx, rd, gatewayID)
	if err != nil {
		return err
	}
	if !rd.registers(g.OrgID, g.CERTOrgID) {
		return errs.Forbidden("the organisation's administrators, its CERT's analysts and the center's staff revoke its gateways")
	}
	now := s.now().UTC()
	return s.db.Write(ctx, func(tx *db.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE telemetry_gateways SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, g.ID, now)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.Conflict("the gateway was revoked already")
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "telemetry.gateway.revoke", ObjectType: "gateway", ObjectID: g.ID, OrgID: g.OrgID,
			Summary: fmt.Sprintf("revoked gateway %q", g.Name)})
	})
}

const gatewayColumns = `g.id, g.org_id, g.sector, g.cert_org_id, g.name, g.exporter, g.created_by, g.created_at, g.last_seen_at, g.revoked_at`

func scanGateway(r db.Row) (Gateway, error) {
	var g Gateway
	err := r.Scan(&g.ID, &g.OrgID, &g.Sector, &g.CERTOrgID, &g.Name, &g.Exporter, &g.CreatedBy, &g.CreatedAt, &g.LastSeenAt, &g.RevokedAt)
	return g, err
}

// gateway answers a gateway the reader reads (errs.NotFound otherwise).
func (s *Service) gateway(ctx context.Context, rd reader, gatewayID string) (Gateway, error) {
	var g Gateway
	err := s.db.Read(ctx, func(q db.Querier) (err error) {
		g, err = scanGateway(q.QueryRow(ctx, `SELECT `+gatewayColumns+` FROM telemetry_gateways g WHERE g.id = $1`, gatewayID))
		return err
	})
	if errors.Is(err, db.ErrNoRows) || (err == nil && !rd.Reads(g.OrgID, g.CERTOrgID)) {
		return Gateway{}, errs.NotFound("no such gateway")
	}
	return g, err
}

// Gateway answers one gateway with the lines refused in the last week.
func (s *Service) Gateway(ctx context.Context, id *auth.Identity, gatewayID string) (Gateway, error) {
	rd, err := readerOf(id)
	if err != nil {
		return Gateway{}, err
	}
	g, err := s.gateway(ctx, rd, gatewayID)
	if err != nil {
		return Gateway{}, err
	}
	g.Rejected = map[string]int{}
	err = s.db.Read(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT reason, SUM(lines) FROM telemetry_rejections WHERE gateway_id = $1 AND day >= $2 GROUP BY reason`,
			g.ID, s.now().UTC().AddDate(0, 0, -7).Format(time.DateOnly))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r string
			var n int
			if err := rows.Scan(&r, &n); err != nil {
				return err
			}
			g.Rejected[r] = n
		}
		return rows.Err()
	})
	if err != nil {
		return Gateway{}, err
	}
	names, err := directory.Names(ctx, s.orgs, system, []string{g.OrgID})
	g.Org = names[g.OrgID]
	return g, err
}

// Gateways answers the gateways the caller reads.
func (s *Service) Gateways(ctx context.Context, id *auth.Identity) ([]Gateway, error) {
	rd, err := readerOf(id)
	if err != nil {
		return nil, err
	}
	var list []Gateway
	err = s.db.Read(ctx, func(q db.Querier) (err error) {
		args := db.Args{}
		list, err = db.QueryAll(ctx, q, scanGateway, `SELECT `+gatewayColumns+` FROM telemetry_gateways g WHERE `+rd.Where(&args, "g")+
			` ORDER BY g.revoked_at IS NOT NULL, g.name LIMIT 1000`, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, g := range list {
		ids = append(ids, g.OrgID)
	}
	names, err := directory.Names(ctx, s.orgs, system, ids)
	for i := range list {
		list[i].Org, list[i].Rejected = names[list[i].OrgID], map[string]int{}
	}
	return list, err
}

// keep stores a gateway's summaries (its own or the collector's), marks
// it seen and has its hours judged, in tx; it answers how many were new.
func (s *Service) keep(ctx context.Context, tx *db.Tx, gw string, list []Summary, now time.Time) (int, error) {
	n, err := insertSummaries(ctx, tx, gw, list)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `UPDATE telemetry_gateways SET last_seen_at = $2 WHERE id = $1`, gw, now); err != nil {
		return 0, err
	}
	if n > 0 && s.queue != nil {
		err = s.queue.Enqueue(ctx, tx, DetectArgs{GatewayID: gw}, &jobs.InsertOpts{
			UniqueOpts: jobs.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}, ScheduledAt: now.Add(5 * time.Second)})
	}
	return n, err
}

// Ingest reads the JSON lines a gateway sends, authenticated by its token:
// each valid summary is kept, each refused line counted by reason, and
// the gateway's hours are judged by a job.
func (s *Service) Ingest(ctx context.Context, token string, body io.Reader) (IngestResult, error) {
	if !strings.HasPrefix(token, TokenPrefix) {
		return IngestResult{}, errs.Unauthenticated("a gateway's ingest token is required")
	}
	var g Gateway
	err := s.db.Read(ctx, func(q db.Querier) (err error) {
		g, err = scanGateway(q.QueryRow(ctx, `SELECT `+gatewayColumns+` FROM telemetry_gateways g WHERE g.token_hash = $1 AND g.revoked_at IS NULL`,
			hashToken(token)))
		return err
	})
	if errors.Is(err, db.ErrNoRows) {
		return IngestResult{}, errs.Unauthenticated("the ingest token is not a gateway's (or the gateway was revoked)")
	}
	if err != nil {
		return IngestResult{}, err
	}
	now := s.now().UTC()
	p, err := parseBody(body, now)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return IngestResult{}, err // the caller says how large a body may be
	}
	if err != nil {
		return IngestResult{}, errs.Invalid("the body could not be read: %v", err)
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		n, err := s.keep(ctx, tx, g.ID, p.list, now)
		if err != nil {
			return err
		}
		if dup := len(p.list) - n; dup > 0 {
			p.res.Rejected += dup
			p.res.Reasons[Duplicate] += dup
		}
		p.res.Accepted = n
		day := now.Format(time.DateOnly)
		for reason, lines := range p.res.Reasons {
			if _, err := tx.Exec(ctx, `INSERT INTO telemetry_rejections (gateway_id, day, reason, lines) VALUES ($1, $2, $3, $4)
				ON CONFLICT (gateway_id, day, reason) DO UPDATE SET lines = telemetry_rejections.lines + excluded.lines`, g.ID, day, reason, lines); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return IngestResult{}, err
	}
	return p.res, nil
}
