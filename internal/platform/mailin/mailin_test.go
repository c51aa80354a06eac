package mailin_test

import (
	"context"
	"errors"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/mailin"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// crlf turns a readable message into wire form.
func crlf(s string) string { return strings.ReplaceAll(strings.TrimLeft(s, "\n"), "\n", "\r\n") }

func keys(t *testing.T) (pub, priv string) {
	t.Helper()
	pub, priv, err := pgp.GenerateKey("Center", "report@cert.example", time.Hour, time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func TestParse(t *testing.T) {
	pub, priv := keys(t)
	_, otherPriv := keys(t)
	decrypt := func(a string) ([]byte, error) { return pgp.Decrypt(a, priv) }

	inline, err := pgp.Encrypt([]byte("Secret details: the admin password is ignored."), pub)
	if err != nil {
		t.Fatal(err)
	}
	mimeInside := crlf(`
Content-Type: multipart/mixed; boundary="in"

--in
Content-Type: text/plain; charset=utf-8

Encrypted PoC inside, ünïcode kept.
--in
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="poc.py"

print("pwned")
--in--
`)
	pgpMIME, err := pgp.Encrypt([]byte(mimeInside), pub)
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name string
		raw  string
		dec  mailin.Decrypter
		want func(t *testing.T, m mailin.Message)
	}{
		{"plain text, quoted-printable latin-1", crlf(`
From: "Jörg Finder" <Joerg@Finder.Example>
To: report@cert.example
Subject: =?utf-8?q?XSS_in_the_portal?= [VR-2026-000042]
Message-ID: <abc@finder.example>
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Gr=FC=DFe, the search box reflects input.
`), nil, func(t *testing.T, m mailin.Message) {
			if m.From != "joerg@finder.example" || m.FromName != "Jörg Finder" || m.Subject != "XSS in the portal [VR-2026-000042]" ||
				m.MessageID != "abc@finder.example" || m.Text != "Grüße, the search box reflects input." || m.Encrypted || m.Automatic {
				t.Fatalf("%+v", m)
			}
		}},
		{"alternative and an attachment", crlf(`
From: a@b.example
Subject: report
Content-Type: multipart/mixed; boundary="out"

--out
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain

Plain body.
--alt
Content-Type: text/html

<p>HTML body</p>
--alt--
--out
Content-Type: image/png; name="shot.png"
Content-Disposition: attachment; filename="shot.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--out--
`), nil, func(t *testing.T, m mailin.Message) {
			if m.Text != "Plain body." || len(m.Attachments) != 1 || m.Attachments[0].Name != "shot.png" ||
				string(m.Attachments[0].Data) != "\x89PNG\r\n\x1a\n" {
				t.Fatalf("%+v", m)
			}
		}},
		{"inline PGP", crlf("From: a@b.example\nSubject: secret\n\nHello,\n\n" + inline + "\nBye\n"), decrypt, func(t *testing.T, m mailin.Message) {
			if !m.Encrypted || m.Undecryptable || !strings.Contains(m.Text, "Secret details") || strings.Contains(m.Text, "BEGIN PGP") ||
				!strings.HasPrefix(m.Text, "Hello,") || !strings.HasSuffix(m.Text, "Bye") {
				t.Fatalf("%+v", m)
			}
		}},
		{"PGP/MIME", crlf(`
From: a@b.example
Subject: encrypted
Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="enc"

--enc
Content-Type: application/pgp-encrypted

Version: 1
--enc
Content-Type: application/octet-stream; name="encrypted.asc"

`) + strings.ReplaceAll(pgpMIME, "\n", "\r\n") + "\r\n--enc--\r\n", decrypt, func(t *testing.T, m mailin.Message) {
			if !m.Encrypted || m.Text != "Encrypted PoC inside, ünïcode kept." || len(m.Attachments) != 1 ||
				m.Attachments[0].Name != "poc.py" || strings.TrimSpace(string(m.Attachments[0].Data)) != `print("pwned")` {
				t.Fatalf("%+v", m)
			}
		}},
		{"encrypted to another key", crlf("From: a@b.example\nSubject: s\n\n" + inline), func(a string) ([]byte, error) { return pgp.Decrypt(a, otherPriv) },
			func(t *testing.T, m mailin.Message) {
				if m.Encrypted || !m.Undecryptable || len(m.Attachments) != 1 || !strings.Contains(m.Text, "could not be decrypted") {
					t.Fatalf("%+v", m)
				}
			}},
		{"an auto-reply", crlf("From: a@b.example\nAuto-Submitted: auto-replied\nSubject: Out of office\n\naway"), nil, func(t *testing.T, m mailin.Message) {
			if !m.Automatic {
				t.Fatal("an auto-reply is not marked automatic")
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := mailin.Parse(strings.NewReader(c.raw), c.dec)
			if err != nil {
				t.Fatal(err)
			}
			c.want(t, m)
		})
	}

	if _, err := mailin.Parse(strings.NewReader("no header at all, just bytes"), nil); err == nil {
		t.Error("garbage parsed as a message")
	}
}

// A real SMTP conversation with the listener.
func TestServer(t *testing.T) {
	var mu sync.Mutex
	var got []mailin.Message
	srv, err := mailin.New(mailin.Config{Domain: "mx.cert.example", Recipients: []string{"Report@CERT.example"}, MaxBytes: 4096,
		Deliver: func(_ context.Context, to string, m mailin.Message, ip string) error {
			if strings.Contains(m.Subject, "reject me") {
				return mailin.Reject("reports must name a product")
			}
			if strings.Contains(m.Subject, "fail") {
				return errors.New("database down")
			}
			if to != "report@cert.example" || ip != "127.0.0.1" {
				t.Errorf("delivered to %q from %q", to, ip)
			}
			mu.Lock()
			got = append(got, m)
			mu.Unlock()
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })

	send := func(to, subject, body string) error {
		msg := crlf("From: finder@research.example\nTo: " + to + "\nSubject: " + subject + "\n\n" + body + "\n")
		return smtp.SendMail(l.Addr().String(), nil, "finder@research.example", []string{to}, []byte(msg))
	}
	code := func(err error) int {
		var te *textproto.Error
		if errors.As(err, &te) {
			return te.Code
		}
		t.Fatalf("not an SMTP error: %v", err)
		return 0
	}

	if err := send("report@cert.example", "SQLi in the tax portal", "Details."); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(got) != 1 || got[0].Text != "Details." || got[0].EnvelopeFrom != "finder@research.example" {
		t.Fatalf("%+v", got)
	}
	mu.Unlock()
	for _, c := range []struct {
		name, to, subject, body string
		code                    int
	}{
		{"another address (no relay)", "someone@elsewhere.example", "hi", "relay me", 550},
		{"too large", "report@cert.example", "big", strings.Repeat(strings.Repeat("x", 70)+"\n", 80), 552},
		{"rejected", "report@cert.example", "reject me", "x", 554},
		{"temporary failure", "report@cert.example", "fail", "x", 451},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := code(send(c.to, c.subject, c.body)); got != c.code {
				t.Fatalf("SMTP %d, want %d (%v)", got, c.code, send(c.to, c.subject, c.body))
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("%d messages delivered, want 1", len(got))
	}
}
