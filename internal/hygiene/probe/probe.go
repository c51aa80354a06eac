// Package probe runs the hygiene checks against the internet: DNS and
// DNSSEC through resolvers and the organisation's name servers, mail
// (SPF, DMARC, DKIM, MTA-STS, TLS-RPT, STARTTLS), web (HTTPS, TLS,
// certificates, headers, security.txt) and exposed services. It knows no
// database: it takes a scope and answers results. Checks that talk to the
// organisation's hosts run only for the permission categories the scope
// allows, and every connection to those hosts waits on a rate limiter.
package probe

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/time/rate"
)

// Status is a result's outcome.
type Status string

// The outcomes: a check passed or failed; it was skipped (not permitted,
// nothing to look at); or it could not be run (the network failed).
const (
	Pass    Status = "pass"
	Fail    Status = "fail"
	Skipped Status = "skipped"
	Error   Status = "error"
)

// Result is one check of one target.
type Result struct {
	Check  string `json:"check"`
	Target string `json:"target"`
	Status Status `json:"status"`
	// Evidence is what was seen, in words an engineer can verify.
	Evidence string `json:"evidence"`
}

// Scope is what to check for one organisation.
type Scope struct {
	Domains   []string
	Addresses []netip.Addr
	// Allow holds the permission categories the organisation granted.
	Allow map[string]bool
	// DKIMSelectors are the selectors known for the domains.
	DKIMSelectors []string
	// SignedSecurityTxt requires security.txt to be signed by one of Keys
	// (armoured OpenPGP public keys from the directory).
	SignedSecurityTxt bool
	Keys              []string
}

// Vuln is a known vulnerability of a product version.
type Vuln struct {
	Ref, Title, URL string
}

// Known answers the known vulnerabilities of a product at a version (the
// platform's advisories, wired in app).
type Known func(ctx context.Context, product, version string) ([]Vuln, error)

// Options tune the prober.
type Options struct {
	// Resolvers are the recursive resolvers (host:port) names are looked
	// up through, the first first; every one is asked in dns.resolve.
	Resolvers []string
	// TrustAnchors are the DS records DNSSEC chains end at (the root's
	// by default).
	TrustAnchors []*dns.DS
	// Roots are the certificate authorities trusted (the system's when nil).
	Roots *x509.CertPool
	// Timeout bounds each exchange (default 5s).
	Timeout time.Duration
	// Rate is how many connections per second one run opens to the
	// organisation's hosts (default 5), Burst how many at once (default 2).
	Rate  float64
	Burst int
	// Ports are the ports exposure looks at (DefaultPorts when empty).
	Ports []int
	// MaxAddresses bounds the addresses one run connects to (default 256).
	MaxAddresses int
	// Addr maps an address and well-known port to where to connect (tests
	// put loopback servers behind the well-known ports); nil is identity.
	Addr func(ip string, port int) string
	// ProbeName is the name asked of name servers to tell whether they
	// resolve for anyone (default www.iana.org.).
	ProbeName string
	Known     Known
	Now       func() time.Time
}

// DefaultPorts are the ports exposure connects to by default.
var DefaultPorts = []int{21, 22, 23, 25, 80, 110, 143, 443, 445, 1433, 1521, 3306, 3389, 5432, 5900, 6379, 8080, 8443, 9200, 11211, 27017}

// riskyPorts are services that should not face the internet.
var riskyPorts = map[int]string{21: "FTP", 23: "Telnet", 445: "SMB", 1433: "Microsoft SQL Server", 1521: "Oracle database",
	3306: "MySQL", 3389: "RDP", 5432: "PostgreSQL", 5900: "VNC", 6379: "Redis", 9200: "Elasticsearch", 11211: "memcached", 27017: "MongoDB"}

// RootAnchors are the root zone's DS records (KSK-2017 and KSK-2024).
var RootAnchors = []*dns.DS{
	{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeDS, Class: dns.ClassINET}, KeyTag: 20326, Algorithm: 8, DigestType: 2,
		Digest: "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"},
	{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeDS, Class: dns.ClassINET}, KeyTag: 38696, Algorithm: 8, DigestType: 2,
		Digest: "683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16"},
}

// Prober runs checks.
type Prober struct {
	o Options
}

// New makes a prober.
func New(o Options) *Prober {
	if len(o.Resolvers) == 0 {
		if cfg, err := dns.ClientConfigFromFile("/etc/resolv.conf"); err == nil {
			for _, s := range cfg.Servers {
				o.Resolvers = append(o.Resolvers, net.JoinHostPort(s, cfg.Port))
			}
		}
	}
	if len(o.TrustAnchors) == 0 {
		o.TrustAnchors = RootAnchors
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Rate <= 0 {
		o.Rate = 5
	}
	if o.Burst <= 0 {
		o.Burst = 2
	}
	if len(o.Ports) == 0 {
		o.Ports = DefaultPorts
	}
	if o.MaxAddresses <= 0 {
		o.MaxAddresses = 256
	}
	if o.Addr == nil {
		o.Addr = func(ip string, port int) string { return net.JoinHostPort(ip, strconv.Itoa(port)) }
	}
	if o.ProbeName == "" {
		o.ProbeName = "www.iana.org."
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Prober{o: o}
}

// run is one organisation's run: its scope, its rate limiter and the
// results gathered.
type run struct {
	p       *Prober
	scope   Scope
	limit   *rate.Limiter
	results []Result
	zones   map[string]zoneKeys // DNSSEC keys validated this run
}

// Run checks the scope and answers every result, in catalogue order per
// target.
func (p *Prober) Run(ctx context.Context, s Scope) []Result {
	r := &run{p: p, scope: s, limit: rate.NewLimiter(rate.Limit(p.o.Rate), p.o.Burst), zones: map[string]zoneKeys{}}
	for _, d := range s.Domains {
		d = strings.TrimSuffix(strings.ToLower(d), ".")
		if d == "" {
			continue
		}
		if !r.dnsChecks(ctx, d) {
			continue // nothing else can be looked at
		}
		r.mailChecks(ctx, d)
		r.webChecks(ctx, d)
	}
	r.exposure(ctx)
	return r.results
}

func (r *run) add(check, target string, st Status, format string, args ...any) {
	ev := format
	if len(args) > 0 {
		ev = fmt.Sprintf(format, args...)
	}
	r.results = append(r.results, Result{Check: check, Target: target, Status: st, Evidence: ev})
}

// allowed reports whether the scope permits check's category, and records
// the check skipped when not.
func (r *run) allowed(check, target string) bool {
	c, ok := Lookup(check)
	if !ok {
		panic("probe: unknown check " + check)
	}
	if c.Needs == "" || r.scope.Allow[c.Needs] {
		return true
	}
	r.add(check, target, Skipped, "no scanning permission for %s checks is recorded for the organisation", c.Needs)
	return false
}

// dial connects to ip at the well-known port, waiting on the run's rate
// limiter first.
func (r *run) dial(ctx context.Context, network, ip string, port int) (net.Conn, error) {
	if err := r.limit.Wait(ctx); err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: r.p.o.Timeout}
	return d.DialContext(ctx, network, r.p.o.Addr(ip, port))
}

// exchange asks server one question; rd asks for recursion, and DNSSEC
// records come with every answer (the checking disabled bit set, so a
// validating resolver hands over what it would refuse and the prober
// judges it itself).
func (p *Prober) exchange(ctx context.Context, server, name string, qtype uint16, rd bool) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = rd
	m.CheckingDisabled = true
	m.SetEdns0(4096, true)
	c := &dns.Client{Timeout: p.o.Timeout}
	in, _, err := c.ExchangeContext(ctx, m, server)
	if err == nil && in.Truncated {
		c.Net = "tcp"
		in, _, err = c.ExchangeContext(ctx, m, server)
	}
	return in, err
}

// resolve asks the resolvers, the first that answers.
func (p *Prober) resolve(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	var last error = fmt.Errorf("no resolver is configured")
	for _, s := range p.o.Resolvers {
		m, err := p.exchange(ctx, s, name, qtype, true)
		if err == nil && m.Rcode != dns.RcodeServerFailure {
			return m, nil
		}
		if err == nil {
			err = fmt.Errorf("%s answered SERVFAIL", s)
		}
		last = err
	}
	return nil, last
}

// records answers the records of type T a message's answer holds for name.
func records[T dns.RR](m *dns.Msg, name string) []T {
	var out []T
	if m == nil {
		return nil
	}
	for _, rr := range m.Answer {
		if v, ok := rr.(T); ok && strings.EqualFold(rr.Header().Name, dns.Fqdn(name)) {
			out = append(out, v)
		}
	}
	return out
}

// txt answers the TXT strings at name (each record's strings joined).
func (p *Prober) txt(ctx context.Context, name string) ([]string, int, error) {
	m, err := p.resolve(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, 0, err
	}
	var out []string
	for _, t := range records[*dns.TXT](m, name) {
		out = append(out, strings.Join(t.Txt, ""))
	}
	return out, m.Rcode, nil
}

// addresses answers the IPv4 and IPv6 addresses of a host, following
// CNAMEs the resolver followed.
func (p *Prober) addresses(ctx context.Context, host string) ([]string, error) {
	var out []string
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		m, err := p.resolve(ctx, host, t)
		if err != nil {
			return nil, err
		}
		for _, rr := range m.Answer {
			switch v := rr.(type) {
			case *dns.A:
				out = append(out, v.A.String())
			case *dns.AAAA:
				out = append(out, v.AAAA.String())
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// withPrefix answers the strings of list that start with prefix (case
// insensitive).
func withPrefix(list []string, prefix string) []string {
	var out []string
	for _, s := range list {
		if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
			out = append(out, s)
		}
	}
	return out
}
