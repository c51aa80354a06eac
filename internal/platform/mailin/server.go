package mailin

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Rejection is a delivery failure the sender should not retry (SMTP 5xx).
// Any other error from Deliver is answered as temporary (4xx).
type Rejection struct{ Reason string }

func (r *Rejection) Error() string { return r.Reason }

// Reject makes a permanent failure.
func Reject(format string, args ...any) error {
	return &Rejection{Reason: fmt.Sprintf(format, args...)}
}

// Deliver takes one message for one of the accepted recipients; ip is the
// sending server's address.
type Deliver func(ctx context.Context, to string, m Message, ip string) error

// Config sets up a listener.
type Config struct {
	Addr       string   // host:port to listen on
	Domain     string   // the name in the greeting
	Recipients []string // the addresses mail is accepted for
	// Accept, when set, takes further addresses (a thread's reply
	// addresses, each with its own token); nothing else is accepted.
	Accept   func(addr string) bool
	MaxBytes int64 // largest message; 25 MB when zero
	TLS      *tls.Config
	Decrypt  Decrypter
	Deliver  Deliver
	Logger   *slog.Logger
}

// Server is an SMTP listener.
type Server struct {
	cfg  Config
	srv  *smtp.Server
	rcpt map[string]bool
}

// New prepares a listener; Serve runs it.
func New(cfg Config) (*Server, error) {
	if len(cfg.Recipients) == 0 {
		return nil, errors.New("mailin: no address to accept mail for")
	}
	if cfg.Deliver == nil {
		return nil, errors.New("mailin: no delivery function")
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 25 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Domain == "" {
		cfg.Domain = "localhost"
	}
	s := &Server{cfg: cfg, rcpt: map[string]bool{}}
	for _, r := range cfg.Recipients {
		s.rcpt[strings.ToLower(strings.TrimSpace(r))] = true
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		ip := ""
		if a, ok := c.Conn().RemoteAddr().(*net.TCPAddr); ok {
			ip = a.IP.String()
		}
		return &session{s: s, ip: ip}, nil
	}))
	s.srv.Addr = cfg.Addr
	s.srv.Domain = cfg.Domain
	s.srv.MaxMessageBytes = cfg.MaxBytes
	s.srv.MaxRecipients = 10
	s.srv.ReadTimeout = 2 * time.Minute
	s.srv.WriteTimeout = 2 * time.Minute
	s.srv.TLSConfig = cfg.TLS
	s.srv.EnableSMTPUTF8 = true
	s.srv.ErrorLog = slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)
	return s, nil
}

// Serve accepts connections on l until Close.
func (s *Server) Serve(l net.Listener) error {
	err := s.srv.Serve(l)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting and waits for sessions in progress (until ctx ends).
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

type session struct {
	s    *Server
	ip   string
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = strings.ToLower(from)
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	to = strings.ToLower(strings.TrimSpace(to))
	if !x.s.rcpt[to] && (x.s.cfg.Accept == nil || !x.s.cfg.Accept(to)) {
		// Never a relay, and no hint about which other addresses exist.
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox here"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // go-smtp answers 552 when the message is too large
	}
	m, err := Parse(bytes.NewReader(raw), x.s.cfg.Decrypt)
	if err != nil {
		x.s.cfg.Logger.Warn("inbound mail: cannot parse", "ip", x.ip, "err", err)
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "the message could not be read: " + err.Error()}
	}
	m.EnvelopeFrom = x.from
	if x.from == "" {
		m.Automatic = true // a bounce
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, to := range x.to {
		if err := x.s.cfg.Deliver(ctx, to, m, x.ip); err != nil {
			var rej *Rejection
			if errors.As(err, &rej) {
				return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: rej.Reason}
			}
			x.s.cfg.Logger.Error("inbound mail: delivery failed", "ip", x.ip, "to", to, "err", err)
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "could not take the message now; try again later"}
		}
	}
	x.s.cfg.Logger.Info("inbound mail", "ip", x.ip, "to", strings.Join(x.to, ","), "encrypted", m.Encrypted,
		"attachments", len(m.Attachments))
	return nil
}
