// Package cli is certhub's command line: serve, migrate, user, token, cvss,
// ssvc, audit, backup, version. Every command that touches the store takes the same
// --data and --db flags, and every flag can also be set through an
// environment variable CERTHUB_<FLAG> (dashes become underscores).
package cli
