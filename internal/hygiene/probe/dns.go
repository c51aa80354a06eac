package probe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// dnsChecks runs the DNS checks of domain and reports whether it
// resolves at all.
func (r *run) dnsChecks(ctx context.Context, domain string) bool {
	p := r.p
	// Resolution from every resolver.
	var failed, answered []string
	for _, s := range p.o.Resolvers {
		m, err := p.exchange(ctx, s, domain, dns.TypeSOA, true)
		switch {
		case err != nil:
			failed = append(failed, fmt.Sprintf("%s: %v", s, err))
		case m.Rcode != dns.RcodeSuccess:
			failed = append(failed, fmt.Sprintf("%s: %s", s, dns.RcodeToString[m.Rcode]))
		default:
			answered = append(answered, s)
		}
	}
	switch {
	case len(p.o.Resolvers) == 0:
		r.add("dns.resolve", domain, Error, "no resolver is configured")
		return false
	case len(failed) == 0:
		r.add("dns.resolve", domain, Pass, "the zone resolves from %d resolvers (%s)", len(answered), strings.Join(answered, ", "))
	case len(answered) == 0:
		r.add("dns.resolve", domain, Fail, "no resolver resolves the zone: %s", strings.Join(failed, "; "))
		return false
	default:
		r.add("dns.resolve", domain, Fail, "%d of %d resolvers fail: %s", len(failed), len(p.o.Resolvers), strings.Join(failed, "; "))
	}
	r.dnssec(ctx, domain)
	// CAA.
	if m, err := p.resolve(ctx, domain, dns.TypeCAA); err != nil {
		r.add("dns.caa", domain, Error, "CAA lookup failed: %v", err)
	} else if caa := records[*dns.CAA](m, domain); len(caa) == 0 {
		r.add("dns.caa", domain, Fail, "no CAA record: any certificate authority may issue certificates for %s", domain)
	} else {
		var vs []string
		for _, c := range caa {
			vs = append(vs, fmt.Sprintf("%s %q", c.Tag, c.Value))
		}
		r.add("dns.caa", domain, Pass, "CAA: %s", strings.Join(vs, ", "))
	}
	// Dangling CNAMEs among the names the organisation publishes.
	var dangling, aliases []string
	for _, name := range []string{domain, "www." + domain, "mail." + domain, "mta-sts." + domain} {
		m, err := p.resolve(ctx, name, dns.TypeCNAME)
		if err != nil {
			continue
		}
		for _, c := range records[*dns.CNAME](m, name) {
			aliases = append(aliases, name)
			t, err := p.resolve(ctx, c.Target, dns.TypeA)
			if err == nil && t.Rcode == dns.RcodeNameError {
				dangling = append(dangling, fmt.Sprintf("%s is an alias of %s, which does not exist (NXDOMAIN)", name, strings.TrimSuffix(c.Target, ".")))
			}
		}
	}
	switch {
	case len(dangling) > 0:
		r.add("dns.dangling-cname", domain, Fail, "%s", strings.Join(dangling, "; "))
	case len(aliases) > 0:
		r.add("dns.dangling-cname", domain, Pass, "every alias resolves (%s)", strings.Join(aliases, ", "))
	default:
		r.add("dns.dangling-cname", domain, Pass, "no alias among %s, www, mail and mta-sts", domain)
	}
	r.nameServers(ctx, domain)
	return true
}

// nameServers asks each of the zone's name servers directly whether it
// resolves for anyone and transfers the zone.
func (r *run) nameServers(ctx context.Context, domain string) {
	if !r.allowed("dns.open-resolver", domain) || !r.allowed("dns.axfr", domain) {
		return
	}
	p := r.p
	m, err := p.resolve(ctx, domain, dns.TypeNS)
	if err != nil {
		r.add("dns.open-resolver", domain, Error, "NS lookup failed: %v", err)
		r.add("dns.axfr", domain, Error, "NS lookup failed: %v", err)
		return
	}
	var open, transfer, asked []string
	for _, ns := range records[*dns.NS](m, domain) {
		ips, err := p.addresses(ctx, ns.Ns)
		if err != nil {
			continue
		}
		for _, ip := range ips {
			host := strings.TrimSuffix(ns.Ns, ".") + " (" + ip + ")"
			asked = append(asked, host)
			if err := r.limit.Wait(ctx); err != nil {
				return
			}
			if a, err := p.exchange(ctx, p.o.Addr(ip, 53), p.o.ProbeName, dns.TypeA, true); err == nil &&
				a.Rcode == dns.RcodeSuccess && a.RecursionAvailable && len(a.Answer) > 0 {
				open = append(open, host)
			}
			if n, err := r.axfr(ctx, ip, domain); err == nil && n > 0 {
				transfer = append(transfer, fmt.Sprintf("%s (%d records)", host, n))
			}
		}
	}
	if len(asked) == 0 {
		r.add("dns.open-resolver", domain, Error, "no name server address found")
		r.add("dns.axfr", domain, Error, "no name server address found")
		return
	}
	if len(open) > 0 {
		r.add("dns.open-resolver", domain, Fail, "resolves %s for anyone: %s", strings.TrimSuffix(p.o.ProbeName, "."), strings.Join(open, ", "))
	} else {
		r.add("dns.open-resolver", domain, Pass, "no recursion for outsiders on %s", strings.Join(asked, ", "))
	}
	if len(transfer) > 0 {
		r.add("dns.axfr", domain, Fail, "the zone was transferred from %s", strings.Join(transfer, ", "))
	} else {
		r.add("dns.axfr", domain, Pass, "zone transfer refused by %s", strings.Join(asked, ", "))
	}
}

// axfr tries a zone transfer and answers how many records came.
func (r *run) axfr(ctx context.Context, ip, zone string) (int, error) {
	if err := r.limit.Wait(ctx); err != nil {
		return 0, err
	}
	m := new(dns.Msg)
	m.SetAxfr(dns.Fqdn(zone))
	t := &dns.Transfer{DialTimeout: r.p.o.Timeout, ReadTimeout: r.p.o.Timeout}
	ch, err := t.In(m, r.p.o.Addr(ip, 53))
	if err != nil {
		return 0, err
	}
	n := 0
	for env := range ch {
		if env.Error != nil {
			return 0, env.Error
		}
		n += len(env.RR)
	}
	return n, nil
}

// deprecatedAlgorithms must not sign zones (RFC 8624 section 3.1).
var deprecatedAlgorithms = map[uint8]bool{dns.RSAMD5: true, dns.DH: true, dns.DSA: true, dns.RSASHA1: true, dns.DSANSEC3SHA1: true,
	dns.RSASHA1NSEC3SHA1: true, dns.ECCGOST: true}

// expiryAhead is how long signatures must stay valid.
const expiryAhead = 7 * 24 * time.Hour

// zoneKeys is a zone's DNSKEY set once validated, or why it is not.
type zoneKeys struct {
	keys []*dns.DNSKEY
	err  error
}

// dnssec checks the zone's signatures, algorithms and chain of trust.
func (r *run) dnssec(ctx context.Context, domain string) {
	p := r.p
	m, err := p.resolve(ctx, domain, dns.TypeDNSKEY)
	if err != nil {
		r.add("dns.dnssec.signed", domain, Error, "DNSKEY lookup failed: %v", err)
		return
	}
	keys := records[*dns.DNSKEY](m, domain)
	soa, err := p.resolve(ctx, domain, dns.TypeSOA)
	if err != nil {
		r.add("dns.dnssec.signed", domain, Error, "SOA lookup failed: %v", err)
		return
	}
	soaSigs := records[*dns.RRSIG](soa, domain)
	if len(keys) == 0 {
		r.add("dns.dnssec.signed", domain, Fail, "the zone publishes no DNSKEY: it is not signed")
		for _, c := range []string{"dns.dnssec.chain", "dns.dnssec.algorithm", "dns.dnssec.expiry"} {
			r.add(c, domain, Skipped, "the zone is not signed")
		}
		return
	}
	soaSet := rrset(records[*dns.SOA](soa, domain))
	signed := false
	for _, s := range soaSigs {
		if k := keyFor(keys, s); k != nil && s.Verify(k, soaSet) == nil {
			signed = true
		}
	}
	if signed {
		r.add("dns.dnssec.signed", domain, Pass, "%d DNSKEY records; the SOA is signed by one of them", len(keys))
	} else {
		r.add("dns.dnssec.signed", domain, Fail, "the zone publishes %d DNSKEY records but its SOA carries no signature that verifies with them", len(keys))
	}
	// Algorithms.
	var bad, used []string
	for _, k := range keys {
		name := dns.AlgorithmToString[k.Algorithm]
		if name == "" {
			name = fmt.Sprint(k.Algorithm)
		}
		used = append(used, fmt.Sprintf("%s (%d)", name, k.Algorithm))
		if deprecatedAlgorithms[k.Algorithm] {
			bad = append(bad, fmt.Sprintf("key %d uses %s (%d)", k.KeyTag(), name, k.Algorithm))
		}
	}
	slices.Sort(used)
	if len(bad) > 0 {
		r.add("dns.dnssec.algorithm", domain, Fail, "%s, which RFC 8624 says must not sign zones", strings.Join(bad, "; "))
	} else {
		r.add("dns.dnssec.algorithm", domain, Pass, "algorithms: %s", strings.Join(slices.Compact(used), ", "))
	}
	// Signature expiry over the DNSKEY set and the SOA.
	now := p.o.Now()
	var first time.Time
	for _, s := range append(records[*dns.RRSIG](m, domain), soaSigs...) {
		if e := time.Unix(int64(s.Expiration), 0); first.IsZero() || e.Before(first) {
			first = e
		}
	}
	switch {
	case first.IsZero():
		r.add("dns.dnssec.expiry", domain, Fail, "no signature found")
	case !first.After(now):
		r.add("dns.dnssec.expiry", domain, Fail, "a signature expired on %s", first.UTC().Format(time.RFC3339))
	case first.Sub(now) < expiryAhead:
		r.add("dns.dnssec.expiry", domain, Fail, "a signature expires in %s (%s)", first.Sub(now).Round(time.Hour), first.UTC().Format(time.RFC3339))
	default:
		r.add("dns.dnssec.expiry", domain, Pass, "the first signature expires on %s (%d days)", first.UTC().Format(time.DateOnly), int(first.Sub(now).Hours()/24))
	}
	// Chain of trust.
	if _, err := r.validatedKeys(ctx, dns.Fqdn(domain), 0); err != nil {
		r.add("dns.dnssec.chain", domain, Fail, "%v", err)
	} else {
		r.add("dns.dnssec.chain", domain, Pass, "validates from the trust anchor down to %s", domain)
	}
}

// keyFor answers the key of keys a signature names.
func keyFor(keys []*dns.DNSKEY, s *dns.RRSIG) *dns.DNSKEY {
	for _, k := range keys {
		if k.KeyTag() == s.KeyTag && k.Algorithm == s.Algorithm && strings.EqualFold(k.Hdr.Name, s.SignerName) {
			return k
		}
	}
	return nil
}

func rrset[T dns.RR](list []T) []dns.RR {
	out := make([]dns.RR, len(list))
	for i, v := range list {
		out[i] = v
	}
	return out
}

// validatedKeys answers zone's DNSKEY set once it validates: signed by one
// of its keys, and that key vouched for by a trust anchor or by a DS record
// the parent signed with its own validated keys.
func (r *run) validatedKeys(ctx context.Context, zone string, depth int) ([]*dns.DNSKEY, error) {
	zone = strings.ToLower(zone)
	if z, ok := r.zones[zone]; ok {
		return z.keys, z.err
	}
	keys, err := r.validate(ctx, zone, depth)
	r.zones[zone] = zoneKeys{keys: keys, err: err}
	return keys, err
}

func (r *run) validate(ctx context.Context, zone string, depth int) ([]*dns.DNSKEY, error) {
	p := r.p
	now := p.o.Now()
	m, err := p.resolve(ctx, zone, dns.TypeDNSKEY)
	if err != nil {
		return nil, fmt.Errorf("DNSKEY of %s: %w", zone, err)
	}
	keys := records[*dns.DNSKEY](m, zone)
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s publishes no DNSKEY", zone)
	}
	set := rrset(keys)
	var signers []*dns.DNSKEY
	for _, s := range records[*dns.RRSIG](m, zone) {
		if s.TypeCovered != dns.TypeDNSKEY {
			continue
		}
		if k := keyFor(keys, s); k != nil && s.Verify(k, set) == nil && s.ValidityPeriod(now) {
			signers = append(signers, k)
		}
	}
	if len(signers) == 0 {
		return nil, fmt.Errorf("the DNSKEY set of %s carries no valid signature by one of its keys", zone)
	}
	vouched := func(ds []*dns.DS) bool {
		for _, d := range ds {
			for _, k := range signers {
				if k.KeyTag() == d.KeyTag && k.Algorithm == d.Algorithm {
					if kd := k.ToDS(d.DigestType); kd != nil && strings.EqualFold(kd.Digest, d.Digest) {
						return true
					}
				}
			}
		}
		return false
	}
	var anchors []*dns.DS
	for _, a := range p.o.TrustAnchors {
		if strings.EqualFold(dns.Fqdn(a.Hdr.Name), zone) {
			anchors = append(anchors, a)
		}
	}
	if len(anchors) > 0 {
		if vouched(anchors) {
			return keys, nil
		}
		return nil, fmt.Errorf("no key signing the DNSKEY set of %s matches its trust anchor", zone)
	}
	if zone == "." || depth > 12 {
		return nil, errors.New("no trust anchor above the zone")
	}
	dm, err := p.resolve(ctx, zone, dns.TypeDS)
	if err != nil {
		return nil, fmt.Errorf("DS of %s: %w", zone, err)
	}
	ds := records[*dns.DS](dm, zone)
	if len(ds) == 0 {
		return nil, fmt.Errorf("the parent of %s publishes no DS record: the chain of trust is broken there", strings.TrimSuffix(zone, "."))
	}
	var parentOK bool
	for _, s := range records[*dns.RRSIG](dm, zone) {
		if s.TypeCovered != dns.TypeDS || strings.EqualFold(s.SignerName, zone) {
			continue
		}
		pkeys, err := r.validatedKeys(ctx, s.SignerName, depth+1)
		if err != nil {
			return nil, err
		}
		if k := keyFor(pkeys, s); k != nil && s.Verify(k, rrset(ds)) == nil && s.ValidityPeriod(now) {
			parentOK = true
			break
		}
	}
	if !parentOK {
		return nil, fmt.Errorf("the DS record of %s carries no valid signature of its parent", strings.TrimSuffix(zone, "."))
	}
	if !vouched(ds) {
		return nil, fmt.Errorf("no DS record at the parent matches a key that signs the DNSKEY set of %s", strings.TrimSuffix(zone, "."))
	}
	return keys, nil
}
