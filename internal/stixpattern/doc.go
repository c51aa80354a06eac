// Package stixpattern reads the STIX 2.1 patterning language: it checks a
// pattern against the grammar (OASIS's STIXPattern.g4) and the further
// checks of OASIS's reference validator (cti-pattern-validator, Python
// package stix2patterns), says where the first error is, and answers the
// comparisons the pattern makes — which is what certhub needs of an
// indicator: the observables it names.
//
// It accepts exactly the patterns that grammar and validator accept
// together (the choices where the two leave room are noted where they are
// made: leading comments in lex.go, qualifiers in observation, list
// indexes in objectPath, hashes in oasis.go), with one bound of its own:
// nesting deeper than maxDepth is refused, so a hostile pattern cannot
// exhaust the stack.
//
// The parser is written by hand (recursive descent over the grammar's
// rules, one token of look-ahead) rather than generated: it makes no
// allocation beyond the comparisons it answers, so checking every
// indicator costs ingest little. It must not evaluate patterns against
// observed data; that is not its job.
package stixpattern
