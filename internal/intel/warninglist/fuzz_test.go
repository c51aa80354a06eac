package warninglist

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/errs"
)

// FuzzLoadWarninglist: a list in MISP's format that loads matches each of
// its networks and host names; one that is refused says which field.
func FuzzLoadWarninglist(f *testing.F) {
	f.Add([]byte(`{"name": "Partner CDN", "version": 7, "type": "cidr", "list": ["192.0.2.128/25", "2001:db8::/32", "198.51.100.7"]}`))
	f.Add([]byte(`{"name": "Top sites", "description": "x", "type": "hostname", "list": ["Example.COM.", "bücher.example", "203.0.113.9", "fe80::1%eth0", "not a host"], "matching_attributes": ["hostname"]}`))
	f.Add([]byte(`{"name": "x", "type": "string", "list": ["a\nb"]}`))
	f.Add([]byte(`{"name": "x", "type": "regex", "list": ["."]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Load(bytes.NewReader(data))
		if err != nil {
			e := errs.As(err)
			if e == nil || e.Kind != errs.KindInvalid {
				t.Fatalf("refused as a server error: %v", err)
			}
			return
		}
		w, err := New(l)
		if err != nil {
			t.Fatalf("a checked list does not build: %v", err)
		}
		for _, v := range l.List {
			var o observable.Observable
			if l.Type == "cidr" {
				p, err := netip.ParsePrefix(strings.TrimSpace(v))
				if err != nil {
					a := netip.MustParseAddr(strings.TrimSpace(v))
					p = netip.PrefixFrom(a, a.BitLen())
				}
				p = p.Masked()
				if p.Addr().Is4In6() || p.Addr().Zone() != "" {
					continue // the same network written otherwise; ingest never sees it so
				}
				o = observable.Observable{Type: observable.CIDR, Value: p.String()}
				if p.IsSingleIP() {
					o = observable.Observable{Type: observable.IPv4, Value: p.Addr().String()}
					if p.Addr().Is6() {
						o.Type = observable.IPv6
					}
				}
			} else if o, err = observable.Normalize(v); err != nil || (o.Type != observable.Domain && o.Type != observable.IPv4 && o.Type != observable.IPv6) {
				continue
			}
			if got := w.Match(o); got == "" {
				t.Fatalf("%q (%+v) is on list %q but matches none", v, o, l.Name)
			}
		}
	})
}
