package probe

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"strconv"
	"strings"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/dmarc"
	"github.com/miekg/dns"
)

// nobody is an address no sender owns (TEST-NET-1, RFC 5737): an SPF
// record that lets it send lets everyone.
var nobody = net.ParseIP("192.0.2.1")

// netResolver is a resolver of the standard library that asks the first
// configured resolver (SPF's library looks names up through it).
func (p *Prober) netResolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		if len(p.o.Resolvers) == 0 {
			return nil, errors.New("no resolver is configured")
		}
		d := net.Dialer{Timeout: p.o.Timeout}
		return d.DialContext(ctx, network, p.o.Resolvers[0])
	}}
}

// mailChecks runs the mail checks of domain.
func (r *run) mailChecks(ctx context.Context, domain string) {
	p := r.p
	// MX.
	var mxs []string
	m, err := p.resolve(ctx, domain, dns.TypeMX)
	if err != nil {
		r.add("mail.mx", domain, Error, "MX lookup failed: %v", err)
	} else {
		null := false
		for _, mx := range records[*dns.MX](m, domain) {
			if mx.Mx == "." {
				null = true
				continue
			}
			mxs = append(mxs, strings.TrimSuffix(mx.Mx, "."))
		}
		switch {
		case null:
			r.add("mail.mx", domain, Pass, "a null MX (RFC 7505): the domain receives no mail")
		case len(mxs) == 0:
			r.add("mail.mx", domain, Fail, "no MX record: mail to the domain goes to its address records, if any")
		default:
			r.add("mail.mx", domain, Pass, "MX: %s", strings.Join(mxs, ", "))
		}
	}
	r.spf(ctx, domain)
	r.dmarc(ctx, domain)
	r.dkim(ctx, domain)
	// TLS-RPT.
	if list, _, err := p.txt(ctx, "_smtp._tls."+domain); err != nil {
		r.add("mail.tls-rpt", domain, Error, "TXT lookup failed: %v", err)
	} else if rpt := withPrefix(list, "v=TLSRPTv1"); len(rpt) == 0 {
		r.add("mail.tls-rpt", domain, Fail, "no TLSRPTv1 record at _smtp._tls.%s", domain)
	} else if !strings.Contains(strings.ToLower(rpt[0]), "rua=") {
		r.add("mail.tls-rpt", domain, Fail, "the TLS-RPT record names no rua: %q", rpt[0])
	} else {
		r.add("mail.tls-rpt", domain, Pass, "%s", rpt[0])
	}
	r.mtaSTS(ctx, domain)
	r.starttls(ctx, domain, mxs)
}

func (r *run) spf(ctx context.Context, domain string) {
	p := r.p
	list, _, err := p.txt(ctx, domain)
	if err != nil {
		r.add("mail.spf", domain, Error, "TXT lookup failed: %v", err)
		return
	}
	recs := withPrefix(list, "v=spf1")
	switch len(recs) {
	case 0:
		r.add("mail.spf", domain, Fail, "no SPF record: anyone may send mail as %s unnoticed", domain)
		r.add("mail.spf.lookups", domain, Skipped, "no SPF record")
		r.add("mail.spf.all", domain, Skipped, "no SPF record")
		return
	case 1:
	default:
		r.add("mail.spf", domain, Fail, "%d SPF records; RFC 7208 allows one (receivers return permerror): %q", len(recs), recs)
		r.add("mail.spf.lookups", domain, Skipped, "the record is ambiguous")
		r.add("mail.spf.all", domain, Skipped, "the record is ambiguous")
		return
	}
	res, err := spf.CheckHostWithSender(nobody, "hygiene.invalid", "postmaster@"+domain,
		spf.WithContext(ctx), spf.WithResolver(p.netResolver()))
	switch {
	case errors.Is(err, spf.ErrLookupLimitReached) || errors.Is(err, spf.ErrVoidLookupLimitReached):
		r.add("mail.spf", domain, Pass, "%s", recs[0])
		r.add("mail.spf.lookups", domain, Fail, "evaluating %q needs more DNS lookups than RFC 7208 allows (%v)", recs[0], err)
		r.add("mail.spf.all", domain, Skipped, "the record cannot be evaluated")
		return
	case res == spf.PermError:
		r.add("mail.spf", domain, Fail, "the record %q is invalid: %v", recs[0], err)
		r.add("mail.spf.lookups", domain, Skipped, "the record is invalid")
		r.add("mail.spf.all", domain, Skipped, "the record is invalid")
		return
	case res == spf.TempError:
		r.add("mail.spf", domain, Error, "evaluating %q failed: %v", recs[0], err)
		return
	}
	r.add("mail.spf", domain, Pass, "%s", recs[0])
	r.add("mail.spf.lookups", domain, Pass, "evaluates within the lookup limit")
	switch res {
	case spf.Pass:
		r.add("mail.spf.all", domain, Fail, "an address nobody owns (%s) passes: the record lets every host send as %s", nobody, domain)
	case spf.Neutral, spf.None:
		r.add("mail.spf.all", domain, Fail, "an address nobody owns (%s) gets %s: the record ends with ?all or without all", nobody, res)
	default:
		r.add("mail.spf.all", domain, Pass, "an address nobody owns (%s) gets %s", nobody, res)
	}
}

func (r *run) dmarc(ctx context.Context, domain string) {
	p := r.p
	var lookupErr error
	rec, err := dmarc.LookupWithOptions(domain, &dmarc.LookupOptions{LookupTXT: func(name string) ([]string, error) {
		list, rcode, err := p.txt(ctx, name)
		if err != nil {
			lookupErr = err
			return nil, err
		}
		if rcode == dns.RcodeNameError {
			return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
		}
		return list, nil
	}})
	switch {
	case lookupErr != nil:
		r.add("mail.dmarc", domain, Error, "TXT lookup failed: %v", lookupErr)
		return
	case errors.Is(err, dmarc.ErrNoPolicy):
		r.add("mail.dmarc", domain, Fail, "no DMARC record at _dmarc.%s", domain)
		r.add("mail.dmarc.policy", domain, Skipped, "no DMARC record")
		r.add("mail.dmarc.rua", domain, Skipped, "no DMARC record")
		return
	case err != nil:
		r.add("mail.dmarc", domain, Fail, "the DMARC record is invalid: %v", err)
		r.add("mail.dmarc.policy", domain, Skipped, "the record is invalid")
		r.add("mail.dmarc.rua", domain, Skipped, "the record is invalid")
		return
	}
	pct := 100
	if rec.Percent != nil {
		pct = *rec.Percent
	}
	r.add("mail.dmarc", domain, Pass, "p=%s pct=%d", rec.Policy, pct)
	switch {
	case rec.Policy == dmarc.PolicyNone:
		r.add("mail.dmarc.policy", domain, Fail, "p=none only monitors: mail failing DMARC is delivered")
	case pct < 100:
		r.add("mail.dmarc.policy", domain, Fail, "p=%s applies to %d%% of failing mail only", rec.Policy, pct)
	default:
		r.add("mail.dmarc.policy", domain, Pass, "p=%s for all failing mail", rec.Policy)
	}
	if len(rec.ReportURIAggregate) == 0 {
		r.add("mail.dmarc.rua", domain, Fail, "no rua: the domain learns nothing of who sends as it")
	} else {
		r.add("mail.dmarc.rua", domain, Pass, "rua=%s", strings.Join(rec.ReportURIAggregate, ","))
	}
}

func (r *run) dkim(ctx context.Context, domain string) {
	if len(r.scope.DKIMSelectors) == 0 {
		r.add("mail.dkim", domain, Skipped, "no DKIM selector is known for the organisation")
		return
	}
	var bad, good []string
	for _, sel := range r.scope.DKIMSelectors {
		name := sel + "._domainkey." + domain
		list, _, err := r.p.txt(ctx, name)
		if err != nil {
			r.add("mail.dkim", domain, Error, "TXT lookup of %s failed: %v", name, err)
			return
		}
		if len(list) == 0 {
			bad = append(bad, fmt.Sprintf("no key at %s", name))
			continue
		}
		if why := dkimKeyProblem(strings.Join(list, "")); why != "" {
			bad = append(bad, fmt.Sprintf("%s: %s", name, why))
		} else {
			good = append(good, sel)
		}
	}
	if len(bad) > 0 {
		r.add("mail.dkim", domain, Fail, "%s", strings.Join(bad, "; "))
	} else {
		r.add("mail.dkim", domain, Pass, "keys published for %s", strings.Join(good, ", "))
	}
}

// dkimKeyProblem says what is wrong with a DKIM key record ("" if
// nothing).
func dkimKeyProblem(rec string) string {
	tags := map[string]string{}
	for _, part := range strings.Split(rec, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			tags[strings.ToLower(strings.TrimSpace(k))] = strings.Join(strings.Fields(v), "")
		}
	}
	if v, ok := tags["v"]; ok && v != "DKIM1" {
		return fmt.Sprintf("version %q is not DKIM1", v)
	}
	p, ok := tags["p"]
	if !ok {
		return "the record has no p= key"
	}
	if p == "" {
		return "the key is revoked (empty p=)"
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		return "p= is not base64"
	}
	if strings.EqualFold(tags["k"], "ed25519") {
		if len(der) != ed25519.PublicKeySize {
			return "an Ed25519 key of the wrong length"
		}
		return ""
	}
	var bits int
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return "p= is not an RSA key"
		}
		bits = rk.N.BitLen()
	} else if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		bits = k.N.BitLen()
	} else {
		return "p= is not a public key"
	}
	if bits < 1024 {
		return fmt.Sprintf("an RSA key of %d bits, below the 1024 RFC 8301 requires", bits)
	}
	return ""
}

func (r *run) mtaSTS(ctx context.Context, domain string) {
	list, _, err := r.p.txt(ctx, "_mta-sts."+domain)
	if err != nil {
		r.add("mail.mta-sts", domain, Error, "TXT lookup failed: %v", err)
		return
	}
	if len(withPrefix(list, "v=STSv1")) == 0 {
		r.add("mail.mta-sts", domain, Fail, "no STSv1 record at _mta-sts.%s", domain)
		return
	}
	if !r.allowed("mail.mta-sts", domain) {
		return
	}
	host := "mta-sts." + domain
	body, problems, err := r.fetchVerified(ctx, host, "/.well-known/mta-sts.txt")
	if err != nil {
		r.add("mail.mta-sts", domain, Fail, "the policy cannot be fetched from https://%s/.well-known/mta-sts.txt: %v", host, err)
		return
	}
	if len(problems) > 0 {
		r.add("mail.mta-sts", domain, Fail, "the policy host's certificate is not valid (senders ignore the policy): %s", strings.Join(problems, "; "))
		return
	}
	pol := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok {
			pol[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	age, _ := strconv.Atoi(pol["max_age"])
	switch {
	case pol["version"] != "STSv1":
		r.add("mail.mta-sts", domain, Fail, "the policy's version is %q, not STSv1", pol["version"])
	case pol["mode"] != "enforce":
		r.add("mail.mta-sts", domain, Fail, "mode %q: senders deliver without TLS when it fails", pol["mode"])
	case age < 86400:
		r.add("mail.mta-sts", domain, Fail, "max_age %q is under a day", pol["max_age"])
	default:
		r.add("mail.mta-sts", domain, Pass, "mode enforce, max_age %d", age)
	}
}

// fetchVerified gets https://host/path (address from the resolvers, a
// verified certificate required) and answers the body and what is wrong
// with the certificate.
func (r *run) fetchVerified(ctx context.Context, host, path string) (string, []string, error) {
	ips, err := r.p.addresses(ctx, host)
	if err != nil {
		return "", nil, err
	}
	if len(ips) == 0 {
		return "", nil, fmt.Errorf("%s has no address", host)
	}
	resp, err := r.get(ctx, ips[0], host, "https://"+host+path)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", nil, err
	}
	var problems []string
	if resp.TLS != nil {
		c := r.p.inspect(*resp.TLS, host)
		problems = c.problems()
	}
	return string(b), problems, nil
}

func (r *run) starttls(ctx context.Context, domain string, mxs []string) {
	if len(mxs) == 0 {
		r.add("mail.starttls", domain, Skipped, "no mail exchanger")
		r.add("mail.starttls.certificate", domain, Skipped, "no mail exchanger")
		return
	}
	if !r.allowed("mail.starttls", domain) || !r.allowed("mail.starttls.certificate", domain) {
		return
	}
	for _, mx := range mxs {
		ips, err := r.p.addresses(ctx, mx)
		if err != nil || len(ips) == 0 {
			r.add("mail.starttls", mx, Fail, "the mail exchanger %s has no address", mx)
			r.add("mail.starttls.certificate", mx, Skipped, "no address")
			continue
		}
		st, err := r.smtpTLS(ctx, ips[0], mx)
		if err != nil {
			r.add("mail.starttls", mx, Fail, "%s (%s): %v", mx, ips[0], err)
			r.add("mail.starttls.certificate", mx, Skipped, "no TLS session")
			continue
		}
		r.add("mail.starttls", mx, Pass, "%s (%s) offers STARTTLS: %s, %s", mx, ips[0], tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
		if c := r.p.inspect(*st, mx); len(c.problems()) > 0 {
			r.add("mail.starttls.certificate", mx, Fail, "%s", strings.Join(c.problems(), "; "))
		} else {
			r.add("mail.starttls.certificate", mx, Pass, "%s", c.summary())
		}
	}
}

// smtpTLS opens an SMTP session with the mail exchanger and starts TLS.
func (r *run) smtpTLS(ctx context.Context, ip, host string) (*tls.ConnectionState, error) {
	conn, err := r.dial(ctx, "tcp", ip, 25)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(r.p.o.Now().Add(4 * r.p.o.Timeout))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return nil, fmt.Errorf("no SMTP greeting: %w", err)
	}
	defer c.Close()
	if err := c.Hello("hygiene-check.invalid"); err != nil {
		return nil, fmt.Errorf("EHLO refused: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return nil, errors.New("STARTTLS is not offered: mail reaches it in clear text")
	}
	if err := c.StartTLS(&tls.Config{ServerName: host, InsecureSkipVerify: true, MinVersion: tls.VersionTLS10}); err != nil { //nolint:gosec // the certificate is judged by inspect
		return nil, fmt.Errorf("STARTTLS failed: %w", err)
	}
	st, ok := c.TLSConnectionState()
	if !ok {
		return nil, errors.New("no TLS session after STARTTLS")
	}
	_ = c.Quit()
	return &st, nil
}
