package incident

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// Mail is an incident report received by e-mail, as the inbound listener
// read it.
type Mail struct {
	From, FromName, Subject, Text string
	// Automatic: a bounce or an auto-reply, never a report.
	Automatic bool
	// Attachments is how many files came with it (not kept: the CERT asks
	// for them through the follow link's exchange).
	Attachments int
}

// ReceiveMail takes an incident report mailed to the incident address.
// The sender's address is not proof of who sent it, so the report is
// taken like one of the public form's: in the sender's name, routed to the
// national CERT unless a rule says otherwise, with a follow link mailed
// back to the sender. Bounces and auto-replies are dropped; each sender
// address is rate-limited like the form.
func (s *Service) ReceiveMail(ctx context.Context, m Mail, ip string) (Incident, error) {
	if m.Automatic {
		return Incident{}, nil
	}
	from := strings.ToLower(strings.TrimSpace(m.From))
	if !notify.ValidAddress(from) {
		return Incident{}, errs.InvalidField("reporter_email", "the sender's address is not one we can answer")
	}
	if ok, wait := s.public.Allow(ctx, "mail:"+from); !ok {
		return Incident{}, errs.RateLimited(wait, "too many reports from %s; wait %d seconds", from, wait)
	}
	title := strings.TrimSpace(m.Subject)
	if title == "" {
		title = "Incident reported by e-mail"
	}
	if r := []rune(title); len(r) > MaxTitle {
		title = string(r[:MaxTitle-1]) + "…"
	}
	text := strings.ToValidUTF8(strings.ReplaceAll(m.Text, "\x00", ""), "�")
	if utf8.RuneCountInString(text) > MaxText {
		text = string([]rune(text)[:MaxText-80]) + "\n\n[…the rest of the message was longer than a report holds]"
	}
	if m.Attachments > 0 {
		text += fmt.Sprintf("\n\n[%d attached files were not kept: ask the reporter for them]", m.Attachments)
	}
	name := strings.TrimSpace(m.FromName)
	if utf8.RuneCountInString(name) > maxName {
		name = ""
	}
	ctx = audit.WithActor(ctx, audit.Actor{Email: from, IP: ip})
	inc, secret, err := s.report(ctx, Input{Title: title, Description: text, ReporterName: name, ReporterEmail: from}, ChannelEmail, from, true)
	if err != nil {
		return Incident{}, err
	}
	if s.outbox == nil {
		return inc, nil
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		return s.outbox.Send(ctx, tx, notify.Mail{To: []string{from}, Tag: "coordination.incident.receipt",
			Subject: fmt.Sprintf("[%s] Your incident report was received", inc.Number),
			Text: fmt.Sprintf("Thank you. Your report \"%s\" was received as %s.\n\nFollow it, read the CERT's answers and write to it here (keep this link to yourself):\n%s\n\n-- \n%s\n",
				title, inc.Number, s.FollowURL(secret), s.centerName)})
	})
	return inc, err
}
