package csafcheck

import "strings"

// This file holds the tests on product and product group IDs, 6.1.1 to
// 6.1.6, and the walk over the product tree they and others share.

const productTreePath pointer = "/product_tree"

// productDefinition is a full product name (full_product_name_t) the
// product tree defines, with its pointer.
type productDefinition struct {
	node map[string]any
	path pointer
}

// productDefinitions returns every full product name in the product tree:
// those of the branches at any depth, of full_product_names and of the
// relationships, in that order.
func (c *checker) productDefinitions() []productDefinition {
	pt := c.productTree()
	var defs []productDefinition
	walkBranches(pt, productTreePath, func(b map[string]any, path pointer) {
		if p := obj(b["product"]); p != nil {
			defs = append(defs, productDefinition{p, path.field("product")})
		}
	})
	eachObject(pt, "full_product_names", productTreePath, func(p map[string]any, path pointer) {
		defs = append(defs, productDefinition{p, path})
	})
	eachObject(pt, "relationships", productTreePath, func(r map[string]any, path pointer) {
		if p := obj(r["full_product_name"]); p != nil {
			defs = append(defs, productDefinition{p, path.field("full_product_name")})
		}
	})
	return defs
}

// maxBranchDepth bounds the walk over branches. encoding/json decodes no
// document nested deeper than 10000 levels, so only a hand-built document
// with a cycle in it gets there, and the bound keeps that from recursing
// until the stack overflows.
const maxBranchDepth = 10000

// walkBranches calls fn for every branch below the object m at path:
// those of m["branches"] and, depth first, of their branches.
func walkBranches(m map[string]any, path pointer, fn func(branch map[string]any, path pointer)) {
	walkBranchesFrom(m, path, fn, 0)
}

func walkBranchesFrom(m map[string]any, path pointer, fn func(branch map[string]any, path pointer), depth int) {
	if depth > maxBranchDepth {
		return
	}
	eachObject(m, "branches", path, func(b map[string]any, p pointer) {
		fn(b, p)
		walkBranchesFrom(b, p, fn, depth+1)
	})
}

// definedProductIDs is the set of product IDs the product tree defines.
func (c *checker) definedProductIDs() map[string]bool {
	ids := map[string]bool{}
	for _, d := range c.productDefinitions() {
		if id, ok := str(d.node["product_id"]); ok {
			ids[id] = true
		}
	}
	return ids
}

// productGroups maps each product group ID to the product IDs of the
// group (of all groups with that ID, should it be defined more than once).
func (c *checker) productGroups() map[string][]string {
	groups := map[string][]string{}
	eachObject(c.productTree(), "product_groups", productTreePath, func(g map[string]any, path pointer) {
		id, ok := str(g["group_id"])
		if !ok {
			return
		}
		for _, p := range stringsAt(g, "product_ids", path) {
			groups[id] = append(groups[id], p.value)
		}
	})
	return groups
}

// productStatuses are the lists of /vulnerabilities[]/product_status.
var productStatuses = []string{
	"first_affected", "first_fixed", "fixed", "known_affected",
	"known_not_affected", "last_affected", "recommended", "under_investigation",
}

// productIDReferences returns every place a product ID is referred to,
// the relevant paths of 6.1.1.
func (c *checker) productIDReferences() []stringItem {
	var refs []stringItem
	pt := c.productTree()
	eachObject(pt, "product_groups", productTreePath, func(g map[string]any, path pointer) {
		refs = append(refs, stringsAt(g, "product_ids", path)...)
	})
	eachObject(pt, "relationships", productTreePath, func(r map[string]any, path pointer) {
		for _, key := range []string{"product_reference", "relates_to_product_reference"} {
			if id, ok := str(r[key]); ok {
				refs = append(refs, stringItem{id, path.field(key)})
			}
		}
	})
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		eachObject(v, "flags", vp, func(f map[string]any, path pointer) {
			refs = append(refs, stringsAt(f, "product_ids", path)...)
		})
		status := obj(v["product_status"])
		for _, key := range productStatuses {
			refs = append(refs, stringsAt(status, key, vp.field("product_status"))...)
		}
		eachObject(v, "remediations", vp, func(r map[string]any, path pointer) {
			refs = append(refs, stringsAt(r, "product_ids", path)...)
		})
		eachObject(v, "scores", vp, func(s map[string]any, path pointer) {
			refs = append(refs, stringsAt(s, "products", path)...)
		})
		eachObject(v, "threats", vp, func(t map[string]any, path pointer) {
			refs = append(refs, stringsAt(t, "product_ids", path)...)
		})
	})
	return refs
}

// 6.1.1 Missing Definition of Product ID: every product ID referred to is
// defined in the product tree.
func test6_1_1(c *checker) {
	defined := c.definedProductIDs()
	for _, ref := range c.productIDReferences() {
		if !defined[ref.value] {
			c.report("6.1.1", ref.path, "product ID %s is not defined in the product tree", ref.value)
		}
	}
}

// 6.1.2 Multiple Definition of Product ID: no product ID is defined twice.
func test6_1_2(c *checker) {
	first := map[string]pointer{}
	for _, d := range c.productDefinitions() {
		id, ok := str(d.node["product_id"])
		if !ok {
			continue
		}
		path := d.path.field("product_id")
		if at, seen := first[id]; seen {
			c.report("6.1.2", path, "product ID %s is defined more than once: it is already defined at %s", id, at)
			continue
		}
		first[id] = path
	}
}

// 6.1.3 Circular Definition of Product ID: the product a relationship
// defines is not, directly or through other relationships, one of the
// products it is built from.
func test6_1_3(c *checker) {
	type relationship struct {
		id   string
		refs map[string]string // "product_reference" and "relates_to_product_reference" → ID
		path pointer
	}
	var rels []relationship
	definedBy := map[string][]int{} // product ID → relationships defining it
	eachObject(c.productTree(), "relationships", productTreePath, func(r map[string]any, path pointer) {
		id, ok := str(obj(r["full_product_name"])["product_id"])
		if !ok {
			return
		}
		refs := map[string]string{}
		for _, key := range []string{"product_reference", "relates_to_product_reference"} {
			if ref, ok := str(r[key]); ok {
				refs[key] = ref
			}
		}
		definedBy[id] = append(definedBy[id], len(rels))
		rels = append(rels, relationship{id, refs, path})
	})

	// chain returns a path of product IDs from "from" to "to" through the
	// relationships, or nil if there is none.
	var chain func(from, to string, seen map[string]bool) []string
	chain = func(from, to string, seen map[string]bool) []string {
		if from == to {
			return []string{to}
		}
		if seen[from] {
			return nil
		}
		seen[from] = true
		for _, i := range definedBy[from] {
			for _, key := range []string{"product_reference", "relates_to_product_reference"} {
				if ref, ok := rels[i].refs[key]; ok {
					if rest := chain(ref, to, seen); rest != nil {
						return append([]string{from}, rest...)
					}
				}
			}
		}
		return nil
	}

	for _, r := range rels {
		for _, key := range []string{"product_reference", "relates_to_product_reference"} {
			ref, ok := r.refs[key]
			if !ok {
				continue
			}
			if cycle := chain(ref, r.id, map[string]bool{}); cycle != nil {
				c.report("6.1.3", r.path.field(key),
					"product ID %s is defined in terms of itself: %s",
					r.id, strings.Join(append([]string{r.id}, cycle...), " → "))
			}
		}
	}
}

// productGroupIDReferences returns every place a product group ID is
// referred to, the relevant paths of 6.1.4.
func (c *checker) productGroupIDReferences() []stringItem {
	var refs []stringItem
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		for _, key := range []string{"flags", "remediations", "threats"} {
			eachObject(v, key, vp, func(item map[string]any, path pointer) {
				refs = append(refs, stringsAt(item, "group_ids", path)...)
			})
		}
	})
	return refs
}

// 6.1.4 Missing Definition of Product Group ID: every product group ID
// referred to is defined in the product tree.
func test6_1_4(c *checker) {
	defined := map[string]bool{}
	eachObject(c.productTree(), "product_groups", productTreePath, func(g map[string]any, _ pointer) {
		if id, ok := str(g["group_id"]); ok {
			defined[id] = true
		}
	})
	for _, ref := range c.productGroupIDReferences() {
		if !defined[ref.value] {
			c.report("6.1.4", ref.path, "product group ID %s is not defined in the product tree", ref.value)
		}
	}
}

// 6.1.5 Multiple Definition of Product Group ID: no product group ID is
// defined twice.
func test6_1_5(c *checker) {
	first := map[string]pointer{}
	eachObject(c.productTree(), "product_groups", productTreePath, func(g map[string]any, path pointer) {
		id, ok := str(g["group_id"])
		if !ok {
			return
		}
		path = path.field("group_id")
		if at, seen := first[id]; seen {
			c.report("6.1.5", path, "product group ID %s is defined more than once: it is already defined at %s", id, at)
			return
		}
		first[id] = path
	})
}

// statusGroups sorts the product status lists into the four groups that
// contradict one another (recommended belongs to none).
var statusGroups = []struct {
	name  string
	lists []string
}{
	{"affected", []string{"first_affected", "known_affected", "last_affected"}},
	{"not affected", []string{"known_not_affected"}},
	{"fixed", []string{"first_fixed", "fixed"}},
	{"under investigation", []string{"under_investigation"}},
}

// 6.1.6 Contradicting Product Status: within a vulnerability, no product
// is in more than one of the groups affected, not affected, fixed and under
// investigation.
func test6_1_6(c *checker) {
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		status := obj(v["product_status"])
		statusPath := vp.field("product_status")
		type place struct {
			group, list string
		}
		first := map[string]place{} // product ID → where it was first seen
		for _, g := range statusGroups {
			for _, list := range g.lists {
				for _, p := range stringsAt(status, list, statusPath) {
					at, seen := first[p.value]
					switch {
					case !seen:
						first[p.value] = place{g.name, list}
					case at.group != g.name:
						c.report("6.1.6", p.path,
							"product ID %s is both %s (in %s) and %s (in %s) for the same vulnerability",
							p.value, at.group, at.list, g.name, list)
					}
				}
			}
		}
	})
}
