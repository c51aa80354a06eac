package routing

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/asn"
	"github.com/certhub/certhub/internal/intel/observable"
)

func testRoutes() *Routes {
	return New([]Constituency{
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

// TestRoutesWithOrigins: with an AS table, an address or network also
// concerns whoever registered the AS announcing it.
func TestRoutesWithOrigins(t *testing.T) {
	origins, err := asn.Load(strings.NewReader("203.0.112.0/23\t64500\n198.51.100.0/24\t64497\n192.0.2.0/24\t64999\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := testRoutes().WithOrigins(origins)
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"203.0.112.9", []string{"telco"}},                    // outside every registered network: the AS's owner
		{"203.0.113.9", []string{"telco"}},                    // the network's owner and the AS's are one
		{"198.51.100.7", []string{"firstbank", "shared"}},     // AS64497 is firstbank's: no one added
		{"198.51.100.200", []string{"bankcert", "firstbank"}}, // bankcert's network, announced by firstbank's AS
		{"203.0.112.0/24", []string{"telco"}},                 // a network inside the announced prefix
		{"http://203.0.112.9/x", []string{"telco"}},
		{"192.0.2.1", nil}, // an AS nobody registered
	} {
		o, err := observable.Normalize(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Clone(r.Route(o))
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s → %v, want %v", tc.in, got, tc.want)
		}
	}
	// The tables' own slices stay as they were.
	if got := testRoutes().IP(netip.MustParseAddr("198.51.100.200")); !slices.Equal(got, []string{"bankcert"}) {
		t.Errorf("a routing table changed under a union: %v", got)
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
	r := New(cs)
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
