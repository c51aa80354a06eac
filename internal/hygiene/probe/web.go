package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/hygiene/securitytxt"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// certificate is what was seen of a server's certificate.
type certificate struct {
	host              string
	leaf              *x509.Certificate
	now               time.Time
	expired, notYet   bool
	chainErr, nameErr error
	daysLeft          int
}

// inspect judges the certificate of a TLS session for host.
func (p *Prober) inspect(st tls.ConnectionState, host string) certificate {
	c := certificate{host: host, now: p.o.Now()}
	if len(st.PeerCertificates) == 0 {
		c.chainErr = fmt.Errorf("no certificate")
		return c
	}
	leaf := st.PeerCertificates[0]
	c.leaf = leaf
	c.expired, c.notYet = c.now.After(leaf.NotAfter), c.now.Before(leaf.NotBefore)
	c.daysLeft = int(leaf.NotAfter.Sub(c.now).Hours() / 24)
	inter := x509.NewCertPool()
	for _, ic := range st.PeerCertificates[1:] {
		inter.AddCert(ic)
	}
	// The chain is judged at a moment the leaf is valid, so an expired
	// certificate is reported once, as expired, not also as untrusted.
	at := c.now
	if c.expired || c.notYet {
		at = leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: p.o.Roots, Intermediates: inter, CurrentTime: at}); err != nil {
		c.chainErr = err
		if bytes.Equal(leaf.RawIssuer, leaf.RawSubject) && leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil {
			c.chainErr = fmt.Errorf("the certificate is self-signed (%s)", leaf.Subject.CommonName)
		}
	}
	c.nameErr = leaf.VerifyHostname(host)
	return c
}

func (c certificate) problems() []string {
	var out []string
	if c.leaf == nil {
		return []string{"no certificate"}
	}
	if c.expired {
		out = append(out, fmt.Sprintf("expired on %s", c.leaf.NotAfter.UTC().Format(time.DateOnly)))
	}
	if c.notYet {
		out = append(out, fmt.Sprintf("not valid before %s", c.leaf.NotBefore.UTC().Format(time.DateOnly)))
	}
	if c.chainErr != nil {
		out = append(out, "untrusted: "+c.chainErr.Error())
	}
	if c.nameErr != nil {
		out = append(out, fmt.Sprintf("not valid for %s (names: %s)", c.host, strings.Join(c.leaf.DNSNames, ", ")))
	}
	if !c.expired && c.daysLeft < 14 {
		out = append(out, fmt.Sprintf("expires in %d days", c.daysLeft))
	}
	return out
}

func (c certificate) summary() string {
	return fmt.Sprintf("%s, issued by %s, valid until %s (%d days)", c.leaf.Subject.CommonName, c.leaf.Issuer.CommonName,
		c.leaf.NotAfter.UTC().Format(time.DateOnly), c.daysLeft)
}

// client is an HTTP client that connects to ip whatever the URL's host,
// does not follow redirects and keeps the certificate for inspect.
func (r *run) client(ip string) *http.Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			n, _ := strconv.Atoi(port)
			return r.dial(ctx, network, ip, n)
		},
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the certificate is judged by inspect
		DisableKeepAlives:     true,
		ResponseHeaderTimeout: r.p.o.Timeout,
		TLSHandshakeTimeout:   r.p.o.Timeout,
	}
	return &http.Client{Transport: tr, Timeout: 3 * r.p.o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (r *run) get(ctx context.Context, ip, host, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Host = host
	req.Header.Set("User-Agent", "certhub-hygiene/1 (+https://github.com/certhub/certhub)")
	return r.client(ip).Do(req)
}

// handshake tries a TLS handshake offering only the versions between lo
// and hi (and only suites, when given).
func (r *run) handshake(ctx context.Context, ip, host string, lo, hi uint16, suites []uint16) (*tls.ConnectionState, error) {
	conn, err := r.dial(ctx, "tcp", ip, 443)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(r.p.o.Now().Add(r.p.o.Timeout))
	tc := tls.Client(conn, &tls.Config{ServerName: host, InsecureSkipVerify: true, MinVersion: lo, MaxVersion: hi, CipherSuites: suites}) //nolint:gosec // probing what the server accepts
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	st := tc.ConnectionState()
	return &st, nil
}

// weakSuites are TLS 1.2 suites that should not be accepted: RSA key
// exchange, CBC with SHA-1, 3DES and RC4.
var weakSuites = func() []uint16 {
	var out []uint16
	for _, s := range tls.InsecureCipherSuites() {
		out = append(out, s.ID)
	}
	for _, s := range tls.CipherSuites() {
		if strings.HasPrefix(s.Name, "TLS_RSA_") || strings.HasSuffix(s.Name, "_CBC_SHA") {
			out = append(out, s.ID)
		}
	}
	return out
}()

// webChecks runs the web checks of domain and its www host.
func (r *run) webChecks(ctx context.Context, domain string) {
	for i, host := range []string{domain, "www." + domain} {
		ips, err := r.p.addresses(ctx, host)
		if err != nil || len(ips) == 0 {
			if i == 0 {
				r.add("web.https", host, Skipped, "%s has no address", host)
			}
			continue
		}
		if !r.allowed("web.https", host) {
			return
		}
		r.web(ctx, ips[0], host, i == 0)
	}
}

func (r *run) web(ctx context.Context, ip, host string, apex bool) {
	certChecks := []string{"web.certificate.valid", "web.certificate.chain", "web.certificate.name", "web.certificate.expiry",
		"web.tls.versions", "web.tls.ciphers", "web.hsts", "web.headers"}
	resp, err := r.get(ctx, ip, host, "https://"+host+"/")
	if err != nil {
		r.add("web.https", host, Fail, "https://%s/ (%s) does not answer: %v", host, ip, err)
		for _, c := range certChecks {
			r.add(c, host, Skipped, "no HTTPS")
		}
	} else {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		r.add("web.https", host, Pass, "https://%s/ answers %d over %s", host, resp.StatusCode, tls.VersionName(resp.TLS.Version))
		c := r.p.inspect(*resp.TLS, host)
		switch {
		case c.expired:
			r.add("web.certificate.valid", host, Fail, "the certificate expired on %s", c.leaf.NotAfter.UTC().Format(time.DateOnly))
		case c.notYet:
			r.add("web.certificate.valid", host, Fail, "the certificate is not valid before %s", c.leaf.NotBefore.UTC().Format(time.DateOnly))
		default:
			r.add("web.certificate.valid", host, Pass, "valid from %s to %s", c.leaf.NotBefore.UTC().Format(time.DateOnly), c.leaf.NotAfter.UTC().Format(time.DateOnly))
		}
		if c.chainErr != nil {
			r.add("web.certificate.chain", host, Fail, "%v", c.chainErr)
		} else {
			r.add("web.certificate.chain", host, Pass, "issued by %s", c.leaf.Issuer.CommonName)
		}
		if c.nameErr != nil {
			r.add("web.certificate.name", host, Fail, "the certificate is not valid for %s; it names %s", host, strings.Join(c.leaf.DNSNames, ", "))
		} else {
			r.add("web.certificate.name", host, Pass, "names %s", host)
		}
		switch {
		case c.expired:
			r.add("web.certificate.expiry", host, Fail, "expired %d days ago", -c.daysLeft)
		case c.daysLeft < 14:
			r.add("web.certificate.expiry", host, Fail, "expires in %d days (%s)", c.daysLeft, c.leaf.NotAfter.UTC().Format(time.DateOnly))
		default:
			r.add("web.certificate.expiry", host, Pass, "%d days left", c.daysLeft)
		}
		r.tlsVersions(ctx, ip, host)
		if weak := r.weakAccepted(ctx, ip, host); len(weak) > 0 {
			r.add("web.tls.ciphers", host, Fail, "accepts %s", strings.Join(weak, ", "))
		} else {
			r.add("web.tls.ciphers", host, Pass, "refuses RC4, 3DES, CBC-SHA1 and RSA key exchange; negotiated %s", tls.CipherSuiteName(resp.TLS.CipherSuite))
		}
		r.headers(host, resp.Header)
	}
	r.redirect(ctx, ip, host)
	if apex {
		r.securityTxt(ctx, ip, host, err == nil)
	}
}

// weakAccepted answers the weak suites the server accepts: each
// handshake offers the weak suites not yet seen accepted.
func (r *run) weakAccepted(ctx context.Context, ip, host string) []string {
	offer := slices.Clone(weakSuites)
	var out []string
	for range 6 {
		st, err := r.handshake(ctx, ip, host, tls.VersionTLS10, tls.VersionTLS12, offer)
		if err != nil {
			break
		}
		out = append(out, tls.CipherSuiteName(st.CipherSuite))
		offer = slices.DeleteFunc(offer, func(s uint16) bool { return s == st.CipherSuite })
		if len(offer) == 0 {
			break
		}
	}
	return out
}

func (r *run) tlsVersions(ctx context.Context, ip, host string) {
	var old []string
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		if _, err := r.handshake(ctx, ip, host, v, v, nil); err == nil {
			old = append(old, tls.VersionName(v))
		}
	}
	var modern []string
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		if _, err := r.handshake(ctx, ip, host, v, v, nil); err == nil {
			modern = append(modern, tls.VersionName(v))
		}
	}
	switch {
	case len(old) > 0:
		r.add("web.tls.versions", host, Fail, "offers %s, deprecated by RFC 8996 (also: %s)", strings.Join(old, " and "), strings.Join(modern, ", "))
	case len(modern) == 0:
		r.add("web.tls.versions", host, Fail, "offers neither TLS 1.2 nor TLS 1.3")
	default:
		r.add("web.tls.versions", host, Pass, "offers %s only", strings.Join(modern, " and "))
	}
}

var maxAgeRE = regexp.MustCompile(`(?i)max-age\s*=\s*"?(\d+)`)

// hstsMin is six months, the least HSTS preload lists and scanners accept.
const hstsMin = 15552000

func (r *run) headers(host string, h http.Header) {
	hsts := h.Get("Strict-Transport-Security")
	m := maxAgeRE.FindStringSubmatch(hsts)
	switch {
	case hsts == "":
		r.add("web.hsts", host, Fail, "no Strict-Transport-Security header")
	case m == nil:
		r.add("web.hsts", host, Fail, "Strict-Transport-Security without max-age: %q", hsts)
	default:
		if age, _ := strconv.Atoi(m[1]); age < hstsMin {
			r.add("web.hsts", host, Fail, "max-age=%d is under six months: %q", age, hsts)
		} else {
			r.add("web.hsts", host, Pass, "%s", hsts)
		}
	}
	var missing []string
	csp := h.Get("Content-Security-Policy")
	if csp == "" {
		missing = append(missing, "Content-Security-Policy")
	}
	if !strings.EqualFold(strings.TrimSpace(h.Get("X-Content-Type-Options")), "nosniff") {
		missing = append(missing, "X-Content-Type-Options: nosniff")
	}
	if h.Get("X-Frame-Options") == "" && !strings.Contains(strings.ToLower(csp), "frame-ancestors") {
		missing = append(missing, "a frame policy (frame-ancestors or X-Frame-Options)")
	}
	if h.Get("Referrer-Policy") == "" {
		missing = append(missing, "Referrer-Policy")
	}
	if len(missing) > 0 {
		r.add("web.headers", host, Fail, "missing: %s", strings.Join(missing, ", "))
	} else {
		r.add("web.headers", host, Pass, "CSP, nosniff, frame policy and Referrer-Policy sent")
	}
}

func (r *run) redirect(ctx context.Context, ip, host string) {
	resp, err := r.get(ctx, ip, host, "http://"+host+"/")
	if err != nil {
		r.add("web.redirect", host, Pass, "plain HTTP is not served (%v)", err)
		return
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400 && strings.HasPrefix(strings.ToLower(loc), "https://"):
		r.add("web.redirect", host, Pass, "http://%s/ answers %d to %s", host, resp.StatusCode, loc)
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		r.add("web.redirect", host, Fail, "http://%s/ redirects to %s, not to HTTPS", host, loc)
	default:
		r.add("web.redirect", host, Fail, "http://%s/ answers %d in clear text instead of redirecting to HTTPS", host, resp.StatusCode)
	}
}

func (r *run) securityTxt(ctx context.Context, ip, host string, https bool) {
	checks := []string{"web.security-txt", "web.security-txt.valid", "web.security-txt.signature"}
	if !https {
		for _, c := range checks {
			r.add(c, host, Skipped, "no HTTPS")
		}
		return
	}
	url := "https://" + host + "/.well-known/security.txt"
	resp, err := r.get(ctx, ip, host, url)
	if err != nil {
		r.add(checks[0], host, Fail, "%s: %v", url, err)
		r.add(checks[1], host, Skipped, "no file")
		r.add(checks[2], host, Skipped, "no file")
		return
	}
	defer resp.Body.Close()
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK {
		r.add(checks[0], host, Fail, "%s answers %d", url, resp.StatusCode)
		r.add(checks[1], host, Skipped, "no file")
		r.add(checks[2], host, Skipped, "no file")
		return
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, securitytxt.MaxBytes+1))
	if err != nil {
		r.add(checks[0], host, Error, "reading %s: %v", url, err)
		return
	}
	if ct != "text/plain" {
		r.add(checks[0], host, Fail, "%s is served as %q, not text/plain", url, ct)
	} else {
		r.add(checks[0], host, Pass, "%s (%d bytes)", url, len(body))
	}
	f := securitytxt.Parse(body, r.p.o.Now())
	problems := f.Problems
	if !f.CanonicalAt(url) {
		problems = append(problems, fmt.Sprintf("Canonical (%s) does not name %s", strings.Join(f.Canonical, ", "), url))
	}
	if len(problems) > 0 {
		r.add(checks[1], host, Fail, "%s", strings.Join(problems, "; "))
	} else {
		r.add(checks[1], host, Pass, "Contact %s; expires %s", strings.Join(f.Contact, ", "), f.Expires.UTC().Format(time.DateOnly))
	}
	switch {
	case f.Signed:
		verified := false
		for _, k := range r.scope.Keys {
			if pgp.VerifyClearSigned(body, k) == nil {
				verified = true
				break
			}
		}
		switch {
		case verified:
			r.add(checks[2], host, Pass, "signed by the organisation's key in the directory")
		case len(r.scope.Keys) == 0:
			r.add(checks[2], host, Fail, "signed, but the directory holds no OpenPGP key of the organisation to verify it with")
		default:
			r.add(checks[2], host, Fail, "signed, but the signature does not verify with the organisation's key in the directory")
		}
	case r.scope.SignedSecurityTxt:
		r.add(checks[2], host, Fail, "not signed, and the organisation's policy requires a signed security.txt")
	default:
		r.add(checks[2], host, Pass, "not signed (not required of this organisation)")
	}
}
