package advisory

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// Input is a working copy as an editor sends it.
type Input struct {
	Kind       Kind     `json:"kind"`
	TLP        string   `json:"tlp"`
	CaseID     *string  `json:"case_id,omitempty"`
	Recipients []string `json:"recipients"`
	// RecipientUsers names people (by id or e-mail address): the readers
	// of a TLP:RED publication, and readers whatever its label.
	RecipientUsers []string `json:"recipient_users"`
	Content        Content  `json:"content"`
	// RevisionNote says what a correction changes (the revision history entry).
	RevisionNote string `json:"revision_note,omitempty"`
}

var (
	cveRE    = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)
	cweRE    = regexp.MustCompile(`^CWE-[1-9]\d{0,5}$`)
	langRE   = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	sectorRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)
	// CSAF allows any product ID; vendors use colons, slashes and plus signs.
	productID = regexp.MustCompile(`^\S[^\x00-\x1f]{0,199}$`)
)

// validate checks an input field by field and tidies it (trims, fills
// product IDs). It checks what the editor can correct; the CSAF validation
// then checks the document as a whole.
func (in *Input) validate() error {
	var f errs.Fields
	if !in.Kind.valid() {
		f.Add("kind", "choose advisory, alert, guideline or news")
	}
	l, err := tlp.Parse(in.TLP)
	if err != nil {
		f.Add("tlp", "choose CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
	} else {
		in.TLP = string(l)
	}
	c := &in.Content
	c.Title = strings.TrimSpace(c.Title)
	c.Summary = strings.TrimSpace(c.Summary)
	c.Lang = cmp.Or(strings.TrimSpace(c.Lang), "en")
	switch {
	case c.Title == "":
		f.Add("content.title", "a title is required")
	case len(c.Title) > 300:
		f.Add("content.title", "at most 300 characters")
	}
	if c.Summary == "" {
		f.Add("content.summary", "a summary is required: what happened and who is concerned")
	}
	if len(c.Details) > 200_000 || len(c.Action) > 50_000 || len(c.Summary) > 20_000 {
		f.Add("content.details", "the text is too long")
	}
	if c.Severity != "" && !slices.Contains(Severities, c.Severity) {
		f.Add("content.severity", "choose critical, high, medium, low or none, or leave it empty to take it from CVSS")
	}
	if !langRE.MatchString(c.Lang) {
		f.Add("content.lang", "a language tag such as en or en-GB")
	}
	for i, s := range c.Sectors {
		if !sectorRE.MatchString(s) {
			f.Add(fmt.Sprintf("content.sectors[%d]", i), "a sector name in lower case, such as banking")
		}
	}
	ids := map[string]bool{}
	for i := range c.Products {
		p := &c.Products[i]
		field := fmt.Sprintf("content.products[%d]", i)
		p.Vendor, p.Name, p.Versions = strings.TrimSpace(p.Vendor), strings.TrimSpace(p.Name), strings.TrimSpace(p.Versions)
		p.CPE, p.PURL = strings.TrimSpace(p.CPE), strings.TrimSpace(p.PURL)
		if p.ID == "" {
			p.ID = fmt.Sprintf("CSAFPID-%04d", i+1)
			for ids[p.ID] {
				p.ID += "x"
			}
		}
		switch {
		case !productID.MatchString(p.ID):
			f.Add(field+".id", "at most 200 characters, not starting with a space")
		case ids[p.ID]:
			f.Add(field+".id", "product ID %s is used twice", p.ID)
		}
		ids[p.ID] = true
		if p.Vendor == "" {
			f.Add(field+".vendor", "the vendor is required")
		}
		if p.Name == "" {
			f.Add(field+".name", "the product name is required")
		}
		if p.CPE != "" && !strings.HasPrefix(p.CPE, "cpe:") {
			f.Add(field+".cpe", "a CPE 2.3 name such as cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*")
		}
		if p.PURL != "" {
			if _, err := packageurl.FromString(p.PURL); err != nil {
				f.Add(field+".purl", "not a package URL such as pkg:npm/%%40vendor/product@1.2.3: %v", err)
			}
		}
	}
	for i := range c.Vulns {
		v := &c.Vulns[i]
		field := fmt.Sprintf("content.vulnerabilities[%d]", i)
		v.CVE, v.CWE = strings.ToUpper(strings.TrimSpace(v.CVE)), strings.ToUpper(strings.TrimSpace(v.CWE))
		v.Title, v.Description = strings.TrimSpace(v.Title), strings.TrimSpace(v.Description)
		if v.CVE != "" && !cveRE.MatchString(v.CVE) {
			f.Add(field+".cve", "a CVE ID such as CVE-2026-12345")
		}
		if v.CWE != "" && !cweRE.MatchString(v.CWE) {
			f.Add(field+".cwe", "a CWE ID such as CWE-79")
		}
		if v.Title == "" && v.CVE == "" {
			f.Add(field+".title", "a title or a CVE ID is required")
		}
		for name, vec := range map[string]*string{"cvss3": &v.CVSS3, "cvss4": &v.CVSS4} {
			*vec = strings.TrimSpace(*vec)
			if *vec == "" {
				continue
			}
			s, err := cvss.Parse(*vec)
			switch {
			case err != nil:
				f.Add(field+"."+name, "%v", err)
			case name == "cvss3" && s.Version == cvss.V40, name == "cvss4" && s.Version != cvss.V40:
				f.Add(field+"."+name, "a CVSS %s vector belongs in the other field", s.Version)
			}
		}
		for pid, st := range v.Status {
			if !ids[pid] {
				f.Add(field+".status", "product %s is not in the product list", pid)
			}
			if st != "" && !slices.Contains(ProductStatuses, st) {
				f.Add(field+".status", "unknown product status %q", st)
			}
			if st == "" {
				delete(v.Status, pid)
			}
		}
		for j, r := range v.Remediations {
			rf := fmt.Sprintf("%s.remediations[%d]", field, j)
			if !slices.Contains(RemediationCategories, r.Category) {
				f.Add(rf+".category", "choose vendor_fix, mitigation, workaround, none_available or no_fix_planned")
			}
			if strings.TrimSpace(r.Details) == "" {
				f.Add(rf+".details", "say what to do")
			}
			if r.URL != "" && !isHTTPURL(r.URL) {
				f.Add(rf+".url", "an http(s) URL")
			}
			if len(r.ProductIDs) == 0 {
				f.Add(rf+".product_ids", "name the products it applies to")
			}
			for _, pid := range r.ProductIDs {
				if !ids[pid] {
					f.Add(rf+".product_ids", "product %s is not in the product list", pid)
				}
			}
		}
	}
	for i, r := range c.References {
		c.References[i].URL = strings.TrimSpace(r.URL)
		if !isHTTPURL(c.References[i].URL) {
			f.Add(fmt.Sprintf("content.references[%d].url", i), "an http(s) URL")
		}
	}
	acks := c.Acknowledgments[:0]
	for _, a := range c.Acknowledgments {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(acks, a) {
			acks = append(acks, a)
		}
	}
	c.Acknowledgments = acks
	c.normalise()
	return f.Err()
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
