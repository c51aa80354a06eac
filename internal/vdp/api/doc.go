// Package api serves the disclosure program's JSON API (/api/v1/reports,
// /api/v1/cases, /api/v1/vdp/… and the public report and follow-link
// routes): its handlers only decode, call vdp.Service and encode. The
// routes and bodies are documented in internal/app/openapi.json.
//
// It holds no rule and runs no SQL; who may do what is the Service's.
// internal/app wires it; the pages (vdp/pages) borrow its follow-link
// handlers for API clients of the address reporters are sent to.
package api
