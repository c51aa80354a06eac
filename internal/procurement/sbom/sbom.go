package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/package-url/packageurl-go"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/certhub/certhub/internal/platform/errs"
)

// Formats.
const (
	CycloneDX = "cyclonedx"
	SPDX      = "spdx"
)

// Bounds of an SBOM.
const (
	MaxBytes      = 32 << 20 // the document
	MaxComponents = 100_000
	MaxDepth      = 64 // components within components
)

// Component is one part of the product.
type Component struct {
	Ref      string `json:"ref"` // its bom-ref or SPDX ID
	Name     string `json:"name"`
	Version  string `json:"version,omitempty"`
	PURL     string `json:"purl,omitempty"` // canonical form
	CPE      string `json:"cpe,omitempty"`
	Supplier string `json:"supplier,omitempty"`
}

// Checked reports whether vulnerabilities can be matched to it.
func (c Component) Checked() bool { return c.PURL != "" || c.CPE != "" }

// SBOM is a bill of materials as read.
type SBOM struct {
	Format      string      `json:"format"`
	SpecVersion string      `json:"spec_version"`
	Product     string      `json:"product,omitempty"` // what it describes, when it says
	Components  []Component `json:"components"`
}

// Unchecked lists the components without a package URL or CPE.
func (s SBOM) Unchecked() []Component {
	var out []Component
	for _, c := range s.Components {
		if !c.Checked() {
			out = append(out, c)
		}
	}
	return out
}

func invalid(format string, args ...any) error { return errs.InvalidField("sbom", format, args...) }

// Parse reads an SBOM, whichever of the two formats it is in.
func Parse(r io.Reader) (SBOM, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return SBOM{}, invalid("could not be read: %v", err)
	}
	if len(b) > MaxBytes {
		return SBOM{}, invalid("larger than %d MB", MaxBytes>>20)
	}
	var probe struct {
		BOMFormat   any `json:"bomFormat"`
		SpecVersion any `json:"specVersion"`
		SPDXVersion any `json:"spdxVersion"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return SBOM{}, invalid("not a CycloneDX or SPDX document in JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	switch {
	case probe.BOMFormat == "CycloneDX":
		return parseCycloneDX(b, fmt.Sprint(probe.SpecVersion))
	case probe.SPDXVersion != nil:
		return parseSPDX(b, fmt.Sprint(probe.SPDXVersion))
	}
	return SBOM{}, invalid(`neither CycloneDX (its "bomFormat") nor SPDX (its "spdxVersion")`)
}

func parseCycloneDX(b []byte, version string) (SBOM, error) {
	switch version {
	case "1.4", "1.5", "1.6":
	default:
		return SBOM{}, invalid("CycloneDX %s: certhub reads versions 1.4 to 1.6", version)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(b), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return SBOM{}, invalid("not a CycloneDX %s document: %s", version, strings.TrimPrefix(err.Error(), "json: "))
	}
	out := SBOM{Format: CycloneDX, SpecVersion: version, Components: []Component{}}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		out.Product = strings.TrimSpace(bom.Metadata.Component.Name + " " + bom.Metadata.Component.Version)
	}
	refs := map[string]bool{}
	var walk func(cs *[]cdx.Component, depth int) error
	walk = func(cs *[]cdx.Component, depth int) error {
		if cs == nil {
			return nil
		}
		if depth > MaxDepth {
			return invalid("components nested more than %d deep", MaxDepth)
		}
		for _, c := range *cs {
			if len(out.Components) >= MaxComponents {
				return invalid("more than %d components", MaxComponents)
			}
			if c.BOMRef != "" {
				if refs[c.BOMRef] {
					return invalid("the bom-ref %q is given to two components", c.BOMRef)
				}
				refs[c.BOMRef] = true
			}
			comp := Component{Ref: c.BOMRef, Name: clean(c.Name), Version: clean(c.Version), PURL: canonicalPURL(c.PackageURL), CPE: cleanCPE(c.CPE)}
			if c.Supplier != nil {
				comp.Supplier = clean(c.Supplier.Name)
			}
			if comp.Name == "" {
				return invalid("a component (bom-ref %q) has no name", c.BOMRef)
			}
			out.Components = append(out.Components, comp)
			if err := walk(c.Components, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(bom.Components, 1); err != nil {
		return SBOM{}, err
	}
	return out, nil
}

func parseSPDX(b []byte, version string) (SBOM, error) {
	switch version {
	case "SPDX-2.2", "SPDX-2.3":
	default:
		return SBOM{}, invalid("%s: certhub reads SPDX 2.2 and 2.3 in JSON", version)
	}
	doc, err := spdxjson.Read(bytes.NewReader(b))
	if err != nil {
		return SBOM{}, invalid("not an %s document: %s", version, strings.TrimPrefix(err.Error(), "json: "))
	}
	out := SBOM{Format: SPDX, SpecVersion: strings.TrimPrefix(version, "SPDX-"), Product: clean(doc.DocumentName), Components: []Component{}}
	if len(doc.Packages) > MaxComponents {
		return SBOM{}, invalid("more than %d packages", MaxComponents)
	}
	ids := map[string]bool{}
	for _, p := range doc.Packages {
		if p == nil {
			continue
		}
		id := string(p.PackageSPDXIdentifier)
		if id != "" {
			id = "SPDXRef-" + id // the library keeps the ID without its prefix
			if ids[id] {
				return SBOM{}, invalid("the SPDX ID %q is given to two packages", id)
			}
			ids[id] = true
		}
		c := Component{Ref: id, Name: clean(p.PackageName), Version: clean(p.PackageVersion)}
		if p.PackageSupplier != nil && p.PackageSupplier.Supplier != "NOASSERTION" {
			c.Supplier = clean(p.PackageSupplier.Supplier)
		}
		for _, ref := range p.PackageExternalReferences {
			if ref == nil {
				continue
			}
			switch ref.RefType {
			case "purl":
				if c.PURL == "" {
					c.PURL = canonicalPURL(ref.Locator)
				}
			case "cpe23Type", "cpe22Type":
				if c.CPE == "" {
					c.CPE = cleanCPE(ref.Locator)
				}
			}
		}
		if c.Name == "" {
			return SBOM{}, invalid("a package (SPDX ID %q) has no name", id)
		}
		out.Components = append(out.Components, c)
	}
	return out, nil
}

// clean trims a text and drops NUL (which no database stores).
func clean(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\x00", "")) }

// canonicalPURL is a package URL in its canonical form, or "" when it is
// not one (the component is then unchecked, not wrongly matched).
func canonicalPURL(s string) string {
	s = clean(s)
	if s == "" {
		return ""
	}
	p, err := packageurl.FromString(s)
	if err != nil || p.Type == "" || p.Name == "" {
		return ""
	}
	return p.ToString()
}

// cleanCPE keeps a CPE 2.2 URI or 2.3 formatted string, or "".
func cleanCPE(s string) string {
	s = clean(s)
	if strings.HasPrefix(s, "cpe:2.3:") && strings.Count(s, ":") >= 12 || strings.HasPrefix(s, "cpe:/") && len(s) > 5 {
		return s
	}
	return ""
}
