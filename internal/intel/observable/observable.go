package observable

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Type is the kind of an observable.
type Type string

// The types of observables: the values of the JSON field "type".
const (
	IPv4   Type = "ipv4"
	IPv6   Type = "ipv6"
	CIDR   Type = "cidr" // a network of more than one address, IPv4 or IPv6
	Domain Type = "domain"
	URL    Type = "url"
	Email  Type = "email"
	MD5    Type = "md5"
	SHA1   Type = "sha1"
	SHA256 Type = "sha256"
	SHA512 Type = "sha512"
	ASN    Type = "asn"
	CVE    Type = "cve"
)

// Types lists every type.
var Types = []Type{IPv4, IPv6, CIDR, Domain, URL, Email, MD5, SHA1, SHA256, SHA512, ASN, CVE}

// Valid reports whether t is a known type.
func (t Type) Valid() bool {
	for _, x := range Types {
		if x == t {
			return true
		}
	}
	return false
}

// Observable is a normalised value with its type.
type Observable struct {
	Type  Type   `json:"type"`
	Value string `json:"value"`
}

// MaxLength bounds a raw value: longer lines are refused, not truncated.
const MaxLength = 4096

// defangs are the common ways reports write indicators so that nobody
// clicks them; Refang undoes them. Longer forms come first.
var defangs = strings.NewReplacer(
	"[://]", "://", "[:]", ":",
	"[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".", "{dot}", ".", "[DOT]", ".", "(DOT)", ".",
	"[@]", "@", "(@)", "@", "[at]", "@", "(at)", "@", "[AT]", "@", "(AT)", "@",
	"\\.", ".",
)

// Refang turns a defanged indicator back into its real form and trims the
// quotes, brackets and spaces that lists put around values.
func Refang(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, "\"'`<>")
	// Every defang has a bracket, a backslash or a space (" dot "), or is
	// a scheme with x for t (hxxp://, fxp://).
	if strings.ContainsAny(s, "[({\\ ") || strings.Contains(s, "://") && strings.ContainsAny(s, "xX") {
		// Until nothing changes: a defang inside another ("[[.]]") is
		// one after the first pass, and the value must read the same when
		// normalised again. Each pass that changes s shortens it.
		for {
			r := defangs.Replace(s)
			// " dot " between labels, as some write domains in prose.
			r = strings.ReplaceAll(r, " dot ", ".")
			r = strings.ReplaceAll(r, " DOT ", ".")
			if r == s {
				break
			}
			s = r
		}
		// The scheme, where a scheme is, in any case ("HXXp://"): URL
		// parsing lower-cases it, and a scheme left defanged would be
		// refanged the next time.
		if i := strings.Index(s, "://"); i > 0 {
			switch strings.ToLower(s[:i]) {
			case "hxxp":
				s = "http" + s[i:]
			case "hxxps":
				s = "https" + s[i:]
			case "fxp":
				s = "ftp" + s[i:]
			}
		}
	}
	return strings.TrimSpace(s)
}

// Error says why a value was rejected.
type Error struct {
	Value  string
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("%q: %s", e.Value, e.Reason) }

func reject(v, format string, args ...any) error {
	if len(v) > 80 {
		v = v[:77] + "..."
	}
	return &Error{Value: v, Reason: fmt.Sprintf(format, args...)}
}

// Normalize recognises what raw is and returns it in canonical form, or
// says why it is not an indicator.
func Normalize(raw string) (Observable, error) {
	if err := checkRaw(raw); err != nil {
		return Observable{}, err
	}
	s := Refang(raw)
	if s == "" {
		return Observable{}, reject(raw, "empty")
	}
	t, a := detect(s)
	if a.IsValid() {
		// detect parsed it: the common case, an address, is not parsed twice.
		return addrObservable(raw, s, a)
	}
	return normalizeAs(t, raw, s, true)
}

// detect guesses the type of a refanged value; NormalizeAs then checks it.
// An address comes with what detect parsed.
func detect(s string) (Type, netip.Addr) {
	switch {
	case strings.Contains(s, "://"):
		return URL, netip.Addr{}
	case strings.HasPrefix(s, "CVE-") || strings.HasPrefix(s, "cve-"):
		return CVE, netip.Addr{}
	case strings.Contains(s, "@"):
		return Email, netip.Addr{}
	case strings.Contains(s, "/"):
		if _, err := netip.ParsePrefix(s); err == nil {
			return CIDR, netip.Addr{}
		}
		return URL, netip.Addr{} // a host with a path and no scheme
	case strings.Contains(s, ":"):
		if a, err := netip.ParseAddr(s); err == nil {
			return IPv6, a
		}
		return URL, netip.Addr{} // host:port
	case isHex(s):
		switch len(s) {
		case 32:
			return MD5, netip.Addr{}
		case 40:
			return SHA1, netip.Addr{}
		case 64:
			return SHA256, netip.Addr{}
		case 128:
			return SHA512, netip.Addr{}
		}
	case len(s) > 2 && (s[:2] == "AS" || s[:2] == "as") && isDigits(s[2:]):
		return ASN, netip.Addr{}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return IPv4, a
	}
	return Domain, netip.Addr{}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

var hashLen = map[Type]int{MD5: 32, SHA1: 40, SHA256: 64, SHA512: 128}

// NormalizeAs normalises raw as the given type (a CSV column or a STIX
// pattern says what a value is), refanging it first.
func NormalizeAs(t Type, raw string) (Observable, error) {
	if err := checkRaw(raw); err != nil {
		return Observable{}, err
	}
	return normalizeAs(t, raw, Refang(raw), false)
}

// checkRaw refuses what no normal form can come from: a value too long,
// or not UTF-8 (a host name would otherwise become the A-label of U+FFFD).
func checkRaw(raw string) error {
	if len(raw) > MaxLength {
		return reject(raw, "longer than %d characters", MaxLength)
	}
	if !utf8.ValidString(raw) {
		return reject(strings.ToValidUTF8(raw, "\uFFFD"), "not UTF-8")
	}
	return nil
}

// normalizeAs is NormalizeAs of s, raw refanged; detected says the type
// came from detect, which has ruled out an address for a domain.
func normalizeAs(t Type, raw, s string, detected bool) (Observable, error) {
	var v string
	var err error
	switch t {
	case IPv4, IPv6:
		a, err := netip.ParseAddr(s)
		if err != nil {
			return Observable{}, reject(raw, "not an IP address")
		}
		return addrObservable(raw, s, a)
	case CIDR:
		var p netip.Prefix
		p, err = netip.ParsePrefix(s)
		if err != nil {
			return Observable{}, reject(raw, "not a network (address/length)")
		}
		if p.Addr().Is4In6() { // ::ffff:192.0.2.0/120 is 192.0.2.0/24
			if p.Bits() < 96 {
				return Observable{}, reject(raw, "not a network of IPv4-mapped addresses")
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		if p.Addr().Zone() != "" {
			return Observable{}, reject(raw, "a network with a zone is local to one host")
		}
		p = p.Masked()
		if p.IsSingleIP() {
			return NormalizeAs(IPv4, p.Addr().String())
		}
		v = p.String()
	case Domain:
		if a, err := netip.ParseAddr(s); err == nil && !detected {
			return addrObservable(raw, s, a) // an address where a name was expected
		}
		v, err = NormalizeHost(s)
		if err != nil {
			return Observable{}, reject(raw, "%v", err)
		}
		if !strings.Contains(v, ".") {
			return Observable{}, reject(raw, "a domain needs at least two labels")
		}
	case URL:
		v, err = normalizeURL(s)
		if err != nil {
			return Observable{}, reject(raw, "%v", err)
		}
	case Email:
		local, domain, ok := strings.Cut(s, "@")
		if !ok || local == "" || strings.ContainsAny(local, " \t<>\"(),:;@[]\\") || len(local) > 64 {
			return Observable{}, reject(raw, "not an e-mail address")
		}
		host, err := NormalizeHost(domain)
		if err != nil || !strings.Contains(host, ".") {
			return Observable{}, reject(raw, "not an e-mail address: bad domain")
		}
		v = strings.ToLower(local) + "@" + host
	case MD5, SHA1, SHA256, SHA512:
		if !isHex(s) || len(s) != hashLen[t] {
			return Observable{}, reject(raw, "not a %s hash (%d hexadecimal digits)", t, hashLen[t])
		}
		v = strings.ToLower(s)
	case ASN:
		n := strings.TrimPrefix(strings.TrimPrefix(s, "AS"), "as")
		asn, err := strconv.ParseUint(n, 10, 32)
		if err != nil || asn == 0 {
			return Observable{}, reject(raw, "not an AS number (1 to 4294967295)")
		}
		v = "AS" + strconv.FormatUint(asn, 10)
	case CVE:
		u := strings.ToUpper(s)
		year, num, ok := strings.Cut(strings.TrimPrefix(u, "CVE-"), "-")
		if !strings.HasPrefix(u, "CVE-") || !ok || len(year) != 4 || !isDigits(year) || len(num) < 4 || !isDigits(num) {
			return Observable{}, reject(raw, "not a CVE ID (CVE-2026-12345)")
		}
		v = u
	default:
		return Observable{}, reject(raw, "unknown type %q", t)
	}
	return Observable{Type: t, Value: v}, nil
}

// addrObservable is the observable of address a, read from s: IPv4 for
// IPv4 and IPv4-mapped addresses, IPv6 for the rest; s itself is the value
// when it is already canonical, which saves a copy for each of millions.
func addrObservable(raw, s string, a netip.Addr) (Observable, error) {
	a = a.Unmap()
	if a.Zone() != "" {
		return Observable{}, reject(raw, "an address with a zone is local to one host")
	}
	t := IPv4
	if a.Is6() {
		t = IPv6
	}
	var buf [48]byte
	b := a.AppendTo(buf[:0])
	if string(b) == s {
		return Observable{Type: t, Value: s}, nil
	}
	return Observable{Type: t, Value: string(b)}, nil
}

var lookup = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false))

// NormalizeHost lower-cases a host name, converts it to its ASCII (IDNA)
// form and checks its labels: the form observables, routes and warninglists
// hold host names in.
func NormalizeHost(h string) (string, error) {
	h = strings.TrimSuffix(h, ".")
	if h == "" {
		return "", errors.New("empty host name")
	}
	// Plain ASCII without A-labels skips IDNA: its mapping would only
	// lower-case it, and what it refuses (underscores, hyphens at the ends)
	// is kept lower-cased anyway. Most names are such; skipping saves most
	// of their cost.
	lower := strings.ToLower(h)
	ascii := lower
	if !isLDHish(h) || strings.Contains(lower, "xn--") {
		var err error
		ascii, err = lookup.ToASCII(h)
		if err != nil {
			// Host names of malware infrastructure break the rules (underscores):
			// keep them when they are plain ASCII, lower-cased.
			if !isLDHish(h) {
				return "", fmt.Errorf("not a host name: %v", err)
			}
			ascii = lower
		}
	}
	if len(ascii) > 253 {
		return "", errors.New("a host name is at most 253 characters")
	}
	last := ""
	for l := range strings.SplitSeq(ascii, ".") {
		if l == "" || len(l) > 63 {
			return "", errors.New("a host name's labels have 1 to 63 characters")
		}
		last = l
	}
	if isDigits(last) {
		return "", errors.New("the last label of a host name is not a number")
	}
	return ascii, nil
}

func isLDHish(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

var defaultPort = map[string]string{"http": "80", "https": "443", "ftp": "21"}

// hasScheme reports whether s starts with a scheme and "://" (RFC 3986,
// 3.1: a letter, then letters, digits, "+", "-" and ".").
func hasScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return strings.HasPrefix(s[i:], "://")
		default:
			return false
		}
	}
	return false
}

// normalizeURL gives a URL one spelling: scheme and host lower case, the
// host in ASCII, no default port, no fragment, "/" for an empty path. A
// value without a scheme is taken as http.
func normalizeURL(s string) (string, error) {
	// Without a scheme of its own it is a web address, scheme-relative
	// (//host/path) or not; "://" later (a redirect's parameter) is not one.
	if !hasScheme(s) {
		s = "http://" + strings.TrimPrefix(s, "//")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("not a URL: %v", strings.TrimPrefix(err.Error(), "parse "))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Host == "" || u.Opaque != "" {
		return "", errors.New("a URL needs a host")
	}
	host, port := u.Hostname(), u.Port()
	var h string
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		h = a.Unmap().String()
		if a.Unmap().Is6() {
			h = "[" + h + "]"
		}
	} else if h, err = NormalizeHost(host); err != nil {
		return "", err
	}
	if port != "" && port != defaultPort[u.Scheme] {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", errors.New("a port is 1 to 65535")
		}
		h += ":" + port
	}
	u.Host, u.Fragment, u.RawFragment = h, "", ""
	// User information is dropped: in indicators it is either a password
	// that should not travel, or a decoy before the real host
	// (http://bank.example@evil.example/), and the host is what matches.
	u.User = nil
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// URLHost is the host of a normalised URL (scheme://host[:port]/…).
func URLHost(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	if strings.HasPrefix(rest, "[") {
		if i := strings.IndexByte(rest, ']'); i > 0 {
			return rest[1:i]
		}
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		rest = rest[:i]
	}
	return rest
}
