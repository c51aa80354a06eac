package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/seal"
)

// MailConfig says how mail leaves the server.
type MailConfig struct {
	// URL of the SMTP relay: smtp://user:password@host:port?tls=starttls|tls|none.
	// Empty means no relay: messages are written as .eml files to OutboxDir,
	// so a development server still shows what it would have sent.
	URL string
	// From is the sender address, e.g. "CERT Coordination Center <cc@cert.example>".
	From string
	// OutboxDir receives .eml files when URL is empty.
	OutboxDir string
}

// Mail is one outgoing message.
type Mail struct {
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	// Tag groups messages in logs and the console ("user.invite").
	Tag string `json:"tag,omitempty"`
	// ReplyTo, when set, is where replies go (the reporting address).
	ReplyTo string `json:"reply_to,omitempty"`
}

// MailArgs is the job that sends one message. The message itself is sealed
// with the server key: mail carries one-time links (and later TLP-marked
// content), and job arguments are stored in the job table and shown to staff
// in the console. Only the recipients and the tag are in the clear.
type MailArgs struct {
	To     []string `json:"to"`
	Tag    string   `json:"tag,omitempty"`
	Sealed string   `json:"sealed"`
}

func (MailArgs) Kind() string { return "notify.mail" }

// smtpSettings is MailConfig.URL taken apart.
type smtpSettings struct {
	host, user, pass string
	port             int
	tls              string // starttls, tls, none
}

func parseSMTPURL(raw string) (smtpSettings, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return smtpSettings{}, fmt.Errorf("notify: SMTP URL must look like smtp://user:password@host:587?tls=starttls")
	}
	s := smtpSettings{host: u.Hostname(), tls: "starttls"}
	if u.Scheme == "smtps" {
		s.tls = "tls"
	}
	if t := u.Query().Get("tls"); t != "" {
		switch t {
		case "starttls", "tls", "none":
			s.tls = t
		default:
			return smtpSettings{}, fmt.Errorf("notify: SMTP URL: tls must be starttls, tls or none, not %q", t)
		}
	}
	s.port = 587
	if s.tls == "tls" {
		s.port = 465
	}
	if p := u.Port(); p != "" {
		s.port, err = strconv.Atoi(p)
		if err != nil || s.port <= 0 || s.port > 65535 {
			return smtpSettings{}, fmt.Errorf("notify: SMTP URL: bad port %q", p)
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	return s, nil
}

// Mailer delivers MailArgs jobs.
type Mailer struct {
	jobs.WorkerDefaults[MailArgs]
	cfg  MailConfig
	key  *seal.Key
	smtp *smtpSettings
	log  *slog.Logger
}

// NewMailer checks cfg and returns the worker that sends mail sealed with key.
func NewMailer(cfg MailConfig, key *seal.Key, log *slog.Logger) (*Mailer, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.From == "" {
		return nil, errors.New("notify: a sender address (mail from) is required")
	}
	if _, err := mail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("notify: sender address %q: %w", cfg.From, err)
	}
	m := &Mailer{cfg: cfg, key: key, log: log}
	if cfg.URL != "" {
		s, err := parseSMTPURL(cfg.URL)
		if err != nil {
			return nil, err
		}
		m.smtp = &s
	} else if cfg.OutboxDir == "" {
		return nil, errors.New("notify: without an SMTP URL an outbox directory is required")
	}
	return m, nil
}

// Describe says where mail goes, for the start-up log (never the password).
func (m *Mailer) Describe() string {
	if m.smtp == nil {
		return "written to " + m.cfg.OutboxDir + " (no SMTP relay configured)"
	}
	return fmt.Sprintf("SMTP %s:%d (tls=%s)", m.smtp.host, m.smtp.port, m.smtp.tls)
}

// Timeout bounds one delivery attempt.
func (m *Mailer) Timeout(*jobs.Job[MailArgs]) time.Duration { return time.Minute }

// Work sends one message.
func (m *Mailer) Work(ctx context.Context, j *jobs.Job[MailArgs]) error {
	mail, err := OpenMail(m.key, j.Args)
	if err != nil {
		return jobs.Permanent(err)
	}
	msg, err := m.build(mail, j.ID)
	if err != nil {
		// A message that cannot be built will never be: do not retry it.
		return jobs.Permanent(fmt.Errorf("notify: build mail: %w", err))
	}
	if m.smtp == nil {
		if err := os.MkdirAll(m.cfg.OutboxDir, 0o750); err != nil {
			return fmt.Errorf("notify: outbox: %w", err)
		}
		name := fmt.Sprintf("%s-%06d.eml", time.Now().UTC().Format("20060102T150405"), j.ID)
		path := filepath.Join(m.cfg.OutboxDir, name)
		if err := msg.WriteToFile(path); err != nil {
			return fmt.Errorf("notify: write %s: %w", path, err)
		}
		m.log.Info("mail written to outbox", "to", mail.To, "tag", mail.Tag, "file", path)
		return nil
	}
	opts := []gomail.Option{gomail.WithPort(m.smtp.port), gomail.WithTimeout(30 * time.Second)}
	switch m.smtp.tls {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if m.smtp.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(m.smtp.user), gomail.WithPassword(m.smtp.pass))
	}
	c, err := gomail.NewClient(m.smtp.host, opts...)
	if err != nil {
		return fmt.Errorf("notify: smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("notify: send %s mail to %s: %w", mail.Tag, strings.Join(mail.To, ", "), err)
	}
	m.log.Info("mail sent", "to", mail.To, "tag", mail.Tag)
	return nil
}

func (m *Mailer) build(in Mail, jobID int64) (*gomail.Msg, error) {
	if len(in.To) == 0 {
		return nil, errors.New("no recipients")
	}
	msg := gomail.NewMsg()
	if err := msg.From(m.cfg.From); err != nil {
		return nil, err
	}
	if err := msg.To(in.To...); err != nil {
		return nil, err
	}
	msg.Subject(in.Subject)
	msg.SetDate()
	msg.SetMessageID()
	// RFC 3834: automatic mail, so vacation responders stay quiet.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	if in.Tag != "" {
		msg.SetGenHeader("X-Certhub-Tag", in.Tag)
	}
	if in.ReplyTo != "" {
		if err := msg.ReplyTo(in.ReplyTo); err != nil {
			return nil, err
		}
	}
	msg.SetBodyString(gomail.TypeTextPlain, in.Text)
	return msg, nil
}

// ValidAddress reports whether s is one plain e-mail address (no display name).
func ValidAddress(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, "@localhost")
}

// Outbox queues mail for the Mailer.
type Outbox struct {
	q   *jobs.Queue
	key *seal.Key
}

// NewOutbox makes an outbox that seals messages with key.
func NewOutbox(q *jobs.Queue, key *seal.Key) *Outbox { return &Outbox{q: q, key: key} }

// Send enqueues m inside tx: it is sent if and only if tx commits.
func (o *Outbox) Send(ctx context.Context, tx *db.Tx, m Mail) error {
	for _, to := range m.To {
		if !ValidAddress(to) {
			return fmt.Errorf("notify: %q is not an e-mail address", to)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	args := MailArgs{To: m.To, Tag: m.Tag, Sealed: o.key.Seal(b)}
	return o.q.Enqueue(ctx, tx, args, &jobs.InsertOpts{MaxAttempts: 12})
}

// OpenMail unseals the message of a mail job.
func OpenMail(key *seal.Key, a MailArgs) (Mail, error) {
	b, err := key.Open(a.Sealed)
	if err != nil {
		return Mail{}, fmt.Errorf("notify: open mail: %w", err)
	}
	var m Mail
	if err := json.Unmarshal(b, &m); err != nil {
		return Mail{}, fmt.Errorf("notify: open mail: %w", err)
	}
	return m, nil
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
