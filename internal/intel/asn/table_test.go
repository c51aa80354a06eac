package asn

import (
	"compress/gzip"
	"net/netip"
	"os"
	"strings"
	"testing"
)

func loadOfficialASNs(t testing.TB) *Table {
	t.Helper()
	f, err := os.Open("testdata/ipasn/ipasn_20140513.dat.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Load(z)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestASNTableOfficial loads the RouteViews table of 2014 (pyasn's test
// data) and checks lookups against its lines.
func TestASNTableOfficial(t *testing.T) {
	tab := loadOfficialASNs(t)
	if tab.Len() < 500_000 {
		t.Fatalf("loaded %d prefixes, the file has 512,621", tab.Len())
	}
	for _, tc := range []struct {
		ip     string
		asn    uint32
		prefix string
	}{
		{"1.0.0.1", 15169, "1.0.0.0/24"},
		{"1.0.4.200", 56203, "1.0.4.0/24"},
	} {
		asn, p, ok := tab.Lookup(netip.MustParseAddr(tc.ip))
		if !ok || asn != tc.asn || p.String() != tc.prefix {
			t.Errorf("%s → AS%d %s %v, want AS%d %s", tc.ip, asn, p, ok, tc.asn, tc.prefix)
		}
	}
	if _, _, ok := tab.Lookup(netip.MustParseAddr("10.1.2.3")); ok {
		t.Error("a private address has an origin AS")
	}
}

func TestLoadASNTableFormats(t *testing.T) {
	tab, err := Load(strings.NewReader("; comment\n# another\n\n192.0.2.0/24\t64500\n198.51.100.0\t24\t64501_64502\n203.0.113.0/24 {64503,64504}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string]uint32{"192.0.2.9": 64500, "198.51.100.9": 64501, "203.0.113.9": 64503} {
		if asn, _, ok := tab.Lookup(netip.MustParseAddr(ip)); !ok || asn != want {
			t.Errorf("%s → AS%d, want AS%d", ip, asn, want)
		}
	}
	for _, bad := range []string{"192.0.2.0/24\n", "192.0.2.0/33\t1\n", "192.0.2.0/24\tASx\n"} {
		if _, err := Load(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// BenchmarkASNLookup: the origin AS of an address in the full 2014 table.
func BenchmarkASNLookup(b *testing.B) {
	tab := loadOfficialASNs(b)
	a := netip.MustParseAddr("1.0.4.200")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, _, ok := tab.Lookup(a); !ok {
			b.Fatal("not found")
		}
	}
}
