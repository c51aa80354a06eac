package warninglist

import (
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/observable"
)

func TestWarninglists(t *testing.T) {
	extra, err := Load(strings.NewReader(`{"name": "our CDN", "type": "cidr", "list": ["192.0.2.128/25", "2001:db8:cd::1"]}`))
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(append(Builtin(), extra)...)
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
		o, err := observable.Normalize(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := w.Match(o); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{`{"name": "x", "type": "regex", "list": ["a.*"]}`, `{"name": "", "list": ["1.2.3.4"]}`, `{`} {
		l, err := Load(strings.NewReader(bad))
		if err == nil {
			_, err = New(l)
		}
		if err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}
