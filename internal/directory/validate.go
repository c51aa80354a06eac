package directory

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// Limits on what one organisation may carry.
const (
	maxContacts = 50
	maxCIDRs    = 5000
	maxASNs     = 1000
	maxDomains  = 5000
	maxText     = 20000
)

// iso3166 is every ISO 3166-1 alpha-2 country code.
var iso3166 = strings.Fields(`AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS
RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA
UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`)

// ValidCountry reports whether c is an ISO 3166-1 alpha-2 code.
func ValidCountry(c string) bool { return slices.Contains(iso3166, c) }

// apply validates in and applies it to o (a new organisation or a copy of the
// stored one). Every problem is collected with the JSON path of its field.
func apply(o *Org, in OrgInput, now time.Time) error {
	var f errs.Fields
	text := func(field string, dst *string, src *string, max int, required bool) {
		if src == nil {
			if required && *dst == "" {
				f.Add(field, "is required")
			}
			return
		}
		v := strings.TrimSpace(*src)
		switch {
		case required && v == "":
			f.Add(field, "is required")
		case utf8.RuneCountInString(v) > max:
			f.Add(field, "must be at most %d characters", max)
		case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
			f.Add(field, "must be valid text")
		default:
			*dst = v
		}
	}
	text("name", &o.Name, in.Name, 200, true)
	if strings.ContainsAny(o.Name, "\r\n\t") {
		f.Add("name", "must be one line of text")
	}
	text("short_name", &o.ShortName, in.ShortName, 40, false)
	text("description", &o.Description, in.Description, maxText, false)
	if in.Kind != nil {
		if !in.Kind.Valid() {
			f.Add("kind", "must be one of %s", kindList())
		} else {
			o.Kind = *in.Kind
		}
	} else if o.Kind == "" {
		f.Add("kind", "is required: one of %s", kindList())
	}
	if in.ParentID != nil {
		p := strings.TrimSpace(*in.ParentID)
		if p == "" {
			o.ParentID = nil
		} else {
			o.ParentID = &p
		}
	}
	if in.Sector != nil {
		s := strings.ToLower(strings.TrimSpace(*in.Sector))
		if s != "" && !slices.Contains(Sectors, s) {
			f.Add("sector", "must be one of %s", strings.Join(Sectors, ", "))
		} else {
			o.Sector = s
		}
	}
	if in.Country != nil {
		c := strings.ToUpper(strings.TrimSpace(*in.Country))
		if c != "" && !ValidCountry(c) {
			f.Add("country", "must be an ISO 3166-1 two-letter country code such as PK")
		} else {
			o.Country = c
		}
	}
	if in.CII != nil {
		o.CII = *in.CII
	}
	if in.Listed != nil {
		o.Listed = *in.Listed
	}
	if in.Website != nil {
		w := strings.TrimSpace(*in.Website)
		if w != "" {
			u, err := url.Parse(w)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(w) > 500 {
				f.Add("website", "must be a web address starting with https://")
			}
		}
		o.Website = w
	}
	if in.Contacts != nil {
		o.Contacts = checkContacts(&f, *in.Contacts)
	}
	if in.PGPKey != nil {
		k := strings.TrimSpace(*in.PGPKey)
		if k == "" {
			o.PGPKey, o.PGPFingerprint, o.PGPExpiresAt = "", "", nil
		} else if info, err := pgp.ParsePublicKey(k, now); err != nil {
			f.Add("pgp_key", "%s", err.Error())
		} else {
			o.PGPKey, o.PGPFingerprint, o.PGPExpiresAt = info.Armored, info.Fingerprint, info.Expires
		}
	}
	if in.RFC2350 != nil {
		r := *in.RFC2350
		checkRFC2350(&f, &r)
		o.RFC2350 = r
	}
	if in.Constituency != nil {
		o.Constituency = checkConstituency(&f, *in.Constituency)
	}
	if in.Packages != nil {
		o.Packages = checkItems(&f, "packages", "package URLs", *in.Packages, maxPackages, NormalizePackage,
			func(p string) string { return p })
	}
	if o.Packages == nil {
		o.Packages = []string{}
	}
	if o.Contacts == nil {
		o.Contacts = []Contact{}
	}
	if o.Constituency.CIDRs == nil {
		o.Constituency.CIDRs = []string{}
	}
	if o.Constituency.ASNs == nil {
		o.Constituency.ASNs = []int64{}
	}
	if o.Constituency.Domains == nil {
		o.Constituency.Domains = []string{}
	}
	return f.Err()
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func checkContacts(f *errs.Fields, in []Contact) []Contact {
	if len(in) > maxContacts {
		f.Add("contacts", "at most %d contacts", maxContacts)
		return nil
	}
	out := make([]Contact, 0, len(in))
	for i, c := range in {
		p := fmt.Sprintf("contacts[%d]", i)
		c.Role = strings.ToLower(strings.TrimSpace(c.Role))
		c.Name = strings.TrimSpace(c.Name)
		c.Email = strings.ToLower(strings.TrimSpace(c.Email))
		c.Phone = strings.TrimSpace(c.Phone)
		if !slices.Contains(ContactRoles, c.Role) {
			f.Add(p+".role", "must be one of %s", strings.Join(ContactRoles, ", "))
		}
		if c.Email == "" && c.Phone == "" {
			f.Add(p, "needs an e-mail address or a phone number")
		}
		if c.Email != "" && !notify.ValidAddress(c.Email) {
			f.Add(p+".email", "is not an e-mail address")
		}
		if c.Phone != "" && !validPhone(c.Phone) {
			f.Add(p+".phone", "must be a phone number in international form, e.g. +92 51 1234567")
		}
		if utf8.RuneCountInString(c.Name) > 200 || strings.ContainsAny(c.Name, "\r\n") {
			f.Add(p+".name", "must be one line of at most 200 characters")
		}
		out = append(out, c)
	}
	return out
}

func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return false
		}
	}
	return strings.HasPrefix(s, "+") && digits >= 6 && digits <= 17
}

func checkRFC2350(f *errs.Fields, r *RFC2350) {
	fields := r.sections()
	for _, name := range rfc2350Keys {
		v := fields[name]
		*v = strings.TrimSpace(*v)
		if utf8.RuneCountInString(*v) > maxText || !utf8.ValidString(*v) {
			f.Add("rfc2350."+name, "must be valid text of at most %d characters", maxText)
		}
	}
	if r.DocumentDate != "" {
		if _, err := time.Parse("2006-01-02", r.DocumentDate); err != nil {
			f.Add("rfc2350.document_date", "must be a date written 2026-11-23")
		}
	}
	if r.Email != "" && !notify.ValidAddress(strings.ToLower(r.Email)) {
		f.Add("rfc2350.email", "is not an e-mail address")
	}
	if r.TimeZone != "" {
		if _, err := time.LoadLocation(r.TimeZone); err != nil && !strings.HasPrefix(r.TimeZone, "UTC") {
			f.Add("rfc2350.time_zone", "must be a zone name such as Asia/Karachi or an offset such as UTC+05:00")
		}
	}
}

func checkConstituency(f *errs.Fields, in Constituency) Constituency {
	out := Constituency{CIDRs: []string{}, ASNs: []int64{}, Domains: []string{}}
	if len(in.CIDRs) > maxCIDRs {
		f.Add("constituency.cidrs", "at most %d networks", maxCIDRs)
	} else {
		var prefixes []netip.Prefix
		for i, s := range in.CIDRs {
			field := fmt.Sprintf("constituency.cidrs[%d]", i)
			p, problem := ParseCIDR(s)
			if problem != "" {
				f.Add(field, "%s", problem)
				continue
			}
			if j := slices.IndexFunc(prefixes, p.Overlaps); j >= 0 {
				if prefixes[j] == p {
					f.Add(field, "%s is listed twice", p)
				} else {
					f.Add(field, "%s overlaps %s, listed above; keep the larger network only", p, prefixes[j])
				}
				continue
			}
			prefixes = append(prefixes, p)
			out.CIDRs = append(out.CIDRs, p.String())
		}
	}
	out.ASNs = checkItems(f, "constituency.asns", "ASNs", in.ASNs, maxASNs, func(a int64) (int64, string) { return a, checkASN(a) },
		func(a int64) string { return fmt.Sprintf("AS%d", a) })
	out.Domains = checkItems(f, "constituency.domains", "domains", in.Domains, maxDomains, NormalizeDomain,
		func(d string) string { return d })
	return out
}

// checkItems normalises each item of a list, reporting bad and repeated
// items under field[i] and a list longer than max under field.
func checkItems[T any, R comparable](f *errs.Fields, field, noun string, in []T, max int, norm func(T) (R, string), show func(R) string) []R {
	out := []R{}
	if len(in) > max {
		f.Add(field, "at most %d %s", max, noun)
		return out
	}
	for i, item := range in {
		v, problem := norm(item)
		switch {
		case problem != "":
			f.Add(fmt.Sprintf("%s[%d]", field, i), "%s", problem)
		case slices.Contains(out, v):
			f.Add(fmt.Sprintf("%s[%d]", field, i), "%s is listed twice", show(v))
		default:
			out = append(out, v)
		}
	}
	return out
}

// ParseCIDR reads a network a constituency may claim and says what is wrong
// with it, in words a person can act on.
func ParseCIDR(s string) (netip.Prefix, string) {
	s = strings.TrimSpace(s)
	p, err := netip.ParsePrefix(s)
	if err != nil {
		if a, aerr := netip.ParseAddr(s); aerr == nil {
			return netip.Prefix{}, fmt.Sprintf("%q is an address, not a network: write %s/%d", s, a, a.BitLen())
		}
		return netip.Prefix{}, fmt.Sprintf("%q is not a network in CIDR notation such as 192.0.2.0/24 or 2001:db8::/32", s)
	}
	if p.Addr().Zone() != "" {
		return netip.Prefix{}, fmt.Sprintf("%q carries an interface zone", s)
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Sprintf("%q is an IPv4-mapped IPv6 network; write the IPv4 network", s)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Sprintf("%s has host bits set: the network is %s", s, m)
	}
	a := p.Addr()
	switch {
	case a.Is4() && p.Bits() < 8, a.Is6() && p.Bits() < 16:
		return netip.Prefix{}, fmt.Sprintf("%s is too large a network for one constituency (at most /8 for IPv4, /16 for IPv6)", p)
	case a.IsLoopback(), a.IsMulticast(), a.IsLinkLocalUnicast(), a.IsUnspecified(), a.IsInterfaceLocalMulticast():
		return netip.Prefix{}, fmt.Sprintf("%s is a loopback, link-local or multicast range, which no constituency owns", p)
	}
	return p, ""
}

func checkASN(a int64) string {
	switch {
	case a <= 0 || a > 4294967295:
		return "must be an AS number from 1 to 4294967294"
	case a == 23456:
		return "AS23456 is AS_TRANS, a placeholder, not a real AS"
	case a == 4294967295 || a == 65535:
		return fmt.Sprintf("AS%d is reserved", a)
	}
	return ""
}

// ParseASN reads "64500", "AS64500" or "as64500".
func ParseASN(s string) (int64, string) {
	s = strings.TrimSpace(s)
	t := strings.TrimPrefix(strings.TrimPrefix(s, "AS"), "as")
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, fmt.Sprintf("%q is not an AS number such as AS64500", s)
	}
	if p := checkASN(n); p != "" {
		return 0, p
	}
	return n, ""
}

var domainProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.StrictDomainName(true), idna.ValidateLabels(true), idna.VerifyDNSLength(true))

// NormalizeDomain returns the lower-case A-label form of a domain name (so
// "Bücher.example" becomes "xn--bcher-kva.example") or what is wrong with it.
func NormalizeDomain(s string) (string, string) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	if strings.Contains(s, "://") || strings.ContainsAny(s, "/@: ") {
		return "", fmt.Sprintf("%q is not a domain name: give only the name, such as bank.example", s)
	}
	if strings.HasPrefix(s, "*.") {
		return "", fmt.Sprintf("%q: leave out the wildcard; a domain covers its subdomains", s)
	}
	if !utf8.ValidString(s) { // IDNA would encode the bad bytes as U+FFFD, which it then refuses
		return "", fmt.Sprintf("%q is not a valid domain name", s)
	}
	a, err := domainProfile.ToASCII(s)
	if err != nil || a == "" {
		return "", fmt.Sprintf("%q is not a valid domain name", s)
	}
	a = strings.TrimSuffix(strings.ToLower(a), ".") // the root's dot, however it was written
	if slices.Contains(strings.Split(a, "."), "") {
		return "", fmt.Sprintf("%q is not a valid domain name", s)
	}
	if !strings.Contains(a, ".") {
		return "", fmt.Sprintf("%q is a single label; give a full domain such as bank.example", s)
	}
	if _, err := netip.ParseAddr(a); err == nil {
		return "", fmt.Sprintf("%q is an address; list it under networks", s)
	}
	last := a[strings.LastIndexByte(a, '.')+1:]
	if _, err := strconv.Atoi(last); err == nil {
		return "", fmt.Sprintf("%q does not end in a top-level domain", s)
	}
	return a, ""
}

// DisplayDomain returns the Unicode form of an A-label domain for people.
func DisplayDomain(a string) string {
	u, err := idna.ToUnicode(a)
	if err != nil {
		return a
	}
	return u
}
