package cvss

import (
	"fmt"
	"strings"
)

// group is the metric group a metric belongs to.
type group int

const (
	groupBase     group = iota
	groupTemporal       // CVSS 3.x temporal, CVSS 4.0 threat
	groupEnvironmental
	groupSupplemental
)

// metricDef describes one metric of a CVSS version: its abbreviation, its
// name and its allowed values, in the order of the specification.
type metricDef struct {
	abbr   string
	name   string
	group  group
	values []string
}

func (m metricDef) String() string { return m.abbr + " (" + m.name + ")" }

func (m metricDef) allows(v string) bool {
	for _, a := range m.values {
		if a == v {
			return true
		}
	}
	return false
}

var (
	cia3  = []string{"H", "L", "N"}
	req3  = []string{"X", "H", "M", "L"}
	mcia3 = []string{"X", "H", "L", "N"}
)

// metrics3 lists the CVSS 3.0 and 3.1 metrics (the two versions share them)
// in the order of the specification. CVSS 3.x allows any order in a vector.
var metrics3 = []metricDef{
	{"AV", "Attack Vector", groupBase, []string{"N", "A", "L", "P"}},
	{"AC", "Attack Complexity", groupBase, []string{"L", "H"}},
	{"PR", "Privileges Required", groupBase, []string{"N", "L", "H"}},
	{"UI", "User Interaction", groupBase, []string{"N", "R"}},
	{"S", "Scope", groupBase, []string{"U", "C"}},
	{"C", "Confidentiality", groupBase, cia3},
	{"I", "Integrity", groupBase, cia3},
	{"A", "Availability", groupBase, cia3},
	{"E", "Exploit Code Maturity", groupTemporal, []string{"X", "H", "F", "P", "U"}},
	{"RL", "Remediation Level", groupTemporal, []string{"X", "U", "W", "T", "O"}},
	{"RC", "Report Confidence", groupTemporal, []string{"X", "C", "R", "U"}},
	{"CR", "Confidentiality Requirement", groupEnvironmental, req3},
	{"IR", "Integrity Requirement", groupEnvironmental, req3},
	{"AR", "Availability Requirement", groupEnvironmental, req3},
	{"MAV", "Modified Attack Vector", groupEnvironmental, []string{"X", "N", "A", "L", "P"}},
	{"MAC", "Modified Attack Complexity", groupEnvironmental, []string{"X", "L", "H"}},
	{"MPR", "Modified Privileges Required", groupEnvironmental, []string{"X", "N", "L", "H"}},
	{"MUI", "Modified User Interaction", groupEnvironmental, []string{"X", "N", "R"}},
	{"MS", "Modified Scope", groupEnvironmental, []string{"X", "U", "C"}},
	{"MC", "Modified Confidentiality", groupEnvironmental, mcia3},
	{"MI", "Modified Integrity", groupEnvironmental, mcia3},
	{"MA", "Modified Availability", groupEnvironmental, mcia3},
}

var (
	cia4  = []string{"H", "L", "N"}
	req4  = []string{"X", "H", "M", "L"}
	mcia4 = []string{"X", "H", "L", "N"}
	msia4 = []string{"X", "S", "H", "L", "N"}
)

// metrics4 lists the CVSS 4.0 metrics in the order of the specification,
// which is also the order they must have in a vector.
var metrics4 = []metricDef{
	{"AV", "Attack Vector", groupBase, []string{"N", "A", "L", "P"}},
	{"AC", "Attack Complexity", groupBase, []string{"L", "H"}},
	{"AT", "Attack Requirements", groupBase, []string{"N", "P"}},
	{"PR", "Privileges Required", groupBase, []string{"N", "L", "H"}},
	{"UI", "User Interaction", groupBase, []string{"N", "P", "A"}},
	{"VC", "Vulnerable System Confidentiality", groupBase, cia4},
	{"VI", "Vulnerable System Integrity", groupBase, cia4},
	{"VA", "Vulnerable System Availability", groupBase, cia4},
	{"SC", "Subsequent System Confidentiality", groupBase, cia4},
	{"SI", "Subsequent System Integrity", groupBase, cia4},
	{"SA", "Subsequent System Availability", groupBase, cia4},
	{"E", "Exploit Maturity", groupTemporal, []string{"X", "A", "P", "U"}},
	{"CR", "Confidentiality Requirement", groupEnvironmental, req4},
	{"IR", "Integrity Requirement", groupEnvironmental, req4},
	{"AR", "Availability Requirement", groupEnvironmental, req4},
	{"MAV", "Modified Attack Vector", groupEnvironmental, []string{"X", "N", "A", "L", "P"}},
	{"MAC", "Modified Attack Complexity", groupEnvironmental, []string{"X", "L", "H"}},
	{"MAT", "Modified Attack Requirements", groupEnvironmental, []string{"X", "N", "P"}},
	{"MPR", "Modified Privileges Required", groupEnvironmental, []string{"X", "N", "L", "H"}},
	{"MUI", "Modified User Interaction", groupEnvironmental, []string{"X", "N", "P", "A"}},
	{"MVC", "Modified Vulnerable System Confidentiality", groupEnvironmental, mcia4},
	{"MVI", "Modified Vulnerable System Integrity", groupEnvironmental, mcia4},
	{"MVA", "Modified Vulnerable System Availability", groupEnvironmental, mcia4},
	{"MSC", "Modified Subsequent System Confidentiality", groupEnvironmental, mcia4},
	{"MSI", "Modified Subsequent System Integrity", groupEnvironmental, msia4},
	{"MSA", "Modified Subsequent System Availability", groupEnvironmental, msia4},
	{"S", "Safety", groupSupplemental, []string{"X", "N", "P"}},
	{"AU", "Automatable", groupSupplemental, []string{"X", "N", "Y"}},
	{"R", "Recovery", groupSupplemental, []string{"X", "A", "U", "I"}},
	{"V", "Value Density", groupSupplemental, []string{"X", "D", "C"}},
	{"RE", "Vulnerability Response Effort", groupSupplemental, []string{"X", "L", "M", "H"}},
	{"U", "Provider Urgency", groupSupplemental, []string{"X", "Clear", "Green", "Amber", "Red"}},
}

func metricDefs(v Version) []metricDef {
	if v == V40 {
		return metrics4
	}
	return metrics3
}

func abbrs(defs []metricDef) string {
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = d.abbr
	}
	return strings.Join(names, ", ")
}

// explain finds the first problem in the metrics of a vector (the part after
// the prefix) that the library rejected, and says it in words a person can
// act on. Unless it finds none, libErr only serves as the fallback.
func explain(v Version, prefix, body string, libErr error) error {
	defs := metricDefs(v)
	if body == "" {
		return fmt.Errorf("no metrics after %q: give at least the base metrics %s", prefix, abbrs(mandatory(defs)))
	}
	seen := make(map[string]bool)
	last, lastIdx := "", -1
	for _, part := range strings.Split(body, "/") {
		if part == "" {
			if last == "" {
				return fmt.Errorf("empty metric right after %q: remove the doubled \"/\"", prefix)
			}
			return fmt.Errorf("empty metric after %q: remove the doubled or trailing \"/\"", last)
		}
		abbr, val, ok := strings.Cut(part, ":")
		if !ok {
			return fmt.Errorf("%q is not of the form METRIC:VALUE", part)
		}
		idx := -1
		for i, d := range defs {
			if d.abbr == abbr {
				idx = i
				break
			}
		}
		if idx < 0 {
			return fmt.Errorf("unknown metric %q; CVSS %s metrics are %s", abbr, v, abbrs(defs))
		}
		d := defs[idx]
		if seen[abbr] {
			return fmt.Errorf("metric %s appears more than once", d)
		}
		seen[abbr] = true
		if !d.allows(val) {
			return fmt.Errorf("metric %s cannot be %q; use one of %s", d, val, strings.Join(d.values, ", "))
		}
		if v == V40 && idx < lastIdx {
			return fmt.Errorf("metric %s is out of order: CVSS 4.0 requires the order %s, so it must come before %s", abbr, abbrs(defs), defs[lastIdx].abbr)
		}
		last, lastIdx = part, idx
	}
	for _, d := range mandatory(defs) {
		if !seen[d.abbr] {
			return fmt.Errorf("mandatory base metric %s is missing", d)
		}
	}
	return fmt.Errorf("invalid CVSS %s vector: %v", v, libErr)
}

func mandatory(defs []metricDef) []metricDef {
	var out []metricDef
	for _, d := range defs {
		if d.group == groupBase {
			out = append(out, d)
		}
	}
	return out
}
