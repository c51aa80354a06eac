package vdp

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/mailin"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// fuzzEngine is PostgreSQL when the tests have one, for it refuses what
// SQLite stores (NUL in text), else SQLite.
func fuzzEngine() db.Engine {
	if os.Getenv("CERTHUB_TEST_POSTGRES") != "" {
		return db.Postgres
	}
	return db.SQLite
}

// FuzzReceiveMail takes messages as the inbound listener does: parsed (and
// decrypted with the center's key), then made a report or a reply to one.
// Each is taken or refused for good (the sender is told why); none fails
// as the server's fault, which would leave the sender's server retrying
// a message the center can never take.
func FuzzReceiveMail(f *testing.F) {
	w := newWorld(f, dbtest.Open(f, fuzzEngine()))
	ctx := context.Background()
	_, rc, err := w.svc.Reports().SubmitPublic(ctx, goodReport(), "web", "192.0.2.10")
	if err != nil {
		f.Fatal(err)
	}
	crlf := func(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }
	f.Add(crlf("From: \"Ada\" <Ada@Researcher.example>\nSubject: Re: [" + rc.TrackingID + "] more details\n\nThe PoC works on 4.3 too.\n"))
	f.Add(crlf("From: Someone <someone@elsewhere.example>\nSubject: " + rc.TrackingID + "\n\nNot the reporter.\n"))
	f.Add(crlf("From: finder@mail.example\nSubject: =?utf-8?q?XSS_in_the_portal?=\nContent-Type: text/plain; charset=iso-8859-1\n" +
		"Content-Transfer-Encoding: quoted-printable\n\nGr=FC=DFe, the search box reflects input.\n"))
	f.Add(crlf("From: a@b.example\nSubject: report\nContent-Type: multipart/mixed; boundary=\"out\"\n\n--out\nContent-Type: text/plain\n\n" +
		"See the attachments.\n--out\nContent-Type: application/x-msdownload; name=\"poc.exe\"\nContent-Disposition: attachment; filename=\"../poc.exe\"\n\nMZ\n" +
		"--out\nContent-Type: text/plain; name=\"notes.txt\"\nContent-Disposition: attachment; filename=\"notes.txt\"\n\nnotes\n--out--\n"))
	f.Add(crlf("From: a@b.example\nSubject: \nContent-Type: multipart/mixed; boundary=\"x\"\n\n--x\nContent-Type: image/png; name=\"a.png\"\n\n\x89PNG\n--x--\n"))
	f.Add(crlf("From: MAILER-DAEMON@b.example\nAuto-Submitted: auto-replied\nSubject: Out of office\n\naway\n"))
	f.Add(crlf("From: not an address\nSubject: x\n\nbody\n"))
	f.Add(crlf("From: a@b.example\nSubject: empty\n\n\n"))
	f.Add(crlf("From: a@b.example\nSubject: " + strings.Repeat("long ", 100) + "\n\n" + strings.Repeat("text ", 4000) + "\n"))
	for _, plain := range []string{"Encrypted details of the flaw.", "Content-Type: text/plain\r\n\r\nMIME inside.\r\n"} {
		msg, err := pgp.Encrypt([]byte(plain), w.svc.CenterKey().Public)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(crlf("From: a@b.example\nSubject: secret\n\nHello,\n" + msg + "\nBye\n"))
		f.Add(crlf("From: a@b.example\nSubject: encrypted\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"enc\"\n\n" +
			"--enc\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n--enc\nContent-Type: application/octet-stream\n\n" + msg + "\n--enc--\n"))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		w.clk.Add(10 * time.Minute) // past the limit on messages per sender
		m, err := mailin.Parse(bytes.NewReader(raw), w.svc.Reports().Decrypt)
		if err != nil {
			return // answered 554 by the listener (internal/platform/mailin)
		}
		m.EnvelopeFrom = m.From
		err = w.svc.Reports().ReceiveMail(ctx, m, "192.0.2.1")
		var rej *mailin.Rejection
		if err != nil && !errors.As(err, &rej) {
			t.Fatalf("the message fails as the server's fault (451, retried for ever): %v", err)
		}
	})
}
