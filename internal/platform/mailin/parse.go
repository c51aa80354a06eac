package mailin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // legacy charsets (ISO-8859-x, Windows-125x, …) decoded to UTF-8
	"github.com/emersion/go-message/mail"
)

// Limits on what one message may hold.
const (
	MaxText  = 1 << 20 // characters of body text kept
	maxParts = 50
	maxDepth = 8
)

// Message is one received message, decoded. Its text fields are valid
// UTF-8 without NUL: a bad byte arrives as U+FFFD.
type Message struct {
	EnvelopeFrom string // MAIL FROM; empty for bounces
	From         string // the author's address (From header), lower-cased
	FromName     string
	Subject      string
	MessageID    string
	Text         string // the plain-text body (of the first text part), UTF-8
	Attachments  []Attachment
	// Encrypted: the content arrived OpenPGP-encrypted and was decrypted.
	Encrypted bool
	// Undecryptable: some content was encrypted but not to a key we hold;
	// it is kept as an attachment.
	Undecryptable bool
	// Automatic: a bounce or an auto-reply (RFC 3834); never answer one.
	Automatic bool
	// Truncated: the text was longer than MaxText, or there were more parts
	// than are kept.
	Truncated bool
}

// Attachment is a file of a message.
type Attachment struct {
	Name        string
	ContentType string // as declared by the sender; sniff before trusting it
	Data        []byte
}

// Decrypter decrypts an ASCII-armoured OpenPGP message.
type Decrypter func(armored string) ([]byte, error)

// Parse decodes a message. decrypt may be nil (encrypted content is then
// kept as an attachment).
func Parse(raw io.Reader, decrypt Decrypter) (Message, error) {
	e, err := message.Read(raw)
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return Message{}, fmt.Errorf("mailin: read the message: %w", err)
	}
	h := mail.Header{Header: e.Header}
	var m Message
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		m.From, m.FromName = strings.ToLower(from[0].Address), from[0].Name
	}
	if m.Subject, err = h.Subject(); err != nil {
		m.Subject = h.Get("Subject")
	}
	m.Subject = strings.Join(strings.Fields(m.Subject), " ")
	m.MessageID, _ = h.MessageID()
	// Raw 8-bit headers (a legacy charset without MIME encoding) are not
	// UTF-8, which what stores them refuses.
	m.From, m.FromName = plainText(m.From), plainText(m.FromName)
	m.Subject, m.MessageID = plainText(m.Subject), plainText(m.MessageID)
	auto := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted")))
	m.Automatic = (auto != "" && auto != "no") || h.Get("X-Autoreply") != "" ||
		strings.EqualFold(h.Get("Precedence"), "bulk") || strings.EqualFold(h.Get("Precedence"), "junk")
	p := parser{m: &m, decrypt: decrypt}
	if err := p.walk(e, 0); err != nil {
		return Message{}, err
	}
	return m, nil
}

type parser struct {
	m       *Message
	decrypt Decrypter
	parts   int
}

func (p *parser) walk(e *message.Entity, depth int) error {
	if depth > maxDepth {
		return errors.New("mailin: the message nests too deeply")
	}
	if p.parts++; p.parts > maxParts {
		p.m.Truncated = true
		return nil
	}
	ct, params, err := e.Header.ContentType()
	if err != nil || ct == "" {
		ct = "text/plain"
	}
	if mr := e.MultipartReader(); mr != nil {
		if ct == "multipart/encrypted" && strings.EqualFold(params["protocol"], "application/pgp-encrypted") {
			return p.pgpMIME(mr, depth)
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
				return fmt.Errorf("mailin: read a part: %w", err)
			}
			if err := p.walk(part, depth+1); err != nil {
				return err
			}
		}
	}
	disp, dparams, _ := e.Header.ContentDisposition()
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	body, err := io.ReadAll(io.LimitReader(e.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("mailin: read a part: %w", err)
	}
	if ct == "text/plain" && disp != "attachment" && p.m.Text == "" {
		return p.text(body)
	}
	if ct == "text/html" && disp != "attachment" {
		// The plain alternative is the body; the HTML one adds nothing we
		// would show, and rendering sender HTML is a risk.
		return nil
	}
	name = plainText(name)
	if name == "" {
		name = "part-" + fmt.Sprint(p.parts)
	}
	p.m.Attachments = append(p.m.Attachments, Attachment{Name: name, ContentType: ct, Data: body})
	return nil
}

// plainText is s as text every store takes: valid UTF-8 without NUL, which
// PostgreSQL refuses in text columns. Each bad byte becomes U+FFFD, so the
// reader sees that something was there.
func plainText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// text takes the body text, decrypting an inline armoured block.
func (p *parser) text(body []byte) error {
	s := plainText(string(body))
	if begin := strings.Index(s, "-----BEGIN PGP MESSAGE-----"); begin >= 0 {
		end := strings.Index(s[begin:], "-----END PGP MESSAGE-----")
		if end > 0 {
			block := s[begin : begin+end+len("-----END PGP MESSAGE-----")]
			if plain, ok := p.open(block); ok {
				s = s[:begin] + plainText(string(plain)) + s[begin+len(block):]
			} else {
				p.m.Attachments = append(p.m.Attachments, Attachment{Name: "encrypted-message.asc", ContentType: "application/pgp-encrypted", Data: []byte(block)})
				s = s[:begin] + "[an OpenPGP-encrypted block that could not be decrypted is attached]" + s[begin+len(block):]
			}
		}
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if utf8.RuneCountInString(s) > MaxText {
		s = string([]rune(s)[:MaxText])
		p.m.Truncated = true
	}
	p.m.Text = strings.TrimSpace(s)
	return nil
}

// pgpMIME handles multipart/encrypted (RFC 3156): a version part, then the
// armoured ciphertext, which decrypts to a whole MIME entity.
func (p *parser) pgpMIME(mr message.MultipartReader, depth int) error {
	var cipher []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("mailin: read an encrypted part: %w", err)
		}
		ct, _, _ := part.Header.ContentType()
		if ct == "application/octet-stream" {
			if cipher, err = io.ReadAll(io.LimitReader(part.Body, 64<<20)); err != nil {
				return fmt.Errorf("mailin: read an encrypted part: %w", err)
			}
		}
	}
	if len(cipher) == 0 {
		return errors.New("mailin: multipart/encrypted without the encrypted part")
	}
	plain, ok := p.open(string(cipher))
	if !ok {
		p.m.Attachments = append(p.m.Attachments, Attachment{Name: "encrypted.asc", ContentType: "application/pgp-encrypted", Data: cipher})
		return nil
	}
	inner, err := message.Read(bytes.NewReader(plain))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		// Not MIME inside: take it as text.
		return p.text(plain)
	}
	return p.walk(inner, depth+1)
}

func (p *parser) open(armored string) ([]byte, bool) {
	if p.decrypt == nil {
		p.m.Undecryptable = true
		return nil, false
	}
	plain, err := p.decrypt(armored)
	if err != nil {
		p.m.Undecryptable = true
		return nil, false
	}
	p.m.Encrypted = true
	return plain, true
}
