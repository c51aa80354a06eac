package advisory

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gocsaf/csaf/v3/csaf"
	"github.com/gocsaf/csaf/v3/util"

	"github.com/certhub/certhub/internal/csafcheck"
	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/vdp"
)

// Publisher is who the CSAF documents name as their publisher.
type Publisher struct {
	Name      string // the center's name
	Namespace string // its public URL
	Contact   string // how to reach it
}

// docInput is everything a CSAF document is made from.
type docInput struct {
	Advisory  Advisory
	Content   Content
	TLP       string
	Version   int        // this revision's number
	History   []Revision // the revisions published before this one, oldest first
	Summary   string     // this revision's history entry
	Date      time.Time  // this revision's release date
	Publisher Publisher
	PageURL   string // the advisory's page on the public website
}

// FileName is the CSAF file name of a tracking ID: lower case, every run of
// characters outside [+-a-z0-9] replaced by "_", ".json".
func FileName(trackingID string) string {
	return util.CleanFileName(trackingID)
}

// csafTLP maps a TLP 2.0 label to the TLP 1.0 label CSAF 2.0 still uses.
func csafTLP(label string) string {
	switch label {
	case "CLEAR":
		return csaf.TLPLabelWhite
	case "GREEN":
		return csaf.TLPLabelGreen
	case "AMBER", "AMBER+STRICT":
		return csaf.TLPLabelAmber
	default:
		return csaf.TLPLabelRed
	}
}

// tlpFolder is the provider directory of a TLP label: white, green, amber, red.
func tlpFolder(label string) string { return strings.ToLower(csafTLP(label)) }

func ptr[T any](v T) *T { return &v }

func csafTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// documentCategory picks the CSAF profile of a publication: advisories are
// security advisories; alerts and guidelines informational advisories when
// they fit that profile (references, no vulnerabilities), csaf_base otherwise.
func documentCategory(k Kind, c Content) string {
	switch {
	case k == KindAdvisory:
		return "csaf_security_advisory"
	case len(c.Vulns) == 0 && len(c.References) > 0:
		return "csaf_informational_advisory"
	default:
		return "csaf_base"
	}
}

// buildCSAF makes the CSAF 2.0 document of a revision. It does not validate:
// see validateCSAF.
func buildCSAF(in docInput) ([]byte, error) {
	c := in.Content
	tlpURL := "https://www.first.org/tlp/"
	distText := ""
	if in.TLP == "AMBER+STRICT" {
		distText = "TLP:AMBER+STRICT: share only within the recipient organisation."
	}
	dist := &csaf.DocumentDistribution{TLP: &csaf.TLP{DocumentTLPLabel: ptr(csaf.TLPLabel(csafTLP(in.TLP))), URL: &tlpURL}}
	if distText != "" {
		dist.Text = &distText
	}
	lang := csaf.Lang(cmp.Or(c.Lang, "en"))
	doc := &csaf.Document{
		Category:     ptr(csaf.DocumentCategory(documentCategory(in.Advisory.Kind, c))),
		CSAFVersion:  ptr(csaf.CSAFVersion20),
		Distribution: dist,
		Lang:         &lang,
		Publisher: &csaf.DocumentPublisher{
			Category:       ptr(csaf.CSAFCategoryCoordinator),
			Name:           ptr(in.Publisher.Name),
			Namespace:      ptr(in.Publisher.Namespace),
			ContactDetails: nonEmpty(in.Publisher.Contact),
		},
		Title:    ptr(c.Title),
		Tracking: tracking(in),
	}
	if sev := aggregateSeverity(c); sev != "" {
		doc.AggregateSeverity = &csaf.AggregateSeverity{Text: ptr(sev)}
	}
	addNote := func(cat csaf.NoteCategory, title, text string) {
		if strings.TrimSpace(text) != "" {
			doc.Notes = append(doc.Notes, &csaf.Note{NoteCategory: ptr(cat), Title: ptr(title), Text: ptr(strings.TrimSpace(text))})
		}
	}
	addNote(csaf.CSAFNoteCategorySummary, "Summary", c.Summary)
	addNote(csaf.CSAFNoteCategoryDetails, "Details", c.Details)
	addNote(csaf.CSAFNoteCategoryGeneral, "What to do", c.Action)
	addNote(csaf.CSAFNoteCategoryLegalDisclaimer, "Terms of use",
		"This document is provided as is, without warranty of any kind. Share it according to its TLP marking.")
	if in.PageURL != "" {
		doc.References = append(doc.References, &csaf.Reference{ReferenceCategory: ptr(string(csaf.CSAFReferenceCategorySelf)),
			Summary: ptr(in.Advisory.TrackingID + " on the website of " + in.Publisher.Name), URL: ptr(in.PageURL)})
	}
	for _, r := range c.References {
		doc.References = append(doc.References, &csaf.Reference{ReferenceCategory: ptr(string(csaf.CSAFReferenceCategoryExternal)),
			Summary: ptr(cmp.Or(r.Summary, r.URL)), URL: ptr(r.URL)})
	}
	// gocsaf v3.7.0 spells the document's acknowledgments "acknowledgements",
	// which the schema refuses: they are added under the right name here.
	wrapped := documentWithAcks{Document: doc}
	if len(c.Acknowledgments) > 0 {
		names := make([]*string, 0, len(c.Acknowledgments))
		for _, n := range c.Acknowledgments {
			names = append(names, ptr(n))
		}
		wrapped.Acknowledgments = csaf.Acknowledgements{{Names: names, Summary: ptr("for reporting the vulnerabilities")}}
	}
	adv := advisoryDoc{Document: wrapped, ProductTree: productTree(c.Products)}
	for _, v := range c.Vulns {
		adv.Vulnerabilities = append(adv.Vulnerabilities, vulnerability(v, c.Products))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(adv); err != nil {
		return nil, fmt.Errorf("advisory: encode CSAF: %w", err)
	}
	return buf.Bytes(), nil
}

// advisoryDoc is csaf.Advisory with the document's acknowledgments under
// the name the CSAF schema uses.
type advisoryDoc struct {
	Document        documentWithAcks     `json:"document"`
	ProductTree     *csaf.ProductTree    `json:"product_tree,omitempty"`
	Vulnerabilities csaf.Vulnerabilities `json:"vulnerabilities,omitempty"`
}

type documentWithAcks struct {
	*csaf.Document
	Acknowledgments csaf.Acknowledgements `json:"acknowledgments,omitempty"`
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func tracking(in docInput) *csaf.Tracking {
	initial := in.Date
	var revs csaf.Revisions
	for _, r := range in.History {
		if r.Number == 1 {
			initial = r.PublishedAt
		}
		revs = append(revs, &csaf.Revision{Date: ptr(csafTime(r.PublishedAt)), Number: ptr(csaf.RevisionNumber(strconv.Itoa(r.Number))),
			Summary: ptr(r.Summary)})
	}
	revs = append(revs, &csaf.Revision{Date: ptr(csafTime(in.Date)), Number: ptr(csaf.RevisionNumber(strconv.Itoa(in.Version))),
		Summary: ptr(cmp.Or(in.Summary, "Initial version."))})
	return &csaf.Tracking{
		ID:                 ptr(csaf.TrackingID(in.Advisory.TrackingID)),
		Status:             ptr(csaf.CSAFTrackingStatusFinal),
		Version:            ptr(csaf.RevisionNumber(strconv.Itoa(in.Version))),
		InitialReleaseDate: ptr(csafTime(initial)),
		CurrentReleaseDate: ptr(csafTime(in.Date)),
		RevisionHistory:    revs,
		Generator:          &csaf.Generator{Date: ptr(csafTime(in.Date)), Engine: &csaf.Engine{Name: ptr("certhub")}},
	}
}

// rangeRE recognises a version range ("<2.4.2", "2.0 - 2.4", "vers:…",
// "all versions before 3"): CSAF puts those in product_version_range.
var rangeRE = regexp.MustCompile(`(?i)^vers:|[<>=*]|\b(before|prior|through|earlier|later|all|up to)\b|\d\s*-\s*\d|\bto\b`)

// IsRange reports whether a version string names a range of versions.
func IsRange(v string) bool { return rangeRE.MatchString(v) }

// productTree builds branches vendor → product name → version, the shape
// CSAF readers expect. A product without a version whose name also has
// versions goes to full_product_names (a branch holds branches or a product,
// not both).
func productTree(ps []Product) *csaf.ProductTree {
	if len(ps) == 0 {
		return nil
	}
	type named struct {
		name     string
		versions []Product
		bare     []Product
	}
	type vendor struct {
		name  string
		names []*named
	}
	var vendors []*vendor
	find := func(v string) *vendor {
		for _, x := range vendors {
			if x.name == v {
				return x
			}
		}
		x := &vendor{name: v}
		vendors = append(vendors, x)
		return x
	}
	for _, p := range ps {
		v := find(p.Vendor)
		var n *named
		for _, x := range v.names {
			if x.name == p.Name {
				n = x
			}
		}
		if n == nil {
			n = &named{name: p.Name}
			v.names = append(v.names, n)
		}
		if p.Versions == "" {
			n.bare = append(n.bare, p)
		} else {
			n.versions = append(n.versions, p)
		}
	}
	tree := &csaf.ProductTree{}
	var loose csaf.FullProductNames
	for _, v := range vendors {
		vb := &csaf.Branch{Category: ptr(csaf.CSAFBranchCategoryVendor), Name: ptr(v.name)}
		for _, n := range v.names {
			nb := &csaf.Branch{Category: ptr(csaf.CSAFBranchCategoryProductName), Name: ptr(n.name)}
			switch {
			case len(n.versions) == 0 && len(n.bare) == 1:
				nb.Product = fullName(n.bare[0])
			default:
				for _, p := range n.bare {
					loose = append(loose, fullName(p))
				}
				for _, p := range n.versions {
					cat := csaf.CSAFBranchCategoryProductVersion
					if IsRange(p.Versions) {
						cat = csaf.CSAFBranchCategoryProductVersionRange
					}
					nb.Branches = append(nb.Branches, &csaf.Branch{Category: ptr(cat), Name: ptr(p.Versions), Product: fullName(p)})
				}
			}
			if nb.Product != nil || len(nb.Branches) > 0 {
				vb.Branches = append(vb.Branches, nb)
			}
		}
		if len(vb.Branches) > 0 {
			tree.Branches = append(tree.Branches, vb)
		}
	}
	if len(loose) > 0 {
		tree.FullProductNames = &loose
	}
	return tree
}

func fullName(p Product) *csaf.FullProductName {
	f := &csaf.FullProductName{Name: ptr(p.Label()), ProductID: ptr(csaf.ProductID(p.ID))}
	if p.CPE != "" || p.PURL != "" {
		f.ProductIdentificationHelper = &csaf.ProductIdentificationHelper{}
		if p.CPE != "" {
			f.ProductIdentificationHelper.CPE = ptr(csaf.CPE(p.CPE))
		}
		if p.PURL != "" {
			f.ProductIdentificationHelper.PURL = ptr(csaf.PURL(p.PURL))
		}
	}
	return f
}

func products(ids []string) *csaf.Products {
	out := make(csaf.Products, 0, len(ids))
	for _, id := range ids {
		out = append(out, ptr(csaf.ProductID(id)))
	}
	return &out
}

// affected are the statuses a vulnerability's score applies to.
var affected = map[string]bool{StatusKnownAffected: true, "first_affected": true, "last_affected": true, StatusUnderInvestigation: true}

func vulnerability(v Vuln, all []Product) *csaf.Vulnerability {
	out := &csaf.Vulnerability{Title: nonEmpty(v.Title)}
	if v.CVE != "" {
		out.CVE = ptr(csaf.CVE(v.CVE))
	}
	out.Notes = append(out.Notes, &csaf.Note{NoteCategory: ptr(csaf.CSAFNoteCategoryDescription), Title: ptr("Description"),
		Text: ptr(cmp.Or(strings.TrimSpace(v.Description), v.Title))})
	if v.CWE != "" {
		// CSAF wants the weakness's exact name from the CWE list (6.1.11). The
		// embedded table knows the common ones; any other goes in a note
		// rather than under a name that validators would refuse.
		if name, ok := csafcheck.CWEName(v.CWE); ok {
			out.CWE = &csaf.CWE{ID: ptr(csaf.WeaknessID(v.CWE)), Name: ptr(name)}
		} else {
			out.Notes = append(out.Notes, &csaf.Note{NoteCategory: ptr(csaf.CSAFNoteCategoryOther), Title: ptr("Weakness"),
				Text: ptr(strings.TrimSpace(v.CWE + " " + vdp.CWEName(v.CWE)))})
		}
	}
	if v.CVSS4 != "" {
		if s, err := cvss.Parse(v.CVSS4); err == nil {
			// CSAF 2.0 has no field for CVSS v4.0: the vector travels as a note.
			out.Notes = append(out.Notes, &csaf.Note{NoteCategory: ptr(csaf.CSAFNoteCategoryOther), Title: ptr("CVSS v4.0"),
				Text: ptr(fmt.Sprintf("%s (%.1f %s)", s.Vector, s.Score, s.Severity))})
		}
	}
	byStatus := map[string][]string{}
	var scored []string
	for _, p := range all {
		st, ok := v.Status[p.ID]
		if !ok || st == "" {
			continue
		}
		byStatus[st] = append(byStatus[st], p.ID)
		if affected[st] {
			scored = append(scored, p.ID)
		}
	}
	if len(byStatus) > 0 {
		ps := &csaf.ProductStatus{}
		for st, ids := range byStatus {
			slot := map[string]**csaf.Products{StatusKnownAffected: &ps.KnownAffected, StatusFixed: &ps.Fixed,
				StatusKnownNotAffected: &ps.KnownNotAffected, StatusUnderInvestigation: &ps.UnderInvestigation,
				StatusFirstFixed: &ps.FirstFixed, StatusRecommended: &ps.Recommended,
				"first_affected": &ps.FirstAffected, "last_affected": &ps.LastAffected}[st]
			if slot != nil {
				*slot = products(ids)
			}
		}
		out.ProductStatus = ps
	}
	if v.CVSS3 != "" && len(scored) > 0 {
		if s, err := cvss.Parse(v.CVSS3); err == nil && s.Version != cvss.V40 {
			out.Scores = csaf.Scores{{CVSS3: &csaf.CVSS3{
				Version:      ptr(csaf.CVSSVersion3(s.Version)),
				VectorString: ptr(csaf.CVSS3VectorString(s.Vector)),
				BaseScore:    ptr(s.BaseScore),
				BaseSeverity: ptr(csaf.CVSS3Severity(strings.ToUpper(cvss.Severity(s.BaseScore)))),
			}, Products: products(scored)}}
		}
	}
	for _, r := range v.Remediations {
		out.Remediations = append(out.Remediations, &csaf.Remediation{Category: ptr(csaf.RemediationCategory(r.Category)),
			Details: ptr(r.Details), URL: nonEmpty(r.URL), ProductIds: products(r.ProductIDs)})
	}
	if v.Exploited {
		out.Threats = csaf.Threats{{Category: ptr(csaf.CSAFThreatCategoryExploitStatus), Details: ptr("Exploitation of this vulnerability has been observed.")}}
	}
	return out
}

// aggregateSeverity is the severity an editor chose, or the highest CVSS
// base severity of the vulnerabilities.
func aggregateSeverity(c Content) string {
	if c.Severity != "" {
		return c.Severity
	}
	best := -1.0
	for _, v := range c.Vulns {
		for _, vec := range []string{v.CVSS3, v.CVSS4} {
			if s, err := cvss.Parse(vec); err == nil && vec != "" && s.BaseScore > best {
				best = s.BaseScore
			}
		}
	}
	if best < 0 {
		return ""
	}
	return strings.ToLower(cvss.Severity(best))
}

// Problem is one reason a CSAF document is not valid.
type Problem struct {
	Test    string `json:"test"` // "schema", "filename" or the mandatory test's number (6.1.x)
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// ValidateCSAF checks a CSAF document against the CSAF 2.0 JSON schema and
// the mandatory tests (section 6.1); fileName, when given, must be the name
// the tracking ID calls for. Nil means valid.
func ValidateCSAF(document []byte, fileName string) []Problem {
	var doc any
	d := json.NewDecoder(bytes.NewReader(document))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		return []Problem{{Test: "json", Message: "not JSON: " + err.Error()}}
	}
	var out []Problem
	msgs, err := csaf.ValidateCSAF(doc)
	if err != nil {
		return []Problem{{Test: "schema", Message: err.Error()}}
	}
	for _, m := range msgs {
		path, msg, _ := strings.Cut(m, ": ")
		out = append(out, Problem{Test: "schema", Path: path, Message: msg})
	}
	for _, f := range csafcheck.Mandatory(doc) {
		out = append(out, Problem{Test: f.Test, Path: f.Path, Message: f.Message})
	}
	if fileName != "" {
		if m, ok := doc.(map[string]any); ok {
			if d, ok := m["document"].(map[string]any); ok {
				if t, ok := d["tracking"].(map[string]any); ok {
					if id, ok := t["id"].(string); ok && FileName(id) != fileName {
						out = append(out, Problem{Test: "filename", Path: "/document/tracking/id",
							Message: fmt.Sprintf("the file name should be %s", FileName(id))})
					}
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Problem) int { return cmp.Compare(a.Path, b.Path) })
	return out
}
