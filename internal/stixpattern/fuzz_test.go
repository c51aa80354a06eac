package stixpattern

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse: Parse never panics nor hangs, whatever it is given; a
// pattern it refuses has its error inside it; a pattern it accepts has
// comparisons that make sense, and reads the same with its tokens
// re-spaced (comments dropped) and with parentheses around it. The seeds
// are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || p != nil {
				t.Fatalf("%q: %#v, %v: want a nil pattern and an *Error", s, p, err)
			}
			if n := utf8.RuneCountInString(s); e.Pos < 1 || e.Pos > n+1 || e.Msg == "" {
				t.Fatalf("%q (%d characters): error %q at %d", s, n, e.Msg, e.Pos)
			}
			return
		}
		if len(p.Comparisons) == 0 {
			t.Fatalf("%q: accepted without a comparison", s)
		}
		for _, c := range p.Comparisons {
			if msg := sane(c); msg != "" {
				t.Fatalf("%q: %+v: %s", s, c, msg)
			}
		}

		respaced := strings.Join(tokens(t, s), " ")
		q, err := Parse(respaced)
		if err != nil {
			t.Fatalf("%q accepted, but re-spaced %q: %v", s, respaced, err)
		}
		if d := cmp.Diff(p, q); d != "" {
			t.Fatalf("%q re-spaced as %q reads otherwise (-before +after):\n%s", s, respaced, d)
		}

		wrapped := "(" + s + "\n)" // the newline ends a line comment
		q, err = Parse(wrapped)
		if e, ok := err.(*Error); ok && strings.HasPrefix(e.Msg, "nested more than") {
			return
		}
		if err != nil {
			t.Fatalf("%q accepted, but in parentheses: %v", s, err)
		}
		if d := cmp.Diff(p, q); d != "" {
			t.Fatalf("%q in parentheses reads otherwise (-before +after):\n%s", s, d)
		}
	})
}

// tokens are the tokens of an accepted pattern, as written.
func tokens(t *testing.T, s string) []string {
	l := lexer{src: s}
	var out []string
	for {
		tok, err := l.next()
		if err != nil {
			t.Fatalf("%q accepted, but its lexer fails: %v", s, err)
		}
		if tok.kind == tEOF {
			return out
		}
		out = append(out, s[tok.start:tok.end])
	}
}

// sane says what is wrong with a comparison of an accepted pattern.
func sane(c Comparison) string {
	ops := []string{"=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "EXISTS"}
	switch {
	case c.Object == "" || len(c.Path) == 0:
		return "no object or no path"
	case !slices.Contains(ops, c.Op):
		return "unknown operator"
	case c.Op == "EXISTS" && len(c.Values) != 0, c.Op != "EXISTS" && c.Op != "IN" && len(c.Values) != 1:
		return "wrong number of values"
	case c.PathString() == "" && len(c.Path) > 1:
		return "path lost"
	}
	for _, v := range c.Values {
		if v.Kind == Bool && c.Op != "=" && c.Op != "!=" && c.Op != "IN" {
			return "an ordered boolean"
		}
		if v.Kind != String && (c.Op == "LIKE" || c.Op == "MATCHES" || c.Op == "ISSUBSET" || c.Op == "ISSUPERSET") {
			return "not a string"
		}
	}
	return ""
}
