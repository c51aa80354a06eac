package securitytxt_test

import (
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/hygiene/securitytxt"
)

var now = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name, in string
		problems []string // phrases, in order
	}{
		{"valid", "# ours\nContact: mailto:security@example.org\nContact: https://example.org/report\nExpires: 2027-06-01T00:00:00Z\nCanonical: https://example.org/.well-known/security.txt\nPreferred-Languages: en, fr\nCSAF: https://example.org/.well-known/csaf/provider-metadata.json\n", nil},
		{"missing both", "Policy: https://example.org/p\n", []string{"Contact is required", "Expires is required"}},
		{"expired", "Contact: mailto:a@b.c\nExpires: 2026-01-01T00:00:00Z\n", []string{"expired on 2026-01-01"}},
		{"too far", "Contact: mailto:a@b.c\nExpires: 2029-01-01T00:00:00Z\n", []string{"more than a year ahead"}},
		{"bad date", "Contact: mailto:a@b.c\nExpires: 1 June 2027\n", []string{"not an RFC 3339"}},
		{"twice", "Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\nExpires: 2027-02-01T00:00:00Z\n", []string{"once"}},
		{"http", "Contact: http://example.org/\nExpires: 2027-01-01T00:00:00Z\n", []string{"must use https"}},
		{"scheme", "Contact: ftp://example.org/\nExpires: 2027-01-01T00:00:00Z\n", []string{"scheme ftp"}},
		{"junk", "Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\nthis is not a field\n", []string{"line 3"}},
	} {
		f := securitytxt.Parse([]byte(c.in), now)
		if len(f.Problems) != len(c.problems) {
			t.Errorf("%s: problems %q, want %d", c.name, f.Problems, len(c.problems))
			continue
		}
		for i, p := range c.problems {
			if !strings.Contains(f.Problems[i], p) {
				t.Errorf("%s: problem %q lacks %q", c.name, f.Problems[i], p)
			}
		}
	}
	f := securitytxt.Parse([]byte("Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\nCanonical: https://a.example/.well-known/security.txt\n"), now)
	if !f.CanonicalAt("https://a.example/.well-known/security.txt") || f.CanonicalAt("https://b.example/.well-known/security.txt") {
		t.Errorf("canonical: %v", f.Canonical)
	}
	if f := securitytxt.Parse([]byte("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact: x\n"), now); f.Signed || len(f.Problems) != 1 {
		t.Errorf("a broken signed message: %+v", f.Problems)
	}
}

// FuzzParse: any input is read without a panic, and a file without
// problems has its required fields.
func FuzzParse(f *testing.F) {
	f.Add([]byte("Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := securitytxt.Parse(b, now)
		if len(p.Problems) == 0 && (len(p.Contact) == 0 || p.Expires.IsZero()) {
			t.Fatalf("no problem reported for %q", b)
		}
	})
}
