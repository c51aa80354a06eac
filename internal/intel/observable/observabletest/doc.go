// Package observabletest holds what the tests of intel's readers share:
// a sink that keeps what a reader hands on, the checks the fuzz targets
// make of it, and their seeding.
package observabletest
