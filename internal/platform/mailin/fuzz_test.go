package mailin_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/mailin"
)

// fakeDecrypt stands for OpenPGP (fuzzed in internal/platform/pgp): the
// "ciphertext" between the armour lines is the plain text, unless it says
// it is for another key. It lets the fuzzer reach what decrypted content
// holds: text, or a whole MIME entity.
func fakeDecrypt(armored string) ([]byte, error) {
	const begin, end = "-----BEGIN PGP MESSAGE-----", "-----END PGP MESSAGE-----"
	i, j := strings.Index(armored, begin), strings.LastIndex(armored, end)
	if i < 0 || j < i+len(begin) || strings.Contains(armored, "another key") {
		return nil, errors.New("not for our key")
	}
	return []byte(strings.TrimPrefix(armored[i+len(begin):j], "\n")), nil
}

// FuzzParse: every message that parses gives text, names and attachments
// that can be stored and shown (valid UTF-8, the text within its limit,
// one-line subject, lower-case sender); a message that does not parse says
// so rather than panicking or hanging.
func FuzzParse(f *testing.F) {
	for _, raw := range []string{
		"From: \"Jörg Finder\" <Joerg@Finder.Example>\r\nTo: report@cert.example\r\nSubject: =?utf-8?q?XSS_in_the_portal?= [VR-2026-000042]\r\n" +
			"Message-ID: <abc@finder.example>\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
			"Gr=FC=DFe, the search box reflects input.\r\n",
		"From: a@b.example\r\nSubject: report\r\nContent-Type: multipart/mixed; boundary=\"out\"\r\n\r\n--out\r\n" +
			"Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\nContent-Type: text/plain\r\n\r\nPlain body.\r\n--alt\r\n" +
			"Content-Type: text/html\r\n\r\n<p>HTML body</p>\r\n--alt--\r\n--out\r\nContent-Type: image/png; name=\"shot.png\"\r\n" +
			"Content-Disposition: attachment; filename=\"shot.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--out--\r\n",
		"From: a@b.example\r\nSubject: secret\r\n\r\nHello,\r\n-----BEGIN PGP MESSAGE-----\nSecret details.\n-----END PGP MESSAGE-----\r\nBye\r\n",
		"From: a@b.example\r\nSubject: encrypted\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"enc\"\r\n\r\n" +
			"--enc\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--enc\r\nContent-Type: application/octet-stream\r\n\r\n" +
			"-----BEGIN PGP MESSAGE-----\nContent-Type: multipart/mixed; boundary=\"in\"\n\n--in\nContent-Type: text/plain; charset=utf-8\n\n" +
			"Encrypted PoC inside.\n--in\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"poc.py\"\n\n" +
			"print(1)\n--in--\n-----END PGP MESSAGE-----\r\n--enc--\r\n",
		"From: a@b.example\r\nSubject: s\r\n\r\n-----BEGIN PGP MESSAGE-----\nfor another key\n-----END PGP MESSAGE-----\r\n",
		"From: MAILER-DAEMON\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\naway\r\n",
		"Subject: =?iso-8859-1?b?SGFsbG8g5A==?=\r\nFrom: =?utf-8?q?=C3=A9?= <x@y.example>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n/w==\r\n",
		"no header at all, just bytes",
	} {
		f.Add([]byte(raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := mailin.Parse(strings.NewReader(string(raw)), fakeDecrypt)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "mailin: ") {
				t.Fatalf("an error that does not say it is the message's: %v", err)
			}
			return
		}
		for name, s := range map[string]string{"From": m.From, "FromName": m.FromName, "Subject": m.Subject, "MessageID": m.MessageID, "Text": m.Text} {
			if !utf8.ValidString(s) || strings.Contains(s, "\x00") {
				t.Fatalf("%s %q is not UTF-8 text without NUL", name, s)
			}
		}
		if m.From != strings.ToLower(m.From) {
			t.Fatalf("sender %q is not lower-case", m.From)
		}
		if strings.ContainsAny(m.Subject, "\r\n\t") || m.Subject != strings.TrimSpace(m.Subject) {
			t.Fatalf("subject %q is not one line", m.Subject)
		}
		if utf8.RuneCountInString(m.Text) > mailin.MaxText || m.Text != strings.TrimSpace(m.Text) {
			t.Fatalf("text of %d characters: %.80q", utf8.RuneCountInString(m.Text), m.Text)
		}
		if len(m.Attachments) > 50 {
			t.Fatalf("%d attachments", len(m.Attachments))
		}
		for _, a := range m.Attachments {
			if a.Name == "" || !utf8.ValidString(a.Name) || strings.Contains(a.Name, "\x00") {
				t.Fatalf("an attachment without a name: %+v", a)
			}
		}
	})
}
