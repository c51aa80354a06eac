package csafcheck

import (
	"strings"

	"golang.org/x/text/language"
)

// This file holds the tests on /document outside the tracking section:
// 6.1.12, 6.1.15, 6.1.26 and 6.1.28.

const documentPath pointer = "/document"

// 6.1.12 Language: /document/lang and /document/source_lang are valid
// language tags whose subtags exist. golang.org/x/text/language knows the
// IANA language subtag registry, so a well-formed tag with a language that
// does not exist (such as "EZ") fails as well as a malformed one.
func test6_1_12(c *checker) {
	doc := c.document()
	for _, key := range []string{"lang", "source_lang"} {
		tag, ok := str(doc[key])
		if !ok {
			continue
		}
		if _, err := language.Parse(tag); err != nil {
			c.report("6.1.12", documentPath.field(key), "%q is not a valid language tag: %v", tag, err)
		}
	}
}

// 6.1.15 Translator: a document published by a translator says which
// language it was translated from.
func test6_1_15(c *checker) {
	doc := c.document()
	if category, _ := str(obj(doc["publisher"])["category"]); category != "translator" {
		return
	}
	if !has(doc, "source_lang") {
		c.report("6.1.15", documentPath.field("source_lang"), "the publisher is a translator but the source language (source_lang) is not given")
	}
}

// profileCategories are the document categories of the CSAF profiles
// other than CSAF Base, with the profiles' names.
var profileCategories = map[string]string{
	"csaf_security_incident_response": "Security incident response",
	"csaf_informational_advisory":     "Informational Advisory",
	"csaf_security_advisory":          "Security Advisory",
	"csaf_vex":                        "VEX",
}

// squash lower-cases s and removes dashes, white space and underscores, as
// 6.1.26 compares categories.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == '_':
			return -1
		case strings.ContainsRune(" \t\n\r\f\v", r):
			return -1
		}
		return r
	}, strings.ToLower(s))
}

// 6.1.26 Prohibited Document Category Name: a document of the CSAF Base
// profile does not use, in any spelling, the name or category of another
// profile, nor a category starting with the reserved prefix csaf_ other
// than csaf_base.
func test6_1_26(c *checker) {
	category, ok := str(c.document()["category"])
	if !ok {
		return
	}
	if _, profile := profileCategories[category]; profile {
		return // the test is only for the CSAF Base profile
	}
	path := documentPath.field("category")
	for value, name := range profileCategories {
		if sc := squash(category); sc == squash(value) || sc == squash(name) {
			c.report("6.1.26", path, "category %q is reserved: it is a spelling of the %s profile's category %s; use %s for that profile or another name", category, name, value, value)
			return
		}
	}
	if strings.HasPrefix(strings.ToLower(category), "csaf_") && category != "csaf_base" {
		c.report("6.1.26", path, "category %q starts with the reserved prefix csaf_ but is not one of the profile categories", category)
	}
}

// 6.1.28 Translation: a document's language is not the language it was
// translated from. Language tags are case-insensitive.
func test6_1_28(c *checker) {
	doc := c.document()
	lang, ok1 := str(doc["lang"])
	source, ok2 := str(doc["source_lang"])
	if ok1 && ok2 && strings.EqualFold(lang, source) {
		c.report("6.1.28", documentPath.field("source_lang"), "the document language and the source language are both %s: a translation is into another language", source)
	}
}
