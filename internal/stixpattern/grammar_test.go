package stixpattern

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// ruleCase is a pattern that a rule of the grammar (STIXPattern.g4) or of
// the reference validator accepts or refuses.
type ruleCase struct {
	rule    string
	pattern string
	// For a pattern that is refused: msg is part of the message, and at
	// the text the error points at (its first occurrence in the pattern;
	// "" for the end of the pattern).
	msg, at string
	// For a pattern that is accepted: its comparisons, as describe writes
	// them (nil: not compared).
	want []string
}

const (
	ts1 = "t'2016-06-01T00:00:00Z'"
	ts2 = "t'2016-07-01T00:00:00Z'"
)

var grammarCases = []ruleCase{
	// pattern : observationExpressions EOF
	{rule: "pattern", pattern: "[a:b = 1]", want: []string{"a:b = 1"}},
	{rule: "pattern", pattern: " \t[a:b = 1]\n "},
	{rule: "pattern", pattern: "", at: "", msg: "expected an observation expression"},
	{rule: "pattern", pattern: "   ", at: "", msg: "expected an observation expression"},
	{rule: "pattern", pattern: "a:b = 1", at: "a:b", msg: "expected an observation expression"},
	{rule: "pattern", pattern: "[a:b = 1] [c:d = 2]", at: "[c", msg: `unexpected "["`},
	{rule: "pattern", pattern: "[a:b = 1])", at: ")", msg: `unexpected ")"`},

	// observationExpressions : … FOLLOWEDBY …
	{rule: "observationExpressions", pattern: "[a:b = 1] FOLLOWEDBY [c:d = 2] FOLLOWEDBY [e:f = 3]", want: []string{"a:b = 1", "c:d = 2", "e:f = 3"}},
	{rule: "observationExpressions", pattern: "[a:b = 1] FOLLOWEDBY", at: "", msg: "expected an observation expression ([…] or (…)), found the end"},
	{rule: "observationExpressions", pattern: "FOLLOWEDBY [a:b = 1]", at: "FOLLOWEDBY", msg: "expected an observation expression"},
	{rule: "observationExpressions", pattern: "[a:b = 1] followedby [c:d = 2]", at: "followedby", msg: `unexpected "followedby"`},

	// observationExpressionOr, observationExpressionAnd
	{rule: "observationExpressionOr", pattern: "[a:b = 1] OR [c:d = 2]", want: []string{"a:b = 1", "c:d = 2"}},
	{rule: "observationExpressionOr", pattern: "[a:b = 1] OR OR [c:d = 2]", at: "OR [c", msg: "expected an observation expression"},
	{rule: "observationExpressionAnd", pattern: "[a:b = 1] AND [c:d = 2] OR [e:f = 3] FOLLOWEDBY [g:h = 4]", want: []string{"a:b = 1", "c:d = 2", "e:f = 3", "g:h = 4"}},
	{rule: "observationExpressionAnd", pattern: "[a:b = 1] AND", at: "", msg: "expected an observation expression"},
	{rule: "observationExpressionAnd", pattern: "[a:b = 1] AND )", at: ")", msg: "expected an observation expression"},

	// observationExpression: [comparisonExpression] | (observationExpressions)
	{rule: "observationExpressionSimple", pattern: "[]", at: "]", msg: "expected an object path"},
	{rule: "observationExpressionSimple", pattern: "[a:b = 1", at: "", msg: "expected ] closing the observation expression"},
	{rule: "observationExpressionSimple", pattern: "[a:b = 1)", at: ")", msg: "expected ] closing the observation expression"},
	{rule: "observationExpressionCompound", pattern: "([a:b = 1])", want: []string{"a:b = 1"}},
	{rule: "observationExpressionCompound", pattern: "(([a:b = 1] OR [c:d = 2]) AND [e:f = 3])", want: []string{"a:b = 1", "c:d = 2", "e:f = 3"}},
	{rule: "observationExpressionCompound", pattern: "()", at: ")", msg: "expected an observation expression"},
	{rule: "observationExpressionCompound", pattern: "([a:b = 1]", at: "", msg: "expected ), found the end"},
	{rule: "observationExpressionCompound", pattern: "([a:b = 1] [c:d = 2])", at: "[c", msg: `expected ), found "["`},

	// startStopQualifier : START TimestampLiteral STOP TimestampLiteral.
	// The reference checks no order: STOP may come before START.
	{rule: "startStopQualifier", pattern: "[a:b = 1] START " + ts1 + " STOP " + ts2},
	{rule: "startStopQualifier", pattern: "[a:b = 1] START " + ts2 + " STOP " + ts1},
	{rule: "startStopQualifier", pattern: "[a:b = 1] START " + ts1 + " STOP " + ts1},
	{rule: "startStopQualifier", pattern: "[a:b = 1] START " + ts1, at: "", msg: "expected STOP"},
	{rule: "startStopQualifier", pattern: "[a:b = 1] START '2016-06-01T00:00:00Z' STOP " + ts2, at: "'2016", msg: "expected a timestamp"},
	{rule: "startStopQualifier", pattern: "[a:b = 1] START " + ts1 + " STOP 5", at: "5", msg: "expected a timestamp"},
	{rule: "startStopQualifier", pattern: "[a:b = 1] STOP " + ts1, at: "STOP", msg: `unexpected "STOP"`},

	// withinQualifier : WITHIN (IntPosLiteral|FloatPosLiteral) SECONDS.
	// IntPosLiteral is '+'? ('0' | [1-9][0-9]*): 0 is one.
	{rule: "withinQualifier", pattern: "[a:b = 1] WITHIN 5 SECONDS"},
	{rule: "withinQualifier", pattern: "[a:b = 1] WITHIN 1.5 SECONDS"},
	{rule: "withinQualifier", pattern: "[a:b = 1] WITHIN 0 SECONDS"},
	{rule: "withinQualifier", pattern: "[a:b = 1] WITHIN 0.0 SECONDS"},
	{rule: "withinQualifier", pattern: "[a:b = 1] WITHIN +5 SECONDS"},
	{rule: "withinQualifier", pattern: "[a:b = 1] WITHIN .5 SECONDS"},
	{rule: "withinQualifier", pattern: "[a:b = 1] WITHIN 5SECONDS"},
	{rule: "withinQualifier", pattern: "[a:b = 1] WITHIN -5 SECONDS", at: "-5", msg: "without a minus sign"},
	{rule: "withinQualifier", pattern: "[a:b = 1] WITHIN -0.5 SECONDS", at: "-0.5", msg: "without a minus sign"},
	{rule: "withinQualifier", pattern: "[a:b = 1] WITHIN '5' SECONDS", at: "'5'", msg: "WITHIN needs a number"},
	{rule: "withinQualifier", pattern: "[a:b = 1] WITHIN 5 MINUTES", at: "MINUTES", msg: "expected SECONDS"},
	{rule: "withinQualifier", pattern: "[a:b = 1] WITHIN 5 seconds", at: "seconds", msg: "expected SECONDS"},
	{rule: "withinQualifier", pattern: "[a:b = 1] WITHIN 5", at: "", msg: "expected SECONDS"},

	// repeatedQualifier : REPEATS IntPosLiteral TIMES
	{rule: "repeatedQualifier", pattern: "[a:b = 1] REPEATS 5 TIMES"},
	{rule: "repeatedQualifier", pattern: "[a:b = 1] REPEATS 0 TIMES"},
	{rule: "repeatedQualifier", pattern: "[a:b = 1] REPEATS +2 TIMES"},
	{rule: "repeatedQualifier", pattern: "[a:b = 1] REPEATS 2.5 TIMES", at: "2.5", msg: "whole number"},
	{rule: "repeatedQualifier", pattern: "[a:b = 1] REPEATS -1 TIMES", at: "-1", msg: "without a minus sign"},
	{rule: "repeatedQualifier", pattern: "[a:b = 1] REPEATS TIMES", at: "TIMES", msg: "whole number"},
	{rule: "repeatedQualifier", pattern: "[a:b = 1] REPEATS 2 SECONDS", at: "SECONDS", msg: "expected TIMES"},

	// comparisonExpression : … OR …; comparisonExpressionAnd : … AND …
	{rule: "comparisonExpression", pattern: "[a:b = 1 OR c:d = 2]", want: []string{"a:b = 1", "c:d = 2"}},
	{rule: "comparisonExpression", pattern: "[a:b = 1 OR]", at: "]", msg: "expected an object path"},
	{rule: "comparisonExpression", pattern: "[OR a:b = 1]", at: "OR", msg: "expected an object path"},
	{rule: "comparisonExpressionAnd", pattern: "[a:b = 1 AND c:d = 2 OR e:f = 3]", want: []string{"a:b = 1", "c:d = 2", "e:f = 3"}},
	{rule: "comparisonExpressionAnd", pattern: "[a:b = 1 AND AND c:d = 2]", at: "AND c", msg: "expected an object path"},
	{rule: "comparisonExpressionAnd", pattern: "[a:b = 1 and c:d = 2]", at: "and", msg: "expected ] closing"},
	{rule: "comparisonExpressionAnd", pattern: "[a:b = 1 FOLLOWEDBY c:d = 2]", at: "FOLLOWEDBY", msg: "expected ] closing"},

	// propTestParen : ( comparisonExpression )
	{rule: "propTestParen", pattern: "[(a:b = 1 OR c:d = 2) AND e:f = 3]", want: []string{"a:b = 1", "c:d = 2", "e:f = 3"}},
	{rule: "propTestParen", pattern: "[((a:b = 1))]", want: []string{"a:b = 1"}},
	{rule: "propTestParen", pattern: "[()]", at: ")", msg: "expected an object path"},
	{rule: "propTestParen", pattern: "[(a:b = 1]", at: "]", msg: "expected ), found"},
	{rule: "propTestParen", pattern: "[(a:b = 1) = 2]", at: "= 2", msg: "expected ] closing"},

	// propTestEqual : objectPath NOT? (EQ|NEQ) primitiveLiteral
	{rule: "propTestEqual", pattern: "[a:b == 1 AND a:b = 2]", want: []string{"a:b = 1", "a:b = 2"}},
	{rule: "propTestEqual", pattern: "[a:b != 1 AND a:b <> 2]", want: []string{"a:b != 1", "a:b != 2"}},
	{rule: "propTestEqual", pattern: "[a:b NOT = 'x' AND a:b NOT != true]", want: []string{"NOT a:b = 'x'", "NOT a:b != true"}},
	{rule: "propTestEqual", pattern: "[a:b = ]", at: "]", msg: "expected a constant"},
	{rule: "propTestEqual", pattern: "[a:b === 1]", at: "= 1", msg: "expected a constant"},
	{rule: "propTestEqual", pattern: "[a:b = NOT 1]", at: "NOT", msg: "expected a constant"},
	{rule: "propTestEqual", pattern: "[a:b NOT NOT = 1]", at: "NOT =", msg: "expected a comparison operator"},
	{rule: "propTestEqual", pattern: "[a:b ! 1]", at: "!", msg: "unexpected character '!'"},

	// propTestOrder : objectPath NOT? (GT|LT|GE|LE) orderableLiteral
	{rule: "propTestOrder", pattern: "[a:b < 1 AND a:b <= 1.5 AND a:b > 'x' AND a:b >= " + ts1 + " AND a:b < h'ff' AND a:b > b'AAAA']",
		want: []string{"a:b < 1", "a:b <= 1.5", "a:b > 'x'", "a:b >= 2016-06-01T00:00:00Z", "a:b < ff", "a:b > AAAA"}},
	{rule: "propTestOrder", pattern: "[a:b NOT > -1]", want: []string{"NOT a:b > -1"}},
	{rule: "propTestOrder", pattern: "[a:b > true]", at: "true", msg: "cannot be ordered"},
	{rule: "propTestOrder", pattern: "[a:b < (1, 2)]", at: "(", msg: "expected a constant"},
	{rule: "propTestOrder", pattern: "[a:b =< 1]", at: "< 1", msg: "expected a constant"},

	// propTestSet : objectPath NOT? IN setLiteral
	{rule: "propTestSet", pattern: "[a:b IN ()]", want: []string{"a:b IN ()"}},
	{rule: "propTestSet", pattern: "[a:b IN(1,2)]", want: []string{"a:b IN (1 2)"}},
	{rule: "propTestSet", pattern: "[a:b NOT IN ('x', -2, 1.5, true, h'ff', b'AAAA', " + ts1 + ")]",
		want: []string{"NOT a:b IN ('x' -2 1.5 true ff AAAA 2016-06-01T00:00:00Z)"}},
	{rule: "propTestSet", pattern: "[a:b IN 1]", at: "1", msg: "expected ( opening the set"},
	{rule: "propTestSet", pattern: "[a:b IN [1]]", at: "[1", msg: "expected ( opening the set"},
	{rule: "propTestSet", pattern: "[a:b IN (1,)]", at: ")", msg: "expected a constant"},
	{rule: "propTestSet", pattern: "[a:b IN (1 2)]", at: "2", msg: ", or ) in the set"},
	{rule: "propTestSet", pattern: "[a:b IN ((1))]", at: "(1", msg: "expected a constant"},
	{rule: "propTestSet", pattern: "[a:b IN (1]", at: "]", msg: ", or ) in the set"},

	// propTestLike, propTestRegex, propTestIsSubset, propTestIsSuperset:
	// objectPath NOT? OP StringLiteral
	{rule: "propTestLike", pattern: "[a:b LIKE 'a%' AND a:b NOT LIKE '_x']", want: []string{"a:b LIKE 'a%'", "NOT a:b LIKE '_x'"}},
	{rule: "propTestLike", pattern: "[a:b LIKE 5]", at: "5", msg: "LIKE needs a string"},
	{rule: "propTestLike", pattern: "[a:b LIKE ('a')]", at: "(", msg: "LIKE needs a string"},
	{rule: "propTestRegex", pattern: `[a:b MATCHES '^a\\.b$' AND a:b NOT MATCHES 'x']`, want: []string{`a:b MATCHES '^a\.b$'`, "NOT a:b MATCHES 'x'"}},
	{rule: "propTestRegex", pattern: "[a:b MATCHES /x/]", at: "/x/", msg: "unexpected character '/'"},
	{rule: "propTestRegex", pattern: "[a:b matches 'x']", at: "matches", msg: "expected a comparison operator"},
	{rule: "propTestIsSubset", pattern: "[ipv4-addr:value ISSUBSET '198.51.100.0/24' AND a:b NOT ISSUBSET 'x']",
		want: []string{"ipv4-addr:value ISSUBSET '198.51.100.0/24'", "NOT a:b ISSUBSET 'x'"}},
	{rule: "propTestIsSubset", pattern: "[a:b ISSUBSET 198]", at: "198", msg: "ISSUBSET needs a string"},
	{rule: "propTestIsSuperset", pattern: "[a:b ISSUPERSET '198.51.100.0/24' AND a:b NOT ISSUPERSET 'x']",
		want: []string{"a:b ISSUPERSET '198.51.100.0/24'", "NOT a:b ISSUPERSET 'x'"}},
	{rule: "propTestIsSuperset", pattern: "[a:b ISSUPERSET " + ts1 + "]", at: "t'", msg: "ISSUPERSET needs a string"},

	// propTestExists : NOT? EXISTS objectPath
	{rule: "propTestExists", pattern: "[EXISTS a:b]", want: []string{"a:b EXISTS"}},
	{rule: "propTestExists", pattern: "[NOT EXISTS a:b[*].c]", want: []string{"NOT a:b[*].c EXISTS"}},
	{rule: "propTestExists", pattern: "[EXISTS]", at: "]", msg: "expected an object path"},
	{rule: "propTestExists", pattern: "[a:b EXISTS]", at: "EXISTS", msg: "expected a comparison operator"},
	{rule: "propTestExists", pattern: "[a:b NOT EXISTS]", at: "EXISTS", msg: "expected a comparison operator"},
	{rule: "propTestExists", pattern: "[NOT a:b = 1]", at: "a:b", msg: "expected EXISTS after NOT"},
	{rule: "propTestExists", pattern: "[NOT NOT EXISTS a:b]", at: "NOT EXISTS", msg: "expected EXISTS after NOT"},
	{rule: "propTestExists", pattern: "[EXISTS a:b = 1]", at: "= 1", msg: "expected ] closing"},

	// objectType : IdentifierWithoutHyphen | IdentifierWithHyphen
	{rule: "objectType", pattern: "[ipv4-addr:b = 1 AND x_y:b = 1 AND _:b = 1 AND a-:b = 1 AND a--b-:b = 1 AND X509:b = 1]",
		want: []string{"ipv4-addr:b = 1", "x_y:b = 1", "_:b = 1", "a-:b = 1", "a--b-:b = 1", "X509:b = 1"}},
	{rule: "objectType", pattern: "[9a:b = 1]", at: "9a", msg: "expected an object path"},
	{rule: "objectType", pattern: "['a':b = 1]", at: "'a'", msg: "expected an object path"},
	{rule: "objectType", pattern: "[AND:b = 1]", at: "AND", msg: "expected an object path"},
	{rule: "objectType", pattern: "[true:b = 1]", at: "true", msg: "expected an object path"},
	{rule: "objectType", pattern: "[a.b = 1]", at: ".b", msg: "expected : after the object type"},
	{rule: "objectType", pattern: "[é:b = 1]", at: "é", msg: "unexpected character 'é'"},

	// firstPathComponent : IdentifierWithoutHyphen | StringLiteral
	{rule: "firstPathComponent", pattern: `[a:'x-y' = 1 AND a:'' = 2 AND a:'it\'s' = 3]`, want: []string{"a:x-y = 1", "a: = 2", "a:it's = 3"}},
	{rule: "firstPathComponent", pattern: "[a:b-c = 1]", at: "b-c", msg: "property name"},
	{rule: "firstPathComponent", pattern: "[a:5 = 1]", at: "5", msg: "property name"},
	{rule: "firstPathComponent", pattern: "[a:[0] = 1]", at: "[0", msg: "property name"},
	{rule: "firstPathComponent", pattern: "[a: = 1]", at: "= 1", msg: "property name"},
	{rule: "firstPathComponent", pattern: "[a:AND = 1]", at: "AND", msg: "property name"},
	{rule: "firstPathComponent", pattern: "[a:h'ff' = 1]", at: "h'ff'", msg: "property name"},

	// keyPathStep : '.' (IdentifierWithoutHyphen | StringLiteral)
	{rule: "keyPathStep", pattern: "[a:b.c = 1 AND a:b.'c-d'.e = 2 AND a:b.'' = 3]", want: []string{"a:b.c = 1", "a:b.c-d.e = 2", "a:b. = 3"}},
	{rule: "keyPathStep", pattern: "[a:b.c-d = 1]", at: "c-d", msg: "property name after '.'"},
	{rule: "keyPathStep", pattern: "[a:b. = 1]", at: "= 1", msg: "property name after '.'"},
	{rule: "keyPathStep", pattern: "[a:b..c = 1]", at: ".c", msg: "property name after '.'"},
	{rule: "keyPathStep", pattern: "[a:b.true = 1]", at: "true", msg: "property name after '.'"},
	{rule: "keyPathStep", pattern: "[a:b.5 = 1]", at: ".5", msg: "found the number .5"},

	// indexPathStep : [ (IntPosLiteral|IntNegLiteral|ASTERISK) ]; the
	// reference fails on IntNegLiteral.
	{rule: "indexPathStep", pattern: "[a:b[0] = 1 AND a:b[*] = 2 AND a:b[+2] = 3 AND a:b[10][*][0] = 4]",
		want: []string{"a:b[0] = 1", "a:b[*] = 2", "a:b[+2] = 3", "a:b[10][*][0] = 4"}},
	{rule: "indexPathStep", pattern: "[a:b[-1] = 1]", at: "-1", msg: "cannot be negative"},
	{rule: "indexPathStep", pattern: "[EXISTS a:b[-0]]", at: "-0", msg: "cannot be negative"},
	{rule: "indexPathStep", pattern: "[a:b[1.5] = 1]", at: "1.5", msg: "list index"},
	{rule: "indexPathStep", pattern: "[a:b[x] = 1]", at: "x]", msg: "list index"},
	{rule: "indexPathStep", pattern: "[a:b[] = 1]", at: "] =", msg: "list index"},
	{rule: "indexPathStep", pattern: "[a:b[0 = 1]", at: "= 1", msg: "] closing the list index"},
	{rule: "indexPathStep", pattern: "[a:b[007] = 1]", at: "007", msg: "does not start with 0"},

	// pathStep : objectPathComponent objectPathComponent
	{rule: "pathStep", pattern: "[a:b[0].c[*].'d-e'[1] = 1]", want: []string{"a:b[0].c[*].d-e[1] = 1"}},

	// IntPosLiteral, IntNegLiteral
	{rule: "IntPosLiteral", pattern: "[a:b = 0 AND a:b = 123 AND a:b = +5 AND a:b = +0]", want: []string{"a:b = 0", "a:b = 123", "a:b = +5", "a:b = +0"}},
	{rule: "IntPosLiteral", pattern: "[a:b = 007]", at: "007", msg: "does not start with 0"},
	{rule: "IntPosLiteral", pattern: "[a:b = 1e5]", at: "e5", msg: "expected ] closing"},
	{rule: "IntPosLiteral", pattern: "[a:b = +]", at: "+", msg: "a sign without a number"},
	{rule: "IntNegLiteral", pattern: "[a:b = -3 AND a:b = -0]", want: []string{"a:b = -3", "a:b = -0"}},
	{rule: "IntNegLiteral", pattern: "[a:b = - 1]", at: "-", msg: "a sign without a number"},
	{rule: "IntNegLiteral", pattern: "[a:b = -01]", at: "-01", msg: "does not start with 0"},

	// FloatPosLiteral, FloatNegLiteral: [0-9]* '.' [0-9]+, leading zeros allowed
	{rule: "FloatPosLiteral", pattern: "[a:b = 1.5 AND a:b = .5 AND a:b = +.5 AND a:b = 01.5 AND a:b = 0.0]",
		want: []string{"a:b = 1.5", "a:b = .5", "a:b = +.5", "a:b = 01.5", "a:b = 0.0"}},
	{rule: "FloatPosLiteral", pattern: "[a:b = 1.]", at: "1.", msg: "digits after its point"},
	{rule: "FloatPosLiteral", pattern: "[a:b = 1.2.3]", at: ".3", msg: "found the number .3"},
	{rule: "FloatNegLiteral", pattern: "[a:b = -1.5 AND a:b = -.5 AND a:b = -007.25]", want: []string{"a:b = -1.5", "a:b = -.5", "a:b = -007.25"}},
	{rule: "FloatNegLiteral", pattern: "[a:b = -.]", at: "-.", msg: "digits after its point"},

	// HexLiteral : 'h' QUOTE TwoHexDigits* QUOTE
	{rule: "HexLiteral", pattern: "[a:b = h'' AND a:b = h'ff' AND a:b = h'FFd8a0']", want: []string{"a:b = ", "a:b = ff", "a:b = FFd8a0"}},
	{rule: "HexLiteral", pattern: "[a:b = h'abc']", at: "h'", msg: "even number"},
	{rule: "HexLiteral", pattern: "[a:b = h'zz']", at: "zz", msg: "not a hexadecimal digit"},
	{rule: "HexLiteral", pattern: "[a:b = h'ff]", at: "h'", msg: "not closed"},
	{rule: "HexLiteral", pattern: "[a:b = H'ff']", at: "H", msg: "expected a constant"},

	// BinaryLiteral : 'b' QUOTE base64 in groups of four, padded QUOTE
	{rule: "BinaryLiteral", pattern: "[a:b = b'AAAA' AND a:b = b'AAA=' AND a:b = b'AA==' AND a:b = b'dGhpcyBpcyBhIHRlc3Q=' AND a:b = b'+/+/']",
		want: []string{"a:b = AAAA", "a:b = AAA=", "a:b = AA==", "a:b = dGhpcyBpcyBhIHRlc3Q=", "a:b = +/+/"}},
	{rule: "BinaryLiteral", pattern: "[a:b = b'']", at: "b'", msg: "not base64"},
	{rule: "BinaryLiteral", pattern: "[a:b = b'A===']", at: "b'", msg: "not base64"},
	{rule: "BinaryLiteral", pattern: "[a:b = b'====']", at: "b'", msg: "not base64"},
	{rule: "BinaryLiteral", pattern: "[a:b = b'abc']", at: "b'", msg: "not base64"},
	{rule: "BinaryLiteral", pattern: "[a:b = b'AB_C']", at: "_", msg: "not a base64 character"},
	{rule: "BinaryLiteral", pattern: "[a:b = b'AB=C']", at: "=C", msg: "not a base64 character"},

	// StringLiteral : QUOTE ( ~['\\] | '\\\'' | '\\\\' )* QUOTE
	{rule: "StringLiteral", pattern: "[a:b = 'x' AND a:b = '' AND a:b = 'it\\'s' AND a:b = 'a\\\\b' AND a:b = 'é ✓' AND a:b = 'two\nlines' AND a:b = '/* no comment */']",
		want: []string{"a:b = 'x'", "a:b = ''", "a:b = 'it's'", `a:b = 'a\b'`, "a:b = 'é ✓'", "a:b = 'two\nlines'", "a:b = '/* no comment */'"}},
	{rule: "StringLiteral", pattern: `[a:b = 'a\b']`, at: `\b`, msg: `only \' and \\ may be escaped`},
	{rule: "StringLiteral", pattern: "[a:b = 'open]", at: "'open", msg: "not closed"},
	{rule: "StringLiteral", pattern: `[a:b = 'x\']`, at: "'x", msg: "not closed"},
	{rule: "StringLiteral", pattern: `[a:b = "x"]`, at: `"`, msg: "unexpected character"},

	// BoolLiteral : TRUE | FALSE (lower-case; only in primitiveLiteral)
	{rule: "BoolLiteral", pattern: "[a:b = true AND a:b != false AND a:b IN (true, false)]", want: []string{"a:b = true", "a:b != false", "a:b IN (true false)"}},
	{rule: "BoolLiteral", pattern: "[a:b = TRUE]", at: "TRUE", msg: "expected a constant"},
	{rule: "BoolLiteral", pattern: "[a:b >= false]", at: "false", msg: "cannot be ordered"},
	{rule: "BoolLiteral", pattern: "[a:b LIKE true]", at: "true", msg: "LIKE needs a string"},

	// WS, COMMENT, LINE_COMMENT, InvalidCharacter, keywords
	{rule: "WS", pattern: "\u00a0[\u2003a:b\u3000=\u20281\u1680AND\u205fa:b\u202f=\u20092]\u0085\t\r\n\v\f", want: []string{"a:b = 1", "a:b = 2"}},
	{rule: "WS", pattern: "[a:b = 1]\u200b", at: "\u200b", msg: "unexpected character"},
	{rule: "COMMENT", pattern: "[a:b = 1] /* c */ AND /* multi\nline */ [/*c*/c:d = 2]", want: []string{"a:b = 1", "c:d = 2"}},
	{rule: "COMMENT", pattern: "[a:b = 1] /* open", at: "/*", msg: "not closed"},
	{rule: "LINE_COMMENT", pattern: "[a:b = 1] // c\nAND [c:d = 2] // end", want: []string{"a:b = 1", "c:d = 2"}},
	{rule: "LINE_COMMENT", pattern: "[a:b = 1] // AND [c:d = 2]", want: []string{"a:b = 1"}},
	{rule: "InvalidCharacter", pattern: "[a:b = 1] ~", at: "~", msg: "unexpected character '~'"},
	{rule: "InvalidCharacter", pattern: "[a:b = 1] ^ [c:d = 2]", at: "^", msg: "unexpected character '^'"},
	{rule: "keywords", pattern: "[a:b = 1] and [c:d = 2]", at: "and", msg: `unexpected "and"`},
	{rule: "keywords", pattern: "[a:b = 1]AND[c:d = 2]WITHIN 5 SECONDS", want: []string{"a:b = 1", "c:d = 2"}},
	{rule: "keywords", pattern: "[ANDx:ORy = 1 AND NOTx:LASTy = 2]", want: []string{"ANDx:ORy = 1", "NOTx:LASTy = 2"}},
	{rule: "keywords", pattern: "[a:LAST = 1]", at: "LAST", msg: "property name"},
	{rule: "UTF-8", pattern: "[a:b = 'é\xff']", at: "\xff", msg: "not UTF-8"},
	{rule: "UTF-8", pattern: "[a:b = 1] /* é\xff */", at: "\xff", msg: "not UTF-8"},
	{rule: "UTF-8", pattern: "[a:b = 1] // é\xff", at: "\xff", msg: "not UTF-8"},
	{rule: "UTF-8", pattern: "[a:b = 1]\u00a0\xe2\x80", at: "\xe2", msg: "not UTF-8"},
	{rule: "UTF-8", pattern: "[a:b = h'\xff']", at: "\xff", msg: "not a hexadecimal digit"},
}

// TestGrammarRules: every rule of the grammar, and of the reference
// validator's checks, with patterns it accepts and patterns it refuses
// at the place of the first error.
func TestGrammarRules(t *testing.T) {
	for _, cases := range [][]ruleCase{grammarCases, timestampCases(), oasisCases} {
		for _, tt := range cases {
			check(t, tt)
		}
	}
}

func check(t *testing.T, tt ruleCase) {
	t.Helper()
	p, err := Parse(tt.pattern)
	if tt.msg == "" {
		if err != nil {
			t.Errorf("%s: %q: %v, want it accepted", tt.rule, tt.pattern, err)
			return
		}
		if tt.want != nil {
			var got []string
			for _, c := range p.Comparisons {
				got = append(got, describe(c))
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("%s: %q: comparisons (-want +got):\n%s", tt.rule, tt.pattern, d)
			}
		}
		return
	}
	pos := utf8.RuneCountInString(tt.pattern) + 1
	if tt.at != "" {
		i := strings.Index(tt.pattern, tt.at)
		if i < 0 {
			t.Fatalf("%s: %q: the test's at %q is not in the pattern", tt.rule, tt.pattern, tt.at)
		}
		pos = utf8.RuneCountInString(tt.pattern[:i]) + 1
	}
	e, ok := err.(*Error)
	if !ok || e.Pos != pos || !strings.Contains(e.Msg, tt.msg) {
		t.Errorf("%s: %q: %v, want at character %d: …%s…", tt.rule, tt.pattern, err, pos, tt.msg)
	}
}

// timestampCases: TimestampLiteral field by field, at each bound.
func timestampCases() []ruleCase {
	var out []ruleCase
	ok := func(ts string) {
		out = append(out, ruleCase{rule: "TimestampLiteral", pattern: "[a:b = t'" + ts + "']", want: []string{"a:b = " + ts}})
	}
	bad := func(ts string) {
		out = append(out, ruleCase{rule: "TimestampLiteral", pattern: "[a:b = t'" + ts + "']", at: "t'", msg: "not a timestamp"})
	}
	ok("2016-06-01T00:00:00Z")
	ok("0000-01-01T00:00:00Z")
	ok("9999-12-31T23:59:59Z")
	ok("2016-06-01T00:00:00.1Z")
	ok("2016-06-01T00:00:00.123456789012Z")
	ok("2016-12-31T23:59:60Z")    // a leap second
	ok("2016-06-01T12:34:60.5Z")  // the grammar takes :60 at any time
	ok("2023-02-29T00:00:00Z")    // not a leap year: the grammar does not know
	ok("2023-02-30T00:00:00Z")    // nor the length of months
	ok("2023-04-31T00:00:00Z")    //
	ok("2024-02-31T23:59:60.99Z") //
	for _, month := range []string{"01", "09", "10", "12"} {
		ok("2016-" + month + "-01T00:00:00Z")
	}
	for _, month := range []string{"00", "13", "19", "20", "1-"} {
		bad("2016-" + month + "-01T00:00:00Z")
	}
	for _, day := range []string{"01", "09", "10", "19", "20", "29", "30", "31"} {
		ok("2016-01-" + day + "T00:00:00Z")
	}
	for _, day := range []string{"00", "32", "39", "40"} {
		bad("2016-01-" + day + "T00:00:00Z")
	}
	for _, hour := range []string{"00", "09", "19", "20", "23"} {
		ok("2016-01-01T" + hour + ":00:00Z")
	}
	for _, hour := range []string{"24", "29", "30"} {
		bad("2016-01-01T" + hour + ":00:00Z")
	}
	ok("2016-01-01T00:59:00Z")
	bad("2016-01-01T00:60:00Z")
	bad("2016-01-01T00:61:00Z")
	ok("2016-01-01T00:00:59Z")
	bad("2016-01-01T00:00:61Z")
	bad("2016-01-01T00:00:70Z")
	for _, form := range []string{
		"2016-06-01t00:00:00Z", "2016-06-01T00:00:00z", "2016-06-01T00:00:00", "2016-06-01T00:00:00+00:00",
		"2016-06-01 00:00:00Z", "2016-06-01T00:00:00.Z", "2016-06-01T00:00:00.1.2Z", "2016-06-01T00:00:00,1Z",
		"2016-6-01T00:00:00Z", "16-06-01T00:00:00Z", "20160601T000000Z", "2016-06-01T00:00Z", "",
		"2016-06-01T00:00:00ZZ", " 2016-06-01T00:00:00Z", "2016-06-01T0:00:00Z", "2016-06-01T00:00:00.1xZ",
	} {
		bad(form)
	}
	out = append(out,
		ruleCase{rule: "TimestampLiteral", pattern: "[a:b = t'2016-06-01T00:00:00Z]", at: "t'", msg: "not closed"},
		ruleCase{rule: "TimestampLiteral", pattern: "[a:b = T'2016-06-01T00:00:00Z']", at: "T'", msg: "expected a constant"},
	)
	return out
}

// TestNesting: the bound on nesting, for observations and for
// parenthesised comparisons.
func TestNesting(t *testing.T) {
	for _, tt := range []ruleCase{
		{rule: "observations", pattern: strings.Repeat("(", maxDepth-1) + "[a:b = 1]" + strings.Repeat(")", maxDepth-1)},
		{rule: "observations", pattern: strings.Repeat("(", maxDepth) + "[a:b = 1]" + strings.Repeat(")", maxDepth), at: "[", msg: "nested more than 100"},
		{rule: "comparisons", pattern: "[" + strings.Repeat("(", maxDepth-1) + "a:b = 1" + strings.Repeat(")", maxDepth-1) + "]"},
		{rule: "comparisons", pattern: "[" + strings.Repeat("(", maxDepth) + "a:b = 1" + strings.Repeat(")", maxDepth) + "]", at: "(a:b", msg: "nested more than 100"},
	} {
		check(t, tt)
	}
}

// TestPathString: the path as intel reads it, even with an empty key.
func TestPathString(t *testing.T) {
	for pattern, want := range map[string]string{
		"[file:hashes.'SHA-256' = '" + s256 + "']":          "hashes.SHA-256",
		"[file:extensions.'x-ext'.sections[*].entropy = 1]": "extensions.x-ext.sections[*].entropy",
		"[a:b.''.c[0] = 1]":                                 "b..c[0]",
		"[a:''.'' = 1]":                                     ".",
	} {
		p, err := Parse(pattern)
		if err != nil {
			t.Fatalf("%s: %v", pattern, err)
		}
		if got := p.Comparisons[0].PathString(); got != want {
			t.Errorf("%s: PathString %q, want %q", pattern, got, want)
		}
	}
}
