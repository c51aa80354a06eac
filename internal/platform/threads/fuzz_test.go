package threads_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/threads"
)

// FuzzReplyText: what a reply by mail and its address are read with never
// panics, keeps only text that was in the reply, and finds a token only
// in a reply address.
func FuzzReplyText(f *testing.F) {
	f.Add("Yes.\r\n\r\nOn Mon, X wrote:\r\n> no", "reply+abc@cert.example")
	f.Add("@BankCERT @@x (@nCERT)", "REPLY+@x")
	f.Fuzz(func(t *testing.T, text, addr string) {
		body := threads.QuotedReply(text)
		if utf8.ValidString(text) && !strings.Contains(strings.ReplaceAll(text, "\r\n", "\n"), body) {
			t.Errorf("QuotedReply(%q) = %q, not part of it", text, body)
		}
		for _, m := range threads.Mentions(text) {
			if m == "" || m != strings.ToLower(m) {
				t.Errorf("mention %q", m)
			}
		}
		if token, ok := threads.TokenOf(addr); ok && (token == "" || !strings.Contains(strings.ToLower(addr), "reply+"+token)) {
			t.Errorf("TokenOf(%q) = %q", addr, token)
		}
	})
}
