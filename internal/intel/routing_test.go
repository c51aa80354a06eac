package intel

import (
	"compress/gzip"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/observable"
)

// official holds the public test data the tests read: RouteViews' AS
// table here, and the samples of each input format beside its reader
// (Shadowserver's reports, PyMISP's events, the OASIS STIX examples, ATT&CK
// for ICS), read from there rather than copied. Origins in each
// testdata/README.md.
const (
	official     = "testdata"
	officialCSV  = "csvfeed/testdata"
	officialMISP = "misp/testdata"
	officialSTIX = "stix/testdata"
)

func testRoutes() *Routes {
	return NewRoutes([]Constituency{
		{OrgID: "bankcert", CIDRs: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}, Domains: []string{"bank-cert.example"}},
		{OrgID: "firstbank", CIDRs: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/27"), netip.MustParsePrefix("2001:db8:100::/48")},
			ASNs: []uint32{64497}, Domains: []string{"firstbank.example"}},
		{OrgID: "branch", Domains: []string{"Branch.FirstBank.example."}},
		{OrgID: "shared", CIDRs: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/27")}},
		{OrgID: "telco", CIDRs: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}, ASNs: []uint32{64500}},
	})
}

func TestRoutes(t *testing.T) {
	r := testRoutes()
	tests := []struct {
		in   string
		want []string
	}{
		{"198.51.100.7", []string{"firstbank", "shared"}}, // the most specific network wins; two registered it
		{"198.51.100.200", []string{"bankcert"}},
		{"::ffff:198.51.100.200", []string{"bankcert"}},
		{"2001:db8:100:1::5", []string{"firstbank"}},
		{"192.0.2.1", nil},
		{"198.51.100.0/26", []string{"bankcert", "firstbank", "shared"}}, // inside bankcert's, containing firstbank's
		{"198.51.0.0/16", []string{"bankcert", "firstbank", "shared"}},
		{"www.firstbank.example", []string{"firstbank"}},
		{"a.branch.firstbank.example", []string{"branch"}},
		{"firstbank.example.evil.example", nil},
		{"notfirstbank.example", nil},
		{"soc@bank-cert.example", []string{"bankcert"}},
		{"https://login.firstbank.example/x", []string{"firstbank"}},
		{"http://203.0.113.9:8080/", []string{"telco"}},
		{"AS64500", []string{"telco"}},
		{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", nil},
	}
	for _, tc := range tests {
		o, err := observable.Normalize(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		got := slices.Clone(r.Route(o))
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q (%s) → %v, want %v", tc.in, o.Type, got, tc.want)
		}
	}
}

func loadOfficialASNs(t testing.TB) *ASNTable {
	t.Helper()
	f, err := os.Open(official + "/ipasn/ipasn_20140513.dat.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := LoadASNTable(z)
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
	tab, err := LoadASNTable(strings.NewReader("; comment\n# another\n\n192.0.2.0/24\t64500\n198.51.100.0\t24\t64501_64502\n203.0.113.0/24 {64503,64504}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string]uint32{"192.0.2.9": 64500, "198.51.100.9": 64501, "203.0.113.9": 64503} {
		if asn, _, ok := tab.Lookup(netip.MustParseAddr(ip)); !ok || asn != want {
			t.Errorf("%s → AS%d, want AS%d", ip, asn, want)
		}
	}
	for _, bad := range []string{"192.0.2.0/24\n", "192.0.2.0/33\t1\n", "192.0.2.0/24\tASx\n"} {
		if _, err := LoadASNTable(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// BenchmarkRouteIP: routing one address to its constituents among 10,000
// registered networks.
func BenchmarkRouteIP(b *testing.B) {
	var cs []Constituency
	for i := range 10_000 {
		cs = append(cs, Constituency{OrgID: fmt.Sprintf("org%d", i),
			CIDRs: []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)}})
	}
	r := NewRoutes(cs)
	addrs := make([]netip.Addr, 1024)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{10, byte(i * 7 >> 8), byte(i * 7), byte(i)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if r.IP(addrs[i%len(addrs)]) == nil {
			b.Fatal("no owner")
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
