package app

import (
	"context"
	"strings"

	"github.com/certhub/certhub/internal/coordination/incident"
	"github.com/certhub/certhub/internal/coordination/thread"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/mailin"
	"github.com/certhub/certhub/internal/platform/threads"
)

// replyDomain is the domain of the threads' reply addresses: the inbound
// listener's (the report address's), none when mail is not received.
func replyDomain(cfg Config) string {
	if cfg.SMTPListen == "" {
		return ""
	}
	_, domain, ok := strings.Cut(cfg.ReportAddress, "@")
	if !ok {
		return ""
	}
	return strings.ToLower(domain)
}

// isReplyAddress reports whether the inbound listener takes mail for addr:
// a reply address (reply+TOKEN@) of its own domain.
func (a *App) isReplyAddress(addr string) bool {
	_, ok := threads.TokenOf(addr)
	d := replyDomain(a.Cfg)
	return ok && d != "" && strings.HasSuffix(strings.ToLower(addr), "@"+d)
}

// deliverReply puts a reply by mail into the thread its token names; a
// token that is unknown, expired or of no thread here is refused (the
// sender hears so), as is a reply that has lost its writer's standing.
func (a *App) deliverReply(ctx context.Context, token string, m mailin.Message) error {
	r, err := threads.LookupReply(ctx, a.DB, token, a.Now())
	if err != nil {
		return &mailin.Rejection{Reason: "this reply address is unknown or has expired: answer in the console"}
	}
	switch r.Kind {
	case thread.ReplyKind:
		_, err = a.Threads.ReplyByMail(ctx, r, m.Text, m.Automatic)
	default:
		return &mailin.Rejection{Reason: "this reply address is of no thread here"}
	}
	if k := errs.KindOf(err); k == errs.KindInvalid || k == errs.KindForbidden || k == errs.KindNotFound {
		return &mailin.Rejection{Reason: "the reply was not taken: " + errs.As(err).Message}
	}
	return err
}

// deliverIncident takes an incident reported by e-mail; what the report
// cannot take is refused with the reason, so the sender hears of it.
func (a *App) deliverIncident(ctx context.Context, m mailin.Message, ip string) error {
	_, err := a.Incidents.ReceiveMail(ctx, incident.Mail{From: m.From, FromName: m.FromName, Subject: m.Subject, Text: m.Text,
		Automatic: m.Automatic, Attachments: len(m.Attachments)}, ip)
	if k := errs.KindOf(err); k == errs.KindInvalid || k == errs.KindRateLimited {
		return &mailin.Rejection{Reason: "the report was not taken: " + errs.As(err).Message}
	}
	return err
}
