package inbound

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/mailin"
)

func TestTrackingID(t *testing.T) {
	for subject, want := range map[string]string{
		"Re: [VR-2026-000123] more details": "VR-2026-000123",
		"VR-2026-000123":                    "VR-2026-000123",
		"XVR-2026-000123 is no ID":          "",
		"VR-2026-123":                       "",
		"":                                  "",
	} {
		if got := TrackingID(subject); got != want {
			t.Errorf("TrackingID(%q) = %q, want %q", subject, got, want)
		}
	}
}

func TestTitle(t *testing.T) {
	for _, c := range []struct{ subject, want string }{
		{"Re: Fwd: XSS in the portal", "XSS in the portal"},
		{"  AW: report ", "report"},
		{"", "Report by e-mail from a@b.example"},
		{"re:", "Report by e-mail from a@b.example"},
	} {
		if got := Title(mailin.Message{Subject: c.subject, From: "a@b.example"}, 200); got != c.want {
			t.Errorf("Title(%q) = %q, want %q", c.subject, got, c.want)
		}
	}
	if got := Title(mailin.Message{Subject: strings.Repeat("é", 300)}, 200); utf8.RuneCountInString(got) != 200 || !strings.HasSuffix(got, "…") {
		t.Errorf("a long subject makes a title of %d characters", utf8.RuneCountInString(got))
	}
}

func TestBody(t *testing.T) {
	m := mailin.Message{Text: " " + strings.Repeat("x", 20) + " ", Encrypted: true, Truncated: true}
	body, notes, full := Body(m, 100)
	if body != strings.Repeat("x", 20) || len(notes) != 2 || full != nil {
		t.Errorf("short message: %q %q %q", body, notes, full)
	}
	body, _, full = Body(m, 10)
	if !strings.HasPrefix(body, strings.Repeat("x", 10)+"\n\n[The message was longer") || string(full) != m.Text {
		t.Errorf("long message: %q, full %q", body, full)
	}
}
