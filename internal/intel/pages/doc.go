// Package pages serves threat intelligence in the console (/console/intel/…):
// the overview, uploads, sources and their runs, observables and each
// observable's page (pages.go), the warninglists (warninglists.go) and the
// AS table (asn.go). Its templates (templates/) are embedded and parsed
// once at start-up.
//
// Handlers only read the form, call intel.Service and render; they hold no
// rule and run no SQL: who may see what is the Service's.
package pages
