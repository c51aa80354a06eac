package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/platform/mailin"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/vdp/inbound"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
)

// ReportAddress is where reports are accepted by e-mail ("" when the
// inbound listener is off).
func (s *Service) ReportAddress() string { return s.out.ReplyTo() }

// Decrypt opens an OpenPGP message sent to the center's key.
func (s *Service) Decrypt(armored string) ([]byte, error) {
	if s.key == nil {
		return nil, errors.New("vdp: the center has no OpenPGP key")
	}
	return pgp.Decrypt(armored, s.key.Private())
}

// ReceiveMail takes a message sent to the reporting address. A message whose
// subject names a report's tracking ID and whose sender is that report's
// reporter is added to the report's messages; anything else becomes a new
// report. Bounces and auto-replies are dropped unanswered, so that two
// robots never talk to each other.
func (s *Service) ReceiveMail(ctx context.Context, m mailin.Message, ip string) error {
	if m.Automatic {
		s.log.Info("inbound mail: dropped an automatic message", "from", m.EnvelopeFrom, "subject", m.Subject)
		return nil
	}
	if m.From == "" || !notify.ValidAddress(m.From) {
		return mailin.Reject("the message has no valid From address to answer")
	}
	// Limited per sender, not per address: big mail providers send for many
	// reporters from one address. A refusal is temporary, so nothing is lost.
	if ok, wait := s.intake.Allow(ctx, "mail:"+m.From); !ok {
		return fmt.Errorf("vdp: too many messages from %s; retry in %d s", m.From, wait)
	}
	ctx = audit.WithActor(ctx, audit.Actor{Email: "reporter (e-mail " + m.From + ")", IP: ip})
	if id := inbound.TrackingID(m.Subject); id != "" {
		done, err := s.mailReply(ctx, id, m)
		if done || err != nil {
			return err
		}
	}
	return s.mailReport(ctx, m)
}

// mailReply adds the message to the report it names, if it comes from that
// report's reporter.
func (s *Service) mailReply(ctx context.Context, trackingID string, m mailin.Message) (bool, error) {
	done := false
	mf, err := s.stageMail(ctx, m)
	if err != nil {
		return false, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		r, err := store.GetReport(ctx, tx, "tracking_id = $1", trackingID)
		if e := errs.As(err); e != nil && e.Kind == errs.KindNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if r.Reporter.Email == "" || !strings.EqualFold(r.Reporter.Email, m.From) {
			return nil // not the reporter: a new report, which may be a duplicate
		}
		body, notes := inbound.Text(m)
		refused, err := s.recordMail(ctx, tx, r, mf)
		if err != nil {
			return err
		}
		notes = append(notes, refused...)
		if body == "" && len(notes) == 0 {
			body = "(an empty message)"
		}
		if len(notes) > 0 {
			body = strings.TrimSpace(body + "\n\n" + strings.Join(notes, "\n"))
		}
		// A From header can be forged and tracking IDs are sequential, so
		// the analyst is told where the message came from; the follow link
		// is the authenticated channel.
		body = "[By e-mail from " + m.From + "; the sender's address is not authenticated.]\n\n" + body
		done = true
		_, err = s.reporterWrote(ctx, tx, r, body)
		return err
	})
	return done, err
}

// mailReport makes a new report of the message.
func (s *Service) mailReport(ctx context.Context, m mailin.Message) error {
	title := inbound.Title(m, model.MaxTitle)
	body, notes, full := inbound.Body(m, model.MaxText-200)
	if body == "" {
		if len(m.Attachments) == 0 {
			return mailin.Reject("the message is empty: describe the vulnerability in the body")
		}
		body = "(The details are in the attached files.)"
	}
	in := ReportInput{Title: title, Description: body, Reporter: &model.Reporter{Name: m.FromName, Email: m.From}, byMail: true}
	if err := s.validate(&in); err != nil {
		if e := errs.As(err); e != nil && len(e.Fields) > 0 {
			return mailin.Reject("the report could not be taken: %s %s", e.Fields[0].Field, e.Fields[0].Message)
		}
		return err
	}
	r := newReport(in, "email", s.now())
	if full != nil {
		m.Attachments = append([]mailin.Attachment{{Name: "message.txt", ContentType: "text/plain", Data: full}}, m.Attachments...)
	}
	mf, err := s.stageMail(ctx, m)
	if err != nil {
		return err
	}
	_, rc, err := s.submit(ctx, r, func(ctx context.Context, tx *db.Tx, r model.Report) error {
		refused, err := s.recordMail(ctx, tx, r, mf)
		if err != nil {
			return err
		}
		notes = append(notes, refused...)
		if len(notes) == 0 {
			return nil
		}
		_, err = store.AddMessage(ctx, tx, r.ID, true, nil, strings.Join(notes, "\n"), s.now())
		return err
	})
	if err == nil {
		s.log.Info("inbound mail: new report", "tracking_id", rc.TrackingID, "encrypted", m.Encrypted)
	}
	return err
}

// mailFiles are a message's files, written to disk before the transaction
// that records them, and the notes on those that were refused.
type mailFiles struct {
	files   []files.Staged
	refused []string
}

// stageMail stages the message's files; a file that is refused (type,
// size) is noted instead of failing the message.
func (s *Service) stageMail(ctx context.Context, m mailin.Message) (mailFiles, error) {
	var mf mailFiles
	for _, a := range m.Attachments {
		f, err := s.files.Stage(ctx, a.Name, bytes.NewReader(a.Data))
		if err == nil {
			mf.files = append(mf.files, f)
			continue
		}
		reason, ok := refusal(err)
		if !ok {
			return mailFiles{}, err
		}
		mf.refused = append(mf.refused, fmt.Sprintf("[The attached file %q was not kept: %s.]", files.CleanFilename(a.Name), reason))
	}
	return mf, nil
}

// recordMail adds the staged files to the report, in the caller's
// transaction, and answers the notes on every file not kept (the count
// limit is known only here).
func (s *Service) recordMail(ctx context.Context, tx *db.Tx, r model.Report, mf mailFiles) ([]string, error) {
	notes := slices.Clone(mf.refused)
	for _, f := range mf.files {
		_, err := s.record(ctx, tx, r, f, "reporter (e-mail)")
		if err == nil {
			continue
		}
		reason, ok := refusal(err)
		if !ok {
			return nil, err
		}
		notes = append(notes, fmt.Sprintf("[The attached file %q was not kept: %s.]", f.Filename, reason))
	}
	return notes, nil
}

// refusal says why a file was not kept, if the error is a refusal of the
// file rather than a failure of the server.
func refusal(err error) (string, bool) {
	var se *httpx.StatusError
	e := errs.As(err)
	if (e == nil || e.Kind != errs.KindInvalid) && (!errors.As(err, &se) || se.Status != http.StatusRequestEntityTooLarge) {
		return "", false
	}
	if e != nil && len(e.Fields) > 0 {
		return e.Fields[0].Message, true
	}
	return err.Error(), true
}
