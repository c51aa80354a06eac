package api

import (
	"net/http"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/vdp"
)

// API serves the disclosure program's JSON API.
type API struct{ svc *vdp.Service }

// New makes the handlers.
func New(svc *vdp.Service) *API { return &API{svc: svc} }

// Register adds the routes. The public ones need no account; protect wraps
// the others (authentication).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	pub := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, httpx.API(f)) }
	pub("POST /api/v1/public/reports", a.submitPublic)
	pub("GET /api/v1/public/reports/follow", a.Follow)
	pub("POST /api/v1/public/reports/follow", a.Reply)
	pub("POST /api/v1/public/reports/follow/attachments", a.publicAttach)
	pub("GET /api/v1/public/pgp-key", a.centerKey)

	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/reports", a.listReports)
	h("POST /api/v1/reports", a.submitAs)
	h("GET /api/v1/reports/{id}", a.getReport)
	h("GET /api/v1/reports/{id}/duplicates", a.duplicates)
	h("POST /api/v1/reports/{id}/triage", a.triage)
	h("POST /api/v1/reports/{id}/acknowledge", a.reportAction("acknowledge"))
	h("POST /api/v1/reports/{id}/messages", a.reportAction("message"))
	h("POST /api/v1/reports/{id}/request-info", a.reportAction("request-info"))
	h("POST /api/v1/reports/{id}/decline", a.reportAction("decline"))
	h("POST /api/v1/reports/{id}/duplicate", a.reportAction("duplicate"))
	h("POST /api/v1/reports/{id}/route", a.reportAction("route"))
	h("POST /api/v1/reports/{id}/accept", a.accept)
	h("POST /api/v1/reports/{id}/attachments", a.attach)
	h("GET /api/v1/reports/{id}/attachments/{attachment_id}", a.download)

	h("GET /api/v1/cases", a.listCases)
	h("GET /api/v1/cases/{id}", a.getCase)
	h("PATCH /api/v1/cases/{id}", a.updateCase)
	h("POST /api/v1/cases/{id}/facts", a.setFact)
	h("PUT /api/v1/cases/{id}/publication", a.setDate)
	h("POST /api/v1/cases/{id}/participants", a.addParticipant)
	h("DELETE /api/v1/cases/{id}/participants/{org_id}", a.removeParticipant)
	h("POST /api/v1/cases/{id}/participants/{org_id}/notify", a.notifyVendor)
	h("POST /api/v1/cases/{id}/participants/{org_id}/acknowledge", a.acknowledgeCase)
	h("PUT /api/v1/cases/{id}/participants/{org_id}/tracking", a.setTracking)
	h("POST /api/v1/cases/{id}/vulnerabilities", a.addVuln)
	h("PATCH /api/v1/cases/{id}/vulnerabilities/{vuln_id}", a.updateVuln)
	h("POST /api/v1/cases/{id}/vulnerabilities/{vuln_id}/cve", a.assignCVE)
	h("GET /api/v1/cases/{id}/vulnerabilities/{vuln_id}/cve-record", a.cveRecord)
	h("GET /api/v1/cases/{id}/handoff", a.handoff)
	h("PUT /api/v1/cases/{id}/statuses", a.setStatus)
	h("POST /api/v1/cases/{id}/threads", a.newThread)
	h("GET /api/v1/cases/{id}/threads/{thread_id}", a.thread)
	h("POST /api/v1/cases/{id}/threads/{thread_id}/posts", a.post)

	h("GET /api/v1/vdp/settings", a.settings)
	h("PUT /api/v1/vdp/settings", a.saveSettings)
	h("GET /api/v1/vdp/rules", a.rules)
	h("PUT /api/v1/vdp/rules", a.setRules)
	h("POST /api/v1/vdp/cve-pool", a.addCVEs)
	h("GET /api/v1/vdp/stats", a.stats)
}

func who(r *http.Request) *auth.Identity { return auth.FromContext(r.Context()) }
