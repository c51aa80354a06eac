package probe

// Severity is how much a failed check matters.
type Severity string

// The severities, least first.
const (
	Info     Severity = "info"
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities are the severities, least first.
var Severities = []Severity{Info, Low, Medium, High, Critical}

// Weight is a severity's share in the score: a failed critical check costs
// ten times a failed low one; info counts for nothing.
func (s Severity) Weight() int {
	switch s {
	case Low:
		return 1
	case Medium:
		return 3
	case High:
		return 6
	case Critical:
		return 10
	}
	return 0
}

// Rank orders severities (info 0 … critical 4; -1 unknown).
func (s Severity) Rank() int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return -1
}

// The permission categories a check may need: checks that talk to the
// constituent's own hosts run only where the organisation granted the
// category. Checks needing none only ask public resolvers.
const (
	NeedDNS      = "dns"      // the organisation's name servers, queried directly
	NeedMail     = "mail"     // its mail exchangers and MTA-STS host
	NeedWeb      = "web"      // its web servers
	NeedExposure = "exposure" // connections to the ports of its addresses
)

// Categories are the permission categories, in order.
var Categories = []string{NeedDNS, NeedMail, NeedWeb, NeedExposure}

// Check is one kind of check: its stable id, what it looks at and how a
// failure is fixed.
type Check struct {
	ID       string   `json:"id"`
	Group    string   `json:"group"` // dns, mail, web, exposure
	Title    string   `json:"title"`
	Severity Severity `json:"severity"`
	// Needs is the permission category the check needs ("" for none).
	Needs string `json:"needs,omitempty"`
	Fix   string `json:"fix"`
}

// Catalogue is every check, in the order a report lists them. Ids are
// stable: findings, scores and clients refer to them.
var Catalogue = []Check{
	{ID: "dns.resolve", Group: "dns", Title: "The domain resolves from every resolver", Severity: High,
		Fix: "Make every authoritative name server answer for the zone; check the delegation at the parent and that no server returns SERVFAIL."},
	{ID: "dns.dnssec.signed", Group: "dns", Title: "The zone is signed with DNSSEC", Severity: Medium,
		Fix: "Sign the zone (most DNS hosts do it with one setting) and publish its DS record at the registrar."},
	{ID: "dns.dnssec.chain", Group: "dns", Title: "The chain of trust from the root validates", Severity: High,
		Fix: "Publish at the parent a DS record that matches the zone's key-signing key, and keep the DNSKEY set signed by that key."},
	{ID: "dns.dnssec.algorithm", Group: "dns", Title: "DNSSEC uses a recommended algorithm", Severity: Medium,
		Fix: "Roll the keys to ECDSA P-256 (13) or Ed25519 (15); RFC 8624 forbids signing with RSA/MD5, DSA and RSA/SHA-1."},
	{ID: "dns.dnssec.expiry", Group: "dns", Title: "Signatures are valid for at least a week", Severity: High,
		Fix: "Re-sign the zone automatically well before signatures expire (inline signing or a signer with automatic refresh)."},
	{ID: "dns.caa", Group: "dns", Title: "A CAA record names the certificate authorities allowed to issue", Severity: Low,
		Fix: "Publish CAA records naming the certificate authorities you use, with an iodef contact."},
	{ID: "dns.dangling-cname", Group: "dns", Title: "No CNAME points at a name that does not exist", Severity: High,
		Fix: "Remove the CNAME or recreate what it points to: a dangling alias lets whoever claims the target take over the name."},
	{ID: "dns.open-resolver", Group: "dns", Title: "The name servers do not resolve for anyone", Severity: High, Needs: NeedDNS,
		Fix: "Disable recursion on authoritative servers, or restrict it to your own networks: open resolvers are used for amplification attacks."},
	{ID: "dns.axfr", Group: "dns", Title: "The name servers refuse zone transfers to strangers", Severity: High, Needs: NeedDNS,
		Fix: "Allow AXFR only to your secondary servers, by address or TSIG key."},
	{ID: "mail.mx", Group: "mail", Title: "Mail exchangers are published", Severity: Info,
		Fix: "Publish MX records, or a null MX (RFC 7505) when the domain receives no mail."},
	{ID: "mail.spf", Group: "mail", Title: "An SPF record is published and valid", Severity: High,
		Fix: "Publish one TXT record starting v=spf1 that lists your senders and ends with -all or ~all."},
	{ID: "mail.spf.lookups", Group: "mail", Title: "SPF stays within 10 DNS lookups", Severity: Medium,
		Fix: "Flatten includes or drop unused ones: past 10 lookups receivers return permerror and SPF protects nothing."},
	{ID: "mail.spf.all", Group: "mail", Title: "SPF does not let every host send", Severity: High,
		Fix: "End the record with -all (or ~all while you collect reports), never +all or ?all."},
	{ID: "mail.dmarc", Group: "mail", Title: "A DMARC record is published and valid", Severity: High,
		Fix: "Publish a TXT record at _dmarc.<domain>: v=DMARC1; p=none; rua=mailto:… to start, then tighten."},
	{ID: "mail.dmarc.policy", Group: "mail", Title: "DMARC rejects or quarantines all failing mail", Severity: Medium,
		Fix: "Move to p=quarantine then p=reject with pct=100 once the reports show your own mail aligns."},
	{ID: "mail.dmarc.rua", Group: "mail", Title: "DMARC aggregate reports are requested", Severity: Low,
		Fix: "Add rua=mailto:… so you learn who sends mail as your domain."},
	{ID: "mail.dkim", Group: "mail", Title: "DKIM keys are published for the known selectors", Severity: Medium,
		Fix: "Publish the selector's public key (v=DKIM1; k=rsa; p=…) of at least 1024 bits, 2048 recommended."},
	{ID: "mail.mta-sts", Group: "mail", Title: "MTA-STS is enforced", Severity: Low, Needs: NeedMail,
		Fix: "Publish _mta-sts TXT and a policy at https://mta-sts.<domain>/.well-known/mta-sts.txt in mode enforce."},
	{ID: "mail.tls-rpt", Group: "mail", Title: "TLS reporting is requested", Severity: Low,
		Fix: "Publish _smtp._tls.<domain> TXT: v=TLSRPTv1; rua=mailto:…"},
	{ID: "mail.starttls", Group: "mail", Title: "Every mail exchanger offers STARTTLS", Severity: High, Needs: NeedMail,
		Fix: "Enable STARTTLS on every MX with a certificate for its name."},
	{ID: "mail.starttls.certificate", Group: "mail", Title: "Mail exchangers' certificates are valid for their names", Severity: Medium, Needs: NeedMail,
		Fix: "Install a certificate from a public CA for the MX host name, with its chain, and renew it before it expires."},
	{ID: "web.https", Group: "web", Title: "The site answers over HTTPS", Severity: High, Needs: NeedWeb,
		Fix: "Serve the site over HTTPS with a certificate from a public CA."},
	{ID: "web.redirect", Group: "web", Title: "HTTP redirects to HTTPS", Severity: Medium, Needs: NeedWeb,
		Fix: "Answer every plain-HTTP request with a permanent redirect (301 or 308) to the same path over https."},
	{ID: "web.tls.versions", Group: "web", Title: "Only TLS 1.2 and 1.3 are offered", Severity: High, Needs: NeedWeb,
		Fix: "Disable TLS 1.0 and 1.1 (RFC 8996) and SSL; offer TLS 1.2 and 1.3."},
	{ID: "web.tls.ciphers", Group: "web", Title: "No weak cipher suite is accepted", Severity: Medium, Needs: NeedWeb,
		Fix: "Offer only AEAD suites with forward secrecy (ECDHE with AES-GCM or ChaCha20-Poly1305); drop RC4, 3DES, CBC with SHA-1 and RSA key exchange."},
	{ID: "web.certificate.valid", Group: "web", Title: "The certificate is within its validity period", Severity: Critical, Needs: NeedWeb,
		Fix: "Renew the certificate, and automate renewal (ACME)."},
	{ID: "web.certificate.chain", Group: "web", Title: "The certificate chains to a trusted authority", Severity: High, Needs: NeedWeb,
		Fix: "Use a certificate from a public CA and serve the intermediate certificates with it."},
	{ID: "web.certificate.name", Group: "web", Title: "The certificate names the host", Severity: High, Needs: NeedWeb,
		Fix: "Include every host name the site answers to in the certificate's subject alternative names."},
	{ID: "web.certificate.expiry", Group: "web", Title: "The certificate does not expire within 14 days", Severity: High, Needs: NeedWeb,
		Fix: "Renew now and automate renewal well ahead of expiry."},
	{ID: "web.hsts", Group: "web", Title: "HSTS is sent for at least six months", Severity: Medium, Needs: NeedWeb,
		Fix: "Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every HTTPS response."},
	{ID: "web.headers", Group: "web", Title: "Security headers are sent", Severity: Low, Needs: NeedWeb,
		Fix: "Send Content-Security-Policy, X-Content-Type-Options: nosniff, a frame policy (frame-ancestors or X-Frame-Options) and Referrer-Policy."},
	{ID: "web.security-txt", Group: "web", Title: "security.txt is published", Severity: Medium, Needs: NeedWeb,
		Fix: "Publish /.well-known/security.txt (RFC 9116) with Contact and Expires, served as text/plain over HTTPS."},
	{ID: "web.security-txt.valid", Group: "web", Title: "security.txt is valid and current", Severity: Medium, Needs: NeedWeb,
		Fix: "Give Contact and one Expires less than a year ahead in RFC 3339, https URIs, and a Canonical naming where the file is served; renew before it expires."},
	{ID: "web.security-txt.signature", Group: "web", Title: "security.txt is signed by a key in the directory, where required", Severity: Low, Needs: NeedWeb,
		Fix: "Clear-sign the file with the organisation's OpenPGP key and record the key in the directory."},
	{ID: "exposure.risky-service", Group: "exposure", Title: "No risky service is open to the internet", Severity: High, Needs: NeedExposure,
		Fix: "Close the port at the firewall or restrict it to known addresses; remote administration belongs behind a VPN."},
	{ID: "exposure.open-port", Group: "exposure", Title: "Open ports seen", Severity: Info, Needs: NeedExposure,
		Fix: "Keep open only what must be reachable from the internet."},
	{ID: "exposure.vulnerable", Group: "exposure", Title: "No exposed service runs a version with a known vulnerability", Severity: Critical, Needs: NeedExposure,
		Fix: "Update the service to a fixed version (see the advisory) or take it off the internet."},
}

var byID = func() map[string]Check {
	m := make(map[string]Check, len(Catalogue))
	for _, c := range Catalogue {
		m[c.ID] = c
	}
	return m
}()

// Lookup answers the check of an id.
func Lookup(id string) (Check, bool) {
	c, ok := byID[id]
	return c, ok
}
