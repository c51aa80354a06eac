package advisory

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gocsaf/csaf/v3/csaf"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp"
	"github.com/certhub/certhub/internal/vdp/model"
)

var _ vdp.AdvisoryDrafter = (*Service)(nil)

// DraftFromCase drafts a security advisory from a case's hand-off: its
// vulnerabilities, the vendors' products and statuses (a vendor that never
// answered is "under investigation"), their fixes, mitigations and
// workarounds, the references and the reporters' credits. The draft is
// TLP:CLEAR (it is meant for publication) and names the case's vendors as
// recipients should the editor mark it otherwise.
func (s *Service) DraftFromCase(ctx context.Context, id *auth.Identity, h vdp.Handoff) (string, error) {
	if !mayEdit(id) {
		return "", errs.Forbidden("only the coordination center's staff write publications")
	}
	c := Content{Title: h.Title, Summary: cmp.Or(strings.TrimSpace(h.Summary), h.Title), Lang: "en",
		Acknowledgments: append([]string{}, h.Credits...)}
	for _, u := range h.References {
		if isHTTPURL(u) {
			c.References = append(c.References, Reference{URL: u, Summary: u})
		}
	}
	productIDs := map[string]string{} // vendor\x00product → product ID
	var recipients []string
	for _, hp := range h.Products {
		key := hp.Vendor + "\x00" + hp.Product
		if _, ok := productIDs[key]; !ok {
			p := Product{ID: fmt.Sprintf("CSAFPID-%04d", len(c.Products)+1), Vendor: hp.Vendor, Name: cmp.Or(hp.Product, hp.Vendor)}
			c.Products = append(c.Products, p)
			productIDs[key] = p.ID
		}
		if hp.VendorOrgID != "" && !slices.Contains(recipients, hp.VendorOrgID) {
			recipients = append(recipients, hp.VendorOrgID)
		}
	}
	for _, hv := range h.Vulns {
		v := Vuln{CVE: hv.CVEID, Title: hv.Title, Description: hv.Description, CWE: hv.CWE, Status: map[string]string{}}
		if hv.CVSS3 != nil {
			v.CVSS3 = hv.CVSS3.Vector
		}
		if hv.CVSS4 != nil {
			v.CVSS4 = hv.CVSS4.Vector
		}
		for _, hp := range h.Products {
			if hp.VulnID != hv.ID {
				continue
			}
			pid := productIDs[hp.Vendor+"\x00"+hp.Product]
			st := hp.Status
			if st == model.StatusUnknown || st == "" {
				st = StatusUnderInvestigation
			}
			v.Status[pid] = st
			add := func(cat, details string) {
				if details = strings.TrimSpace(details); details != "" {
					v.Remediations = append(v.Remediations, Remediation{Category: cat, Details: details, ProductIDs: []string{pid}})
				}
			}
			if hp.FixedVersions != "" {
				add("vendor_fix", "Update to "+hp.FixedVersions+".")
			}
			add("mitigation", hp.Mitigation)
			add("workaround", hp.Workaround)
		}
		c.Vulns = append(c.Vulns, v)
	}
	in := Input{Kind: KindAdvisory, TLP: "CLEAR", Recipients: recipients, Content: c}
	if h.CaseID != "" {
		in.CaseID = &h.CaseID
	}
	if err := s.check(ctx, &in); err != nil {
		return "", fmt.Errorf("advisory: the case's facts do not make a valid draft: %w", err)
	}
	a, err := s.create(ctx, id, in, false, "")
	if err != nil {
		return "", err
	}
	return a.ID, nil
}

// DraftFromCaseID drafts an advisory from a case the caller coordinates.
func (s *Service) DraftFromCaseID(ctx context.Context, id *auth.Identity, caseID string) (string, error) {
	if !mayEdit(id) {
		return "", errs.Forbidden("only the coordination center's staff write publications")
	}
	h, err := s.cases.Handoff(ctx, id, caseID)
	if err != nil {
		return "", err
	}
	return s.DraftFromCase(ctx, id, h)
}

// MaxUpload bounds an uploaded CSAF document.
const MaxUpload = 5 << 20

// Import takes an existing CSAF document (a vendor's, say), validates it and
// turns it into a draft advisory of the center that credits the original
// and links to it, optionally attached to a case. An invalid document is
// refused with every reason.
func (s *Service) Import(ctx context.Context, id *auth.Identity, document []byte, caseID *string) (Advisory, []Problem, error) {
	if !mayEdit(id) {
		return Advisory{}, nil, errs.Forbidden("only the coordination center's staff import documents")
	}
	if !utf8.Valid(document) {
		// JSON is UTF-8 (RFC 8259); the upload is kept as sent, and no
		// store keeps what is not text.
		return Advisory{}, nil, errs.Invalid("the document is not UTF-8, as JSON must be")
	}
	if problems := ValidateCSAF(document, ""); len(problems) > 0 {
		return Advisory{}, problems, problemsError("the document is not valid CSAF 2.0", problems)
	}
	var doc csaf.Advisory
	d := json.NewDecoder(bytes.NewReader(document))
	if err := d.Decode(&doc); err != nil || doc.Document == nil || doc.Document.Tracking == nil {
		return Advisory{}, nil, errs.Invalid("the document cannot be read: %v", err)
	}
	// gocsaf v3.7.0 reads acknowledgments under a misspelt name: read them here.
	var acks struct {
		Document struct {
			Acknowledgments csaf.Acknowledgements `json:"acknowledgments"`
		} `json:"document"`
	}
	_ = json.Unmarshal(document, &acks) // the document decoded above; only the acknowledgments are new
	doc.Document.Acknowledgements = &acks.Document.Acknowledgments
	c := contentFromCSAF(&doc)
	kind := KindAdvisory
	if cat := deref(doc.Document.Category); cat != "csaf_security_advisory" && cat != "csaf_vex" {
		kind = KindAlert
	}
	if kind == KindAdvisory && len(c.Vulns) == 0 {
		kind = KindAlert
	}
	// A document that says nothing of its distribution is treated as
	// restricted until an editor decides.
	tlpLabel := "AMBER"
	if dist := doc.Document.Distribution; dist != nil && dist.TLP != nil && dist.TLP.DocumentTLPLabel != nil {
		tlpLabel = map[csaf.TLPLabel]string{csaf.TLPLabelWhite: "CLEAR", csaf.TLPLabelGreen: "GREEN",
			csaf.TLPLabelAmber: "AMBER", csaf.TLPLabelRed: "RED"}[*dist.TLP.DocumentTLPLabel]
		if tlpLabel == "" {
			tlpLabel = "AMBER" // UNLABELED: treat as restricted until an editor decides
		}
	}
	in := Input{Kind: kind, TLP: tlpLabel, CaseID: caseID, Content: c}
	if err := s.check(ctx, &in); err != nil {
		return Advisory{}, nil, fmt.Errorf("advisory: the imported document does not make a valid draft: %w", err)
	}
	if err := s.checkCase(ctx, id, caseID); err != nil {
		return Advisory{}, nil, err
	}
	a, err := s.create(ctx, id, in, true, string(document))
	return a, nil, err
}

func deref[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// contentFromCSAF reads what an advisory holds out of a CSAF document.
func contentFromCSAF(doc *csaf.Advisory) Content {
	dd := doc.Document
	c := Content{Title: deref(dd.Title), Lang: cmp.Or(deref(dd.Lang), "en")}
	for _, n := range dd.Notes {
		if n == nil {
			continue
		}
		text := deref(n.Text)
		switch deref(n.NoteCategory) {
		case "summary":
			c.Summary = strings.TrimSpace(c.Summary + "\n\n" + text)
		case "description", "details", "general":
			c.Details = strings.TrimSpace(c.Details + "\n\n" + text)
		}
	}
	publisher := ""
	if dd.Publisher != nil {
		publisher = deref(dd.Publisher.Name)
	}
	c.Summary = cmp.Or(c.Summary, firstLine(c.Details), c.Title)
	if publisher != "" {
		c.Details = strings.TrimSpace(c.Details + "\n\nOriginally published by " + publisher + " as " +
			deref(dd.Tracking.ID) + " (version " + deref(dd.Tracking.Version) + ").")
	}
	for _, r := range dd.References {
		if r != nil && isHTTPURL(deref(r.URL)) && deref(r.ReferenceCategory) != "self" {
			c.References = append(c.References, Reference{URL: deref(r.URL), Summary: deref(r.Summary)})
		}
		if r != nil && deref(r.ReferenceCategory) == "self" && isHTTPURL(deref(r.URL)) {
			c.References = append(c.References, Reference{URL: deref(r.URL), Summary: "Original advisory by " + cmp.Or(publisher, "the vendor")})
		}
	}
	if dd.Acknowledgements != nil {
		for _, a := range *dd.Acknowledgements {
			if a == nil {
				continue
			}
			for _, n := range a.Names {
				if n != nil {
					c.Acknowledgments = append(c.Acknowledgments, *n)
				}
			}
			if len(a.Names) == 0 && a.Organization != nil {
				c.Acknowledgments = append(c.Acknowledgments, *a.Organization)
			}
		}
	}
	// Products: every full product name in the tree, with its vendor and
	// product name taken from the branches above it.
	known := map[string]bool{}
	var walk func(bs csaf.Branches, vendor, name string)
	walk = func(bs csaf.Branches, vendor, name string) {
		for _, b := range bs {
			if b == nil {
				continue
			}
			v, n, ver := vendor, name, ""
			switch deref(b.Category) {
			case "vendor":
				v = deref(b.Name)
			case "product_name":
				n = deref(b.Name)
			case "product_version", "product_version_range":
				ver = deref(b.Name)
			}
			if b.Product != nil {
				addProduct(&c, known, b.Product, v, cmp.Or(n, deref(b.Product.Name)), ver)
			}
			walk(b.Branches, v, n)
		}
	}
	if pt := doc.ProductTree; pt != nil {
		walk(pt.Branches, "", "")
		if pt.FullProductNames != nil {
			for _, f := range *pt.FullProductNames {
				addProduct(&c, known, f, cmp.Or(publisher, "unknown vendor"), deref(f.Name), "")
			}
		}
		if pt.RelationShips != nil {
			for _, r := range *pt.RelationShips {
				if r != nil && r.FullProductName != nil {
					addProduct(&c, known, r.FullProductName, cmp.Or(publisher, "unknown vendor"), deref(r.FullProductName.Name), "")
				}
			}
		}
	}
	for _, v := range doc.Vulnerabilities {
		if v == nil {
			continue
		}
		out := Vuln{CVE: deref(v.CVE), Title: deref(v.Title), Status: map[string]string{}}
		if v.CWE != nil {
			out.CWE = deref(v.CWE.ID)
		}
		for _, n := range v.Notes {
			if n != nil && (deref(n.NoteCategory) == "description" || deref(n.NoteCategory) == "summary") {
				out.Description = strings.TrimSpace(out.Description + "\n\n" + deref(n.Text))
			}
		}
		if out.Title == "" {
			out.Title = cmp.Or(firstLine(out.Description), out.CVE)
		}
		for _, sc := range v.Scores {
			if sc != nil && sc.CVSS3 != nil && out.CVSS3 == "" {
				out.CVSS3 = deref(sc.CVSS3.VectorString)
			}
		}
		if ps := v.ProductStatus; ps != nil {
			for st, list := range map[string]*csaf.Products{StatusKnownAffected: ps.KnownAffected, StatusFixed: ps.Fixed,
				StatusKnownNotAffected: ps.KnownNotAffected, StatusUnderInvestigation: ps.UnderInvestigation,
				StatusFirstFixed: ps.FirstFixed, StatusRecommended: ps.Recommended, "first_affected": ps.FirstAffected,
				"last_affected": ps.LastAffected} {
				if list == nil {
					continue
				}
				if st == "first_affected" || st == "last_affected" {
					st = StatusKnownAffected
				}
				for _, pid := range *list {
					if pid != nil && known[string(*pid)] {
						out.Status[string(*pid)] = st
					}
				}
			}
		}
		for _, r := range v.Remediations {
			if r == nil {
				continue
			}
			rem := Remediation{Category: deref(r.Category), Details: deref(r.Details), URL: deref(r.URL)}
			if r.ProductIds != nil {
				for _, pid := range *r.ProductIds {
					if pid != nil && known[string(*pid)] {
						rem.ProductIDs = append(rem.ProductIDs, string(*pid))
					}
				}
			}
			if len(rem.ProductIDs) > 0 && slices.Contains(RemediationCategories, rem.Category) {
				out.Remediations = append(out.Remediations, rem)
			}
		}
		for _, t := range v.Threats {
			if t != nil && deref(t.Category) == "exploit_status" && strings.Contains(strings.ToLower(deref(t.Details)), "exploit") {
				out.Exploited = true
			}
		}
		c.Vulns = append(c.Vulns, out)
	}
	return c
}

func addProduct(c *Content, known map[string]bool, f *csaf.FullProductName, vendor, name, version string) {
	if f == nil || f.ProductID == nil || known[string(*f.ProductID)] {
		return
	}
	p := Product{ID: string(*f.ProductID), Vendor: cmp.Or(vendor, "unknown vendor"), Name: cmp.Or(name, string(*f.ProductID)), Versions: version}
	if h := f.ProductIdentificationHelper; h != nil {
		p.CPE, p.PURL = deref(h.CPE), deref(h.PURL)
	}
	known[p.ID] = true
	c.Products = append(c.Products, p)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}
