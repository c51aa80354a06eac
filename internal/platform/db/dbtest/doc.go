// Package dbtest gives tests a fresh, migrated database on each engine.
//
// SQLite is always available. PostgreSQL is used when CERTHUB_TEST_POSTGRES
// holds a DSN to a server where the user may create databases (make test
// starts a throwaway cluster and sets it). Without it the PostgreSQL half of a
// test is skipped, unless CERTHUB_TEST_REQUIRE_POSTGRES=1, which makes the
// absence a failure so CI cannot silently test one engine.
package dbtest
