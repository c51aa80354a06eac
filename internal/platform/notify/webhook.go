package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/seal"
)

// Webhook is an endpoint an organisation registered to receive events.
type Webhook struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"org_id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Delivery is the JSON body POSTed to a webhook.
type Delivery struct {
	ID        string          `json:"id"`
	Event     string          `json:"event"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// WebhookArgs is the job that delivers one event to one endpoint.
type WebhookArgs struct {
	WebhookID string `json:"webhook_id"`
	Event     string `json:"event"`
	Body      string `json:"body"`
}

func (WebhookArgs) Kind() string { return "notify.webhook" }

// Webhooks stores endpoints and sends deliveries.
type Webhooks struct {
	db           *db.DB
	q            *jobs.Queue
	key          *seal.Key
	now          func() time.Time
	client       *http.Client
	log          *slog.Logger
	allowPrivate bool
}

// NewWebhooks makes the webhook service and registers its delivery worker
// on q. Unless allowPrivate, deliveries go only to public addresses: an
// organisation's admin must not be able to make the server POST to its own
// loopback, the cloud metadata service or the center's internal network.
func NewWebhooks(d *db.DB, q *jobs.Queue, key *seal.Key, now func() time.Time, allowPrivate bool, log *slog.Logger) *Webhooks {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Webhooks{db: d, q: q, key: key, now: now, log: log, allowPrivate: allowPrivate, client: &http.Client{
		Timeout:   15 * time.Second,
		Transport: EgressTransport(allowPrivate),
		// A redirect could point a signed delivery somewhere the owner never registered.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	jobs.AddWorker(q, &webhookWorker{w: w})
	return w
}

// EgressTransport is the transport of the server's own outbound requests
// (webhooks, pulled intelligence feeds): unless allowPrivate it connects
// only to public addresses, checked on the address really dialled.
func EgressTransport(allowPrivate bool) *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		return checkDialAddress(address, allowPrivate)
	}}
	return &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 10 * time.Second, MaxIdleConnsPerHost: 2,
		ResponseHeaderTimeout: time.Minute}
}

// CheckPublicURL says what is wrong with rawURL as the address of an
// outbound request ("" when nothing): absolute http(s), no credentials in
// it, and unless allowPrivate not obviously private or loopback.
func CheckPublicURL(rawURL string, allowPrivate bool) string {
	u, err := url.Parse(rawURL)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		return "must be an absolute http:// or https:// URL"
	case u.Scheme != "https" && u.Scheme != "http":
		return "must use https (or http on a trusted network)"
	case u.User != nil:
		return "must not carry credentials; give them separately"
	case len(rawURL) > 2000:
		return "is longer than 2000 characters"
	case !allowPrivate && (strings.EqualFold(u.Hostname(), "localhost") || strings.HasSuffix(strings.ToLower(u.Hostname()), ".localhost")):
		return "must point at a public address, not this server"
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !allowPrivate && !publicAddr(ip.Unmap()) {
		return fmt.Sprintf("must point at a public address; %s is private, loopback or link-local", ip)
	}
	return ""
}

// checkDialAddress refuses connections to addresses that are not on the
// public internet. It runs after name resolution, on the address really
// dialled, so a public name pointing at a private address is caught too.
func checkDialAddress(address string, allowPrivate bool) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("unexpected dial address %q", address)
	}
	if !allowPrivate && !publicAddr(ip.Unmap()) {
		return fmt.Errorf("%s is not a public address (the server reaches private ones only with --webhook-allow-private)", ip)
	}
	return nil
}

var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

func publicAddr(ip netip.Addr) bool {
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !sharedAddressSpace.Contains(ip)
}

func (w *Webhooks) validate(rawURL string, events []string) error {
	var f errs.Fields
	if p := CheckPublicURL(rawURL, w.allowPrivate); p != "" {
		f.Add("url", "%s", p)
	}
	if len(events) == 0 {
		f.Add("events", "name at least one event, or * for all")
	}
	for i, e := range events {
		if e != "*" && !validEventName(e) {
			f.Add(fmt.Sprintf("events[%d]", i), "%q is not an event name (lower-case words joined by dots, e.g. org.updated)", e)
		}
	}
	return f.Err()
}

func validEventName(s string) bool {
	if s == "" || len(s) > 64 || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// Create registers an endpoint for orgID and returns it with its signing
// secret, which is shown this once and stored sealed.
func (w *Webhooks) Create(ctx context.Context, orgID, rawURL string, events []string) (Webhook, string, error) {
	if err := w.validate(rawURL, events); err != nil {
		return Webhook{}, "", err
	}
	now := w.now()
	// Events are a set, kept in order (as List reads them back).
	events = slices.Compact(slices.Sorted(slices.Values(events)))
	hook := Webhook{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, URL: rawURL, Events: events, Active: true, CreatedAt: now, UpdatedAt: now}
	secret := "whsec_" + randomID() + randomID()
	err := w.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO webhooks (id, org_id, url, secret, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, hook.ID, orgID, rawURL, w.key.Seal([]byte(secret)), true, now, now); err != nil {
			return fmt.Errorf("notify: create webhook: %w", err)
		}
		for _, e := range events {
			if _, err := tx.Exec(ctx, `INSERT INTO webhook_events (webhook_id, event) VALUES ($1, $2)`, hook.ID, e); err != nil {
				return fmt.Errorf("notify: create webhook: %w", err)
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "webhook.create", ObjectType: "webhook", ObjectID: hook.ID,
			OrgID: orgID, Summary: "registered webhook " + rawURL, After: hook})
	})
	if err != nil {
		return Webhook{}, "", err
	}
	return hook, secret, nil
}

// List returns orgID's endpoints.
func (w *Webhooks) List(ctx context.Context, orgID string) ([]Webhook, error) {
	var out []Webhook
	err := w.db.Read(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT id, org_id, url, active, created_at, updated_at
			FROM webhooks WHERE org_id = $1 ORDER BY created_at, id`, orgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		at := map[string]int{}
		for rows.Next() {
			h := Webhook{Events: []string{}}
			if err := rows.Scan(&h.ID, &h.OrgID, &h.URL, &h.Active, &h.CreatedAt, &h.UpdatedAt); err != nil {
				return err
			}
			at[h.ID] = len(out)
			out = append(out, h)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if len(out) == 0 {
			return nil
		}
		ev, err := q.Query(ctx, `SELECT e.webhook_id, e.event FROM webhook_events e JOIN webhooks w ON w.id = e.webhook_id
			WHERE w.org_id = $1 ORDER BY e.webhook_id, e.event`, orgID)
		if err != nil {
			return err
		}
		defer ev.Close()
		for ev.Next() {
			var id, e string
			if err := ev.Scan(&id, &e); err != nil {
				return err
			}
			if i, ok := at[id]; ok {
				out[i].Events = append(out[i].Events, e)
			}
		}
		return ev.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("notify: list webhooks: %w", err)
	}
	return out, nil
}

// Delete removes one of orgID's endpoints.
func (w *Webhooks) Delete(ctx context.Context, orgID, id string) error {
	return w.db.Write(ctx, func(tx *db.Tx) error {
		var url string
		err := tx.QueryRow(ctx, `DELETE FROM webhooks WHERE id = $1 AND org_id = $2 RETURNING url`, id, orgID).Scan(&url)
		if errors.Is(err, db.ErrNoRows) {
			return errs.NotFound("webhook not found")
		}
		if err != nil {
			return fmt.Errorf("notify: delete webhook: %w", err)
		}
		return audit.Record(ctx, tx, w.now(), audit.Event{Action: "webhook.delete", ObjectType: "webhook", ObjectID: id,
			OrgID: orgID, Summary: "removed webhook " + url})
	})
}

// DeleteOrgWebhooks removes every endpoint of orgID in tx: an
// organisation the directory deletes (webhooks name it by an opaque id).
func DeleteOrgWebhooks(ctx context.Context, tx *db.Tx, orgID string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM webhooks WHERE org_id = $1`, orgID); err != nil {
		return fmt.Errorf("notify: delete the organisation's webhooks: %w", err)
	}
	return nil
}

// Emit queues a delivery of event to every active endpoint of orgID that
// subscribed to it, inside tx.
func (w *Webhooks) Emit(ctx context.Context, tx *db.Tx, orgID, event string, data any) error {
	rows, err := tx.Query(ctx, `SELECT id FROM webhooks WHERE org_id = $1 AND active = TRUE
		AND id IN (SELECT webhook_id FROM webhook_events WHERE event IN ($2, '*')) ORDER BY id`, orgID, event)
	if err != nil {
		return fmt.Errorf("notify: emit %s: %w", event, err)
	}
	var targets []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("notify: emit %s: %w", event, err)
		}
		targets = append(targets, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("notify: emit %s: %w", event, err)
	}
	if len(targets) == 0 {
		return nil
	}
	payload, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("notify: emit %s: %w", event, err)
	}
	for _, id := range targets {
		body, _ := json.Marshal(Delivery{ID: uuid.Must(uuid.NewV7()).String(), Event: event, CreatedAt: w.now(), Data: payload})
		if err := w.q.Enqueue(ctx, tx, WebhookArgs{WebhookID: id, Event: event, Body: string(body)}, &jobs.InsertOpts{MaxAttempts: 10}); err != nil {
			return err
		}
	}
	return nil
}

// SignatureHeader is the header carrying a delivery's signature.
const SignatureHeader = "Certhub-Signature"

// Sign returns the signature header value for body at time t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a signature header against body, rejecting signatures older
// than tolerance (replays). Receivers of certhub webhooks do the same.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("malformed signature header")
	}
	at := time.Unix(sec, 0)
	if now.Sub(at) > tolerance || at.Sub(now) > tolerance {
		return errors.New("signature timestamp outside the tolerance")
	}
	want := Sign(secret, at, body)
	if !hmac.Equal([]byte(want), []byte("t="+ts+",v1="+sig)) {
		return errors.New("signature does not match")
	}
	return nil
}

type webhookWorker struct {
	jobs.WorkerDefaults[WebhookArgs]
	w *Webhooks
}

func (ww *webhookWorker) Work(ctx context.Context, j *jobs.Job[WebhookArgs]) error {
	w := ww.w
	var rawURL, sealed string
	var active bool
	err := w.db.QueryRow(ctx, `SELECT url, secret, active FROM webhooks WHERE id = $1`, j.Args.WebhookID).Scan(&rawURL, &sealed, &active)
	if errors.Is(err, db.ErrNoRows) || (err == nil && !active) {
		return jobs.Permanent(fmt.Errorf("webhook %s was removed or disabled", j.Args.WebhookID))
	}
	if err != nil {
		return fmt.Errorf("notify: load webhook: %w", err)
	}
	secret, err := w.key.Open(sealed)
	if err != nil {
		return jobs.Permanent(fmt.Errorf("notify: webhook %s secret: %w", j.Args.WebhookID, err))
	}
	body := []byte(j.Args.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return jobs.Permanent(fmt.Errorf("notify: webhook request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "certhub-webhook/1")
	req.Header.Set("Certhub-Event", j.Args.Event)
	var d Delivery
	_ = json.Unmarshal(body, &d)
	req.Header.Set("Certhub-Delivery", d.ID)
	req.Header.Set(SignatureHeader, Sign(string(secret), w.now(), body))
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("notify: deliver %s to %s: %w", j.Args.Event, rawURL, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("notify: deliver %s to %s: answered %s", j.Args.Event, rawURL, resp.Status)
	}
	w.log.Info("webhook delivered", "event", j.Args.Event, "webhook", j.Args.WebhookID, "status", resp.StatusCode)
	return nil
}
