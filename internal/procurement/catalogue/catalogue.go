package catalogue

import (
	"slices"

	kc "github.com/certhub/certhub/internal/platform/catalogue"
)

// Categories of products, each with its criteria catalogue; a lab is
// accredited for some of them, an evaluation is of one.
var Categories = []string{"network_device", "firewall", "vpn_gateway", "endpoint_software", "web_application",
	"mobile_app", "iot_ot_device", "cloud_service", "crypto_module"}

// ValidCategory reports whether c is one of Categories.
func ValidCategory(c string) bool { return slices.Contains(Categories, c) }

// Severities of a requirement, from least to most.
var Severities = kc.Severities

// Methods are how a requirement is tested.
var Methods = []string{"document_review", "functional_test", "vulnerability_scan", "penetration_test", "source_review", "sbom_review"}

// rules: every criterion says how it is tested.
var rules = kc.Rules{Methods: Methods, RequireMethods: true}

// tables are procurement's catalogue tables.
var tables = kc.Tables{Owner: "procurement", Key: "category", Catalogues: "procurement_catalogues", Requirements: "procurement_requirements",
	Methods: "procurement_requirement_methods", Clarifications: "procurement_clarifications"}

// Catalogue is one version of a category's criteria: what a lab tests a
// product against. Its JSON is also the import and export format
// (docs/procurement-catalogue.md).
type Catalogue struct {
	Category string `json:"category"`
	kc.Catalogue
}

// Requirement is one criterion.
type Requirement = kc.Requirement

// Clarification is a technical decision issued against a version: how a
// requirement (or the whole catalogue, Requirement "") is to be read by
// the evaluations still open against it.
type Clarification = kc.Clarification

// Summary is a version without its requirements.
type Summary struct {
	Category string `json:"category"`
	kc.Summary
}

// MaxBytes bounds a catalogue's JSON.
const MaxBytes = kc.MaxBytes

// Parse reads a catalogue to publish from its JSON (the export format;
// category, version and the published fields are the server's and
// ignored), naming each bad field. It never panics on any input.
func Parse(data []byte) (Catalogue, error) {
	c, err := kc.Parse(data, rules)
	return Catalogue{Catalogue: c}, err
}
