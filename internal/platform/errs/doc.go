// Package errs defines the handful of error kinds that services return and that
// the HTTP layer maps to status codes in one place. It knows nothing about HTTP:
// a service says "invalid" or "not found", the edge decides what that means on
// the wire.
package errs
