package intel

import (
	"context"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

func TestWarninglists(t *testing.T) {
	extra, err := LoadWarninglist(strings.NewReader(`{"name": "our CDN", "type": "cidr", "list": ["192.0.2.128/25", "2001:db8:cd::1"]}`))
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWarninglists(extra)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		"10.1.2.3":                      "private and special-purpose networks",
		"fe80::1":                       "private and special-purpose networks",
		"2001:db8:cd::1":                "our CDN",
		"8.8.8.8":                       "public DNS resolvers",
		"https://www.google.com/search": "the largest sites",
		"sites.google.com":              "",
		"192.0.2.200":                   "our CDN",
		"192.0.2.7":                     "",
		"198.51.100.7":                  "",
		"10.0.0.0/16":                   "private and special-purpose networks",
		"admin@microsoft.com":           "the largest sites",
		"http://192.168.1.1:8080/login": "private and special-purpose networks",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855": "",
	}
	for in, want := range tests {
		o, err := Normalize(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := w.Match(o); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{`{"name": "x", "type": "regex", "list": ["a.*"]}`, `{"name": "", "list": ["1.2.3.4"]}`, `{`} {
		l, err := LoadWarninglist(strings.NewReader(bad))
		if err == nil {
			_, err = NewWarninglists(l)
		}
		if err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}

func TestIngestSuppressesWarninglisted(t *testing.T) {
	s := newService(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	src, err := s.EnsureSource(ctx, sys, "noisy", "GREEN", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Ingest(ctx, sys, src, strings.NewReader("10.0.0.5\n8.8.8.8\n198.51.100.7\n"), IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 1 || res.Rejected != 2 || !strings.Contains(res.Errors[0].Message, "known benign (private") {
		t.Fatalf("%+v", res)
	}
}
