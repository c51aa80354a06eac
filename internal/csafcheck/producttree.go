package csafcheck

import (
	"strings"

	"github.com/package-url/packageurl-go"
)

// This file holds the tests on the product descriptions in the product
// tree: 6.1.13, 6.1.25 and 6.1.31.

// 6.1.13 PURL: every package URL in a product identification helper is a
// valid purl (type and name present, well-formed qualifiers and so on, as
// packageurl-go parses it).
func test6_1_13(c *checker) {
	for _, d := range c.productDefinitions() {
		helperPath := d.path.field("product_identification_helper")
		purl, ok := str(obj(d.node["product_identification_helper"])["purl"])
		if !ok {
			continue
		}
		if _, err := packageurl.FromString(purl); err != nil {
			c.report("6.1.13", helperPath.field("purl"), "%q is not a valid package URL: %v", purl, err)
		}
	}
}

// 6.1.25 Multiple Use of Same Hash Algorithm: the hashes of one file use
// each algorithm once.
func test6_1_25(c *checker) {
	for _, d := range c.productDefinitions() {
		helper := obj(d.node["product_identification_helper"])
		eachObject(helper, "hashes", d.path.field("product_identification_helper"), func(h map[string]any, hp pointer) {
			filename, _ := str(h["filename"])
			first := map[string]pointer{}
			eachObject(h, "file_hashes", hp, func(fh map[string]any, path pointer) {
				algorithm, ok := str(fh["algorithm"])
				if !ok {
					return
				}
				if at, seen := first[algorithm]; seen {
					c.report("6.1.25", path.field("algorithm"), "file %q has a second %s hash: the first is at %s", filename, algorithm, at)
					return
				}
				first[algorithm] = path.field("algorithm")
			})
		})
	}
}

// versionRangeOperators and versionRangeWords make a product_version name
// a version range, as the specification's note on 6.1.31 lists them: the
// operators anywhere in the name, the words as words of their own
// (separated by white space, so "after-eight" is a version, not a range).
var (
	versionRangeOperators = []string{"<", ">"} // also cover <= and >=
	versionRangeWords     = map[string]bool{
		"after": true, "all": true, "before": true, "earlier": true,
		"later": true, "prior": true, "versions": true,
	}
)

// 6.1.31 Version Range in Product Version: a branch of category
// product_version names one version, not a range (which belongs in a
// branch of category product_version_range).
func test6_1_31(c *checker) {
	walkBranches(c.productTree(), productTreePath, func(b map[string]any, path pointer) {
		if category, _ := str(b["category"]); category != "product_version" {
			return
		}
		name, ok := str(b["name"])
		if !ok {
			return
		}
		if culprit := versionRangeIn(strings.ToLower(name)); culprit != "" {
			c.report("6.1.31", path.field("name"), "product version %q looks like a version range (it contains %q): use the category product_version_range for ranges", name, culprit)
		}
	})
}

// versionRangeIn returns the operator or word that makes a lower-case
// product version name a range, or "" if there is none.
func versionRangeIn(name string) string {
	for _, op := range versionRangeOperators {
		if i := strings.Index(name, op); i >= 0 {
			if strings.HasPrefix(name[i+1:], "=") {
				return op + "="
			}
			return op
		}
	}
	for _, word := range strings.Fields(name) {
		if versionRangeWords[word] {
			return word
		}
	}
	return ""
}
