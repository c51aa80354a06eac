// Package stixpattern reads the STIX 2.1 patterning language: it checks a
// pattern against the grammar (OASIS's STIXPattern.g4), says where the
// first error is, and answers the comparisons the pattern makes — which
// is what certhub needs of an indicator: the observables it names.
//
// The parser is written by hand (recursive descent over the grammar's
// rules, one token of look-ahead) rather than generated: it makes no
// allocation beyond the comparisons it answers, so checking every
// indicator costs ingest little.
package stixpattern

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Comparison is one property test of a pattern: `Object:Path Op Values`.
type Comparison struct {
	Object  string    // the SCO type: ipv4-addr, file, …
	Path    []string  // keys, and indexes written "[0]" or "[*]"
	Op      string    // =, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET, EXISTS
	Negated bool      // NOT before the operator
	Values  []Literal // one; none for EXISTS; the set's for IN
}

// PathString is the path as written without quotes: "hashes.SHA-256",
// "extensions.windows-pebinary-ext.sections[*].entropy".
func (c Comparison) PathString() string {
	var b strings.Builder
	for i, p := range c.Path {
		if i > 0 && p[0] != '[' {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// Kind is a literal's type.
type Kind int

// The literal types of the grammar.
const (
	String Kind = iota
	Int
	Float
	Bool
	Binary
	Hex
	Timestamp
)

// Literal is a constant of a comparison; Text is a string's value with its
// escapes undone, and the other kinds as written (without t”, h”, b”).
type Literal struct {
	Kind Kind
	Text string
}

// Pattern is a parsed pattern.
type Pattern struct {
	Comparisons []Comparison
}

// Error is a pattern that breaks the grammar: Pos is the character (from
// 1) where reading stopped.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("at character %d: %s", e.Pos, e.Msg) }

// Parse checks a pattern and answers its comparisons.
func Parse(s string) (*Pattern, error) {
	p := &parser{lx: lexer{src: s}}
	p.next()
	p.observationExpressions()
	if p.err == nil && p.tok.kind != tEOF {
		p.fail("unexpected %s", p.tok.describe())
	}
	if p.err != nil {
		return nil, p.err
	}
	return &Pattern{Comparisons: p.comparisons}, nil
}

type parser struct {
	lx          lexer
	tok         token
	err         *Error
	comparisons []Comparison
	depth       int
}

// maxDepth bounds nesting, so a hostile pattern cannot exhaust the stack.
const maxDepth = 100

func (p *parser) next() {
	if p.err != nil {
		return
	}
	t, err := p.lx.next()
	if err != nil {
		p.err = err
		t = token{kind: tEOF}
	}
	p.tok = t
}

func (p *parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = &Error{Pos: p.lx.pos(p.tok.start), Msg: fmt.Sprintf(format, args...)}
	}
}

// expect consumes a token of kind k or fails naming what was wanted.
func (p *parser) expect(k kind, what string) bool {
	if p.err != nil {
		return false
	}
	if p.tok.kind != k {
		p.fail("expected %s, found %s", what, p.tok.describe())
		return false
	}
	p.next()
	return true
}

// keyword reports whether the current token is the keyword w, consuming it.
func (p *parser) keyword(w string) bool {
	if p.err == nil && p.tok.kind == tKeyword && p.tok.text == w {
		p.next()
		return true
	}
	return false
}

// joined reads operands joined by the keyword word: the grammar's left-
// associative binary rules.
func (p *parser) joined(word string, operand func()) {
	operand()
	for p.keyword(word) {
		operand()
	}
}

// observationExpressions: or-expressions joined by FOLLOWEDBY (the
// loosest), they of and-expressions, they of observations.
func (p *parser) observationExpressions() {
	p.joined("FOLLOWEDBY", func() { p.joined("OR", func() { p.joined("AND", p.observation) }) })
}

// enter goes one level deeper, failing past maxDepth; leave comes back.
func (p *parser) enter() bool {
	p.depth++
	if p.depth > maxDepth {
		p.fail("nested more than %d deep", maxDepth)
		return false
	}
	return true
}

func (p *parser) leave() { p.depth-- }

// observation: [comparisons] or (observation expressions), then any
// qualifiers.
func (p *parser) observation() {
	if p.err != nil {
		return
	}
	if !p.enter() {
		return
	}
	defer p.leave()
	switch p.tok.kind {
	case tLBrack:
		p.next()
		p.comparisonOr()
		p.expect(tRBrack, "] closing the observation expression")
	case tLParen:
		p.next()
		p.observationExpressions()
		p.expect(tRParen, ")")
	default:
		p.fail("expected an observation expression ([…] or (…)), found %s", p.tok.describe())
		return
	}
	for p.err == nil {
		switch {
		case p.keyword("START"):
			start := p.timestamp("START")
			if !p.keyword("STOP") {
				p.fail("expected STOP after START's timestamp, found %s", p.tok.describe())
				return
			}
			at := p.tok.start
			stop := p.timestamp("STOP")
			if p.err == nil && !stop.After(start) {
				p.err = &Error{Pos: p.lx.pos(at), Msg: "STOP must be later than START"}
			}
		case p.keyword("WITHIN"):
			if p.tok.kind != tInt && p.tok.kind != tFloat || p.tok.negative || p.tok.zero {
				p.fail("WITHIN needs a positive number of seconds, found %s", p.tok.describe())
				return
			}
			p.next()
			if !p.keyword("SECONDS") {
				p.fail("expected SECONDS, found %s", p.tok.describe())
			}
		case p.keyword("REPEATS"):
			if p.tok.kind != tInt || p.tok.negative || p.tok.zero {
				p.fail("REPEATS needs a positive whole number, found %s", p.tok.describe())
				return
			}
			p.next()
			if !p.keyword("TIMES") {
				p.fail("expected TIMES, found %s", p.tok.describe())
			}
		default:
			return
		}
	}
}

func (p *parser) timestamp(after string) time.Time {
	if p.tok.kind != tTimestamp {
		p.fail("expected a timestamp (t'2026-01-01T00:00:00Z') after %s, found %s", after, p.tok.describe())
		return time.Time{}
	}
	t := p.tok.time
	p.next()
	return t
}

// comparisonOr: comparisons joined by OR, they of and-comparisons.
func (p *parser) comparisonOr() {
	p.joined("OR", func() { p.joined("AND", p.propTest) })
}

func (p *parser) propTest() {
	if p.err != nil {
		return
	}
	if p.tok.kind == tLParen {
		if !p.enter() {
			return
		}
		defer p.leave()
		p.next()
		p.comparisonOr()
		p.expect(tRParen, ")")
		return
	}
	var c Comparison
	if p.keyword("NOT") {
		c.Negated = true
		if p.tok.kind != tKeyword || p.tok.text != "EXISTS" {
			p.fail("expected EXISTS after NOT here, found %s", p.tok.describe())
			return
		}
	}
	if p.keyword("EXISTS") {
		c.Op = "EXISTS"
		p.objectPath(&c)
		p.add(c)
		return
	}
	p.objectPath(&c)
	if p.err != nil {
		return
	}
	if p.keyword("NOT") {
		c.Negated = true
	}
	switch t := p.tok; {
	case t.kind == tOp:
		c.Op = t.text
		p.next()
		if c.Op == "=" || c.Op == "!=" {
			c.Values = append(c.Values, p.literal(true))
		} else {
			c.Values = append(c.Values, p.literal(false))
		}
	case t.kind == tKeyword && t.text == "IN":
		c.Op = "IN"
		p.next()
		c.Values = p.set()
	case t.kind == tKeyword && (t.text == "LIKE" || t.text == "MATCHES" || t.text == "ISSUBSET" || t.text == "ISSUPERSET"):
		c.Op = t.text
		p.next()
		if p.tok.kind != tString {
			p.fail("%s needs a string ('…'), found %s", c.Op, p.tok.describe())
			return
		}
		c.Values = append(c.Values, Literal{String, p.tok.text})
		p.next()
	default:
		p.fail("expected a comparison operator (=, !=, <, >, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET), found %s", t.describe())
		return
	}
	p.add(c)
}

func (p *parser) add(c Comparison) {
	if p.err == nil {
		p.comparisons = append(p.comparisons, c)
	}
}

// objectPath: type ':' first component, then .key and [index] steps.
func (p *parser) objectPath(c *Comparison) {
	if p.err != nil {
		return
	}
	if p.tok.kind != tIdent {
		p.fail("expected an object path (type:property), found %s", p.tok.describe())
		return
	}
	c.Object = p.tok.text
	p.next()
	if !p.expect(tColon, ": after the object type") {
		return
	}
	switch {
	case p.tok.kind == tIdent && !p.tok.hyphen:
		c.Path = append(c.Path, p.tok.text)
	case p.tok.kind == tString:
		c.Path = append(c.Path, p.tok.text)
	default:
		p.fail("expected a property name (without hyphens, or quoted), found %s", p.tok.describe())
		return
	}
	p.next()
	for p.err == nil {
		switch p.tok.kind {
		case tDot:
			p.next()
			if p.tok.kind == tString || p.tok.kind == tIdent && !p.tok.hyphen {
				c.Path = append(c.Path, p.tok.text)
				p.next()
				continue
			}
			p.fail("expected a property name after '.' (without hyphens, or quoted), found %s", p.tok.describe())
		case tLBrack:
			p.next()
			switch {
			case p.tok.kind == tInt:
				c.Path = append(c.Path, "["+p.tok.text+"]")
			case p.tok.kind == tStar:
				c.Path = append(c.Path, "[*]")
			default:
				p.fail("expected a list index (a whole number or *), found %s", p.tok.describe())
				return
			}
			p.next()
			p.expect(tRBrack, "] closing the list index")
		default:
			return
		}
	}
}

func (p *parser) literal(boolOK bool) Literal {
	t := p.tok
	var l Literal
	switch t.kind {
	case tString:
		l = Literal{String, t.text}
	case tInt:
		l = Literal{Int, t.text}
	case tFloat:
		l = Literal{Float, t.text}
	case tBinary:
		l = Literal{Binary, t.text}
	case tHex:
		l = Literal{Hex, t.text}
	case tTimestamp:
		l = Literal{Timestamp, t.text}
	case tKeyword:
		if t.text == "true" || t.text == "false" {
			if !boolOK {
				p.fail("a boolean cannot be ordered")
				return l
			}
			l = Literal{Bool, t.text}
			break
		}
		fallthrough
	default:
		p.fail("expected a constant ('string', number, t'timestamp', h'hex', b'base64', true, false), found %s", t.describe())
		return l
	}
	p.next()
	return l
}

func (p *parser) set() []Literal {
	if !p.expect(tLParen, "( opening the set") {
		return nil
	}
	var out []Literal
	if p.tok.kind == tRParen {
		p.next()
		return out
	}
	for p.err == nil {
		out = append(out, p.literal(true))
		if p.tok.kind == tComma {
			p.next()
			continue
		}
		p.expect(tRParen, ", or ) in the set")
		break
	}
	return out
}

// Tokens.

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
	kind     kind
	start    int // byte offset
	text     string
	hyphen   bool // an identifier with a hyphen (types only)
	negative bool // a number with a minus
	zero     bool // a number that is zero
	time     time.Time
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
		case strings.HasPrefix(l.src[l.i:], "/*"):
			end := strings.Index(l.src[l.i+2:], "*/")
			if end < 0 {
				return l.errAt(l.i, "a comment that is not closed")
			}
			l.i += end + 4
		case strings.HasPrefix(l.src[l.i:], "//"):
			end := strings.IndexAny(l.src[l.i:], "\r\n")
			if end < 0 {
				end = len(l.src) - l.i
			}
			l.i += end
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
		return token{kind: tEOF, start: start}, nil
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
			return token{kind: tKeyword, start: start, text: text}, nil
		}
		return token{kind: tIdent, start: start, text: text, hyphen: hyphen}, nil
	case isDigit(c) || c == '+' || c == '-' || c == '.' && l.i+1 < len(l.src) && isDigit(l.src[l.i+1]):
		return l.number(start)
	}
	l.i++
	two := ""
	if l.i < len(l.src) {
		two = l.src[start : l.i+1]
	}
	switch c {
	case '=':
		if two == "==" {
			l.i++
		}
		return token{kind: tOp, start: start, text: "="}, nil
	case '!':
		if two == "!=" {
			l.i++
			return token{kind: tOp, start: start, text: "!="}, nil
		}
	case '<':
		switch two {
		case "<>":
			l.i++
			return token{kind: tOp, start: start, text: "!="}, nil
		case "<=":
			l.i++
			return token{kind: tOp, start: start, text: "<="}, nil
		}
		return token{kind: tOp, start: start, text: "<"}, nil
	case '>':
		if two == ">=" {
			l.i++
			return token{kind: tOp, start: start, text: ">="}, nil
		}
		return token{kind: tOp, start: start, text: ">"}, nil
	}
	if k, ok := punctuation[c]; ok {
		return token{kind: k, start: start, text: l.src[start : start+1]}, nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	return token{}, l.errAt(start, "unexpected character %q", r)
}

// str reads 'text' where \' and \\ are the only escapes.
func (l *lexer) str(start int) (token, *Error) {
	l.i++ // the quote
	var b strings.Builder
	from := l.i
	for l.i < len(l.src) {
		switch l.src[l.i] {
		case '\'':
			text := l.src[from:l.i]
			if b.Len() > 0 { // escapes were undone (each wrote a byte)
				b.WriteString(text)
				text = b.String()
			}
			l.i++
			return token{kind: tString, start: start, text: text}, nil
		case '\\':
			if l.i+1 >= len(l.src) || l.src[l.i+1] != '\'' && l.src[l.i+1] != '\\' {
				return token{}, l.errAt(l.i, `only \' and \\ may be escaped in a string`)
			}
			b.WriteString(l.src[from:l.i])
			b.WriteByte(l.src[l.i+1])
			l.i += 2
			from = l.i
		default:
			l.i++
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
	// The grammar's form: YYYY-MM-DDTHH:MM:SS[.fraction]Z, upper-case T and Z.
	ok := len(body) >= 20 && body[4] == '-' && body[7] == '-' && body[10] == 'T' && body[13] == ':' && body[16] == ':' && body[len(body)-1] == 'Z'
	if ok && len(body) > 20 {
		ok = body[19] == '.' && len(body) > 21
		for i := 20; ok && i < len(body)-1; i++ {
			ok = isDigit(body[i])
		}
	}
	var t time.Time
	if ok {
		var perr error
		// A leap second (:60) is allowed by the grammar; time.Parse is not.
		t, perr = time.Parse(time.RFC3339Nano, strings.Replace(body, ":60", ":59", 1))
		ok = perr == nil
	}
	if !ok {
		return token{}, l.errAt(start, "not a timestamp: t'%s' (t'YYYY-MM-DDTHH:MM:SS[.s]Z', in UTC)", body)
	}
	return token{kind: tTimestamp, start: start, text: body, time: t}, nil
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
	return token{kind: tHex, start: start, text: body}, nil
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
	return token{kind: tBinary, start: start, text: body}, nil
}

// number reads an integer or a decimal, signed or not; leading zeros are
// not allowed ("0" alone is).
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
		t.zero = strings.Trim(whole+l.src[frac:l.i], "0") == ""
	} else {
		if whole == "" {
			return token{}, l.errAt(start, "a sign without a number")
		}
		if len(whole) > 1 && whole[0] == '0' {
			return token{}, l.errAt(start, "a number does not start with 0")
		}
		t.zero = whole == "0"
	}
	t.text = l.src[start:l.i]
	return t, nil
}
