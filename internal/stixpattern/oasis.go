package stixpattern

import "strings"

// The reference validator checks the value compared with a hash
// (stix2patterns/v21/object_validator.py, verify_object), beyond the
// grammar. certhub follows it as it behaves, quirks included, so that
// what passes one passes the other:
//
//   - It looks at every comparison but EXISTS whose path has a key
//     "hashes" anywhere (file:hashes.MD5, but also
//     file:extensions.x.hashes.'SHA-256'); the algorithm is the path's
//     last key, upper-cased (as Python does, so 'ſha1' is SHA1),
//     without '-' and '\''. A path ending in [*] is not checked; one
//     ending in [0] makes the validator fail, so certhub refuses it.
//   - The value checked is the operand as written, with every quote
//     removed: a string's escapes stay, h'…' and t'…' keep their
//     letter, and a set is checked whole — "(a,b)" — so that no IN set
//     of hashes of a known algorithm ever passes (none of the
//     expressions takes a '(').
//   - The check is Python's re.match: anchored at the start, and a "$"
//     that also matches before a final newline.
//   - MD6's expression is written as alternatives whose ^ and $ bind to
//     the first and last alone: any value starting with 32 hex digits
//     passes, and so does a newline, four spaces and 64 hex digits.

// hashCheck is the check of the values of one algorithm.
type hashCheck struct {
	name  string // as the pattern's path writes it
	valid func(v string) bool
}

// hashAlgorithms are the validator's table, by normalised name: whether
// a value as it sees it is a valid hash.
var hashAlgorithms = map[string]func(v string) bool{
	"MD5":       hexDigits(32),
	"MD6":       md6,
	"RIPEMD160": hexDigits(40),
	"SHA1":      hexDigits(40),
	"SHA224":    hexDigits(56),
	"SHA256":    hexDigits(64),
	"SHA384":    hexDigits(96),
	"SHA512":    hexDigits(128),
	"SHA3224":   hexDigits(56),
	"SHA3256":   hexDigits(64),
	"SHA3384":   hexDigits(96),
	"SHA3512":   hexDigits(128),
	"SSDEEP":    ssdeep,
	"WHIRLPOOL": hexDigits(128),
}

// hashRule is the check the value of a comparison on path gets, or nil;
// last is the kind of the path's last step, at its token's offset.
func (p *parser) hashRule(path []string, last step, at int) *hashCheck {
	hashes := false
	for _, k := range path {
		if k == "hashes" {
			hashes = true
			break
		}
	}
	if !hashes || last == starStep {
		return nil
	}
	if last == indexStep {
		p.failAt(at, "a path through hashes cannot end in a list index (OASIS's validator fails on it)")
		return nil
	}
	written := path[len(path)-1]
	name, ok := pythonUpperASCII(written)
	if !ok {
		return nil // not ASCII once upper-cased: none of the table's names
	}
	valid := hashAlgorithms[strings.ReplaceAll(strings.ReplaceAll(name, "-", ""), "'", "")]
	if valid == nil {
		return nil
	}
	return &hashCheck{name: written, valid: valid}
}

// pythonUpperASCII is Python's str.upper of s when that is ASCII. The few
// other letters whose capitals are ASCII are written out: Go's
// unicode.ToUpper maps one rune to one, and does not turn ß into SS.
func pythonUpperASCII(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r < 0x80:
			b.WriteRune(r)
		default:
			u, ok := pythonUpperSpecial[r]
			if !ok {
				return "", false
			}
			b.WriteString(u)
		}
	}
	return b.String(), true
}

var pythonUpperSpecial = map[rune]string{
	'ß': "SS", 'ı': "I", 'ſ': "S",
	'ﬀ': "FF", 'ﬁ': "FI", 'ﬂ': "FL", 'ﬃ': "FFI", 'ﬄ': "FFL", 'ﬅ': "ST", 'ﬆ': "ST",
}

// dollar is what Python's "$" leaves to match before it: v without one
// final newline.
func dollar(v string) string { return strings.TrimSuffix(v, "\n") }

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// hexPrefix reports whether v starts with n hex digits.
func hexPrefix(v string, n int) bool {
	if len(v) < n {
		return false
	}
	for i := range n {
		if !isHex(v[i]) {
			return false
		}
	}
	return true
}

// hexDigits is ^[a-fA-F0-9]{n}$.
func hexDigits(n int) func(string) bool {
	return func(v string) bool {
		v = dollar(v)
		return len(v) == n && hexPrefix(v, n)
	}
}

// md6 is the validator's MD6 expression as Python reads it (see above).
func md6(v string) bool {
	const gap = "\n    "
	return hexPrefix(v, 32) || strings.HasPrefix(v, gap) && hexPrefix(v[len(gap):], 64)
}

// ssdeep is ^[a-zA-Z0-9/+:.]{1,128}$.
func ssdeep(v string) bool {
	v = dollar(v)
	if len(v) < 1 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isIdentStart(c) && !isDigit(c) && c != '/' && c != '+' && c != ':' && c != '.' || c == '_' {
			return false
		}
	}
	return true
}
