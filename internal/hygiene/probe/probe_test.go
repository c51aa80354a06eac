package probe_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/hygiene/probe"
	"github.com/certhub/certhub/internal/hygiene/probetest"
)

// results indexes a run's results by "check target".
func results(list []probe.Result) map[string]probe.Result {
	m := map[string]probe.Result{}
	for _, r := range list {
		m[r.Check+" "+r.Target] = r
	}
	return m
}

// expect asserts each "check target" has the status, and (when given) that
// its evidence contains a phrase.
func expect(t *testing.T, got map[string]probe.Result, want map[string]string) {
	t.Helper()
	for key, w := range want {
		status, phrase, _ := strings.Cut(w, " ~ ")
		r, ok := got[key]
		if !ok {
			t.Errorf("%s: no result", key)
			continue
		}
		if string(r.Status) != status {
			t.Errorf("%s: %s (%s), want %s", key, r.Status, r.Evidence, status)
			continue
		}
		if phrase != "" && !strings.Contains(r.Evidence, phrase) {
			t.Errorf("%s: evidence %q lacks %q", key, r.Evidence, phrase)
		}
	}
}

var all = map[string]bool{probe.NeedDNS: true, probe.NeedMail: true, probe.NeedWeb: true, probe.NeedExposure: true}

// TestGoodDomain: a domain done right passes every check, with its
// security.txt signed by the key the directory holds.
func TestGoodDomain(t *testing.T) {
	n := probetest.Start(t)
	p := probe.New(n.Options())
	got := results(p.Run(probetest.Ctx(t), probe.Scope{Domains: []string{"good.test"}, Allow: all,
		DKIMSelectors: []string{"sel1"}, SignedSecurityTxt: true, Keys: []string{n.GoodKey}}))
	for k, r := range got {
		if r.Status != probe.Pass {
			t.Errorf("%s: %s (%s)", k, r.Status, r.Evidence)
		}
	}
	expect(t, got, map[string]string{
		"dns.resolve good.test":                    "pass ~ 2 resolvers",
		"dns.dnssec.chain good.test":               "pass",
		"dns.dnssec.algorithm good.test":           "pass ~ ECDSAP256SHA256",
		"dns.caa good.test":                        "pass ~ ca.test",
		"dns.open-resolver good.test":              "pass",
		"dns.axfr good.test":                       "pass",
		"mail.spf.all good.test":                   "pass ~ fail",
		"mail.dmarc.policy good.test":              "pass ~ reject",
		"mail.dkim good.test":                      "pass ~ sel1",
		"mail.mta-sts good.test":                   "pass ~ enforce",
		"mail.tls-rpt good.test":                   "pass",
		"mail.starttls mail.good.test":             "pass ~ STARTTLS",
		"mail.starttls.certificate mail.good.test": "pass",
		"web.https good.test":                      "pass",
		"web.https www.good.test":                  "pass",
		"web.redirect good.test":                   "pass ~ 301",
		"web.tls.versions good.test":               "pass",
		"web.tls.ciphers good.test":                "pass",
		"web.certificate.chain good.test":          "pass",
		"web.certificate.expiry good.test":         "pass",
		"web.hsts good.test":                       "pass",
		"web.headers good.test":                    "pass",
		"web.security-txt good.test":               "pass",
		"web.security-txt.valid good.test":         "pass",
		"web.security-txt.signature good.test":     "pass ~ signed by",
	})
	if len(got) < 35 {
		t.Errorf("%d results, want every check of a domain", len(got))
	}
}

// TestBadDomain: each mistake of bad.test fails its own check, with the
// evidence that shows it.
func TestBadDomain(t *testing.T) {
	n := probetest.Start(t)
	p := probe.New(n.Options())
	got := results(p.Run(probetest.Ctx(t), probe.Scope{Domains: []string{"bad.test"}, Allow: all, DKIMSelectors: []string{"sel1"},
		SignedSecurityTxt: true, Keys: []string{n.GoodKey}}))
	expect(t, got, map[string]string{
		"dns.resolve bad.test":                "pass",
		"dns.dnssec.signed bad.test":          "pass",
		"dns.dnssec.chain bad.test":           "fail ~ publishes no DS",
		"dns.dnssec.algorithm bad.test":       "fail ~ RSASHA1",
		"dns.dnssec.expiry bad.test":          "fail ~ expires in",
		"dns.caa bad.test":                    "fail ~ any certificate authority",
		"dns.dangling-cname bad.test":         "fail ~ www.bad.test is an alias of gone.nowhere.test",
		"dns.open-resolver bad.test":          "fail ~ ns1.bad.test",
		"dns.axfr bad.test":                   "fail ~ transferred",
		"mail.spf bad.test":                   "pass",
		"mail.spf.all bad.test":               "fail ~ every host",
		"mail.dmarc bad.test":                 "pass",
		"mail.dmarc.policy bad.test":          "fail ~ p=none",
		"mail.dmarc.rua bad.test":             "fail",
		"mail.dkim bad.test":                  "fail ~ 512 bits",
		"mail.mta-sts bad.test":               "fail",
		"mail.tls-rpt bad.test":               "fail",
		"mail.starttls mail.bad.test":         "fail ~ STARTTLS is not offered",
		"web.https bad.test":                  "pass",
		"web.certificate.valid bad.test":      "fail ~ expired",
		"web.certificate.chain bad.test":      "pass",
		"web.certificate.expiry bad.test":     "fail ~ expired",
		"web.tls.versions bad.test":           "fail ~ TLS 1.0",
		"web.tls.ciphers bad.test":            "fail ~ TLS_RSA_WITH_AES_128_CBC_SHA",
		"web.redirect bad.test":               "fail ~ clear text",
		"web.hsts bad.test":                   "fail ~ max-age=300",
		"web.headers bad.test":                "fail ~ Content-Security-Policy",
		"web.security-txt bad.test":           "pass",
		"web.security-txt.valid bad.test":     "fail ~ Expires is required",
		"web.security-txt.signature bad.test": "fail ~ requires a signed",
	})
	if r := got["web.security-txt.valid bad.test"]; !strings.Contains(r.Evidence, "must use https") {
		t.Errorf("security.txt evidence %q misses the http Contact", r.Evidence)
	}
}

// TestCertificates: wrong names and self-signed certificates fail the
// checks that concern them, and only those.
func TestCertificates(t *testing.T) {
	n := probetest.Start(t)
	p := probe.New(n.Options())
	got := results(p.Run(probetest.Ctx(t), probe.Scope{Domains: []string{"wrongname.test", "selfsigned.test"}, Allow: all}))
	expect(t, got, map[string]string{
		"web.certificate.name wrongname.test":   "fail ~ other.test",
		"web.certificate.chain wrongname.test":  "pass",
		"web.certificate.valid wrongname.test":  "pass",
		"web.certificate.chain selfsigned.test": "fail ~ self-signed",
		"web.certificate.name selfsigned.test":  "pass",
		"dns.dnssec.signed wrongname.test":      "fail ~ not signed",
		"dns.dnssec.chain wrongname.test":       "skipped",
	})
}

// TestDNSFailures: expired signatures, a record with too many lookups, a
// resolver that fails and a name that does not exist.
func TestDNSFailures(t *testing.T) {
	n := probetest.Start(t)
	p := probe.New(n.Options())
	got := results(p.Run(probetest.Ctx(t), probe.Scope{Domains: []string{"stale.test", "loops.test", "flaky.test", "nowhere.test"}}))
	expect(t, got, map[string]string{
		"dns.dnssec.expiry stale.test": "fail ~ expired",
		"dns.dnssec.chain stale.test":  "fail ~ no valid signature",
		"mail.spf.lookups loops.test":  "fail ~ lookups",
		"dns.resolve flaky.test":       "fail ~ 1 of 2 resolvers",
		"dns.resolve nowhere.test":     "fail ~ NXDOMAIN",
	})
	if _, ok := got["mail.spf nowhere.test"]; ok {
		t.Error("a domain that does not resolve was checked further")
	}
}

// TestPermission: without permission, checks that touch the
// organisation's hosts do not connect and say why; the passive ones run.
func TestPermission(t *testing.T) {
	n := probetest.Start(t)
	p := probe.New(n.Options())
	got := results(p.Run(probetest.Ctx(t), probe.Scope{Domains: []string{"bad.test"}, Allow: map[string]bool{probe.NeedMail: true},
		Addresses: []netip.Addr{netip.MustParseAddr(probetest.Exposed)}}))
	expect(t, got, map[string]string{
		"dns.open-resolver bad.test":              "skipped ~ no scanning permission for dns",
		"web.https bad.test":                      "skipped ~ web",
		"exposure.open-port " + probetest.Exposed: "skipped ~ exposure",
		"mail.starttls mail.bad.test":             "fail",
		"mail.spf.all bad.test":                   "fail",
	})
	for k, r := range got {
		if strings.HasPrefix(k, "web.certificate") || strings.HasPrefix(k, "exposure.risky") {
			t.Errorf("%s ran without permission: %s", k, r.Evidence)
		}
	}
}

// TestExposure: open ports are listed, risky services fail, and a banner
// naming a version an advisory covers fails with the advisory.
func TestExposure(t *testing.T) {
	n := probetest.Start(t)
	o := n.Options()
	var asked []string
	o.Known = func(_ context.Context, product, version string) ([]probe.Vuln, error) {
		asked = append(asked, product+" "+version)
		if product == "Apache" && version == "2.4.49" {
			return []probe.Vuln{{Ref: "CC-2026-0001", Title: "Path traversal in Apache HTTP Server", URL: "/advisories/CC-2026-0001"}}, nil
		}
		return nil, nil
	}
	got := results(probe.New(o).Run(probetest.Ctx(t), probe.Scope{Allow: all,
		Addresses: []netip.Addr{netip.MustParseAddr(probetest.Exposed), netip.MustParseAddr("192.0.2.99")}}))
	expect(t, got, map[string]string{
		"exposure.risky-service " + probetest.Exposed + ":23":   "fail ~ Telnet",
		"exposure.risky-service " + probetest.Exposed + ":3389": "fail ~ RDP",
		"exposure.vulnerable " + probetest.Exposed + ":80":      "fail ~ CC-2026-0001",
	})
	var open probe.Result
	for k, r := range got {
		if strings.HasPrefix(k, "exposure.open-port") {
			open = r
		}
	}
	if !strings.Contains(open.Evidence, "OpenSSH 7.4") || !strings.Contains(open.Evidence, "Apache 2.4.49") {
		t.Errorf("open ports: %q", open.Evidence)
	}
	if strings.Join(asked, ",") != "OpenSSH 7.4,Apache 2.4.49" {
		t.Errorf("asked about %v", asked)
	}
}

func TestParseBanner(t *testing.T) {
	for in, want := range map[string]probe.Software{
		"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3":                        {Product: "OpenSSH", Version: "8.9"},
		"HTTP/1.1 200 OK\r\nServer: nginx/1.18.0 (Ubuntu)\r\n":  {Product: "nginx", Version: "1.18.0"},
		"220 mail.example ESMTP Postfix 3.4.14":                 {Product: "Postfix", Version: "3.4.14"},
		"220 (vsFTPd 2.3.4)":                                    {Product: "vsFTPd", Version: "2.3.4"},
		"HTTP/1.0 200 OK\r\nServer: Microsoft-IIS/10.0\r\n\r\n": {Product: "Microsoft-IIS", Version: "10.0"},
		"login: ": {},
	} {
		if got := probe.ParseBanner(in); got != want {
			t.Errorf("%q: %+v, want %+v", in, got, want)
		}
	}
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range probe.Catalogue {
		if seen[c.ID] || c.Title == "" || c.Fix == "" || c.Severity.Rank() < 0 {
			t.Errorf("check %+v", c)
		}
		seen[c.ID] = true
	}
}
