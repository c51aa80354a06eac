package probetest_test

import (
	"net"
	"testing"

	"github.com/miekg/dns"

	"github.com/certhub/certhub/internal/hygiene/probetest"
)

// TestNet: the resolvers answer the zones with signatures, the second
// fails flaky.test, the open name server answers outside names, and
// fictional addresses map to loopback listeners (others to a closed port).
func TestNet(t *testing.T) {
	n := probetest.Start(t)
	ask := func(server, name string, qtype uint16) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		m.SetEdns0(4096, true)
		in, err := dns.Exchange(m, server)
		if err != nil {
			t.Fatalf("%s %s: %v", server, name, err)
		}
		return in
	}
	if in := ask(n.Resolvers[0], "good.test.", dns.TypeSOA); in.Rcode != dns.RcodeSuccess || len(in.Answer) != 2 {
		t.Errorf("good.test SOA: %v", in)
	}
	if in := ask(n.Resolvers[1], "flaky.test.", dns.TypeA); in.Rcode != dns.RcodeServerFailure {
		t.Errorf("flaky.test from the second resolver: %s", dns.RcodeToString[in.Rcode])
	}
	if in := ask(n.Resolvers[0], "nowhere.test.", dns.TypeA); in.Rcode != dns.RcodeNameError {
		t.Errorf("nowhere.test: %s", dns.RcodeToString[in.Rcode])
	}
	if in := ask(n.Addr(probetest.OpenNS, 53), "www.iana.org.", dns.TypeA); len(in.Answer) != 1 || !in.RecursionAvailable {
		t.Errorf("the open name server: %v", in)
	}
	if in := ask(n.Addr(probetest.StrictNS, 53), "www.iana.org.", dns.TypeA); in.Rcode != dns.RcodeRefused {
		t.Errorf("the strict name server: %s", dns.RcodeToString[in.Rcode])
	}
	c, err := net.Dial("tcp", n.Addr(probetest.GoodMX, 25))
	if err != nil {
		t.Fatalf("the good mail exchanger: %v", err)
	}
	c.Close()
	if n.Addr("192.0.2.1", 443) != "127.0.0.1:1" {
		t.Errorf("an unknown address maps to %s", n.Addr("192.0.2.1", 443))
	}
}
