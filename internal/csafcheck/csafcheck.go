package csafcheck

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Finding is one failed mandatory test.
type Finding struct {
	Test    string `json:"test"`    // e.g. "6.1.1"  or "6.1.27.3"
	Path    string `json:"path"`    // JSON pointer to the offending element, e.g. "/vulnerabilities/0/product_status/fixed/1"
	Message string `json:"message"` // plain English for an analyst, e.g. "product ID CSAFPID-9080700 is not defined in the product tree"
}

// Mandatory runs every mandatory test of CSAF 2.0 section 6.1 on a document and returns the findings (nil when it passes).
// doc is the JSON document already decoded with encoding/json into `any` (map[string]any, []any, float64/json.Number, string, bool).
// It must never panic on any input, including documents that are not schema-valid (missing or wrongly typed fields are just skipped).
func Mandatory(doc any) []Finding {
	c := &checker{doc: obj(doc)}
	if c.doc == nil {
		// Not a JSON object: there is nothing any test could look at.
		return nil
	}
	for _, test := range tests {
		test(c)
	}
	return c.findings
}

// tests are the mandatory tests in the order of the specification, which
// is also the order of the findings.
var tests = []func(*checker){
	test6_1_1, test6_1_2, test6_1_3, test6_1_4, test6_1_5, test6_1_6,
	test6_1_7, test6_1_8, test6_1_9, test6_1_10, test6_1_11, test6_1_12,
	test6_1_13, test6_1_14, test6_1_15, test6_1_16, test6_1_17, test6_1_18,
	test6_1_19, test6_1_20, test6_1_21, test6_1_22, test6_1_23, test6_1_24,
	test6_1_25, test6_1_26,
	test6_1_27_1, test6_1_27_2, test6_1_27_3, test6_1_27_4, test6_1_27_5,
	test6_1_27_6, test6_1_27_7, test6_1_27_8, test6_1_27_9, test6_1_27_10,
	test6_1_27_11,
	test6_1_28, test6_1_29, test6_1_30, test6_1_31, test6_1_32, test6_1_33,
}

// checker holds the document under test and the findings so far.
type checker struct {
	doc      map[string]any
	findings []Finding
}

// report adds a finding.
func (c *checker) report(test string, path pointer, format string, args ...any) {
	c.findings = append(c.findings, Finding{Test: test, Path: string(path), Message: fmt.Sprintf(format, args...)})
}

// document, tracking and productTree are the parts of the document most
// tests start from; each is nil when absent or not an object.
func (c *checker) document() map[string]any    { return obj(c.doc["document"]) }
func (c *checker) tracking() map[string]any    { return obj(c.document()["tracking"]) }
func (c *checker) productTree() map[string]any { return obj(c.doc["product_tree"]) }

// category is /document/category, or "" if it is missing.
func (c *checker) category() string {
	s, _ := str(c.document()["category"])
	return s
}

// eachVulnerability calls fn for every vulnerability that is an object.
func (c *checker) eachVulnerability(fn func(v map[string]any, path pointer)) {
	eachObject(c.doc, "vulnerabilities", "", fn)
}

// eachObject calls fn for every item of the array m[key] that is an
// object, m being the object at path.
func eachObject(m map[string]any, key string, path pointer, fn func(item map[string]any, path pointer)) {
	for i, v := range arr(m[key]) {
		if item := obj(v); item != nil {
			fn(item, path.field(key).index(i))
		}
	}
}

// pointer is a JSON pointer (RFC 6901).
type pointer string

// field is the pointer to the member name of the object p points to.
func (p pointer) field(name string) pointer {
	name = strings.ReplaceAll(name, "~", "~0")
	name = strings.ReplaceAll(name, "/", "~1")
	return p + "/" + pointer(name)
}

// index is the pointer to item i of the array p points to.
func (p pointer) index(i int) pointer { return p + "/" + pointer(strconv.Itoa(i)) }

// obj, arr and str return v as a JSON object, array or string; the zero
// value (and false) if it is something else.
func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func arr(v any) []any {
	a, _ := v.([]any)
	return a
}

func str(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

// num returns v as a number, decoded either way encoding/json can decode
// one: float64 or, with UseNumber, json.Number.
func num(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// has tells whether object m has member key with a value other than null.
// The tests of 6.1.27 and the "without reference" tests check that an
// element exists; a null is taken as missing, as it says nothing.
func has(m map[string]any, key string) bool {
	v, ok := m[key]
	return ok && v != nil
}

// stringItem is a string in a JSON array together with its pointer.
type stringItem struct {
	value string
	path  pointer
}

// stringsAt returns the strings in the array m[key] of the object at path,
// with their pointers; items that are not strings are skipped.
func stringsAt(m map[string]any, key string, path pointer) []stringItem {
	var out []stringItem
	for i, v := range arr(m[key]) {
		if s, ok := str(v); ok {
			out = append(out, stringItem{s, path.field(key).index(i)})
		}
	}
	return out
}
