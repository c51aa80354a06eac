package probetest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/emersion/go-smtp"
	"github.com/miekg/dns"

	"github.com/certhub/certhub/internal/hygiene/probe"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// DKIM public keys (SubjectPublicKeyInfo, base64): Go refuses to make
// RSA keys under 1024 bits, so the weak one is written out.
const (
	dkim512  = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALxL6J154zP/6IAu/8OkMtHgXo7Z9gPY+3TLAj0D3VNK/Gq2h9MjnLY1N9xazhfErkbYWv+1gGMu2wN1OLz9hXsCAwEAAQ=="
	dkim2048 = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmwuyijXpJarjDI6CxU7sJAynqm+d3jMY84uuKtYIb4toKNnk71Xe0wsYY7RrASElpsSuhq9777Bq3F7XmleqR4xM93/sq04ncO56MrW3bG/PbG542XBQ17jGezyXfT4/FXcDzhlvLI1dcLqDGDALjuF5/Oea98/uneUf4zlWCGE2sHD7Yyc+MuiLmPpnrGXh+NjOQDL1gQ2ZvhKCY5lL4K6N/Kwd1c/zBcwJmZKLSRdBpUTIMda4/3aTIDSSrJz7Bs1XH4Z7qx5lMZSkhfYn4ap1BpyVB/VLSsGjZr4e01Sn1zw1OvyoXHtTIU4hCcsAnKHDB56+frUneK793JIt2wIDAQAB"
)

// The fictional addresses the zones publish (TEST-NET-1, never dialled: Net.Addr maps them to loopback).
const (
	StrictNS     = "192.0.2.2"  // answers its zones only; no transfer
	OpenNS       = "192.0.2.3"  // resolves for anyone and transfers zones
	GoodWeb      = "192.0.2.10" // valid certificate, modern TLS, headers, signed security.txt, MTA-STS policy
	BadWeb       = "192.0.2.11" // expired RSA certificate, TLS 1.0, weak suites, no headers, bad security.txt, plain HTTP
	WrongNameWeb = "192.0.2.12" // a certificate for another name
	SelfSigned   = "192.0.2.13" // a self-signed certificate
	GoodMX       = "192.0.2.20" // STARTTLS with a valid certificate
	BadMX        = "192.0.2.21" // no STARTTLS
	Exposed      = "192.0.2.30" // telnet, an old OpenSSH and a vulnerable Apache
)

// ExposedPorts are the ports the exposed host listens on.
var ExposedPorts = []int{22, 23, 80, 3389}

// Net is the loopback internet.
type Net struct {
	// Resolvers are the two resolvers (the second fails for flaky.test).
	Resolvers []string
	Anchor    *dns.DS
	Roots     *x509.CertPool
	// GoodKey is the armoured OpenPGP public key good.test signs its
	// security.txt with.
	GoodKey string
	addrs   map[string]string
	zones   *zones
}

// Addr maps a fictional address and port to its listener; anything else
// to a closed port on loopback.
func (n *Net) Addr(ip string, port int) string {
	if a, ok := n.addrs[net.JoinHostPort(ip, strconv.Itoa(port))]; ok {
		return a
	}
	return "127.0.0.1:1"
}

// Options are prober options for this network: its resolvers, trust
// anchor, roots, addresses and the exposed host's ports, with a short
// timeout and no rate limit worth waiting on.
func (n *Net) Options() probe.Options {
	return probe.Options{Resolvers: n.Resolvers, TrustAnchors: []*dns.DS{n.Anchor}, Roots: n.Roots, Addr: n.Addr,
		Timeout: 2 * time.Second, Rate: 1000, Burst: 100, Ports: ExposedPorts}
}

// Start starts the network; t's cleanup stops it.
func Start(t testing.TB) *Net {
	t.Helper()
	now := time.Now()
	n := &Net{addrs: map[string]string{}}
	listen := func(ip string, port int) net.Listener {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		if ip != "" {
			n.addrs[net.JoinHostPort(ip, strconv.Itoa(port))] = l.Addr().String()
		}
		return l
	}

	// Certificates.
	ca := newCA(t, "Probetest Root CA")
	n.Roots = x509.NewCertPool()
	n.Roots.AddCert(ca.cert)
	good := ca.issue(t, false, now.Add(-24*time.Hour), now.Add(90*24*time.Hour), "good.test", "www.good.test", "mta-sts.good.test")
	goodMail := ca.issue(t, false, now.Add(-24*time.Hour), now.Add(90*24*time.Hour), "mail.good.test")
	expired := ca.issue(t, true, now.Add(-120*24*time.Hour), now.Add(-24*time.Hour), "bad.test", "www.bad.test")
	wrong := ca.issue(t, false, now.Add(-24*time.Hour), now.Add(90*24*time.Hour), "other.test")
	self := newCA(t, "selfsigned.test").selfLeaf(t, now, "selfsigned.test")

	// OpenPGP key and the signed security.txt of good.test.
	pub, priv, err := pgp.GenerateKey("Good Org", "security@good.test", 365*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	n.GoodKey = pub
	goodTxt := clearSign(t, priv, fmt.Sprintf("Contact: mailto:security@good.test\nExpires: %s\nCanonical: https://good.test/.well-known/security.txt\nPreferred-Languages: en\n",
		now.Add(180*24*time.Hour).UTC().Format(time.RFC3339)))

	// Web servers.
	headers := func(h http.Header) {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
	}
	modern := []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
	serveTLS(t, listen(GoodWeb, 443), &tls.Config{Certificates: []tls.Certificate{good}, MinVersion: tls.VersionTLS12, CipherSuites: modern},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			headers(w.Header())
			switch r.URL.Path {
			case "/.well-known/security.txt":
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				_, _ = w.Write(goodTxt)
			case "/.well-known/mta-sts.txt":
				w.Header().Set("Content-Type", "text/plain")
				_, _ = io.WriteString(w, "version: STSv1\nmode: enforce\nmx: mail.good.test\nmax_age: 604800\n")
			default:
				_, _ = io.WriteString(w, "<!doctype html><title>Good</title>")
			}
		}))
	serve(t, listen(GoodWeb, 80), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+r.Host+r.URL.Path, http.StatusMovedPermanently)
	}))
	serveTLS(t, listen(BadWeb, 443), &tls.Config{Certificates: []tls.Certificate{expired}, MinVersion: tls.VersionTLS10, //nolint:gosec // a bad server on purpose
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Strict-Transport-Security", "max-age=300")
			if r.URL.Path == "/.well-known/security.txt" {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = io.WriteString(w, "Contact: http://bad.test/contact\nPolicy: https://bad.test/policy\n")
				return
			}
			_, _ = io.WriteString(w, "<!doctype html><title>Bad</title>")
		}))
	serve(t, listen(BadWeb, 80), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "<!doctype html><title>Bad, in clear text</title>")
	}))
	for ip, cert := range map[string]tls.Certificate{WrongNameWeb: wrong, SelfSigned: self} {
		serveTLS(t, listen(ip, 443), &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, CipherSuites: modern},
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { headers(w.Header()); _, _ = io.WriteString(w, "ok") }))
	}

	// Mail exchangers.
	serveSMTP(t, listen(GoodMX, 25), "mail.good.test", &tls.Config{Certificates: []tls.Certificate{goodMail}, MinVersion: tls.VersionTLS12})
	serveSMTP(t, listen(BadMX, 25), "mail.bad.test", nil)

	// The exposed host.
	banners := map[int]string{22: "SSH-2.0-OpenSSH_7.4p1 Debian-10\r\n", 23: "\xff\xfd\x18\xff\xfd\x20Debian GNU/Linux 9\r\nlogin: ",
		3389: ""}
	for _, port := range ExposedPorts {
		l := listen(Exposed, port)
		if port == 80 {
			serve(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Server", "Apache/2.4.49 (Unix)")
				_, _ = io.WriteString(w, "It works!")
			}))
			continue
		}
		go func(b string) {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				_, _ = io.WriteString(c, b)
				time.Sleep(50 * time.Millisecond)
				c.Close()
			}
		}(banners[port])
	}

	// Zones.
	n.zones = buildZones(t, now)
	n.Anchor = n.zones.find("test.", dns.TypeSOA).key.ToDS(dns.SHA256)
	dnsServer := func(ip string, mode string, servfail string) string {
		// One port for UDP and TCP: a port free for UDP may be taken for
		// TCP, so try a few.
		var pc net.PacketConn
		var l net.Listener
		for try := 0; l == nil; try++ {
			var err error
			if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			port := pc.LocalAddr().(*net.UDPAddr).Port
			if l, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err != nil {
				pc.Close()
				if try == 20 {
					t.Fatal(err)
				}
			}
		}
		h := n.handler(mode, servfail)
		for _, s := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: l, Handler: h}} {
			started := make(chan struct{})
			s.NotifyStartedFunc = func() { close(started) }
			go func() { _ = s.ActivateAndServe() }()
			<-started
			t.Cleanup(func() { _ = s.Shutdown() })
		}
		addr := pc.LocalAddr().String()
		if ip != "" {
			n.addrs[net.JoinHostPort(ip, "53")] = addr
		}
		return addr
	}
	n.Resolvers = []string{dnsServer("", "resolver", ""), dnsServer("", "resolver", "flaky.test.")}
	dnsServer(StrictNS, "strict", "")
	dnsServer(OpenNS, "open", "")
	return n
}

func buildZones(t testing.TB, now time.Time) *zones {
	t.Helper()
	soa := func(z string) string {
		return z + " IN SOA ns1." + z + " hostmaster." + z + " 2026120701 3600 600 604800 300"
	}
	good := newZone("good.test").sign(dns.ECDSAP256SHA256, 256, now.Add(30*24*time.Hour)).add(
		soa("good.test."), "good.test. IN NS ns1.good.test.", "ns1.good.test. IN A "+StrictNS,
		"good.test. IN A "+GoodWeb, "www.good.test. IN A "+GoodWeb, "mta-sts.good.test. IN A "+GoodWeb,
		"good.test. IN MX 10 mail.good.test.", "mail.good.test. IN A "+GoodMX,
		`good.test. IN CAA 0 issue "ca.test"`,
		`good.test. IN TXT "v=spf1 ip4:`+GoodMX+` -all"`,
		`_dmarc.good.test. IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good.test"`,
		`sel1._domainkey.good.test. IN TXT "v=DKIM1; k=rsa; p=`+dkim2048+`"`,
		`_mta-sts.good.test. IN TXT "v=STSv1; id=20261207"`,
		`_smtp._tls.good.test. IN TXT "v=TLSRPTv1; rua=mailto:tls@good.test"`)
	bad := newZone("bad.test").sign(dns.RSASHA1, 1024, now.Add(2*24*time.Hour)).add(
		soa("bad.test."), "bad.test. IN NS ns1.bad.test.", "ns1.bad.test. IN A "+OpenNS,
		"bad.test. IN A "+BadWeb, "www.bad.test. IN CNAME gone.nowhere.test.",
		"bad.test. IN MX 10 mail.bad.test.", "mail.bad.test. IN A "+BadMX,
		`bad.test. IN TXT "v=spf1 +all"`,
		`_dmarc.bad.test. IN TXT "v=DMARC1; p=none"`,
		`sel1._domainkey.bad.test. IN TXT "v=DKIM1; k=rsa; p=`+dkim512+`"`)
	stale := newZone("stale.test").sign(dns.ECDSAP256SHA256, 256, now.Add(-24*time.Hour)).add(
		soa("stale.test."), "stale.test. IN NS ns1.stale.test.", "ns1.stale.test. IN A "+StrictNS)
	loops := newZone("loops.test").add(soa("loops.test."))
	var inc []string
	for i := 1; i <= 11; i++ {
		inc = append(inc, fmt.Sprintf("include:i%d.loops.test", i))
		loops.add(fmt.Sprintf(`i%d.loops.test. IN TXT "v=spf1 -all"`, i))
	}
	loops.add(`loops.test. IN TXT "v=spf1 ` + strings.Join(inc, " ") + ` -all"`)
	parent := newZone("test").sign(dns.ECDSAP256SHA256, 256, now.Add(30*24*time.Hour)).add(
		soa("test."), "test. IN NS ns1.test.", "ns1.test. IN A "+StrictNS,
		"good.test. IN NS ns1.good.test.", good.ds(), "bad.test. IN NS ns1.bad.test.",
		"stale.test. IN NS ns1.stale.test.", stale.ds())
	return &zones{memo: map[string][]dns.RR{}, list: []*zone{parent, good, bad, stale, loops,
		newZone("wrongname.test").add(soa("wrongname.test."), "wrongname.test. IN A "+WrongNameWeb),
		newZone("selfsigned.test").add(soa("selfsigned.test."), "selfsigned.test. IN A "+SelfSigned),
		newZone("flaky.test").add(soa("flaky.test."), "flaky.test. IN A "+GoodWeb),
	}}
}

// handler answers as a resolver (every test zone, outside names
// NXDOMAIN, recursion available), a strict name server (outside names
// refused, no transfer) or an open one (outside names resolved, zones
// transferred).
func (n *Net) handler(mode, servfail string) dns.HandlerFunc {
	return func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		if len(req.Question) != 1 {
			m.Rcode = dns.RcodeFormatError
			_ = w.WriteMsg(m)
			return
		}
		q := req.Question[0]
		do := false
		if o := req.IsEdns0(); o != nil {
			do = o.Do()
			m.SetEdns0(4096, do)
		}
		m.RecursionAvailable = mode != "strict"
		if servfail != "" && dns.IsSubDomain(servfail, q.Name) {
			m.Rcode = dns.RcodeServerFailure
			_ = w.WriteMsg(m)
			return
		}
		z := n.zones.find(q.Name, q.Qtype)
		if q.Qtype == dns.TypeAXFR {
			if mode != "open" || z == nil || !strings.EqualFold(z.name, dns.Fqdn(q.Name)) {
				m.Rcode = dns.RcodeRefused
				_ = w.WriteMsg(m)
				return
			}
			var all []dns.RR
			soa := z.rrs[rrKey(z.name, dns.TypeSOA)]
			all = append(all, soa...)
			for k, rrs := range z.rrs {
				if !strings.HasSuffix(k, " SOA") {
					all = append(all, rrs...)
				}
			}
			all = append(all, soa...)
			ch := make(chan *dns.Envelope)
			tr := new(dns.Transfer)
			done := make(chan struct{})
			go func() { _ = tr.Out(w, req, ch); close(done) }()
			ch <- &dns.Envelope{RR: all}
			close(ch)
			<-done
			return
		}
		if z == nil {
			switch mode {
			case "open":
				rr, _ := dns.NewRR(q.Name + " 300 IN A 192.0.2.80")
				m.Answer = []dns.RR{rr}
			case "strict":
				m.Rcode = dns.RcodeRefused
			default:
				m.Rcode = dns.RcodeNameError
			}
			_ = w.WriteMsg(m)
			return
		}
		m.Authoritative = true
		n.answer(m, z, q.Name, q.Qtype, do, 0)
		_ = w.WriteMsg(m)
	}
}

// answer fills m with name's records of qtype in z, following a CNAME.
func (n *Net) answer(m *dns.Msg, z *zone, name string, qtype uint16, do bool, depth int) {
	withSigs := func(set []dns.RR, t uint16, owner string) {
		m.Answer = append(m.Answer, set...)
		if do {
			m.Answer = append(m.Answer, n.zones.signed(z, rrKey(owner, t), set)...)
		}
	}
	if set := z.rrs[rrKey(name, qtype)]; len(set) > 0 {
		withSigs(set, qtype, name)
		return
	}
	if c := z.rrs[rrKey(name, dns.TypeCNAME)]; len(c) > 0 && qtype != dns.TypeCNAME {
		withSigs(c, dns.TypeCNAME, name)
		target := c[0].(*dns.CNAME).Target
		tz := n.zones.find(target, qtype)
		if tz == nil || depth > 4 {
			m.Rcode = dns.RcodeNameError
			return
		}
		n.answer(m, tz, target, qtype, do, depth+1)
		return
	}
	if !z.names[strings.ToLower(dns.Fqdn(name))] {
		m.Rcode = dns.RcodeNameError
	}
	m.Ns = append(m.Ns, z.rrs[rrKey(z.name, dns.TypeSOA)]...)
}

// authority is a certificate authority (or a self-signed certificate).
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var serial struct {
	sync.Mutex
	n int64
}

func nextSerial() *big.Int {
	serial.Lock()
	defer serial.Unlock()
	serial.n++
	return big.NewInt(time.Now().UnixNano() + serial.n)
}

func newCA(t testing.TB, name string) authority {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: name}, NotBefore: time.Now().Add(-365 * 24 * time.Hour),
		NotAfter: time.Now().Add(3650 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return authority{cert: c, key: key}
}

// issue makes a leaf certificate for names (RSA when rsaKey, for RSA key
// exchange suites).
func (a authority) issue(t testing.TB, rsaKey bool, from, to time.Time, names ...string) tls.Certificate {
	t.Helper()
	var pub, priv any
	if rsaKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		pub, priv = &k.PublicKey, k
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub, priv = &k.PublicKey, k
	}
	tmpl := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names, NotBefore: from, NotAfter: to,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, pub, a.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}
}

// selfLeaf is the authority's own certificate, as a server's.
func (a authority) selfLeaf(t testing.TB, now time.Time, name string) tls.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &a.key.PublicKey, a.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: a.key}
}

func clearSign(t testing.TB, armoredPrivate, text string) []byte {
	t.Helper()
	el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(armoredPrivate))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := clearsign.Encode(&buf, el[0].PrivateKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(w, text)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func serve(t testing.TB, l net.Listener, h http.Handler) {
	s := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: quietLog()}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
}

func serveTLS(t testing.TB, l net.Listener, cfg *tls.Config, h http.Handler) {
	serve(t, tls.NewListener(l, cfg), h)
}

type session struct{}

func (session) Reset()        {}
func (session) Logout() error { return nil }
func (session) Mail(string, *smtp.MailOptions) error {
	return errors.New("probetest: no mail accepted")
}
func (session) Rcpt(string, *smtp.RcptOptions) error {
	return errors.New("probetest: no mail accepted")
}
func (session) Data(io.Reader) error { return errors.New("probetest: no mail accepted") }

// serveSMTP runs a mail exchanger that offers STARTTLS when cfg is set.
func serveSMTP(t testing.TB, l net.Listener, domain string, cfg *tls.Config) {
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return session{}, nil }))
	s.Domain, s.TLSConfig, s.ReadTimeout, s.WriteTimeout = domain, cfg, 10*time.Second, 10*time.Second
	s.AllowInsecureAuth = true
	s.ErrorLog = quietLog()
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
}

// Ctx is a context for one probe run in tests.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
