package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// One-time links.
const (
	linkInvite = "invite"
	linkReset  = "reset"
)

var linkLifetime = map[string]time.Duration{linkInvite: 72 * time.Hour, linkReset: time.Hour}

func (s *Service) sendLink(ctx context.Context, tx *db.Tx, u User, purpose string) error {
	raw, hash := NewLinkSecret()
	now := s.now()
	if _, err := tx.Exec(ctx, `INSERT INTO user_links (hash, user_id, purpose, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)`,
		hash, u.ID, purpose, now.Add(linkLifetime[purpose]), now); err != nil {
		return fmt.Errorf("auth: issue link: %w", err)
	}
	link := s.baseURL + "/account/password?token=" + url.QueryEscape(raw)
	var m notify.Mail
	switch purpose {
	case linkInvite:
		m = notify.Mail{Subject: "Your account at " + s.issuer, Tag: "user.invite", Text: fmt.Sprintf(
			"Hello %s,\n\nan account was created for you at %s.\nChoose your password here (the link works once, for 72 hours):\n\n%s\n\nIf you did not expect this message, ignore it.\n",
			u.Name, s.issuer, link)}
	default:
		m = notify.Mail{Subject: "Reset your password at " + s.issuer, Tag: "user.reset", Text: fmt.Sprintf(
			"Hello %s,\n\nsomeone (probably you) asked to reset your password at %s.\nChoose a new password here (the link works once, for one hour):\n\n%s\n\nIf you did not ask for this, ignore this message; your password stays as it is.\n",
			u.Name, s.issuer, link)}
	}
	m.To = []string{u.Email}
	if err := s.outbox.Send(ctx, tx, m); err != nil {
		return err
	}
	return audit.Record(ctx, tx, now, audit.Event{Action: "user.link." + purpose, ObjectType: "user", ObjectID: u.ID,
		Summary: "sent a " + purpose + " link to " + u.Email})
}

// SendInvite e-mails userID a link to choose a password.
func (s *Service) SendInvite(ctx context.Context, userID string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "id = $1", userID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return errs.Conflict("the user is disabled")
		}
		return s.sendLink(ctx, tx, u, linkInvite)
	})
}

// RequestReset e-mails a reset link to the address if it belongs to an
// enabled account. The answer is the same either way, so it reveals nothing.
func (s *Service) RequestReset(ctx context.Context, email, ip string) error {
	if ok, wait := s.resetIPs.Allow(ctx, ip); !ok {
		return errs.RateLimited(wait, "too many requests from your address; wait %d seconds", wait)
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "email = $1", NormalizeEmail(email))
		if errs.KindOf(err) == errs.KindNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if u.Disabled {
			return nil
		}
		return s.sendLink(audit.WithActor(ctx, audit.Actor{Email: "system: password reset", IP: ip}), tx, u, linkReset)
	})
}

func (s *Service) linkUser(ctx context.Context, q db.Querier, raw string) (User, string, error) {
	bad := errs.NotFound("this link is not valid: it was used, replaced or has expired; ask for a new one")
	if raw == "" || len(raw) > 100 {
		return User{}, "", bad
	}
	var userID, purpose string
	var expires time.Time
	var used *time.Time
	err := q.QueryRow(ctx, `SELECT user_id, purpose, expires_at, used_at FROM user_links WHERE hash = $1`, HashSecret(raw)).Scan(&userID, &purpose, &expires, &used)
	if errors.Is(err, db.ErrNoRows) {
		return User{}, "", bad
	}
	if err != nil {
		return User{}, "", fmt.Errorf("auth: link: %w", err)
	}
	if used != nil || !s.now().Before(expires) {
		return User{}, "", bad
	}
	u, err := getUser(ctx, q, "id = $1", userID)
	if err != nil {
		return User{}, "", err
	}
	if u.Disabled {
		return User{}, "", bad
	}
	return u, purpose, nil
}

// LinkUser tells whose link raw is and what for, without using it.
func (s *Service) LinkUser(ctx context.Context, raw string) (User, string, error) {
	return s.linkUser(ctx, s.db, raw)
}

// UseLink sets a new password through a one-time link and returns the user.
func (s *Service) UseLink(ctx context.Context, raw, password string) (User, error) {
	var out User
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		u, purpose, err := s.linkUser(ctx, tx, raw)
		if err != nil {
			return err
		}
		// Claim the link in one conditional update, so it works once even
		// when two requests race.
		n, err := tx.Exec(ctx, `UPDATE user_links SET used_at = $2 WHERE hash = $1 AND used_at IS NULL`, HashSecret(raw), s.now())
		if err != nil {
			return fmt.Errorf("auth: claim link: %w", err)
		}
		if n != 1 {
			return errs.NotFound("this link is not valid: it was used, replaced or has expired; ask for a new one")
		}
		ctx := audit.WithActor(ctx, audit.Actor{UserID: u.ID, Email: u.Email, IP: audit.ActorFrom(ctx).IP})
		if err := s.setPassword(ctx, tx, u, password, "user.password."+purpose, u.Email+" set a password through a "+purpose+" link"); err != nil {
			return err
		}
		out, err = getUser(ctx, tx, "id = $1", u.ID)
		return err
	})
	return out, err
}
