package stixpattern

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The lexer follows the grammar's lexer rules. Where the grammar would
// fall back on shorter tokens — t'2016-13-01T00:00:00Z' read as the
// identifier t and a string — it reports the literal instead: no rule of
// the grammar takes such a pair, so the pattern is refused either way,
// and the message says why.

type kind int

const (
	tEOF kind = iota
	tIdent
	tKeyword
	tString
	tInt
	tFloat
	tBinary
	tHex
	tTimestamp
	tOp // = != < <= > >=
	tColon
	tDot
	tComma
	tLParen
	tRParen
	tLBrack
	tRBrack
	tStar
)

type token struct {
	kind       kind
	start, end int    // byte offsets in the source
	text       string // a string's value with its escapes undone; else as written (inside the quotes)
	hyphen     bool   // an identifier with a hyphen (types only)
	negative   bool   // a number with a minus
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the pattern"
	case tString:
		return "a string"
	case tInt, tFloat:
		return "the number " + t.text
	case tBinary, tHex:
		return "a binary constant"
	case tTimestamp:
		return "a timestamp"
	}
	return fmt.Sprintf("%q", t.text)
}

// punctuation are the one-character tokens.
var punctuation = map[byte]kind{':': tColon, '.': tDot, ',': tComma, '(': tLParen, ')': tRParen, '[': tLBrack, ']': tRBrack, '*': tStar}

var keywords = map[string]bool{"AND": true, "OR": true, "NOT": true, "FOLLOWEDBY": true, "LIKE": true, "MATCHES": true,
	"ISSUPERSET": true, "ISSUBSET": true, "EXISTS": true, "LAST": true, "IN": true, "START": true, "STOP": true,
	"SECONDS": true, "true": true, "false": true, "WITHIN": true, "REPEATS": true, "TIMES": true}

type lexer struct {
	src string
	i   int
	// opened is set once the first '[' is read. Before it, the reference
	// validator (stix2patterns/helpers.py, brackets_check) allows only
	// white space and '(' — the grammar's comments there fail it as
	// "missing square brackets" — so certhub refuses a comment before it.
	opened bool
}

// pos is the character (from 1) at byte offset off.
func (l *lexer) pos(off int) int { return utf8.RuneCountInString(l.src[:off]) + 1 }

func (l *lexer) errAt(off int, format string, args ...any) *Error {
	return &Error{Pos: l.pos(off), Msg: fmt.Sprintf(format, args...)}
}

// isSpace is the grammar's WS.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '\v', '\f', 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return 0x2000 <= r && r <= 0x200a
}

// skip passes white space and comments.
func (l *lexer) skip() *Error {
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case c < utf8.RuneSelf && isSpace(rune(c)):
			l.i++
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(l.src[l.i:])
			if !isSpace(r) {
				return nil
			}
			l.i += n
		case strings.HasPrefix(l.src[l.i:], "/*") || strings.HasPrefix(l.src[l.i:], "//"):
			if !l.opened {
				return l.errAt(l.i, "a comment before the first '[' (OASIS's validator wants the pattern to begin with '[' or '(')")
			}
			var end int
			if l.src[l.i+1] == '*' {
				n := strings.Index(l.src[l.i+2:], "*/")
				if n < 0 {
					return l.errAt(l.i, "a comment that is not closed")
				}
				end = l.i + 2 + n + 2
			} else if n := strings.IndexAny(l.src[l.i:], "\r\n"); n >= 0 {
				end = l.i + n
			} else {
				end = len(l.src)
			}
			if err := l.utf8(end); err != nil {
				return err
			}
			l.i = end
		default:
			return nil
		}
	}
	return nil
}

func isIdentStart(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
func isDigit(c byte) bool      { return '0' <= c && c <= '9' }

func (l *lexer) next() (token, *Error) {
	if err := l.skip(); err != nil {
		return token{}, err
	}
	start := l.i
	if l.i >= len(l.src) {
		return token{kind: tEOF, start: start, end: start}, nil
	}
	c := l.src[l.i]
	quoted := l.i+1 < len(l.src) && l.src[l.i+1] == '\''
	switch {
	case c == '\'':
		return l.str(start)
	case c == 't' && quoted:
		return l.timestampLit(start)
	case c == 'h' && quoted:
		return l.hexLit(start)
	case c == 'b' && quoted:
		return l.binaryLit(start)
	case isIdentStart(c):
		hyphen := false
		for l.i++; l.i < len(l.src); l.i++ {
			c := l.src[l.i]
			if c == '-' {
				hyphen = true
			} else if !isIdentStart(c) && !isDigit(c) {
				break
			}
		}
		text := l.src[start:l.i]
		if !hyphen && keywords[text] {
			return token{kind: tKeyword, start: start, end: l.i, text: text}, nil
		}
		return token{kind: tIdent, start: start, end: l.i, text: text, hyphen: hyphen}, nil
	case isDigit(c) || c == '+' || c == '-' || c == '.' && l.i+1 < len(l.src) && isDigit(l.src[l.i+1]):
		return l.number(start)
	}
	two := ""
	if start+1 < len(l.src) {
		two = l.src[start : start+2]
	}
	switch {
	case two == "==":
		return l.op(start, 2, "=")
	case two == "!=" || two == "<>":
		return l.op(start, 2, "!=")
	case two == "<=" || two == ">=":
		return l.op(start, 2, two)
	case c == '=' || c == '<' || c == '>':
		return l.op(start, 1, l.src[start:start+1])
	}
	l.i++
	if k, ok := punctuation[c]; ok {
		if k == tLBrack {
			l.opened = true
		}
		return token{kind: k, start: start, end: l.i, text: l.src[start:l.i]}, nil
	}
	if r, n := utf8.DecodeRuneInString(l.src[start:]); r != utf8.RuneError || n > 1 {
		return token{}, l.errAt(start, "unexpected character %q", r)
	}
	return token{}, l.errAt(start, "not UTF-8")
}

// utf8 checks the source from l.i to end, which the lexer passes over
// without reading it (a comment). Patterns come from JSON, which is
// Unicode: a byte that is not UTF-8 is refused wherever it is, as the
// reference, which reads code points, never sees one.
func (l *lexer) utf8(end int) *Error {
	for i := l.i; i < end; {
		if l.src[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(l.src[i:end])
		if r == utf8.RuneError && n == 1 {
			return l.errAt(i, "not UTF-8")
		}
		i += n
	}
	return nil
}

// op is the comparison operator of n bytes at start, meaning text.
func (l *lexer) op(start, n int, text string) (token, *Error) {
	l.i = start + n
	return token{kind: tOp, start: start, end: l.i, text: text}, nil
}

// str reads 'text' where \' and \\ are the only escapes.
func (l *lexer) str(start int) (token, *Error) {
	l.i++ // the quote
	var b strings.Builder
	from := l.i
	escaped := false
	for l.i < len(l.src) {
		switch l.src[l.i] {
		case '\'':
			text := l.src[from:l.i]
			if escaped {
				b.WriteString(text)
				text = b.String()
			}
			l.i++
			return token{kind: tString, start: start, end: l.i, text: text}, nil
		case '\\':
			if l.i+1 >= len(l.src) || l.src[l.i+1] != '\'' && l.src[l.i+1] != '\\' {
				return token{}, l.errAt(l.i, `only \' and \\ may be escaped in a string`)
			}
			escaped = true
			b.WriteString(l.src[from:l.i])
			b.WriteByte(l.src[l.i+1])
			l.i += 2
			from = l.i
		default:
			if l.src[l.i] < utf8.RuneSelf {
				l.i++
				break
			}
			r, n := utf8.DecodeRuneInString(l.src[l.i:])
			if r == utf8.RuneError && n == 1 {
				return token{}, l.errAt(l.i, "not UTF-8")
			}
			l.i += n
		}
	}
	return token{}, l.errAt(start, "a string that is not closed (')")
}

// quotedBody reads prefix'…' without escapes, answering what is inside.
func (l *lexer) quotedBody(start int, what string) (string, *Error) {
	end := strings.IndexByte(l.src[start+2:], '\'')
	if end < 0 {
		return "", l.errAt(start, "%s that is not closed (')", what)
	}
	l.i = start + 2 + end + 1
	return l.src[start+2 : start+2+end], nil
}

func (l *lexer) timestampLit(start int) (token, *Error) {
	body, err := l.quotedBody(start, "a timestamp")
	if err != nil {
		return token{}, err
	}
	if !timestampOK(body) {
		return token{}, l.errAt(start, "not a timestamp: t'%s' (t'YYYY-MM-DDTHH:MM:SS[.s]Z', in UTC)", body)
	}
	return token{kind: tTimestamp, start: start, end: l.i, text: body}, nil
}

// timestampOK is the grammar's TimestampLiteral between the quotes:
// YYYY-MM-DDTHH:MM:SS[.digits]Z with month 01–12, day 01–31, hour 00–23,
// minute 00–59 and second 00–60, an upper-case T and Z. The grammar
// checks each field alone and not the calendar: 2023-02-30 and
// 2023-04-31 pass it, and the reference validator adds no check of its
// own (stix2patterns/v21: the timestamp is only lexed), so certhub takes
// them too. A consumer that needs the instant must handle such dates.
func timestampOK(b string) bool {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[len(b)-1] != 'Z' {
		return false
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18} {
		if !isDigit(b[i]) {
			return false
		}
	}
	two := func(i int) int { return int(b[i]-'0')*10 + int(b[i+1]-'0') }
	if m := two(5); m < 1 || m > 12 {
		return false
	}
	if d := two(8); d < 1 || d > 31 {
		return false
	}
	if two(11) > 23 || two(14) > 59 || two(17) > 60 {
		return false
	}
	frac := b[19 : len(b)-1]
	if frac == "" {
		return true
	}
	if len(frac) < 2 || frac[0] != '.' {
		return false
	}
	for i := 1; i < len(frac); i++ {
		if !isDigit(frac[i]) {
			return false
		}
	}
	return true
}

func (l *lexer) hexLit(start int) (token, *Error) {
	body, err := l.quotedBody(start, "a hex constant")
	if err != nil {
		return token{}, err
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !isDigit(c) && !('a' <= c && c <= 'f') && !('A' <= c && c <= 'F') {
			return token{}, l.errAt(start+2+i, "not a hexadecimal digit: %q", c)
		}
	}
	if len(body)%2 != 0 {
		return token{}, l.errAt(start, "a hex constant has an even number of digits")
	}
	return token{kind: tHex, start: start, end: l.i, text: body}, nil
}

func (l *lexer) binaryLit(start int) (token, *Error) {
	body, err := l.quotedBody(start, "a binary constant")
	if err != nil {
		return token{}, err
	}
	// Base64 with its padding: groups of four, = only at the end.
	pad := len(body) - len(strings.TrimRight(body, "="))
	if len(body) == 0 || len(body)%4 != 0 || pad > 2 {
		return token{}, l.errAt(start, "not base64 (groups of four characters, = padding)")
	}
	for i := 0; i < len(body)-pad; i++ {
		c := body[i]
		if !isIdentStart(c) && !isDigit(c) && c != '+' && c != '/' || c == '_' {
			return token{}, l.errAt(start+2+i, "not a base64 character: %q", c)
		}
	}
	return token{kind: tBinary, start: start, end: l.i, text: body}, nil
}

// number reads an integer or a decimal, signed or not; an integer has no
// leading zero ("0" alone is one), a decimal may.
func (l *lexer) number(start int) (token, *Error) {
	t := token{start: start, kind: tInt}
	if c := l.src[l.i]; c == '+' || c == '-' {
		t.negative = c == '-'
		l.i++
	}
	digits := l.i
	for l.i < len(l.src) && isDigit(l.src[l.i]) {
		l.i++
	}
	whole := l.src[digits:l.i]
	if l.i < len(l.src) && l.src[l.i] == '.' {
		t.kind = tFloat
		l.i++
		frac := l.i
		for l.i < len(l.src) && isDigit(l.src[l.i]) {
			l.i++
		}
		if l.i == frac {
			return token{}, l.errAt(start, "a decimal needs digits after its point")
		}
	} else {
		if whole == "" {
			return token{}, l.errAt(start, "a sign without a number")
		}
		if len(whole) > 1 && whole[0] == '0' {
			return token{}, l.errAt(start, "a number does not start with 0")
		}
	}
	t.end = l.i
	t.text = l.src[start:l.i]
	return t, nil
}
