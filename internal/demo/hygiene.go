package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/hygiene"
	"github.com/certhub/certhub/internal/hygiene/probe"
	"github.com/certhub/certhub/internal/platform/auth"
)

// hygieneProfile is a constituent's hygiene in the demo: the permission it
// granted and what fails, each failure until the week (of twelve) it was
// fixed (12: still failing).
type hygieneProfile struct {
	key      string
	perm     []string
	grantor  string
	failures []hygieneFailure
}

type hygieneFailure struct {
	check, target, evidence string
	from, until             int // failing in weeks [from, until)
}

// hygieneWeeks is how many weekly runs of history the demo has.
const hygieneWeeks = 12

// loadHygiene gives the constituents twelve weeks of weekly hygiene runs,
// recorded as imported results (the demo's domains are fictional, so no
// check could reach them): First Example Bank fixing its last problems,
// Crescent Microfinance with weak mail and web settings and RDP open,
// Central Power with an exposed vulnerable Document Vault, City General
// Hospital without any scanning permission, and the others in between.
// Runs of the checks themselves start from the schedule.
func loadHygiene(ctx context.Context, c *app.Core, ids map[string]string) error {
	sys := auth.System("demo dataset")
	vault := "the advisory on Document Vault"
	if list, err := c.Advisory.Publications(ctx, nil, advisory.PublicFilter{Page: 1, Limit: 100}); err == nil {
		for _, p := range list.Items {
			for _, pr := range p.Content.Products {
				if pr.Name == "Document Vault" {
					vault = p.TrackingID + " (" + p.Content.Title + ")"
				}
			}
		}
	}
	profiles := []hygieneProfile{
		{key: "firstbank", perm: []string{"dns", "mail", "web", "exposure"}, grantor: "Usman, CISO of First Example Bank", failures: []hygieneFailure{
			{"dns.caa", "", "no CAA record: any certificate authority may issue certificates for %d", 0, 5},
			{"web.hsts", "", "max-age=86400 is under six months: \"max-age=86400\"", 0, 9},
			{"exposure.risky-service", "198.51.100.12:3389", "RDP (198.51.100.12:3389) is open", 0, 3},
			{"mail.mta-sts", "", "mode \"testing\": senders deliver without TLS when it fails", 0, 12},
		}},
		{key: "crescent", perm: []string{"mail", "web", "exposure"}, grantor: "IT security manager, Crescent Microfinance", failures: []hygieneFailure{
			{"mail.spf.all", "", "an address nobody owns (192.0.2.1) passes: the record lets every host send as %d", 0, 12},
			{"mail.dmarc.policy", "", "p=none only monitors: mail failing DMARC is delivered", 0, 12},
			{"web.tls.versions", "", "offers TLS 1.0 and TLS 1.1, deprecated by RFC 8996 (also: TLS 1.2)", 0, 12},
			{"web.certificate.expiry", "", "expires in 6 days", 11, 12},
			{"exposure.risky-service", "198.51.100.35:3389", "RDP (198.51.100.35:3389) is open", 4, 12},
			{"dns.dnssec.signed", "", "the zone publishes no DNSKEY: it is not signed", 0, 12},
		}},
		{key: "exchange", perm: []string{"dns", "mail", "web"}, grantor: "CISO, National Stock Exchange", failures: []hygieneFailure{
			{"web.headers", "", "missing: Content-Security-Policy, Referrer-Policy", 0, 12},
			{"dns.caa", "", "no CAA record: any certificate authority may issue certificates for %d", 0, 12},
		}},
		{key: "karakoram", perm: []string{"dns", "web"}, grantor: "Head of NOC, Karakoram Telecom", failures: []hygieneFailure{
			{"dns.dnssec.signed", "", "the zone publishes no DNSKEY: it is not signed", 0, 12},
			{"web.hsts", "", "no Strict-Transport-Security header", 0, 7},
			{"dns.open-resolver", "", "resolves www.iana.org for anyone: ns2.karakoram-telecom.example (203.0.113.53)", 0, 6},
		}},
		{key: "centralpower", perm: []string{"web", "exposure"}, grantor: "SCADA security lead, CPDC", failures: []hygieneFailure{
			{"exposure.vulnerable", "198.51.100.140:443", "Examplesoft Document Vault 2.2.0 is affected by " + vault, 6, 12},
			{"exposure.risky-service", "198.51.100.141:23", "Telnet (198.51.100.141:23) is open", 0, 12},
			{"web.certificate.valid", "", "the certificate expired on %e", 8, 12},
			{"web.security-txt", "", "https://%d/.well-known/security.txt answers 404", 0, 12},
		}},
		{key: "cityhospital", failures: []hygieneFailure{
			{"mail.dmarc", "", "no DMARC record at _dmarc.%d", 0, 12},
			{"mail.spf", "", "no SPF record: anyone may send mail as %d unnoticed", 0, 12},
			{"dns.dnssec.signed", "", "the zone publishes no DNSKEY: it is not signed", 0, 12},
		}},
		{key: "revenue", perm: []string{"dns", "mail", "web", "exposure"}, grantor: "Director IT security, FRB", failures: []hygieneFailure{
			{"mail.dkim", "", "s1._domainkey.%d: an RSA key of 768 bits, below the 1024 RFC 8301 requires", 0, 10},
		}},
	}
	now := c.Cfg.Now().UTC()
	for _, p := range profiles {
		org, ok := ids[p.key]
		if !ok {
			return fmt.Errorf("demo hygiene: no organisation %s", p.key)
		}
		var domain string
		for _, o := range orgs {
			if o.key == p.key {
				domain = o.domains[0]
			}
		}
		if len(p.perm) > 0 {
			if _, err := c.Hygiene.SetPermission(ctx, sys, org, hygiene.PermissionInput{Categories: p.perm, GrantedBy: p.grantor,
				GrantedOn: now.AddDate(0, 0, -7*hygieneWeeks-3).Format(time.DateOnly), Reference: "Scanning consent form, signed"}); err != nil {
				return fmt.Errorf("demo hygiene permission %s: %w", p.key, err)
			}
		}
		allowed := map[string]bool{}
		for _, c := range p.perm {
			allowed[c] = true
		}
		for w := range hygieneWeeks {
			at := now.AddDate(0, 0, -7*(hygieneWeeks-1-w)-1).Add(-time.Duration(len(p.key)) * time.Hour)
			if _, err := c.Hygiene.ImportRun(ctx, sys, org, at, demoResults(domain, allowed, p.failures, w, at)); err != nil {
				return fmt.Errorf("demo hygiene %s: %w", p.key, err)
			}
		}
	}
	// Bring the schedule up to date now rather than at the first schedule
	// job: every organisation with a domain or range is in the roll-up
	// from the start, instead of appearing under the reader's eyes.
	if _, _, err := c.Hygiene.Schedule(ctx); err != nil {
		return fmt.Errorf("demo hygiene schedule: %w", err)
	}
	return nil
}

// demoResults are one week's results: every check of the catalogue,
// skipped where the permission does not reach, failing as the profile
// says, passing otherwise.
func demoResults(domain string, allowed map[string]bool, failures []hygieneFailure, week int, at time.Time) []probe.Result {
	expand := func(s string) string {
		return strings.NewReplacer("%d", domain, "%e", at.AddDate(0, 0, -5).Format(time.DateOnly)).Replace(s)
	}
	var out []probe.Result
	for _, c := range probe.Catalogue {
		target := domain
		if c.Group == "exposure" {
			target = "addresses of " + domain
		}
		if c.Needs != "" && !allowed[c.Needs] {
			out = append(out, probe.Result{Check: c.ID, Target: target, Status: probe.Skipped,
				Evidence: "no scanning permission for " + c.Needs + " checks is recorded for the organisation"})
			continue
		}
		failed := false
		for _, f := range failures {
			if f.check != c.ID || week < f.from || week >= f.until {
				continue
			}
			failed = true
			t := target
			if f.target != "" {
				t = f.target
			}
			out = append(out, probe.Result{Check: c.ID, Target: t, Status: probe.Fail, Evidence: expand(f.evidence)})
		}
		if !failed {
			out = append(out, probe.Result{Check: c.ID, Target: target, Status: probe.Pass, Evidence: c.Title})
		}
	}
	return out
}
