package probe

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
)

// httpPorts are asked with a HEAD request; other services speak first.
var httpPorts = map[int]bool{80: true, 8080: true}

// Software is a product and version read off a banner.
type Software struct {
	Product, Version string
}

var bannerREs = []*regexp.Regexp{
	regexp.MustCompile(`^SSH-[\d.]+-(OpenSSH|dropbear|Cisco|libssh)[_-]([0-9][\w.]*)`),
	regexp.MustCompile(`(?im)^Server:\s*([A-Za-z][\w.-]*?)/([0-9][\w.]*)`),
	regexp.MustCompile(`\b(vsFTPd|ProFTPD|Pure-FTPd|FileZilla Server|Postfix|Exim|Sendmail|Dovecot|Microsoft ESMTP MAIL Service|Redis|MySQL|MariaDB)[ /v]*([0-9][\w.]*)`),
}

// ParseBanner reads the product and version a service announces (zero
// when it announces none).
func ParseBanner(b string) Software {
	for _, re := range bannerREs {
		if m := re.FindStringSubmatch(b); m != nil {
			v := m[2]
			if i := strings.IndexAny(v, "p-"); m[1] == "OpenSSH" && i > 0 { // 8.9p1 → 8.9
				v = v[:i]
			}
			return Software{Product: m[1], Version: strings.TrimRight(v, ".")}
		}
	}
	return Software{}
}

// exposure connects to the configured ports of the scope's addresses.
func (r *run) exposure(ctx context.Context) {
	if len(r.scope.Addresses) == 0 {
		return
	}
	target := addrTarget(r.scope.Addresses)
	if !r.allowed("exposure.open-port", target) {
		return
	}
	addrs := r.scope.Addresses
	if len(addrs) > r.p.o.MaxAddresses {
		addrs = addrs[:r.p.o.MaxAddresses]
	}
	var open []string
	risky := map[string]string{}
	known := map[Software][]Vuln{}
	var vulnerable []Result
	for _, a := range addrs {
		for _, port := range r.p.o.Ports {
			if ctx.Err() != nil {
				return
			}
			banner, ok := r.banner(ctx, a.String(), port)
			if !ok {
				continue
			}
			hp := netip.AddrPortFrom(a, uint16(port)).String()
			sw := ParseBanner(banner)
			seen := hp
			if sw.Product != "" {
				seen += " " + sw.Product + " " + sw.Version
			}
			open = append(open, seen)
			if name, ok := riskyPorts[port]; ok {
				risky[hp] = fmt.Sprintf("%s (%s) is open", name, seen)
			}
			if sw.Product == "" || r.p.o.Known == nil {
				continue
			}
			vs, done := known[sw]
			if !done {
				var err error
				if vs, err = r.p.o.Known(ctx, sw.Product, sw.Version); err != nil {
					r.add("exposure.vulnerable", hp, Error, "matching %s %s against advisories failed: %v", sw.Product, sw.Version, err)
					continue
				}
				known[sw] = vs
			}
			for _, v := range vs {
				vulnerable = append(vulnerable, Result{Check: "exposure.vulnerable", Target: hp, Status: Fail,
					Evidence: fmt.Sprintf("%s %s is affected by %s: %s %s", sw.Product, sw.Version, v.Ref, v.Title, v.URL)})
			}
		}
	}
	if len(open) == 0 {
		r.add("exposure.open-port", target, Pass, "no open port among %d on %d addresses", len(r.p.o.Ports), len(addrs))
	} else {
		r.add("exposure.open-port", target, Pass, "open: %s", strings.Join(open, ", "))
	}
	keys := make([]string, 0, len(risky))
	for k := range risky {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		r.add("exposure.risky-service", k, Fail, "%s", risky[k])
	}
	if len(risky) == 0 {
		r.add("exposure.risky-service", target, Pass, "none of %d risky services is open", len(riskyPorts))
	}
	r.results = append(r.results, vulnerable...)
	if len(vulnerable) == 0 {
		r.add("exposure.vulnerable", target, Pass, "no exposed service announces a version an advisory names")
	}
}

// addrTarget names a set of addresses as one target.
func addrTarget(addrs []netip.Addr) string {
	if len(addrs) == 1 {
		return addrs[0].String()
	}
	return fmt.Sprintf("%s … %s (%d addresses)", addrs[0], addrs[len(addrs)-1], len(addrs))
}

// banner connects to ip:port and answers what the service says first (or
// to a HEAD request), and whether the port is open.
func (r *run) banner(ctx context.Context, ip string, port int) (string, bool) {
	conn, err := r.dial(ctx, "tcp", ip, port)
	if err != nil {
		return "", false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(min(2*time.Second, r.p.o.Timeout)))
	if httpPorts[port] {
		_, _ = fmt.Fprintf(conn, "HEAD / HTTP/1.0\r\nHost: %s\r\nUser-Agent: certhub-hygiene/1\r\n\r\n", ip)
	}
	buf := make([]byte, 2048)
	n, _ := conn.Read(buf)
	return string(buf[:n]), true
}
