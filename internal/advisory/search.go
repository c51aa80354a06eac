package advisory

import (
	"strings"
	"unicode"

	"github.com/certhub/certhub/internal/platform/db"
)

// matchWords is the condition that a published revision's text holds every
// word of query, each as a word or the start of one ("imageli" finds
// "ImageLib"; "CVE-2026-1" the CVE IDs it begins), from the index of words
// migration 0022 keeps: PostgreSQL's full-text search, SQLite's FTS5.
// Punctuation separates words, as in the indexed text; a query word made
// of punctuation alone finds nothing. It answers "" for an empty query.
func matchWords(engine db.Engine, query string, arg func(any) string) string {
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return ""
	}
	for _, w := range words {
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			return "FALSE"
		}
	}
	var conds, phrases []string
	for _, w := range words {
		if engine == db.Postgres {
			// The word's parts as a phrase, the last of them a prefix (no
			// part at all: NULL, which finds nothing).
			conds = append(conds, "pub_words @@ (NULLIF(phraseto_tsquery('simple', "+arg(w)+")::text, '') || ':*')::tsquery")
			continue
		}
		// An FTS5 string: the word's tokens as a phrase, the last a prefix.
		phrases = append(phrases, `"`+strings.ReplaceAll(w, `"`, `""`)+`"*`)
	}
	if engine == db.Postgres {
		return "(" + strings.Join(conds, " AND ") + ")"
	}
	return "id IN (SELECT advisory_id FROM advisory_search WHERE advisory_search MATCH " + arg(strings.Join(phrases, " ")) + ")"
}
