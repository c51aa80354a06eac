package stixpattern

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var (
	md5  = "cead3f77f6cda6ec00f57d76c9a6879f"
	sha1 = "6e2c0a7e4d1b2b7e3a8f0f4f4e1c0b6a4d1b2b7e"
	s256 = "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"
)

// oasisCases are the reference validator's checks beyond the grammar
// (stix2patterns: v21/validator.py, v21/inspector.py,
// v21/object_validator.py, helpers.py).
var oasisCases = []ruleCase{
	// Qualifiers: one of each kind on a bracketed observation; any number
	// on a parenthesised one.
	{rule: "qualifiers", pattern: "[a:b = 1] REPEATS 2 TIMES WITHIN 5 SECONDS START " + ts1 + " STOP " + ts2},
	{rule: "qualifiers", pattern: "[a:b = 1] WITHIN 5 SECONDS AND [c:d = 2] WITHIN 5 SECONDS"},
	{rule: "qualifiers", pattern: "([a:b = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS"},
	{rule: "qualifiers", pattern: "([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS"},
	{rule: "qualifiers", pattern: "([a:b = 1] REPEATS 2 TIMES) REPEATS 2 TIMES REPEATS 3 TIMES"},
	{rule: "qualifiers", pattern: "(([a:b = 1]) START " + ts1 + " STOP " + ts2 + " START " + ts1 + " STOP " + ts2 + ")"},
	{rule: "qualifiers", pattern: "[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS", at: "WITHIN 6", msg: "a second WITHIN"},
	{rule: "qualifiers", pattern: "([a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES)", at: "REPEATS 3", msg: "a second REPEATS"},
	{rule: "qualifiers", pattern: "[a:b = 1] WITHIN 1 SECONDS REPEATS 2 TIMES WITHIN 3 SECONDS", at: "WITHIN 3", msg: "a second WITHIN"},
	{rule: "qualifiers", pattern: "[a:b = 1] AND [c:d = 2] REPEATS 2 TIMES REPEATS 3 TIMES", at: "REPEATS 3", msg: "a second REPEATS"},
	{rule: "qualifiers", pattern: "[a:b = 1] START " + ts1 + " STOP " + ts2 + " START t'2017", at: "START t'2017", msg: "a second START…STOP"},

	// Leading comments: before the first '[' only space and '(' pass
	// helpers.brackets_check.
	{rule: "brackets", pattern: "( \n( [a:b = 1]))"},
	{rule: "brackets", pattern: "/* c */ [a:b = 1]", at: "/*", msg: "a comment before the first '['"},
	{rule: "brackets", pattern: "(/* c */[a:b = 1])", at: "/*", msg: "a comment before the first '['"},
	{rule: "brackets", pattern: "// c\n[a:b = 1]", at: "//", msg: "a comment before the first '['"},

	// Hashes (object_validator.verify_object).
	{rule: "hashes", pattern: "[file:hashes.MD5 = '" + md5 + "' AND file:hashes.'SHA-256' = '" + s256 + "']"},
	{rule: "hashes", pattern: "[file:hashes.'sha-256' = '" + strings.ToUpper(s256) + "' AND file:hashes.'SHA-1' != '" + sha1 + "']"},
	{rule: "hashes", pattern: "[file:hashes.SHA1 = '" + sha1 + "' AND file:hashes.RIPEMD160 = '" + sha1 + "' AND file:hashes.'SHA3-256' = '" + s256 + "']"},
	{rule: "hashes", pattern: "[file:hashes.'SHA-224' = '" + strings.Repeat("a", 56) + "' AND file:hashes.'SHA3-224' = '" + strings.Repeat("b", 56) + "']"},
	{rule: "hashes", pattern: "[file:hashes.'SHA-384' = '" + strings.Repeat("a", 96) + "' AND file:hashes.'SHA3-384' = '" + strings.Repeat("b", 96) + "']"},
	{rule: "hashes", pattern: "[file:hashes.'SHA-512' = '" + strings.Repeat("a", 128) + "' AND file:hashes.'SHA3-512' = '" + strings.Repeat("b", 128) + "' AND file:hashes.WHIRLPOOL = '" + strings.Repeat("c", 128) + "']"},
	{rule: "hashes", pattern: "[file:hashes.SSDEEP = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C' AND file:hashes.ssdeep = 'x']"},
	{rule: "hashes", pattern: "[file:hashes.TLSH = 'anything' AND file:hashes[*] = 'x' AND x-acme:hashes = 'f00']"},
	{rule: "hashes", pattern: "[EXISTS file:hashes.MD5[0] AND EXISTS file:hashes.MD5]"},
	{rule: "hashes", pattern: "[file:hashes.MD5 = '" + md5 + "\n']"},                            // Python's $ before a final newline
	{rule: "hashes", pattern: "[file:hashes.MD5 = 12345678901234567890123456789012]"},           // digits are hex digits
	{rule: "hashes", pattern: "[file:hashes.MD6 = '" + md5 + "-and-then-anything']"},            // its ^ binds to the first alternative
	{rule: "hashes", pattern: "[file:hashes.MD6 = '\n    " + s256 + "-and-then-anything']"},     // and its \<newline> is one
	{rule: "hashes", pattern: "[file:hashes.'SHA-256' = '" + s256 + "' AND file:name = 'f00']"}, // only hashes
	{rule: "hashes", pattern: "[file:hashes.'SHA-256' = 'f00']", at: "'f00'", msg: "not a valid SHA-256 hash: 'f00'"},
	{rule: "hashes", pattern: "[file:hashes.MD5 NOT = 'f00']", at: "'f00'", msg: "not a valid MD5 hash"},
	{rule: "hashes", pattern: "[file:hashes.MD5 = '" + md5 + "\n\n']", at: "'" + md5, msg: "not a valid MD5 hash"},
	{rule: "hashes", pattern: "[file:hashes.MD5 = '" + md5 + "0']", at: "'" + md5, msg: "not a valid MD5 hash"},
	{rule: "hashes", pattern: "[file:hashes.MD5 IN ('" + md5 + "', '" + md5 + "')]", at: "(", msg: "a set is not a valid MD5 hash"},
	{rule: "hashes", pattern: "[file:hashes.MD5 LIKE 'cead%']", at: "'cead%'", msg: "not a valid MD5 hash"},
	{rule: "hashes", pattern: "[file:hashes.MD5 > '" + md5[:31] + "']", at: "'" + md5[:31], msg: "not a valid MD5 hash"},
	{rule: "hashes", pattern: "[file:hashes.MD5 = h'" + md5 + "']", at: "h'", msg: "not a valid MD5 hash"},
	{rule: "hashes", pattern: "[file:hashes.md5 = 'zz']", at: "'zz'", msg: "not a valid md5 hash"},
	{rule: "hashes", pattern: "[file:hashes.'ſha-1' = 'zz']", at: "'zz'", msg: "not a valid ſha-1 hash"},      // Python upper-cases ſ to S
	{rule: "hashes", pattern: "[file:hashes.'ßdeep' = '_']", at: "'_'", msg: "not a valid ßdeep hash"},        // and ß to SS
	{rule: "hashes", pattern: `[file:hashes.'SHA\'256' = 'zz']`, at: "'zz'", msg: "not a valid SHA'256 hash"}, // quotes are dropped
	{rule: "hashes", pattern: "[file:extensions.'x-ext'.hashes.'SHA-1' = 'f00']", at: "'f00'", msg: "not a valid SHA-1 hash"},
	{rule: "hashes", pattern: "[file:'hashes'.MD5 = 'f00']", at: "'f00'", msg: "not a valid MD5 hash"},
	{rule: "hashes", pattern: "[file:hashes.MD6 = '" + md5[:31] + "']", at: "'" + md5[:31], msg: "not a valid MD6 hash"},
	{rule: "hashes", pattern: "[file:hashes.SSDEEP = '" + strings.Repeat("a", 129) + "']", at: "'aaa", msg: "not a valid SSDEEP hash"},
	{rule: "hashes", pattern: "[file:hashes.SSDEEP = '']", at: "''", msg: "not a valid SSDEEP hash"},
	{rule: "hashes", pattern: "[file:hashes.MD5[0] = 'x']", at: "0]", msg: "cannot end in a list index"},
	{rule: "hashes", pattern: "[file:hashes.MD5 = 'f00' ~]", at: "'f00'", msg: "not a valid MD5 hash"},
	{rule: "hashes", pattern: "[file:hashes.MD5 IN ('f00',]", at: "(", msg: "a set is not a valid MD5 hash"},
	{rule: "hashes", pattern: "[file:hashes.MD5 IN 'f00']", at: "'f00'", msg: "expected ( opening the set"},
}

// TestLexerFollowsGrammar: the lexer's keywords and white space are the
// grammar's (testdata/stix/pattern_grammar/STIXPattern.g4).
func TestLexerFollowsGrammar(t *testing.T) {
	b, err := os.ReadFile("testdata/stix/pattern_grammar/STIXPattern.g4")
	if err != nil {
		t.Fatal(err)
	}
	g := string(b)
	section := g[strings.Index(g, "// Keywords"):strings.Index(g, "// After keywords")]
	var want []string
	for _, m := range regexp.MustCompile(`(?m)^[A-Z]+:\s*'([A-Za-z]+)'\s*;`).FindAllStringSubmatch(section, -1) {
		want = append(want, m[1])
	}
	var got []string
	for k := range keywords {
		got = append(got, k)
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) < 19 {
		t.Fatalf("read %d keywords from the grammar", len(want))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("keywords (-grammar +lexer):\n%s", d)
	}

	class := regexp.MustCompile(`(?m)^WS\s*:\s*\[([^\]]*)\]`).FindStringSubmatch(g)
	if class == nil {
		t.Fatal("no WS rule in the grammar")
	}
	ws := map[rune]bool{}
	for _, m := range regexp.MustCompile(`\\u([0-9A-Fa-f]{4})|\\([trn])|( )`).FindAllStringSubmatch(class[1], -1) {
		switch {
		case m[1] != "":
			var r rune
			for _, c := range strings.ToLower(m[1]) {
				r = r*16 + rune(strings.IndexRune("0123456789abcdef", c))
			}
			ws[r] = true
		case m[2] != "":
			ws[map[string]rune{"t": '\t', "r": '\r', "n": '\n'}[m[2]]] = true
		default:
			ws[' '] = true
		}
	}
	if len(ws) < 20 {
		t.Fatalf("read %d white space characters from the grammar", len(ws))
	}
	for r := rune(0); r <= 0x10ffff; r++ {
		if isSpace(r) != ws[r] {
			t.Errorf("%U: the lexer says space %v, the grammar %v", r, isSpace(r), ws[r])
		}
	}
}
