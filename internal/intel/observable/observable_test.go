package observable

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in   string
		typ  Type
		want string
	}{
		{"198.51.100.7", IPv4, "198.51.100.7"},
		{" 198[.]51[.]100[.]7 ", IPv4, "198.51.100.7"},
		{"::ffff:198.51.100.7", IPv4, "198.51.100.7"},
		{"2001:DB8::0:1", IPv6, "2001:db8::1"},
		{"192.0.2.77/24", CIDR, "192.0.2.0/24"},
		{"192.0.2.7/32", IPv4, "192.0.2.7"},
		{"2001:db8::/32", CIDR, "2001:db8::/32"},
		{"::ffff:192.0.2.0/120", CIDR, "192.0.2.0/24"},
		{"Evil.Example.", Domain, "evil.example"},
		{"evil(dot)example", Domain, "evil.example"},
		{"evil[.]example", Domain, "evil.example"},
		{"bücher.example", Domain, "xn--bcher-kva.example"},
		{"c2_node.evil.example", Domain, "c2_node.evil.example"},
		{"hxxps://Evil[.]Example:443/a/b?x=1#frag", URL, "https://evil.example/a/b?x=1"},
		{"hxxp://evil.example", URL, "http://evil.example/"},
		{"HXXp://A", URL, "http://a/"},
		{"AHXXp://A", URL, "ahxxp://a/"}, // a scheme of its own: not a defanged one
		{"hxxp[://]evil[.]example/x", URL, "http://evil.example/x"},
		{"http://evil.example/[[.]]", URL, "http://evil.example/."},
		{"hXxPs://Evil.Example/P", URL, "https://evil.example/P"},
		{"FxP://files.example/x", URL, "ftp://files.example/x"},
		{"http://evil.example:8080/x", URL, "http://evil.example:8080/x"},
		{"http://bank.example@evil.example/login", URL, "http://evil.example/login"},
		{"https://[2001:db8::1]:443/", URL, "https://[2001:db8::1]/"},
		{"evil.example/payload.exe", URL, "http://evil.example/payload.exe"},
		{"evil.example:8443", URL, "http://evil.example:8443/"},
		{"Phisher[@]Evil[.]Example", Email, "phisher@evil.example"},
		{"D41D8CD98F00B204E9800998ECF8427E", MD5, "d41d8cd98f00b204e9800998ecf8427e"},
		{"da39a3ee5e6b4b0d3255bfef95601890afd80709", SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{strings.Repeat("Ab", 64), SHA512, strings.Repeat("ab", 64)},
		{"AS64500", ASN, "AS64500"},
		{"as0064501", ASN, "AS64501"},
		{"cve-2026-12345", CVE, "CVE-2026-12345"},
		{"\"198.51.100.8\"", IPv4, "198.51.100.8"},
	}
	// Typed as URLs (a CSV column, a STIX url object): a value without a
	// scheme of its own is a web address.
	for in, want := range map[string]string{
		"//Evil.Example/x":                  "http://evil.example/x",
		"//A://":                            "http://a//",
		"evil.example/r?u=http://x.example": "http://evil.example/r?u=http://x.example",
		"HTTPS://Evil.Example/r?u=ftp://x":  "https://evil.example/r?u=ftp://x",
	} {
		got, err := NormalizeAs(URL, in)
		if err != nil || got.Value != want {
			t.Errorf("%q as a URL → %q %v, want %q", in, got.Value, err, want)
			continue
		}
		if again, err := NormalizeAs(URL, got.Value); err != nil || again != got {
			t.Errorf("%q is not stable: %v %v", got.Value, again, err)
		}
	}
	for _, tc := range tests {
		got, err := Normalize(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got.Type != tc.typ || got.Value != tc.want {
			t.Errorf("%q → %s %q, want %s %q", tc.in, got.Type, got.Value, tc.typ, tc.want)
		}
		// Normalising a normalised value changes nothing.
		again, err := NormalizeAs(got.Type, got.Value)
		if err != nil || again != got {
			t.Errorf("%q is not stable: %v %v", got.Value, again, err)
		}
	}
}

func TestNormalizeRejects(t *testing.T) {
	tests := []struct {
		in     string
		reason string
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"localhost", "two labels"},
		{"http://", "needs a host"},
		{"http://evil.example:99999/", "port"},
		{"not an indicator at all", "host name"},
		{"user@localhost", "bad domain"},
		{"CVE-26-1", "not a CVE ID"},
		{"AS0", "AS number"},
		{"AS4294967296", "AS number"},
		{"fe80::1%eth0", "zone"},
		{"a." + strings.Repeat("b", 64) + ".example", "1 to 63"},
		{strings.Repeat("x", MaxLength+1), "longer than"},
		{"\xc3.example", "not UTF-8"},
		{"http://caf\xe9.example/", "not UTF-8"},
		{"example.123", "not a number"},
	}
	for _, tc := range tests {
		o, err := Normalize(tc.in)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q accepted as %v", tc.in, o)
			continue
		}
		if !strings.Contains(e.Reason, tc.reason) {
			t.Errorf("%q: reason %q, want it to mention %q", tc.in, e.Reason, tc.reason)
		}
	}
	// A type given by the source is checked, not trusted.
	if _, err := NormalizeAs(SHA256, "d41d8cd98f00b204e9800998ecf8427e"); err == nil {
		t.Error("an MD5 accepted as SHA-256")
	}
	if _, err := NormalizeAs(IPv4, "evil.example"); err == nil {
		t.Error("a domain accepted as an IP address")
	}
	if o, err := NormalizeAs(Domain, "198.51.100.9"); err != nil || o.Type != IPv4 {
		t.Errorf("an address given as a domain: %v %v", o, err)
	}
}

func BenchmarkNormalize(b *testing.B) {
	values := []string{"198.51.100.7", "evil[.]example", "hxxps://evil.example/a?b=1", "2001:db8::1",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "phisher@evil.example", "192.0.2.0/24"}
	b.ReportAllocs()
	for i := range b.N {
		if _, err := Normalize(values[i%len(values)]); err != nil {
			b.Fatal(err)
		}
	}
}
