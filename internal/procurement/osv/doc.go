// Package osv reads OSV records (the Open Source Vulnerability format;
// the ossf/osv-schema bindings) and says whether a package version is
// affected: its ranges interpreted as the OSV schema says — SEMVER and
// ECOSYSTEM events ordered by the ecosystem's own version rules
// (osv-scalibr's semantic package), GIT ranges left to the explicit
// versions list — and maps package URLs to OSV's ecosystems and names.
package osv
