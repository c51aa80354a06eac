package coordination

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// Outbox sends mail in the transaction of the change it tells of.
type Outbox interface {
	Send(ctx context.Context, tx *db.Tx, m notify.Mail) error
}

// LinkValidity is how long an acknowledgement link works after the act-by
// time (or after the sending, for an alert without one).
const LinkValidity = 14 * 24 * time.Hour

// delivery is the mail to one recipient organisation, made before the
// sending's transaction (encryption is not done while holding it).
type delivery struct {
	orgID    string
	linkHash string
	to       []string
	subject  string
	text     string
}

// deliveries makes each recipient's mail: the alert and a link that
// acknowledges it for that organisation (its secret's hash is stored, the
// secret only mailed), encrypted to the organisation's key when it has
// one; a TLP:AMBER alert to an organisation without a key says only that
// something awaits it.
func (s *Service) deliveries(ctx context.Context, a Alert, recipients []Recipient) ([]delivery, error) {
	if s.outbox == nil {
		return nil, nil
	}
	ids := make([]string, len(recipients))
	for i, r := range recipients {
		ids[i] = r.OrgID
	}
	orgs, err := s.orgs.GetMany(ctx, system, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]directory.Org{}
	for _, o := range orgs {
		byID[o.ID] = o
	}
	open := a.TLP == "CLEAR" || a.TLP == "GREEN"
	var out []delivery
	for _, r := range recipients {
		o := byID[r.OrgID]
		raw, hash := auth.NewLinkSecret()
		// A subject travels in the clear, even when the body is encrypted.
		subject := fmt.Sprintf("[%s] Please acknowledge: %s", a.TrackingID, a.Title)
		if !open {
			subject = fmt.Sprintf("[%s] An alert awaits your acknowledgement", a.TrackingID)
		}
		d := delivery{orgID: r.OrgID, linkHash: hash, to: o.Addresses(), subject: subject}
		link := s.baseURL + "/alerts/ack?key=" + raw
		var b strings.Builder
		fmt.Fprintf(&b, "%s asks %s to acknowledge %s (TLP:%s):\n\n  %s\n\n", s.centerName, o.Name, a.TrackingID, a.TLP, a.Title)
		if a.Actions != "" {
			fmt.Fprintf(&b, "Actions required:\n  %s\n\n", a.Actions)
		}
		if a.ActBy != nil {
			fmt.Fprintf(&b, "Act by: %s\n\n", a.ActBy.UTC().Format("2006-01-02 15:04 UTC"))
		}
		fmt.Fprintf(&b, "Acknowledge it for %s, and say whether you are affected, without signing in:\n  %s\n"+
			"(the link works only for %s, until %s)\n\nOr sign in: %s/console/alerts/%s\n\n-- \n%s\n",
			o.Name, link, o.Name, s.linkExpiry(a).Format("2006-01-02"), s.baseURL, a.ID, s.centerName)
		d.text = b.String()
		switch {
		case o.PGPKey != "":
			enc, err := pgp.Encrypt([]byte(d.text), o.PGPKey)
			if err == nil {
				d.text = enc
				break
			}
			fallthrough
		case !open:
			d.subject = fmt.Sprintf("[%s] An alert awaits your acknowledgement", a.TrackingID)
			d.text = fmt.Sprintf("%s has sent %s a TLP:%s alert that asks for its acknowledgement.\n\n"+
				"Acknowledge it (the link works only for %s, until %s):\n  %s\n\nOr sign in to read it: %s/console/alerts/%s\n\n-- \n%s\n",
				s.centerName, o.Name, a.TLP, o.Name, s.linkExpiry(a).Format("2006-01-02"), link, s.baseURL, a.ID, s.centerName)
		}
		out = append(out, d)
	}
	return out, nil
}

// linkExpiry is when an alert's acknowledgement links stop working.
func (s *Service) linkExpiry(a Alert) time.Time {
	if a.ActBy != nil {
		return a.ActBy.Add(LinkValidity).UTC()
	}
	return a.CreatedAt.Add(LinkValidity).UTC()
}

// sendDeliveries stores each link's hash and queues its mail, in the
// sending's transaction.
func (s *Service) sendDeliveries(ctx context.Context, tx *db.Tx, a Alert, ds []delivery) error {
	expires := s.linkExpiry(a)
	for _, d := range ds {
		if _, err := tx.ExecRepeated(ctx, `UPDATE coordination_alert_recipients SET link_hash = $3, link_expires_at = $4
			WHERE alert_id = $1 AND org_id = $2`, a.ID, d.orgID, d.linkHash, expires); err != nil {
			return err
		}
		if len(d.to) == 0 {
			continue
		}
		if err := s.outbox.Send(ctx, tx, notify.Mail{To: d.to, Subject: d.subject, Text: d.text, Tag: "coordination.alert"}); err != nil {
			return err
		}
	}
	return nil
}

// LinkAnswer is what an acknowledgement link shows: the alert and the
// one organisation it answers for.
type LinkAnswer struct {
	Alert     Alert
	Recipient Recipient
	Expires   time.Time
}

// ByLink answers the alert and recipient an acknowledgement link's secret
// stands for; an unknown secret is "not found", an expired one
// forbidden.
func (s *Service) ByLink(ctx context.Context, secret string) (LinkAnswer, error) {
	var la LinkAnswer
	err := s.db.Read(ctx, func(q db.Querier) error {
		var alertID string
		var expires *time.Time
		err := q.QueryRow(ctx, `SELECT alert_id, link_expires_at FROM coordination_alert_recipients WHERE link_hash = $1`,
			auth.HashSecret(secret)).Scan(&alertID, &expires)
		if errors.Is(err, db.ErrNoRows) || (err == nil && expires == nil) {
			return errs.NotFound("this link is not one the center sent")
		}
		if err != nil {
			return err
		}
		la.Expires = *expires
		if la.Alert, err = getAlert(ctx, q, alertID, false); err != nil {
			return err
		}
		la.Recipient, err = scanRecipient(q.QueryRow(ctx, `SELECT `+recipientColumns+` FROM coordination_alert_recipients WHERE link_hash = $1`,
			auth.HashSecret(secret)))
		return err
	})
	if err != nil {
		return LinkAnswer{}, err
	}
	if !s.now().Before(la.Expires) {
		return LinkAnswer{}, errs.Forbidden("this link expired on %s: sign in to answer", la.Expires.Format("2006-01-02"))
	}
	names, err := s.orgs.Names(ctx, system, []string{la.Recipient.OrgID})
	if err != nil {
		return LinkAnswer{}, err
	}
	la.Recipient.Org = names[la.Recipient.OrgID]
	return la, nil
}

// AcknowledgeByLink records the acknowledgement an acknowledgement link
// stands for, for its one organisation, with the outcome and note given
// (the page the link opens posts them: opening it alone changes nothing).
// Idempotent; audited.
func (s *Service) AcknowledgeByLink(ctx context.Context, secret string, in AckInput) (Recipient, error) {
	la, err := s.ByLink(ctx, secret)
	if err != nil {
		return Recipient{}, err
	}
	in.Outcome, in.Note = strings.TrimSpace(in.Outcome), strings.TrimSpace(in.Note)
	if err := checkAnswer(in); err != nil {
		return Recipient{}, err
	}
	by := "the link mailed to " + la.Recipient.Org
	ctx = auth.WithIdentity(ctx, auth.System(by))
	return s.record(ctx, auth.System(by), la.Alert, la.Recipient.OrgID, la.Recipient.Org, in, by)
}

// checkAnswer checks an answer's outcome and note.
func checkAnswer(in AckInput) error {
	var f errs.Fields
	if !ValidOutcome(in.Outcome) {
		f.Add("outcome", "one of %s, or none yet", strings.Join(Outcomes, ", "))
	}
	if len([]rune(in.Note)) > maxNote || strings.ContainsRune(in.Note, 0) {
		f.Add("note", "at most %d characters of text", maxNote)
	}
	return f.Err()
}

// record writes a recipient's answer unless it is the one it has
// (idempotent): read and acknowledged now if not yet, the outcome and
// note given; the timeline and the audit log tell of it.
func (s *Service) record(ctx context.Context, id *auth.Identity, a Alert, orgID, orgName string, in AckInput, by string) (Recipient, error) {
	now := s.now().UTC()
	var out Recipient
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		cur, err := getRecipient(ctx, tx, a.ID, orgID)
		if err != nil {
			return err
		}
		before := cur
		if cur.ReadAt == nil {
			cur.ReadAt = &now
		}
		if cur.State != Acknowledged {
			cur.State, cur.AcknowledgedAt = Acknowledged, &now
		}
		if in.Outcome != "" {
			cur.Outcome = in.Outcome
		}
		if in.Note != "" || in.Outcome != "" {
			cur.Note = in.Note
		}
		out = withName(cur, orgName)
		if cur.State == before.State && cur.Outcome == before.Outcome && cur.Note == before.Note {
			return nil // the same answer again
		}
		cur.AnsweredBy = by
		out.AnsweredBy = by
		if err := updateRecipient(ctx, tx, a.ID, cur, now); err != nil {
			return err
		}
		kind, summary := "acknowledged", fmt.Sprintf("%s acknowledged %s", orgName, a.TrackingID)
		if before.State == Acknowledged {
			kind, summary = "answered", fmt.Sprintf("%s changed its answer to %s", orgName, a.TrackingID)
		}
		if cur.Outcome != "" {
			summary += ": " + strings.ReplaceAll(cur.Outcome, "_", " ")
		}
		if err := insertEvent(ctx, tx, a.ID, Event{At: now, Kind: kind, OrgID: orgID, Actor: by, Summary: summary}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "coordination.alert.acknowledge", ObjectType: "alert", ObjectID: a.ID,
			OrgID: orgID, Summary: summary, Before: before, After: cur})
	})
	return out, err
}
