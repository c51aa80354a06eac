package pages

import (
	"embed"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/ssvc"
	"github.com/certhub/certhub/internal/vdp"
	vdpapi "github.com/certhub/certhub/internal/vdp/api"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the disclosure program's pages.
func Templates() web.Templates {
	return web.TemplatesIn("vdp", templateFS)
}

func init() {
	web.RegisterFuncs(map[string]any{
		// ssvcValue is the value chosen for a decision point, "" when none.
		"ssvcValue": func(d *ssvc.Decision, point string) string {
			if d == nil {
				return ""
			}
			return d.Inputs[point]
		},
		"factAt": func(f model.Facts, name string) *time.Time { return f.At(name) },
		"factName": func(name string) string {
			s := strings.ReplaceAll(name, "_", " ")
			return strings.ToUpper(s[:1]) + s[1:]
		},
		// hours shows a duration in hours, or days beyond two days.
		"hours": func(h *float64) string {
			switch {
			case h == nil:
				return "—"
			case *h >= 48:
				return fmt.Sprintf("%.1f d", *h/24)
			}
			return fmt.Sprintf("%.1f h", *h)
		},
		"deref_bool": func(b *bool) bool { return b != nil && *b },
	})
	web.RegisterLabels(map[string]string{
		"received": "Received", "need_info": "Waiting for the reporter", "accepted": "Accepted", "tracked": "Tracked",
		"declined": "Declined", "duplicate": "Duplicate", "open": "Open", "coordinating": "Coordinating",
		"remediation": "Remediation", "disclosed": "Disclosed", "closed": "Closed",
		"known_affected": "Affected", "known_not_affected": "Not affected", "fixed": "Fixed",
		"under_investigation": "Under investigation", "unknown": "Unknown — no answer",
		"cert": "CERT", "constituent": "Constituent", "coordinator": "Coordinator",
		"internal": "Center only", "participants": "All participants", "vendor_thread": "One vendor",
		"field.cvss3": "CVSS 3.1", "field.cvss4": "CVSS 4.0", "field.ssvc_triage": "SSVC triage", "field.cwe": "CWE",
		"field.reporter": "Reporter", "field.encrypted_body": "Encrypted details", "field.vendor_contact": "Vendor contact",
	})
}

// Pages serves the disclosure program in the console and on the public site.
type Pages struct {
	svc *vdp.Service
	rd  *web.Renderer
}

// New makes the handlers.
func New(svc *vdp.Service, rd *web.Renderer) *Pages { return &Pages{svc: svc, rd: rd} }

// Register adds the routes.
func (p *Pages) Register(rt *httpx.Router) {
	open := func(pattern string, f web.HandlerFunc) { rt.Handle(pattern, p.rd.Handler(f)) }
	open("GET /report", p.reportForm)
	open("POST /report", p.submitReport)
	// The follow URL handed to reporters serves the page to browsers and
	// the same data as JSON to API clients (API.md: GET status and
	// messages, POST a message).
	api := vdpapi.New(p.svc)
	rt.Handle("GET /report/follow", httpx.Negotiate(httpx.API(api.Follow), p.rd.Handler(p.follow)))
	rt.Handle("POST /report/follow", httpx.Negotiate(httpx.API(api.Reply), p.rd.Handler(p.followReply)))
	open("POST /report/follow/attachments", p.followAttach)
	open("GET /report/pgp-key.asc", p.centerKey)

	h := p.rd.SignedIn(rt)
	h("GET /console/reports", p.queue)
	h("GET /console/reports/new", p.newReport)
	h("POST /console/reports", p.submitAs)
	h("GET /console/reports/{id}", p.report)
	h("POST /console/reports/{id}/triage", p.triage)
	h("POST /console/reports/{id}/action", p.reportAction)
	h("POST /console/reports/{id}/accept", p.accept)
	h("POST /console/reports/{id}/attachments", p.attach)
	h("GET /console/reports/{id}/attachments/{attachment_id}", p.download)
	h("GET /console/cases", p.cases)
	h("GET /console/cases/{id}", p.caseView)
	h("POST /console/cases/{id}", p.caseAction)
	h("GET /console/cases/{id}/threads/{thread_id}", p.thread)
	h("POST /console/cases/{id}/threads/{thread_id}", p.post)
	h("GET /console/cases/{id}/vulnerabilities/{vuln_id}/cve-record.json", p.cveRecord)
	h("GET /console/vdp", p.dashboard)
	h("GET /console/vdp/settings", p.settings)
	h("POST /console/vdp/settings", p.saveSettings)
}

func ptr[T any](v T) *T { return &v }

// lines are the non-empty lines of a text area, trimmed.
func lines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// deref is the string p points to, or "".
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
