package mailin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
)

// ErrInProgress answers a copy of a message another node is delivering
// at that moment: a temporary failure (4xx), so the sender tries again.
var ErrInProgress = errors.New("mailin: this message is being delivered; try again later")

// claimTimeout is how long a claim not marked done holds a message back
// from another delivery (its node stopped before delivering it).
const claimTimeout = 10 * time.Minute

// Once wraps deliver so that a message (by its Message-ID) reaches each
// recipient once, whichever node of the cluster the sending server gives
// it to, and however often: a copy of a message delivered already is
// answered with success and dropped, one that another node is delivering
// at that moment with a temporary failure (the sender tries again). A message without a Message-ID is
// always delivered. Claims are kept a week (Forget).
func Once(d *db.DB, now func() time.Time, log *slog.Logger, deliver Deliver) Deliver {
	return func(ctx context.Context, to string, m Message, ip string) error {
		if m.MessageID == "" {
			return deliver(ctx, to, m, ip)
		}
		t := now()
		var claimed int64
		err := d.Write(ctx, func(tx *db.Tx) error {
			var err error
			claimed, err = tx.Exec(ctx, `INSERT INTO mail_received (message_id, recipient, claimed_at) VALUES ($1, $2, $3)
				ON CONFLICT (message_id, recipient) DO UPDATE SET claimed_at = excluded.claimed_at
				WHERE mail_received.done_at IS NULL AND mail_received.claimed_at < $4`, m.MessageID, to, t, t.Add(-claimTimeout))
			return err
		})
		if err != nil {
			return fmt.Errorf("mailin: claim %s: %w", m.MessageID, err)
		}
		if claimed == 0 {
			var done *time.Time
			if err := d.QueryRow(ctx, `SELECT done_at FROM mail_received WHERE message_id = $1 AND recipient = $2`, m.MessageID, to).Scan(&done); err != nil {
				return fmt.Errorf("mailin: claim %s: %w", m.MessageID, err)
			}
			if done == nil {
				// Another node is delivering it right now: if that fails, this
				// copy must not have been answered with success.
				return ErrInProgress
			}
			log.Info("mailin: a message taken already, dropped", "message_id", m.MessageID, "to", to, "from", m.From, "ip", ip)
			return nil
		}
		if err := deliver(ctx, to, m, ip); err != nil {
			// Not delivered: the sender's next try (here or on another node)
			// delivers it.
			if _, derr := d.Exec(context.WithoutCancel(ctx), `DELETE FROM mail_received WHERE message_id = $1 AND recipient = $2 AND done_at IS NULL`,
				m.MessageID, to); derr != nil {
				log.Warn("mailin: claim not released", "message_id", m.MessageID, "err", derr)
			}
			return err
		}
		if _, err := d.Exec(context.WithoutCancel(ctx), `UPDATE mail_received SET done_at = $3 WHERE message_id = $1 AND recipient = $2`,
			m.MessageID, to, now()); err != nil {
			log.Warn("mailin: delivery not marked done", "message_id", m.MessageID, "err", err)
		}
		return nil
	}
}

// Forget deletes the claims older than a week (a sending server gives up
// retrying within days).
func Forget(ctx context.Context, d *db.DB, now time.Time) (int64, error) {
	return d.Exec(ctx, `DELETE FROM mail_received WHERE claimed_at < $1`, now.Add(-7*24*time.Hour))
}
