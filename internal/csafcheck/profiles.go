package csafcheck

import "slices"

// This file holds the profile tests 6.1.27.1 to 6.1.27.11, each of which
// applies only to documents of certain categories (profiles).

const (
	securityIncidentResponse = "csaf_security_incident_response"
	informationalAdvisory    = "csaf_informational_advisory"
	securityAdvisory         = "csaf_security_advisory"
	vex                      = "csaf_vex"
)

// in tells whether the document's category is one of categories.
func (c *checker) in(categories ...string) bool {
	return slices.Contains(categories, c.category())
}

// 6.1.27.1 Document Notes: informational advisories and security incident
// responses have a document note of category description, details,
// general or summary.
func test6_1_27_1(c *checker) {
	if !c.in(informationalAdvisory, securityIncidentResponse) {
		return
	}
	found := false
	eachObject(c.document(), "notes", documentPath, func(n map[string]any, _ pointer) {
		switch category, _ := str(n["category"]); category {
		case "description", "details", "general", "summary":
			found = true
		}
	})
	if !found {
		c.report("6.1.27.1", documentPath.field("notes"), "a %s document needs a document note of category description, details, general or summary", c.category())
	}
}

// 6.1.27.2 Document References: informational advisories and security
// incident responses have a document reference of category external.
func test6_1_27_2(c *checker) {
	if !c.in(informationalAdvisory, securityIncidentResponse) {
		return
	}
	found := false
	eachObject(c.document(), "references", documentPath, func(r map[string]any, _ pointer) {
		if category, _ := str(r["category"]); category == "external" {
			found = true
		}
	})
	if !found {
		c.report("6.1.27.2", documentPath.field("references"), "a %s document needs a document reference of category external", c.category())
	}
}

// 6.1.27.3 Vulnerabilities: informational advisories have no
// vulnerabilities.
func test6_1_27_3(c *checker) {
	if c.in(informationalAdvisory) && has(c.doc, "vulnerabilities") {
		c.report("6.1.27.3", "/vulnerabilities", "a %s document must not have vulnerabilities: it informs, it does not report vulnerabilities (use csaf_security_advisory for that)", informationalAdvisory)
	}
}

// 6.1.27.4 Product Tree: security advisories and VEX documents have a
// product tree.
func test6_1_27_4(c *checker) {
	if c.in(securityAdvisory, vex) && !has(c.doc, "product_tree") {
		c.report("6.1.27.4", productTreePath, "a %s document needs a product tree", c.category())
	}
}

// 6.1.27.5 Vulnerability Notes: in security advisories and VEX documents
// every vulnerability has notes.
func test6_1_27_5(c *checker) {
	if !c.in(securityAdvisory, vex) {
		return
	}
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		if !has(v, "notes") {
			c.report("6.1.27.5", vp.field("notes"), "in a %s document every vulnerability needs notes", c.category())
		}
	})
}

// 6.1.27.6 Product Status: in security advisories every vulnerability has
// a product status.
func test6_1_27_6(c *checker) {
	if !c.in(securityAdvisory) {
		return
	}
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		if !has(v, "product_status") {
			c.report("6.1.27.6", vp.field("product_status"), "in a %s document every vulnerability needs a product status", securityAdvisory)
		}
	})
}

// 6.1.27.7 VEX Product Status: in VEX documents every vulnerability lists
// products as fixed, known affected, known not affected or under
// investigation.
func test6_1_27_7(c *checker) {
	if !c.in(vex) {
		return
	}
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		status := obj(v["product_status"])
		for _, key := range []string{"fixed", "known_affected", "known_not_affected", "under_investigation"} {
			if has(status, key) {
				return
			}
		}
		c.report("6.1.27.7", vp.field("product_status"), "in a %s document every vulnerability needs at least one of the product statuses fixed, known_affected, known_not_affected and under_investigation", vex)
	})
}

// 6.1.27.8 Vulnerability ID: in VEX documents every vulnerability has a
// CVE or another ID.
func test6_1_27_8(c *checker) {
	if !c.in(vex) {
		return
	}
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		if !has(v, "cve") && !has(v, "ids") {
			c.report("6.1.27.8", vp, "in a %s document every vulnerability needs a cve or ids to identify it", vex)
		}
	})
}

// statementFor tells which products of a vulnerability have a statement:
// an item of list (flags, threats or remediations) that applies to them,
// directly or through a product group, and that accept accepts.
func statementFor(v map[string]any, list string, groups map[string][]string, accept func(map[string]any) bool) map[string]bool {
	covered := map[string]bool{}
	for _, item := range arr(v[list]) {
		m := obj(item)
		if m == nil || !accept(m) {
			continue
		}
		for _, id := range productsOf(m, groups) {
			covered[id] = true
		}
	}
	return covered
}

// always accepts every item, for statementFor.
func always(map[string]any) bool { return true }

// 6.1.27.9 Impact Statement: in VEX documents every product known not to
// be affected has an impact statement: a flag, or a threat of category
// impact.
func test6_1_27_9(c *checker) {
	if !c.in(vex) {
		return
	}
	groups := c.productGroups()
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		flagged := statementFor(v, "flags", groups, always)
		impact := statementFor(v, "threats", groups, func(t map[string]any) bool {
			category, _ := str(t["category"])
			return category == "impact"
		})
		for _, p := range stringsAt(obj(v["product_status"]), "known_not_affected", vp.field("product_status")) {
			if !flagged[p.value] && !impact[p.value] {
				c.report("6.1.27.9", p.path, "product ID %s is known not affected but has no impact statement: give a flag or a threat of category impact for it", p.value)
			}
		}
	})
}

// 6.1.27.10 Action Statement: in VEX documents every product known to be
// affected has an action statement, a remediation.
func test6_1_27_10(c *checker) {
	if !c.in(vex) {
		return
	}
	groups := c.productGroups()
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		remediated := statementFor(v, "remediations", groups, always)
		for _, p := range stringsAt(obj(v["product_status"]), "known_affected", vp.field("product_status")) {
			if !remediated[p.value] {
				c.report("6.1.27.10", p.path, "product ID %s is known affected but has no action statement: give a remediation for it", p.value)
			}
		}
	})
}

// 6.1.27.11 Vulnerabilities: security advisories and VEX documents have
// vulnerabilities.
func test6_1_27_11(c *checker) {
	if c.in(securityAdvisory, vex) && !has(c.doc, "vulnerabilities") {
		c.report("6.1.27.11", "/vulnerabilities", "a %s document needs vulnerabilities", c.category())
	}
}
