package stixpattern

import (
	"fmt"
	"strings"
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
		if i > 0 && !strings.HasPrefix(p, "[") { // a quoted key may be empty
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

// Error is a pattern that breaks the grammar or a check of the reference
// validator: Pos is the character (from 1) where the first error is.
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
// (The reference has no bound of its own but Python's recursion limit,
// which it meets some hundreds of levels deep.)
const maxDepth = 100

func (p *parser) next() {
	if p.err != nil {
		return
	}
	t, err := p.lx.next()
	if err != nil {
		p.err = err
		t = token{kind: tEOF, start: len(p.lx.src), end: len(p.lx.src)}
	}
	p.tok = t
}

func (p *parser) fail(format string, args ...any) {
	p.failAt(p.tok.start, format, args...)
}

// failAt records the first error, at byte offset off.
func (p *parser) failAt(off int, format string, args ...any) {
	if p.err == nil {
		p.err = p.lx.errAt(off, format, args...)
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

// The qualifiers, for telling a repeated one.
const (
	startStop = iota
	within
	repeats
)

var qualifierNames = [...]string{startStop: "START…STOP", within: "WITHIN", repeats: "REPEATS"}

// observation: [comparisons] or (observation expressions), then any
// qualifiers.
//
// The grammar lets qualifiers follow one another without end. The
// reference validator (stix2patterns/v21/validator.py, ValidationListener)
// refuses a kind of qualifier applied twice to the same bracketed
// observation — `[…] WITHIN 5 SECONDS WITHIN 6 SECONDS` — but not to a
// parenthesised one, where `([…]) WITHIN 5 SECONDS WITHIN 6 SECONDS`
// passes: so does certhub. It checks neither that STOP is after START nor
// that WITHIN and REPEATS are above zero (the grammar's IntPosLiteral
// includes 0), and neither does certhub.
func (p *parser) observation() {
	if p.err != nil {
		return
	}
	if !p.enter() {
		return
	}
	defer p.leave()
	bracketed := p.tok.kind == tLBrack
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
	var seen [len(qualifierNames)]bool
	for p.err == nil && p.tok.kind == tKeyword {
		var q int
		switch p.tok.text {
		case "START":
			q = startStop
		case "WITHIN":
			q = within
		case "REPEATS":
			q = repeats
		default:
			return
		}
		if bracketed {
			if seen[q] {
				p.fail("a second %s on the same [observation] (put it in parentheses to qualify it again)", qualifierNames[q])
				return
			}
			seen[q] = true
		}
		p.next()
		switch q {
		case startStop:
			p.timestamp("START")
			if p.err == nil && !p.keyword("STOP") {
				p.fail("expected STOP after START's timestamp, found %s", p.tok.describe())
				return
			}
			p.timestamp("STOP")
		case within:
			if p.tok.kind != tInt && p.tok.kind != tFloat || p.tok.negative {
				p.fail("WITHIN needs a number of seconds without a minus sign, found %s", p.tok.describe())
				return
			}
			p.next()
			if !p.keyword("SECONDS") {
				p.fail("expected SECONDS, found %s", p.tok.describe())
			}
		case repeats:
			if p.tok.kind != tInt || p.tok.negative {
				p.fail("REPEATS needs a whole number without a minus sign, found %s", p.tok.describe())
				return
			}
			p.next()
			if !p.keyword("TIMES") {
				p.fail("expected TIMES, found %s", p.tok.describe())
			}
		}
	}
}

// timestamp reads the timestamp of START or STOP.
func (p *parser) timestamp(after string) {
	if p.err != nil {
		return
	}
	if p.tok.kind != tTimestamp {
		p.fail("expected a timestamp (t'2026-01-01T00:00:00Z') after %s, found %s", after, p.tok.describe())
		return
	}
	p.next()
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
	last, lastAt := p.objectPath(&c)
	if p.err != nil {
		return
	}
	hash := p.hashRule(c.Path, last, lastAt)
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
		c.Values = append(c.Values, p.literal(c.Op == "=" || c.Op == "!=", hash))
	case t.kind == tKeyword && t.text == "IN":
		c.Op = "IN"
		p.next()
		if hash != nil && p.tok.kind == tLParen {
			// The validator checks a set whole, '(' and all, and no
			// algorithm's expression takes a '('.
			p.fail("a set is not a valid %s hash (OASIS's validator reads it whole)", hash.name)
			return
		}
		c.Values = p.set()
	case t.kind == tKeyword && (t.text == "LIKE" || t.text == "MATCHES" || t.text == "ISSUBSET" || t.text == "ISSUPERSET"):
		c.Op = t.text
		p.next()
		if p.tok.kind != tString {
			p.fail("%s needs a string ('…'), found %s", c.Op, p.tok.describe())
			return
		}
		c.Values = append(c.Values, p.literal(false, hash))
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

// The last step of an object path.
type step int

const (
	keyStep   step = iota // a property name, quoted or not
	starStep              // [*]
	indexStep             // [0]
)

// objectPath: type ':' first component, then .key and [index] steps.
//
// The grammar allows a negative index ([-1]); the reference validator's
// inspector (stix2patterns/v21/inspector.py, exitIndexPathStep) reads only
// IntPosLiteral there and fails on any other, so such a pattern never
// passes it: certhub refuses it.
//
// It answers the kind of the last step and the byte offset of its token.
func (p *parser) objectPath(c *Comparison) (last step, at int) {
	if p.err != nil {
		return keyStep, 0
	}
	if p.tok.kind != tIdent {
		p.fail("expected an object path (type:property), found %s", p.tok.describe())
		return keyStep, 0
	}
	c.Object = p.tok.text
	p.next()
	if !p.expect(tColon, ": after the object type") {
		return keyStep, 0
	}
	switch {
	case p.tok.kind == tIdent && !p.tok.hyphen:
		c.Path = append(c.Path, p.tok.text)
	case p.tok.kind == tString:
		c.Path = append(c.Path, p.tok.text)
	default:
		p.fail("expected a property name (without hyphens, or quoted), found %s", p.tok.describe())
		return keyStep, 0
	}
	at = p.tok.start
	p.next()
	for p.err == nil {
		switch p.tok.kind {
		case tDot:
			p.next()
			if p.tok.kind == tString || p.tok.kind == tIdent && !p.tok.hyphen {
				c.Path = append(c.Path, p.tok.text)
				last, at = keyStep, p.tok.start
				p.next()
				continue
			}
			p.fail("expected a property name after '.' (without hyphens, or quoted), found %s", p.tok.describe())
		case tLBrack:
			p.next()
			switch {
			case p.tok.kind == tInt && p.tok.negative:
				p.fail("a list index cannot be negative (OASIS's validator fails on it)")
				return last, at
			case p.tok.kind == tInt:
				c.Path = append(c.Path, "["+p.tok.text+"]")
				last, at = indexStep, p.tok.start
			case p.tok.kind == tStar:
				c.Path = append(c.Path, "[*]")
				last, at = starStep, p.tok.start
			default:
				p.fail("expected a list index (a whole number or *), found %s", p.tok.describe())
				return last, at
			}
			p.next()
			p.expect(tRBrack, "] closing the list index")
		default:
			return last, at
		}
	}
	return last, at
}

// literal reads a constant; hash, if not nil, checks it as the value of
// a hash.
func (p *parser) literal(boolOK bool, hash *hashCheck) Literal {
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
	if hash != nil {
		raw := p.lx.src[t.start:t.end]
		if !hash.valid(strings.ReplaceAll(raw, "'", "")) {
			p.fail("not a valid %s hash: %s", hash.name, raw)
			return l
		}
	}
	p.next()
	return l
}

// set reads ( constants ).
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
		out = append(out, p.literal(true, nil))
		if p.tok.kind == tComma {
			p.next()
			continue
		}
		p.expect(tRParen, ", or ) in the set")
		break
	}
	return out
}
