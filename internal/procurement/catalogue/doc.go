// Package catalogue holds procurement's criteria: the product categories
// and, for each, a versioned catalogue of requirements (ID, text,
// severity, test methods, applicability) with the clarifications issued
// against a version. Evaluations pin the version they were opened
// against. Its JSON is the import and export format
// (docs/procurement-catalogue.md), read by Parse (fuzzed); its SQL names
// procurement_catalogues, _requirements, _requirement_methods and
// _clarifications only.
package catalogue
