package stix

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/observable/observabletest"
)

func TestPattern(t *testing.T) {
	for _, tt := range []struct {
		o    observable.Observable
		want string
	}{
		{observable.Observable{Type: observable.IPv4, Value: "198.51.100.7"}, "[ipv4-addr:value = '198.51.100.7']"},
		{observable.Observable{Type: observable.CIDR, Value: "2001:db8::/32"}, "[ipv6-addr:value ISSUBSET '2001:db8::/32']"},
		{observable.Observable{Type: observable.CIDR, Value: "198.51.100.0/24"}, "[ipv4-addr:value ISSUBSET '198.51.100.0/24']"},
		{observable.Observable{Type: observable.Domain, Value: "xn--bcher-kva.example"}, "[domain-name:value = 'xn--bcher-kva.example']"},
		{observable.Observable{Type: observable.Email, Value: "o'brien@bank.example"}, `[email-addr:value = 'o\'brien@bank.example']`},
		{observable.Observable{Type: observable.MD5, Value: strings.Repeat("b", 32)}, "[file:hashes.MD5 = '" + strings.Repeat("b", 32) + "']"},
		{observable.Observable{Type: observable.URL, Value: "http://evil.example/a'b\\c"}, `[url:value = 'http://evil.example/a\'b\\c']`},
		{observable.Observable{Type: observable.SHA256, Value: strings.Repeat("a", 64)}, "[file:hashes.'SHA-256' = '" + strings.Repeat("a", 64) + "']"},
		{observable.Observable{Type: observable.ASN, Value: "AS64500"}, "[autonomous-system:number = 64500]"},
	} {
		got := Pattern(tt.o)
		if got != tt.want {
			t.Errorf("Pattern(%v) = %s, want %s", tt.o, got, tt.want)
		}
		// What certhub writes, certhub (and the grammar) reads back.
		want, err := observable.NormalizeAs(tt.o.Type, tt.o.Value)
		if err != nil {
			t.Fatal(err)
		}
		var c observabletest.Collected
		indicator, _ := json.Marshal(map[string]string{"type": "indicator", "id": "indicator--1", "pattern": got})
		if err := Parse(strings.NewReader(`{"objects": [`+string(indicator)+`]}`), c.Sink, c.Reject, nil); err != nil || len(c.Rej) > 0 ||
			!slices.Equal(c.Values(), []string{string(tt.o.Type) + " " + want.Value}) {
			t.Errorf("%s read back as %v (%v %v)", got, c.Values(), err, c.Rej)
		}
	}
}
