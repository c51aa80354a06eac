package routing

import (
	"fmt"
	"slices"
	"strings"

	"github.com/certhub/certhub/internal/platform/errs"
)

// Rule routes matching reports to a CERT. Empty conditions match anything;
// the first matching rule wins.
type Rule struct {
	ID      string `json:"id"`
	Vendor  string `json:"vendor"`  // case-insensitive part of the vendor's name
	Product string `json:"product"` // case-insensitive part of the product's name
	Sector  string `json:"sector"`  // one of the report's sectors
	CII     *bool  `json:"cii"`     // whether the report affects critical information infrastructure
	OrgID   string `json:"org_id"`  // the responsible CERT
	OrgName string `json:"org_name,omitempty"`
}

// Report is what the rules look at in a report.
type Report struct {
	Vendor     string   // the vendor as the reporter wrote it
	VendorName string   // the directory's name of the report's vendor, if linked
	Product    string   // the product as the reporter wrote it
	Sectors    []string // the sectors the report names
	CII        bool     // whether critical information infrastructure is affected
}

// Matches reports whether the rule applies to r.
func (rule Rule) Matches(r Report) bool {
	contains := func(hay, needle string) bool {
		return strings.Contains(strings.ToLower(hay), strings.ToLower(strings.TrimSpace(needle)))
	}
	if rule.Vendor != "" && !contains(r.Vendor, rule.Vendor) && !(r.VendorName != "" && contains(r.VendorName, rule.Vendor)) {
		return false
	}
	if rule.Product != "" && !contains(r.Product, rule.Product) {
		return false
	}
	if rule.Sector != "" && !slices.Contains(r.Sectors, rule.Sector) {
		return false
	}
	if rule.CII != nil && *rule.CII != r.CII {
		return false
	}
	return true
}

// First returns the first of rules that matches r.
func First(rules []Rule, r Report) (Rule, bool) {
	for _, rule := range rules {
		if rule.Matches(r) {
			return rule, true
		}
	}
	return Rule{}, false
}

// Check says what is wrong with a new set of rules: sectors lists the
// directory's sectors, isCERT whether an organisation is a CERT of the
// directory.
func Check(rules []Rule, sectors []string, isCERT func(orgID string) bool) error {
	var f errs.Fields
	for i, r := range rules {
		p := fmt.Sprintf("rules[%d]", i)
		if r.Sector != "" && !slices.Contains(sectors, r.Sector) {
			f.Add(p+".sector", "must be one of %s", strings.Join(sectors, ", "))
		}
		if len(r.Vendor) > 200 || len(r.Product) > 200 {
			f.Add(p, "vendor and product must be at most 200 characters")
		}
		if !isCERT(r.OrgID) {
			f.Add(p+".org_id", "must be a CERT of the directory")
		}
		if r.Vendor == "" && r.Product == "" && r.Sector == "" && r.CII == nil {
			f.Add(p, "needs at least one condition (a rule matching everything would hide the rules after it)")
		}
	}
	if len(rules) > 500 {
		f.Add("rules", "at most 500 rules")
	}
	return f.Err()
}
