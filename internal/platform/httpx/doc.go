// Package httpx is certhub's HTTP toolkit: JSON and problem+json (RFC 9457)
// responses, request decoding with limits, cursor pagination, the route table,
// and the middleware every request passes (security headers, request IDs,
// panic recovery, access logs, metrics, the client's address). It knows
// nothing of domains or of who the caller is.
package httpx
