package csafcheck

import (
	"time"
)

// This file holds the tests on the items of /vulnerabilities that are not
// about products, scores or profiles: 6.1.23, 6.1.24, 6.1.29, 6.1.32 and
// 6.1.33.

// 6.1.23 Multiple Use of Same CVE: no two vulnerabilities have the same
// CVE ID.
func test6_1_23(c *checker) {
	first := map[string]pointer{}
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		cve, ok := str(v["cve"])
		if !ok {
			return
		}
		if at, seen := first[cve]; seen {
			c.report("6.1.23", vp.field("cve"), "%s is the CVE of more than one vulnerability: it is also at %s", cve, at)
			return
		}
		first[cve] = vp.field("cve")
	})
}

// sameDate tells whether two date-times are the same instant; strings that
// are not RFC 3339 date-times are compared as they are.
func sameDate(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ta.Equal(tb)
}

// 6.1.24 Multiple Definition in Involvements: within a vulnerability, no
// two involvements have the same party and date.
func test6_1_24(c *checker) {
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		type involvement struct {
			party, date string
			path        pointer
		}
		var seen []involvement
		eachObject(v, "involvements", vp, func(inv map[string]any, path pointer) {
			party, ok1 := str(inv["party"])
			date, ok2 := str(inv["date"])
			if !ok1 || !ok2 {
				return
			}
			for _, s := range seen {
				if s.party == party && sameDate(s.date, date) {
					c.report("6.1.24", path, "there is already an involvement of party %s dated %s, at %s", party, date, s.path)
					return
				}
			}
			seen = append(seen, involvement{party, date, path})
		})
	})
}

// 6.1.29 Remediation without Product Reference: every remediation names
// the products it applies to, by product_ids or group_ids.
func test6_1_29(c *checker) {
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		eachObject(v, "remediations", vp, func(r map[string]any, path pointer) {
			if !has(r, "product_ids") && !has(r, "group_ids") {
				c.report("6.1.29", path, "the remediation does not say which products it applies to: give product_ids or group_ids")
			}
		})
	})
}

// 6.1.32 Flag without Product Reference: every flag names the products it
// applies to, by product_ids or group_ids.
func test6_1_32(c *checker) {
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		eachObject(v, "flags", vp, func(f map[string]any, path pointer) {
			if !has(f, "product_ids") && !has(f, "group_ids") {
				c.report("6.1.32", path, "the flag does not say which products it applies to: give product_ids or group_ids")
			}
		})
	})
}

// productsOf returns the product IDs an item (a flag, threat or
// remediation) applies to: its product_ids and the members of its
// group_ids, each once.
func productsOf(item map[string]any, groups map[string][]string) []string {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, p := range stringsAt(item, "product_ids", "") {
		add(p.value)
	}
	for _, g := range stringsAt(item, "group_ids", "") {
		for _, id := range groups[g.value] {
			add(id)
		}
	}
	return ids
}

// 6.1.33 Multiple Flags with VEX Justification Codes per Product: within
// a vulnerability, a product (given directly or through a group) has at
// most one flag.
func test6_1_33(c *checker) {
	groups := c.productGroups()
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		first := map[string]pointer{} // product ID → its first flag
		eachObject(v, "flags", vp, func(f map[string]any, path pointer) {
			for _, id := range productsOf(f, groups) {
				if at, seen := first[id]; seen {
					c.report("6.1.33", path, "product ID %s already has a flag for this vulnerability, at %s: a product can have only one", id, at)
					continue
				}
				first[id] = path
			}
		})
	})
}
