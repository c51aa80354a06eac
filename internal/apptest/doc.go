// Package apptest starts the real certhub for end-to-end tests and talks to
// it as API clients and browsers do. Start builds an app.App on
// 127.0.0.1:0 over a temporary data directory (SQLite) or a fresh
// PostgreSQL database, with a test SMTP server to catch its mail; the
// Server it answers sends API requests (API, Do) and makes cookie-holding
// clients that post forms as a page would (Client).
//
// Every exchange with /api/ that goes through a Server is held to
// openapi.json (contract.go): the request, unless the test says it is
// malformed on purpose (Malformed), and always the answer. So whichever
// package's tests use apptest, the document clients read cannot drift from
// the server.
//
// A package whose tests start servers calls Main from its TestMain, so that
// the common start copies a data directory made once for the test binary.
//
// Only tests import apptest: the OpenAPI validator it carries stays out of
// the certhub binary. It must not hold assertions of any one domain; those
// live beside the domain's tests.
package apptest
