package outbound

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/vdp/model"
)

// Orgs is what mail needs of the directory: organisations with their
// contacts and OpenPGP keys.
type Orgs interface {
	Get(ctx context.Context, id *auth.Identity, orgID string) (directory.Org, error)
	GetMany(ctx context.Context, id *auth.Identity, orgIDs []string) ([]directory.Org, error)
}

// system is who mail asks the directory as.
var system = auth.System("disclosure program")

// Mailer queues the program's mail.
type Mailer struct {
	outbox     *notify.Outbox
	log        *slog.Logger
	orgs       Orgs
	centerName string
	replyTo    string
}

// New makes a mailer: centerName signs every message, replyTo (the
// reporting address; "" for none) receives reporters' replies.
func New(outbox *notify.Outbox, log *slog.Logger, orgs Orgs, centerName, replyTo string) *Mailer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Mailer{outbox: outbox, log: log, orgs: orgs, centerName: centerName, replyTo: strings.ToLower(replyTo)}
}

// ReplyTo is the reporting address ("" when mail does not come in).
func (m *Mailer) ReplyTo() string { return m.replyTo }

// CenterName is who signs the mail.
func (m *Mailer) CenterName() string { return m.centerName }

// Mail queues one message per recipient, encrypted to armoredKey when given.
func (m *Mailer) Mail(ctx context.Context, tx *db.Tx, to []string, subject, body, tag, armoredKey string) error {
	return m.Send(ctx, tx, to, notify.Mail{Subject: subject, Text: body, Tag: tag}, armoredKey)
}

// Reporter writes to a report's reporter (no one when the report has no
// address); replies come back to the reporting address, threaded by the
// tracking ID in the subject.
func (m *Mailer) Reporter(ctx context.Context, tx *db.Tx, r model.Report, subject, body, tag string) error {
	if r.Reporter.Email == "" {
		return nil
	}
	return m.Send(ctx, tx, []string{r.Reporter.Email}, notify.Mail{Subject: fmt.Sprintf("[%s] %s", r.TrackingID, subject),
		Text: body, Tag: tag, ReplyTo: m.replyTo}, r.Reporter.PGPKey)
}

// Send queues msg once per valid, distinct address of to, signed, and
// encrypted to armoredKey when given; a key that cannot be used sends a
// notice without the details instead.
func (m *Mailer) Send(ctx context.Context, tx *db.Tx, to []string, msg notify.Mail, armoredKey string) error {
	body, tag := msg.Text, msg.Tag
	if len(to) == 0 {
		return nil
	}
	body += "\n-- \n" + m.centerName + "\n"
	if armoredKey != "" {
		enc, err := pgp.Encrypt([]byte(body), armoredKey)
		if err != nil {
			m.log.Warn("could not encrypt mail; sending a notice without details", "tag", tag, "err", err)
			body = "There is news for you at " + m.centerName + ". Sign in to read it.\n"
		} else {
			body = enc
		}
	}
	seen := map[string]bool{}
	for _, addr := range to {
		addr = strings.ToLower(strings.TrimSpace(addr))
		if addr == "" || seen[addr] || !notify.ValidAddress(addr) {
			continue
		}
		seen[addr] = true
		msg.To, msg.Text = []string{addr}, body
		if err := m.outbox.Send(ctx, tx, msg); err != nil {
			return err
		}
	}
	return nil
}

// Recipients are the addresses that hear about a case or report for an
// organisation: its enabled members with at least minRole, or its
// contacts when it has no such members yet.
func (m *Mailer) Recipients(ctx context.Context, q db.Querier, orgID string, minRole auth.Role) ([]string, error) {
	members, err := auth.Members(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	out := memberAddresses(members, minRole)
	if len(out) > 0 {
		return out, nil
	}
	o, err := m.orgs.Get(ctx, system, orgID)
	if err != nil {
		return nil, err
	}
	for _, c := range o.Contacts {
		if c.Email != "" {
			out = append(out, c.Email)
		}
	}
	return out, nil
}

// Orgs mails each organisation's members (or, without members, its
// contacts) and its vulnerability and security contacts, encrypted to the
// organisation's key when it has one. The organisations and their members
// load in a fixed number of queries, so a post to a 150-vendor case does
// not cost 150 round trips per vendor.
func (m *Mailer) Orgs(ctx context.Context, tx *db.Tx, ids []string, subject, body, tag string) error {
	if len(ids) == 0 {
		return nil
	}
	orgs, err := m.orgs.GetMany(ctx, system, ids)
	if err != nil {
		return err
	}
	members, err := auth.MembersOf(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		to := memberAddresses(members[o.ID], auth.RoleMember)
		noMembers := len(to) == 0
		for _, c := range o.Contacts {
			if c.Email != "" && (noMembers || c.Role == "vulnerability" || c.Role == "security") {
				to = append(to, c.Email)
			}
		}
		if err := m.Mail(ctx, tx, to, subject, body, tag, o.PGPKey); err != nil {
			return err
		}
	}
	return nil
}

// memberAddresses are the addresses of the active members with at least minRole.
func memberAddresses(members []auth.Member, minRole auth.Role) []string {
	var out []string
	for _, m := range members {
		if !m.Disabled && m.Role.AtLeast(minRole) {
			out = append(out, m.Email)
		}
	}
	return out
}
