package advisory

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// E-mail subscriptions to TLP:CLEAR publications, with double opt-in: a
// subscription mails nothing until its address has confirmed through the
// link it was sent, and every message carries an unsubscribe link. Tokens
// are stored as SHA-256 hashes. Mail goes through the job queue.

// Subscribe asks an address to confirm a subscription to the given kinds
// (none: all). It answers the same whether or not the address was already
// subscribed, so the form tells nobody who subscribes.
func (s *Service) Subscribe(ctx context.Context, ip, email string, kinds []string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	var f errs.Fields
	if !notify.ValidAddress(email) {
		f.Add("email", "an e-mail address such as soc@example.org")
	}
	for _, k := range kinds {
		if !Kind(k).valid() {
			f.Add("kinds", "unknown kind %q", k)
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	if ok, wait := s.subscribe.Allow(ctx, "ip:"+ip); !ok {
		return errs.RateLimited(wait, "too many subscriptions from your address: try again later")
	}
	if ok, wait := s.subscribe.Allow(ctx, "email:"+email); !ok {
		return errs.RateLimited(wait, "a confirmation was sent to this address recently")
	}
	slices.Sort(kinds)
	confirm, confirmHash := auth.NewLinkSecret()
	_, unsubHash := auth.NewLinkSecret() // replaced by every message; none is valid before the first
	now := s.now()
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		var id string
		err := tx.QueryRow(ctx, `SELECT id FROM advisory_subscriptions WHERE email = $1`, email).Scan(&id)
		switch {
		case errors.Is(err, db.ErrNoRows):
			id = db.NewID()
			_, err = tx.Exec(ctx, `INSERT INTO advisory_subscriptions (id, email, pending_kinds, confirm_hash, unsub_hash, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6)`, id, email, strings.Join(kinds, " "), confirmHash, unsubHash, now)
		case err == nil:
			// Asking again renews the confirmation; what is received changes
			// only when the address confirms, so nobody can change (or stop)
			// another person's subscription by asking in their name.
			_, err = tx.Exec(ctx, `UPDATE advisory_subscriptions SET confirm_hash = $2, pending_kinds = $3, updated_at = $4
				WHERE id = $1`, id, confirmHash, strings.Join(kinds, " "), now)
		}
		if err != nil {
			return fmt.Errorf("advisory: subscribe: %w", err)
		}
		what := "every publication"
		if len(kinds) > 0 {
			what = strings.Join(kinds, ", ") + " publications"
		}
		if err := s.outbox.Send(ctx, tx, notify.Mail{To: []string{email}, Tag: "advisory.subscribe",
			Subject: "Confirm your subscription to " + s.centerName,
			Text: fmt.Sprintf("Someone, hopefully you, asked to receive %s of %s by e-mail at this address.\n\n"+
				"To confirm, open:\n%s/subscribe/confirm?token=%s\n\nIf you did not ask for this, ignore this message: nothing will be sent.\n",
				what, s.centerName, s.baseURL, confirm)}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "subscription.request", ObjectType: "subscription", ObjectID: id,
			Summary: "subscription requested (confirmation sent)"})
	})
	if db.IsUniqueViolation(err) {
		return nil // the same address asked twice at once: the other request sent the link
	}
	return err
}

// Confirm confirms a subscription by the token mailed to it.
func (s *Service) Confirm(ctx context.Context, token string) error {
	return s.subscriptionChange(ctx, `confirm_hash = $1 AND confirm_hash <> ''`, token, "subscription.confirm",
		func(ctx context.Context, tx *db.Tx, id string, now time.Time) error {
			// The kinds asked for become the subscription's (none: every kind).
			var pending string
			if err := tx.QueryRow(ctx, `UPDATE advisory_subscriptions SET confirmed_at = $2, confirm_hash = '', updated_at = $2
				WHERE id = $1 RETURNING pending_kinds`, id, now).Scan(&pending); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM advisory_subscription_kinds WHERE subscription_id = $1`, id); err != nil {
				return err
			}
			for _, k := range strings.Fields(pending) {
				if _, err := tx.Exec(ctx, `INSERT INTO advisory_subscription_kinds (subscription_id, kind) VALUES ($1, $2)
					ON CONFLICT DO NOTHING`, id, k); err != nil {
					return err
				}
			}
			return nil
		})
}

// Unsubscribe ends a subscription by the token in every message.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	return s.subscriptionChange(ctx, `unsub_hash = $1`, token, "subscription.delete",
		func(ctx context.Context, tx *db.Tx, id string, _ time.Time) error {
			_, err := tx.Exec(ctx, `DELETE FROM advisory_subscriptions WHERE id = $1`, id)
			return err
		})
}

// subscriptionChange makes change to the subscription a mailed link's
// token names (where matches its hash), with its audit row.
func (s *Service) subscriptionChange(ctx context.Context, where, token, action string,
	change func(ctx context.Context, tx *db.Tx, id string, now time.Time) error) error {
	if token == "" {
		return errs.NotFound("this link is not valid (any more)")
	}
	now := s.now()
	return s.db.Write(ctx, func(tx *db.Tx) error {
		var id string
		err := tx.QueryRow(ctx, `SELECT id FROM advisory_subscriptions WHERE `+where, auth.HashSecret(token)).Scan(&id)
		if errors.Is(err, db.ErrNoRows) {
			return errs.NotFound("this link is not valid (any more)")
		}
		if err != nil {
			return err
		}
		if err := change(ctx, tx, id, now); err != nil {
			return fmt.Errorf("advisory: %s: %w", action, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: action, ObjectType: "subscription", ObjectID: id, Summary: action})
	})
}

// NotifyArgs is the job that mails a published revision to the subscribers.
type NotifyArgs struct {
	AdvisoryID string `json:"advisory_id"`
	Revision   int    `json:"revision"`
}

func (NotifyArgs) Kind() string { return "advisory.notify_subscribers" }

type notifyWorker struct {
	jobs.WorkerDefaults[NotifyArgs]
	s *Service
}

func (w *notifyWorker) Work(ctx context.Context, j *jobs.Job[NotifyArgs]) error {
	n, err := w.s.NotifySubscribers(ctx, j.Args.AdvisoryID, j.Args.Revision)
	if n > 0 {
		w.s.log.Info("publication mailed to subscribers", "advisory_id", j.Args.AdvisoryID, "revision", j.Args.Revision, "count", n)
	}
	return err
}

// notifySubscribers queues the mailing of a published TLP:CLEAR revision,
// in the publishing transaction: the mailing itself runs as a job, so a
// publication does not hold the database while thousands of messages are
// queued.
func (s *Service) notifySubscribers(ctx context.Context, tx *db.Tx, a Advisory, r Revision) error {
	if r.TLP != "CLEAR" || s.queue == nil {
		return nil
	}
	return s.queue.Enqueue(ctx, tx, NotifyArgs{AdvisoryID: a.ID, Revision: r.Number}, nil)
}

// subscriberBatch is how many subscribers one transaction mails.
const subscriberBatch = 200

// NotifySubscribers mails one published revision to every confirmed
// subscriber of its kind, one message each with its own unsubscribe link,
// in batches. Each subscription remembers the last revision it was sent,
// so a job that is retried after a failure does not mail anyone twice.
func (s *Service) NotifySubscribers(ctx context.Context, advisoryID string, revision int) (int, error) {
	var a Advisory
	var rev Revision
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		if a, err = getAdvisory(ctx, q, advisoryID); err != nil {
			return err
		}
		rev, err = getRevision(ctx, q, a.ID, revision)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("advisory: notify subscribers: %w", err)
	}
	if rev.TLP != "CLEAR" {
		return 0, nil
	}
	key := fmt.Sprintf("%s:%d", a.ID, revision)
	subject := fmt.Sprintf("[%s] %s", a.TrackingID, rev.Content.Title)
	if rev.Number > 1 {
		subject = fmt.Sprintf("[%s, revision %d] %s", a.TrackingID, rev.Number, rev.Content.Title)
	}
	sent := 0
	for {
		done := false
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			// Those who confirmed and want the kind (or every kind): the
			// kinds' index answers, and the others are never read.
			rows, err := tx.Query(ctx, `SELECT s.id, s.email FROM advisory_subscriptions s
				WHERE s.confirmed_at IS NOT NULL AND s.last_sent <> $1
				AND (s.id IN (SELECT k.subscription_id FROM advisory_subscription_kinds k WHERE k.kind = $2)
					OR NOT EXISTS (SELECT 1 FROM advisory_subscription_kinds k WHERE k.subscription_id = s.id))
				ORDER BY s.id LIMIT `+fmt.Sprint(subscriberBatch), key, string(a.Kind))
			if err != nil {
				return err
			}
			type sub struct{ id, email string }
			var subs []sub
			for rows.Next() {
				var x sub
				if err := rows.Scan(&x.id, &x.email); err != nil {
					rows.Close()
					return err
				}
				subs = append(subs, x)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			done = len(subs) < subscriberBatch
			for _, sb := range subs {
				// A fresh unsubscribe token per message: the stored hash is
				// replaced, so no token is ever kept in the clear.
				token, hash := auth.NewLinkSecret()
				if _, err := tx.Exec(ctx, `UPDATE advisory_subscriptions SET unsub_hash = $2, last_sent = $3 WHERE id = $1`,
					sb.id, hash, key); err != nil {
					return err
				}
				text := fmt.Sprintf("%s\n\n%s\n\nRead it: %s/advisories/%s\n", rev.Content.Title, rev.Content.Summary, s.baseURL,
					url.PathEscape(a.TrackingID))
				if rev.Number > 1 {
					text += "\nWhat changed: " + rev.Summary + "\n"
				}
				text += fmt.Sprintf("\n--\nYou receive this because you subscribed to %s publications.\nUnsubscribe: %s/subscribe/cancel?token=%s\n",
					s.centerName, s.baseURL, token)
				if err := s.outbox.Send(ctx, tx, notify.Mail{To: []string{sb.email}, Subject: subject, Text: text, Tag: "advisory.publish"}); err != nil {
					return err
				}
				sent++
			}
			return nil
		})
		if err != nil {
			return sent, fmt.Errorf("advisory: notify subscribers: %w", err)
		}
		if done {
			return sent, nil
		}
	}
}
