// Package advisory publishes what the center knows: advisories (from cases
// or standalone), alerts about active threats, hardening guidelines and news.
// It keeps each publication's working copy and its published revisions,
// runs the review (a second person approves) and the scheduled publication,
// builds and validates the CSAF 2.0 document of every revision, signs it with
// the center's OpenPGP key, and serves the CSAF trusted-provider files
// (provider-metadata.json, ROLIE feeds, index.txt, changes.csv, hashes,
// signatures), security.txt, the public pages and the Atom and JSON feeds.
package advisory
