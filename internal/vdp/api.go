package vdp

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves the disclosure program's JSON API.
type API struct{ svc *Service }

// NewAPI makes the handlers.
func NewAPI(svc *Service) *API { return &API{svc: svc} }

// Register adds the routes. The public ones need no account; protect wraps
// the others (authentication).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	pub := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, httpx.API(f)) }
	pub("POST /api/v1/public/reports", a.submitPublic)
	pub("GET /api/v1/public/reports/follow", a.follow)
	pub("POST /api/v1/public/reports/follow", a.reply)
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

func (a *API) submitPublic(w http.ResponseWriter, r *http.Request) error {
	var in ReportInput
	if err := httpx.DecodeJSON(w, r, &in, 2<<20); err != nil {
		return err
	}
	_, rc, err := a.svc.SubmitPublic(r.Context(), in, "api", httpx.ClientIP(r.Context()))
	if err != nil {
		return err
	}
	w.Header().Set("Location", rc.FollowURL)
	httpx.WriteJSON(w, http.StatusCreated, rc)
	return nil
}

func (a *API) follow(w http.ResponseWriter, r *http.Request) error {
	v, err := a.svc.Follow(r.Context(), r.URL.Query().Get("key"), httpx.ClientIP(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) reply(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Message string `json:"message"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	m, err := a.svc.ReporterReply(r.Context(), r.URL.Query().Get("key"), in.Message, httpx.ClientIP(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, m)
	return nil
}

func (a *API) centerKey(w http.ResponseWriter, r *http.Request) error {
	if a.svc.key == nil {
		return errs.NotFound("the center has no OpenPGP key")
	}
	w.Header().Set("Content-Type", "application/pgp-keys")
	_, err := w.Write([]byte(a.svc.key.Public))
	return err
}

// submission is POST /api/v1/reports: a report for an organisation.
type submission struct {
	OrgID string `json:"org_id"`
	ReportInput
}

func (a *API) submitAs(w http.ResponseWriter, r *http.Request) error {
	var in submission
	if err := httpx.DecodeJSON(w, r, &in, 2<<20); err != nil {
		return err
	}
	rep, rc, err := a.svc.SubmitAs(r.Context(), who(r), in.OrgID, "api", in.ReportInput)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/reports/"+rep.ID)
	httpx.WriteJSON(w, http.StatusCreated, rc)
	return nil
}

func (a *API) listReports(w http.ResponseWriter, r *http.Request) error {
	p, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, next, err := a.svc.List(r.Context(), who(r), ReportFilter{Status: q.Get("status"), Assigned: q.Get("assigned_org_id"),
		Query: strings.TrimSpace(q.Get("q")), Cursor: p.Cursor, Limit: p.Limit})
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) getReport(w http.ResponseWriter, r *http.Request) error {
	d, err := a.svc.Get(r.Context(), who(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	atts, err := a.svc.Attachments(r.Context(), who(r), d.ID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, struct {
		ReportDetail
		Attachments []Attachment `json:"attachments"`
	}{d, atts})
	return nil
}

func (a *API) duplicates(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.svc.Get(r.Context(), who(r), r.PathValue("id")); err != nil {
		return err
	}
	c, err := a.svc.Duplicates(r.Context(), who(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteList(w, c, "")
	return nil
}

func (a *API) triage(w http.ResponseWriter, r *http.Request) error {
	var in TriageInput
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	rep, err := a.svc.Triage(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
	return nil
}

// actionInput carries the one value each report action takes.
type actionInput struct {
	Message     string `json:"message"`
	Reason      string `json:"reason"`
	DuplicateOf string `json:"duplicate_of"`
	OrgID       string `json:"org_id"`
}

func (a *API) reportAction(action string) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in actionInput
		if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
			return err
		}
		ctx, id, rid := r.Context(), who(r), r.PathValue("id")
		var rep Report
		var err error
		switch action {
		case "acknowledge":
			rep, err = a.svc.Acknowledge(ctx, id, rid, in.Message)
		case "message":
			rep, err = a.svc.MessageReporter(ctx, id, rid, in.Message)
		case "request-info":
			rep, err = a.svc.RequestInfo(ctx, id, rid, in.Message)
		case "decline":
			rep, err = a.svc.Decline(ctx, id, rid, in.Reason)
		case "duplicate":
			rep, err = a.svc.MarkDuplicate(ctx, id, rid, in.DuplicateOf)
		case "route":
			rep, err = a.svc.Route(ctx, id, rid, in.OrgID)
		}
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, rep)
		return nil
	}
}

func (a *API) accept(w http.ResponseWriter, r *http.Request) error {
	var in AcceptInput
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	rep, c, err := a.svc.Accept(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, struct {
		Report Report `json:"report"`
		Case   *Case  `json:"case,omitempty"`
	}{rep, c})
	return nil
}

func (a *API) listCases(w http.ResponseWriter, r *http.Request) error {
	p, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, next, err := a.svc.ListCases(r.Context(), who(r), CaseFilter{Status: q.Get("status"), Owner: q.Get("owner_org_id"),
		Query: strings.TrimSpace(q.Get("q")), Cursor: p.Cursor, Limit: p.Limit})
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) getCase(w http.ResponseWriter, r *http.Request) error {
	d, err := a.svc.GetCase(r.Context(), who(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) updateCase(w http.ResponseWriter, r *http.Request) error {
	var in CaseChanges
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	c, err := a.svc.UpdateCase(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) setFact(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Fact  string `json:"fact"`
		Value bool   `json:"value"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	c, err := a.svc.SetFact(r.Context(), who(r), r.PathValue("id"), in.Fact, in.Value)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) setDate(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		PublicationAt time.Time `json:"publication_at"`
		Reason        string    `json:"reason"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	if in.PublicationAt.IsZero() {
		return fieldErr("publication_at", "is required, as an RFC 3339 time")
	}
	c, err := a.svc.SetPublicationDate(r.Context(), who(r), r.PathValue("id"), in.PublicationAt, in.Reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) addParticipant(w http.ResponseWriter, r *http.Request) error {
	var in ParticipantInput
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	c, err := a.svc.AddParticipant(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (a *API) removeParticipant(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.svc.RemoveParticipant(r.Context(), who(r), r.PathValue("id"), r.PathValue("org_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) notifyVendor(w http.ResponseWriter, r *http.Request) error {
	c, err := a.svc.NotifyVendor(r.Context(), who(r), r.PathValue("id"), r.PathValue("org_id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) acknowledgeCase(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.AcknowledgeCase(r.Context(), who(r), r.PathValue("id"), r.PathValue("org_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) setTracking(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		TrackingID string `json:"tracking_id"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	if err := a.svc.SetTrackingID(r.Context(), who(r), r.PathValue("id"), r.PathValue("org_id"), in.TrackingID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) addVuln(w http.ResponseWriter, r *http.Request) error {
	var in VulnInput
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	v, err := a.svc.AddVuln(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func (a *API) updateVuln(w http.ResponseWriter, r *http.Request) error {
	var in VulnInput
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	v, err := a.svc.UpdateVuln(r.Context(), who(r), r.PathValue("id"), r.PathValue("vuln_id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) assignCVE(w http.ResponseWriter, r *http.Request) error {
	cve, err := a.svc.AssignCVE(r.Context(), who(r), r.PathValue("id"), r.PathValue("vuln_id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"cve_id": cve})
	return nil
}

func (a *API) cveRecord(w http.ResponseWriter, r *http.Request) error {
	b, err := a.svc.CVERecord(r.Context(), who(r), r.PathValue("id"), r.PathValue("vuln_id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b)
	return err
}

func (a *API) handoff(w http.ResponseWriter, r *http.Request) error {
	h, err := a.svc.Handoff(r.Context(), who(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, h)
	return nil
}

func (a *API) setStatus(w http.ResponseWriter, r *http.Request) error {
	var in StatusInput
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	st, err := a.svc.SetStatus(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (a *API) newThread(w http.ResponseWriter, r *http.Request) error {
	var in ThreadInput
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	t, err := a.svc.NewThread(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, t)
	return nil
}

func (a *API) thread(w http.ResponseWriter, r *http.Request) error {
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			return fieldErr("before", "must be a post's seq")
		}
		before = n
	}
	pg, err := a.svc.ThreadPosts(r.Context(), who(r), r.PathValue("id"), r.PathValue("thread_id"), before, 0)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, pg)
	return nil
}

func (a *API) post(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Body string `json:"body"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	p, err := a.svc.AddPost(r.Context(), who(r), r.PathValue("id"), r.PathValue("thread_id"), in.Body)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, p)
	return nil
}

func (a *API) settings(w http.ResponseWriter, r *http.Request) error {
	if !who(r).IsStaff() {
		return errs.Forbidden("only coordination-center staff see the disclosure policy")
	}
	st, err := a.svc.Settings(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (a *API) saveSettings(w http.ResponseWriter, r *http.Request) error {
	var in Settings
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	if err := a.svc.SaveSettings(r.Context(), who(r), in); err != nil {
		return err
	}
	return a.settings(w, r)
}

func (a *API) rules(w http.ResponseWriter, r *http.Request) error {
	rs, err := a.svc.Rules(r.Context(), who(r))
	if err != nil {
		return err
	}
	httpx.WriteList(w, rs, "")
	return nil
}

func (a *API) setRules(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Rules []Rule `json:"rules"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	rs, err := a.svc.SetRules(r.Context(), who(r), in.Rules)
	if err != nil {
		return err
	}
	httpx.WriteList(w, rs, "")
	return nil
}

func (a *API) addCVEs(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		CVEIDs []string `json:"cve_ids"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	n, err := a.svc.AddCVEs(r.Context(), who(r), in.CVEIDs)
	if err != nil {
		return err
	}
	free, assigned, err := a.svc.CVEPool(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]int{"added": n, "free": free, "assigned": assigned})
	return nil
}

func (a *API) stats(w http.ResponseWriter, r *http.Request) error {
	st, err := a.svc.Stats(r.Context(), who(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}
