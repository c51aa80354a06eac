package inbound

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/mailin"
)

// trackingRE matches the tracking IDs vdp gives reports (VR-2026-000123).
var trackingRE = regexp.MustCompile(`\bVR-\d{4}-\d{6}\b`)

// TrackingID is the first report tracking ID the subject names, or "".
func TrackingID(subject string) string { return trackingRE.FindString(subject) }

// Title is the title of a new report made of m: its subject without reply
// and forward prefixes, the sender named when that leaves nothing, and
// cut to max characters.
func Title(m mailin.Message, max int) string {
	title := strings.TrimSpace(m.Subject)
	for _, prefix := range []string{"re:", "fwd:", "fw:", "aw:", "wg:"} {
		if strings.HasPrefix(strings.ToLower(title), prefix) {
			title = strings.TrimSpace(title[len(prefix):])
		}
	}
	if title == "" {
		title = "Report by e-mail from " + m.From
	}
	if utf8.RuneCountInString(title) > max {
		title = string([]rune(title)[:max-1]) + "…"
	}
	return title
}

// Text is the message's text, with notes on how it arrived.
func Text(m mailin.Message) (string, []string) {
	var notes []string
	if m.Encrypted {
		notes = append(notes, "[This message arrived OpenPGP-encrypted to the center's key.]")
	}
	if m.Undecryptable {
		notes = append(notes, "[Part of this message was encrypted to a key other than the center's and is attached as it came.]")
	}
	if m.Truncated {
		notes = append(notes, "[The message was cut: it had more parts or text than are kept.]")
	}
	return strings.TrimSpace(m.Text), notes
}

// Body is the description of a new report made of m: its Text, cut to max
// characters with a line saying so, and then full, the whole text to
// attach as message.txt (nil when nothing was cut).
func Body(m mailin.Message, max int) (body string, notes []string, full []byte) {
	body, notes = Text(m)
	if utf8.RuneCountInString(body) > max {
		full = []byte(m.Text)
		body = string([]rune(body)[:max]) + "\n\n[The message was longer; it is attached in full as message.txt.]"
	}
	return body, notes, full
}
