// Package catalogue holds procurement's criteria: the product categories
// and, for each, a versioned catalogue of requirements (ID, text,
// severity, test methods, applicability) with the clarifications issued
// against a version. Evaluations pin the version they were opened
// against. Its JSON is the import and export format
// (docs/procurement-catalogue.md). The mechanism (the parser, fuzzed
// there, and the store) is platform/catalogue's, over procurement's
// tables: procurement_catalogues, _requirements, _requirement_methods and
// _clarifications.
package catalogue
