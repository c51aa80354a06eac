package vdp

import (
	"embed"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/ssvc"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the disclosure program's pages.
func Templates() web.Templates {
	sub, _ := fs.Sub(templateFS, "templates")
	return web.Templates{Prefix: "vdp", FS: sub}
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
		"factAt": func(f Facts, name string) *time.Time {
			if p := f.field(name); p != nil {
				return *p
			}
			return nil
		},
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
	svc *Service
	rd  *web.Renderer
}

// NewPages makes the handlers.
func NewPages(svc *Service, rd *web.Renderer) *Pages { return &Pages{svc: svc, rd: rd} }

// Register adds the routes.
func (p *Pages) Register(rt *httpx.Router) {
	open := func(pattern string, f web.HandlerFunc) { rt.Handle(pattern, p.rd.Handler(f)) }
	open("GET /report", p.reportForm)
	open("POST /report", p.submitReport)
	// The follow URL handed to reporters serves the page to browsers and
	// the same data as JSON to API clients (API.md: GET status and
	// messages, POST a message).
	api := NewAPI(p.svc)
	rt.Handle("GET /report/follow", httpx.Negotiate(httpx.API(api.follow), p.rd.Handler(p.follow)))
	rt.Handle("POST /report/follow", httpx.Negotiate(httpx.API(api.reply), p.rd.Handler(p.followReply)))
	open("POST /report/follow/attachments", p.followAttach)
	open("GET /report/pgp-key.asc", p.centerKey)

	h := func(pattern string, f web.HandlerFunc) { rt.Handle(pattern, p.rd.RequireUser(p.rd.Handler(f))) }
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

// ----- public pages -----

type reportFormData struct {
	CWEs        []CWE
	Fingerprint string
	Address     string // where reports may be e-mailed, when the center takes them by mail
}

func (p *Pages) reportFormData() reportFormData {
	d := reportFormData{CWEs: CommonCWEs, Address: p.svc.reportAddr}
	if p.svc.key != nil {
		d.Fingerprint = p.svc.key.Fingerprint
	}
	return d
}

func (p *Pages) reportForm(w http.ResponseWriter, r *http.Request) error {
	p.rd.Render(w, r, http.StatusOK, "vdp/report_form", web.Page{Title: "Report a vulnerability", Data: p.reportFormData(),
		Form: url.Values{}})
	return nil
}

// maxForm bounds the public form, attachments included.
const maxForm = 3*MaxAttachment + (2 << 20)

// parseReportForm reads the public or console form (url-encoded or
// multipart with files in "files").
func parseReportForm(w http.ResponseWriter, r *http.Request) (ReportInput, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if ct == "multipart/form-data" {
		err = r.ParseMultipartForm(2 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		if strings.Contains(err.Error(), "too large") {
			return ReportInput{}, &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "the report with its files is larger than 32 MB"}
		}
		return ReportInput{}, &httpx.StatusError{Status: http.StatusBadRequest, Detail: "the form could not be read"}
	}
	if err := web.CheckUTF8(r.PostForm); err != nil {
		return ReportInput{}, err
	}
	f := r.PostForm
	in := ReportInput{Title: f.Get("title"), Description: f.Get("description"), Vendor: f.Get("vendor"), Product: f.Get("product"),
		Versions: f.Get("versions"), CWE: f.Get("cwe"), Impact: f.Get("impact"), Reproduction: f.Get("reproduction"),
		Public: f.Get("public") != "", Exploited: f.Get("exploited") != "", VendorContacted: f.Get("vendor_contacted") != "",
		VendorContact: f.Get("vendor_contact"), DisclosurePlans: f.Get("disclosure_plans"), Credit: f.Get("credit"),
		EncryptedBody: f.Get("encrypted_body"), References: lines(f.Get("references"))}
	if f.Get("reporter.name") != "" || f.Get("reporter.email") != "" || f.Get("reporter.pgp_key") != "" {
		in.Reporter = &Reporter{Name: f.Get("reporter.name"), Email: f.Get("reporter.email"), PGPKey: f.Get("reporter.pgp_key")}
	}
	return in, nil
}

// attachForm stores the files sent with a form, one by one.
func (p *Pages) attachForm(r *http.Request, store func(name string, body interface{ Read([]byte) (int, error) }) error) error {
	if r.MultipartForm == nil {
		return nil
	}
	files := r.MultipartForm.File["files"]
	if len(files) > 3 {
		return fieldErr("files", "send at most three files with the form; add more afterwards")
	}
	for _, fh := range files {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		err = store(fh.Filename, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *Pages) submitReport(w http.ResponseWriter, r *http.Request) error {
	in, err := parseReportForm(w, r)
	if err != nil {
		return err
	}
	_, rc, err := p.svc.SubmitPublic(r.Context(), in, "web", httpx.ClientIP(r.Context()))
	if err != nil {
		return p.formError(w, r, "vdp/report_form", "Report a vulnerability", p.reportFormData(), err)
	}
	key := rc.key
	var attachErr error
	if r.MultipartForm != nil {
		attachErr = p.attachForm(r, func(name string, body interface{ Read([]byte) (int, error) }) error {
			_, err := p.svc.AttachByKey(r.Context(), key, name, body, httpx.ClientIP(r.Context()))
			return err
		})
	}
	target := "/report/follow?key=" + url.QueryEscape(key) + "&new=1"
	if attachErr != nil {
		target += "&attach_error=1"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// formError shows a form again with what was typed and the problems.
func (p *Pages) formError(w http.ResponseWriter, r *http.Request, page, title string, data any, err error) error {
	e := errs.As(err)
	if e == nil || (e.Kind != errs.KindInvalid && e.Kind != errs.KindRateLimited && e.Kind != errs.KindConflict) {
		return err
	}
	pg := web.Page{Title: title, Data: data, Form: r.PostForm, Errors: e.Fields}
	if len(e.Fields) == 0 {
		pg.Problem = e.Message
	}
	if e.Kind == errs.KindRateLimited {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	status, _, _ := httpx.Status(err)
	p.rd.Render(w, r, status, page, pg)
	return nil
}

type followData struct {
	View        FollowView
	Key         string
	New         bool
	AttachError bool
	Attachments []Attachment
}

func (p *Pages) renderFollow(w http.ResponseWriter, r *http.Request, key string, status int, pg web.Page) error {
	v, err := p.svc.Follow(r.Context(), key, httpx.ClientIP(r.Context()))
	if err != nil {
		return err
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") && r.Method == http.MethodGet {
		httpx.WriteJSON(w, http.StatusOK, v)
		return nil
	}
	q := r.URL.Query()
	pg.Title = "Report " + v.TrackingID
	pg.Data = followData{View: v, Key: key, New: q.Get("new") == "1", AttachError: q.Get("attach_error") == "1"}
	// Keep the secret out of the Referer of any link on the page.
	w.Header().Set("Referrer-Policy", "no-referrer")
	p.rd.Render(w, r, status, "vdp/follow", pg)
	return nil
}

func (p *Pages) follow(w http.ResponseWriter, r *http.Request) error {
	return p.renderFollow(w, r, r.URL.Query().Get("key"), http.StatusOK, web.Page{})
}

func (p *Pages) followReply(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	key := r.PostForm.Get("key")
	if _, err := p.svc.ReporterReply(r.Context(), key, r.PostForm.Get("message"), httpx.ClientIP(r.Context())); err != nil {
		if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
			return p.renderFollow(w, r, key, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: e.Fields})
		}
		return err
	}
	http.Redirect(w, r, "/report/follow?key="+url.QueryEscape(key)+"#messages", http.StatusSeeOther)
	return nil
}

func (p *Pages) followAttach(w http.ResponseWriter, r *http.Request) error {
	key := r.URL.Query().Get("key")
	name, body, err := upload(w, r)
	if err == nil {
		defer body.Close()
		_, err = p.svc.AttachByKey(r.Context(), key, name, body, httpx.ClientIP(r.Context()))
	}
	if err != nil {
		if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
			return p.renderFollow(w, r, key, http.StatusUnprocessableEntity, web.Page{Errors: e.Fields})
		}
		return err
	}
	p.rd.Flash(r, "Thank you: the file was added to your report.")
	http.Redirect(w, r, "/report/follow?key="+url.QueryEscape(key), http.StatusSeeOther)
	return nil
}

func (p *Pages) centerKey(w http.ResponseWriter, r *http.Request) error {
	if p.svc.key == nil {
		return errs.NotFound("the center has no OpenPGP key")
	}
	w.Header().Set("Content-Type", "application/pgp-keys")
	w.Header().Set("Content-Disposition", `attachment; filename="cert-cc.asc"`)
	_, err := w.Write([]byte(p.svc.key.Public))
	return err
}

// ----- reports in the console -----

type queueData struct {
	Reports  []Report
	Next     string
	Clocks   map[string]SLA
	OrgNames map[string]string
	Status   string
	CanNew   bool
}

func (p *Pages) orgNames(r *http.Request, ids []string) map[string]string {
	out := map[string]string{}
	for _, id := range ids {
		if id == "" || out[id] != "" {
			continue
		}
		if o, err := p.svc.orgs.Get(r.Context(), system, id); err == nil {
			out[id] = o.Name
		}
	}
	return out
}

func (p *Pages) queue(w http.ResponseWriter, r *http.Request) error {
	id := auth.FromContext(r.Context())
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	status := q.Get("status")
	if !q.Has("status") {
		status = "open"
	}
	list, next, err := p.svc.List(r.Context(), id, ReportFilter{Status: status, Query: strings.TrimSpace(q.Get("q")), Cursor: pg.Cursor, Limit: pg.Limit})
	if err != nil {
		return err
	}
	st, err := p.svc.Settings(r.Context())
	if err != nil {
		return err
	}
	d := queueData{Reports: list, Next: next, Clocks: map[string]SLA{}, Status: status, CanNew: len(id.Memberships) > 0}
	var orgs []string
	for _, rep := range list {
		d.Clocks[rep.ID] = st.Clock(rep, p.svc.now())
		orgs = append(orgs, deref(rep.AssignedOrgID))
	}
	d.OrgNames = p.orgNames(r, orgs)
	p.rd.Render(w, r, http.StatusOK, "vdp/queue", web.Page{Title: "Reports", Section: "reports", Data: d})
	return nil
}

type newReportData struct {
	Orgs []auth.Membership
	reportFormData
	Names map[string]string
}

func (p *Pages) newReportData(r *http.Request) newReportData {
	id := auth.FromContext(r.Context())
	d := newReportData{reportFormData: p.reportFormData()}
	var ids []string
	for _, m := range id.Memberships {
		if m.Role.AtLeast(auth.RoleMember) {
			d.Orgs = append(d.Orgs, m)
			ids = append(ids, m.OrgID)
		}
	}
	d.Names = p.orgNames(r, ids)
	return d
}

func (p *Pages) newReport(w http.ResponseWriter, r *http.Request) error {
	p.rd.Render(w, r, http.StatusOK, "vdp/report_new", web.Page{Title: "Report a vulnerability", Section: "reports", Data: p.newReportData(r)})
	return nil
}

func (p *Pages) submitAs(w http.ResponseWriter, r *http.Request) error {
	in, err := parseReportForm(w, r)
	if err != nil {
		return err
	}
	id := auth.FromContext(r.Context())
	rep, _, err := p.svc.SubmitAs(r.Context(), id, r.PostForm.Get("org_id"), "console", in)
	if err != nil {
		return p.formError(w, r, "vdp/report_new", "Report a vulnerability", p.newReportData(r), err)
	}
	if err := p.attachForm(r, func(name string, body interface{ Read([]byte) (int, error) }) error {
		_, err := p.svc.Attach(r.Context(), id, rep.ID, name, body)
		return err
	}); err != nil {
		p.rd.Flash(r, "The report was sent, but a file was refused: "+err.Error())
	} else {
		p.rd.Flash(r, "Sent as "+rep.TrackingID+".")
	}
	http.Redirect(w, r, "/console/reports/"+rep.ID, http.StatusSeeOther)
	return nil
}

type reportData struct {
	ReportDetail
	Attachments []Attachment
	Clock       SLA
	Duplicates  []Candidate
	CERTs       []directory.Summary
	Vendors     []directory.Summary
	Cases       []Case
	Triage      *ssvc.Table
	Publish     *ssvc.Table
	Sectors     []string
	CWEs        []CWE
	OrgNames    map[string]string
	CaseNumber  string
}

func (p *Pages) reportPage(w http.ResponseWriter, r *http.Request, status int, pg web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	det, err := p.svc.Get(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := reportData{ReportDetail: det, Triage: ssvc.Triage(), Publish: ssvc.Publish(), Sectors: directory.Sectors, CWEs: CommonCWEs}
	if d.Attachments, err = p.svc.listAttachments(ctx, p.svc.db, det.ID); err != nil {
		return err
	}
	st, err := p.svc.Settings(ctx)
	if err != nil {
		return err
	}
	d.Clock = st.Clock(det.Report, p.svc.now())
	if det.CaseID != nil {
		if c, err := getCase(ctx, p.svc.db, *det.CaseID); err == nil {
			d.CaseNumber = c.Number
		}
	}
	if det.CanTriage {
		if d.Duplicates, err = p.svc.Duplicates(ctx, id, det.ID); err != nil {
			return err
		}
		all, err := p.svc.orgs.All(ctx, id, directory.Filter{})
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.Kind.IsCERT() {
				d.CERTs = append(d.CERTs, o)
			}
			if o.Kind == directory.KindVendor {
				d.Vendors = append(d.Vendors, o)
			}
		}
		if d.Cases, _, err = p.svc.ListCases(ctx, id, CaseFilter{Status: "active", Limit: 100}); err != nil {
			return err
		}
	}
	d.OrgNames = p.orgNames(r, []string{deref(det.AssignedOrgID), deref(det.SubmitterOrgID), deref(det.VendorOrgID)})
	pg.Title, pg.Section, pg.Data = det.TrackingID+": "+det.Title, "reports", d
	p.rd.Render(w, r, status, "vdp/report", pg)
	return nil
}

func (p *Pages) report(w http.ResponseWriter, r *http.Request) error {
	return p.reportPage(w, r, http.StatusOK, web.Page{})
}

// pageError shows the report page again with the problem, or fails.
func (p *Pages) pageError(w http.ResponseWriter, r *http.Request, err error) error {
	e := errs.As(err)
	if e == nil || (e.Kind != errs.KindInvalid && e.Kind != errs.KindConflict) {
		return err
	}
	pg := web.Page{Form: r.PostForm, Errors: e.Fields}
	if len(e.Fields) == 0 {
		pg.Problem = e.Message
	}
	status, _, _ := httpx.Status(err)
	return p.reportPage(w, r, status, pg)
}

func (p *Pages) triage(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := TriageInput{Validity: ptrOf(f.Get("validity")), CWE: ptrOf(f.Get("cwe")), CVSS3: ptrOf(f.Get("cvss3")),
		CVSS4: ptrOf(f.Get("cvss4")), VendorOrgID: ptrOf(f.Get("vendor_org_id"))}
	sectors := f["sectors"]
	if sectors == nil {
		sectors = []string{}
	}
	in.Sectors = &sectors
	cii := f.Get("cii") != ""
	in.CII = &cii
	in.SSVCTriage = ssvcForm(f, "ssvc_triage.", ssvc.Triage())
	in.SSVCPublish = ssvcForm(f, "ssvc_publish.", ssvc.Publish())
	if _, err := p.svc.Triage(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in); err != nil {
		return p.pageError(w, r, err)
	}
	p.rd.Flash(r, "Saved the triage.")
	http.Redirect(w, r, "/console/reports/"+r.PathValue("id"), http.StatusSeeOther)
	return nil
}

// ssvcForm reads an SSVC table's points from a form; all empty means "not decided".
func ssvcForm(f url.Values, prefix string, t *ssvc.Table) map[string]string {
	out := map[string]string{}
	for _, pt := range t.Points {
		if v := f.Get(prefix + pt.Key); v != "" {
			out[pt.Key] = v
		}
	}
	return out
}

func ptrOf(s string) *string { return &s }

func (p *Pages) reportAction(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, rid, f := r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PostForm
	var err error
	var msg string
	switch f.Get("action") {
	case "acknowledge":
		_, err = p.svc.Acknowledge(ctx, id, rid, f.Get("message"))
		msg = "Acknowledged to the reporter."
	case "message":
		_, err = p.svc.MessageReporter(ctx, id, rid, f.Get("message"))
		msg = "Sent to the reporter."
	case "request-info":
		_, err = p.svc.RequestInfo(ctx, id, rid, f.Get("message"))
		msg = "Asked the reporter; the triage clock is paused until they answer."
	case "decline":
		_, err = p.svc.Decline(ctx, id, rid, f.Get("reason"))
		msg = "Declined; the reporter was told why."
	case "duplicate":
		_, err = p.svc.MarkDuplicate(ctx, id, rid, f.Get("duplicate_of"))
		msg = "Marked as a duplicate."
	case "route":
		_, err = p.svc.Route(ctx, id, rid, f.Get("org_id"))
		msg = "Routed; the CERT was told."
	default:
		return errs.Invalid("unknown action")
	}
	if err != nil {
		return p.pageError(w, r, err)
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/reports/"+rid, http.StatusSeeOther)
	return nil
}

func (p *Pages) accept(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := AcceptInput{Title: f.Get("title"), Track: f.Get("mode") == "track"}
	if f.Get("mode") == "existing" {
		in.CaseID = f.Get("case_id")
		if in.CaseID == "" {
			return p.pageError(w, r, fieldErr("case_id", "choose the case"))
		}
	}
	_, c, err := p.svc.Accept(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return p.pageError(w, r, err)
	}
	if c != nil {
		p.rd.Flash(r, "Opened case "+c.Number+".")
		http.Redirect(w, r, "/console/cases/"+c.ID, http.StatusSeeOther)
		return nil
	}
	p.rd.Flash(r, "Accepted.")
	http.Redirect(w, r, "/console/reports/"+r.PathValue("id"), http.StatusSeeOther)
	return nil
}

func (p *Pages) attach(w http.ResponseWriter, r *http.Request) error {
	name, body, err := upload(w, r)
	if err == nil {
		defer body.Close()
		_, err = p.svc.Attach(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), name, body)
	}
	if err != nil {
		return p.pageError(w, r, err)
	}
	p.rd.Flash(r, "Added the file.")
	http.Redirect(w, r, "/console/reports/"+r.PathValue("id")+"#files", http.StatusSeeOther)
	return nil
}

func (p *Pages) download(w http.ResponseWriter, r *http.Request) error {
	att, f, err := p.svc.OpenAttachment(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("attachment_id"))
	if err != nil {
		return err
	}
	return ServeAttachment(w, att, f)
}

// ----- cases -----

type casesData struct {
	Cases    []Case
	Next     string
	Status   string
	OrgNames map[string]string
}

func (p *Pages) cases(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	status := q.Get("status")
	if !q.Has("status") {
		status = "active"
	}
	list, next, err := p.svc.ListCases(r.Context(), auth.FromContext(r.Context()), CaseFilter{Status: status,
		Query: strings.TrimSpace(q.Get("q")), Cursor: pg.Cursor, Limit: pg.Limit})
	if err != nil {
		return err
	}
	var owners []string
	for _, c := range list {
		owners = append(owners, c.OwnerOrgID)
	}
	p.rd.Render(w, r, http.StatusOK, "vdp/cases", web.Page{Title: "Cases", Section: "cases",
		Data: casesData{Cases: list, Next: next, Status: status, OrgNames: p.orgNames(r, owners)}})
	return nil
}

type caseData struct {
	CaseDetail
	VulnByID      map[string]Vuln
	Vendors       []directory.Summary
	Orgs          []directory.Summary // to add as participants: the search's matches, or the whole directory
	Find          string
	StatusChoices []string
	Facts         []string
	Owner         string
	MyVendors     []Participant
	MyOrgs        []Participant
	Roles         []ParticipantRole
	CVEFree       int
	Embargoes     []string
	CaseStates    []CaseStatus
	Now           time.Time
}

func (p *Pages) casePage(w http.ResponseWriter, r *http.Request, status int, pg web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	det, err := p.svc.GetCase(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := caseData{CaseDetail: det, VulnByID: map[string]Vuln{}, StatusChoices: ProductStatuses, Facts: FactNames, Roles: ParticipantRoles,
		Embargoes: EmbargoStates, CaseStates: CaseStatuses, Now: p.svc.now()}
	for _, v := range det.Vulns {
		d.VulnByID[v.ID] = v
	}
	if o, err := p.svc.orgs.Get(ctx, system, det.Case.OwnerOrgID); err == nil {
		d.Owner = o.Name
	}
	for _, pt := range det.Participants {
		if slices.Contains(det.Viewer.Vendors, pt.OrgID) {
			d.MyVendors = append(d.MyVendors, pt)
		}
		if slices.Contains(det.Viewer.Orgs, pt.OrgID) {
			d.MyOrgs = append(d.MyOrgs, pt)
		}
	}
	if det.Viewer.Run {
		all, err := p.svc.orgs.All(ctx, id, directory.Filter{})
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.Kind == directory.KindVendor {
				d.Vendors = append(d.Vendors, o)
			}
		}
		d.Orgs = all
		if d.Find = strings.TrimSpace(r.URL.Query().Get("find")); d.Find != "" {
			if d.Orgs, err = p.svc.FindOrgs(ctx, id, d.Find, ""); err != nil {
				return err
			}
		}
		d.Orgs = slices.DeleteFunc(d.Orgs, func(o directory.Summary) bool {
			return slices.ContainsFunc(det.Participants, func(pt Participant) bool { return pt.OrgID == o.ID })
		})
		if d.CVEFree, _, err = p.svc.CVEPool(ctx); err != nil {
			return err
		}
	}
	pg.Title, pg.Section, pg.Data = det.Case.Number+": "+det.Case.Title, "cases", d
	p.rd.Render(w, r, status, "vdp/case", pg)
	return nil
}

func (p *Pages) caseView(w http.ResponseWriter, r *http.Request) error {
	return p.casePage(w, r, http.StatusOK, web.Page{})
}

// caseAction handles every form on the case page, by its action field.
func (p *Pages) caseAction(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, cid, f := r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PostForm
	var err error
	msg, anchor := "Saved.", ""
	switch f.Get("action") {
	case "update":
		refs := lines(f.Get("references"))
		_, err = p.svc.UpdateCase(ctx, id, cid, CaseChanges{Title: ptrOf(f.Get("title")), Summary: ptrOf(f.Get("summary")),
			Status: ptrOf(f.Get("status")), TLP: ptrOf(f.Get("tlp")), Embargo: ptrOf(f.Get("embargo")), References: &refs})
	case "fact":
		_, err = p.svc.SetFact(ctx, id, cid, f.Get("fact"), f.Get("value") == "yes")
		anchor = "facts"
	case "date":
		var at time.Time
		at, err = time.Parse("2006-01-02T15:04", f.Get("publication_at"))
		if err != nil {
			err = fieldErr("publication_at", "give a date and time (UTC)")
		} else {
			_, err = p.svc.SetPublicationDate(ctx, id, cid, at, f.Get("reason"))
		}
		anchor = "dates"
	case "add-participant":
		_, err = p.svc.AddParticipant(ctx, id, cid, ParticipantInput{OrgID: f.Get("org_id"), Role: ParticipantRole(f.Get("role"))})
		anchor = "participants"
	case "remove-participant":
		_, err = p.svc.RemoveParticipant(ctx, id, cid, f.Get("org_id"))
		anchor = "participants"
	case "notify":
		_, err = p.svc.NotifyVendor(ctx, id, cid, f.Get("org_id"))
		msg, anchor = "Notified the vendor.", "participants"
	case "acknowledge":
		err = p.svc.AcknowledgeCase(ctx, id, cid, f.Get("org_id"))
		msg, anchor = "Acknowledged. Thank you.", "participants"
	case "tracking":
		err = p.svc.SetTrackingID(ctx, id, cid, f.Get("org_id"), f.Get("tracking_id"))
		anchor = "participants"
	case "add-vuln":
		_, err = p.svc.AddVuln(ctx, id, cid, VulnInput{Title: ptrOf(f.Get("title")), Description: ptrOf(f.Get("description")),
			CWE: ptrOf(f.Get("cwe")), CVSS3: ptrOf(f.Get("cvss3")), CVSS4: ptrOf(f.Get("cvss4"))})
		anchor = "vulnerabilities"
	case "update-vuln":
		_, err = p.svc.UpdateVuln(ctx, id, cid, f.Get("vuln_id"), VulnInput{Title: ptrOf(f.Get("title")), Description: ptrOf(f.Get("description")),
			CWE: ptrOf(f.Get("cwe")), CVSS3: ptrOf(f.Get("cvss3")), CVSS4: ptrOf(f.Get("cvss4"))})
		anchor = "vulnerabilities"
	case "assign-cve":
		var cve string
		cve, err = p.svc.AssignCVE(ctx, id, cid, f.Get("vuln_id"))
		msg, anchor = "Assigned "+cve+".", "vulnerabilities"
	case "status":
		_, err = p.svc.SetStatus(ctx, id, cid, StatusInput{VulnID: f.Get("vuln_id"), VendorOrgID: f.Get("vendor_org_id"),
			Product: f.Get("product"), Status: f.Get("status"), Statement: f.Get("statement"), FixedVersions: f.Get("fixed_versions"),
			Mitigation: f.Get("mitigation"), Workaround: f.Get("workaround")})
		msg, anchor = "Recorded the statement.", "status"
	case "thread":
		var t Thread
		t, err = p.svc.NewThread(ctx, id, cid, ThreadInput{Title: f.Get("title"), Visibility: f.Get("visibility"), VendorOrgID: f.Get("vendor_org_id")})
		if err == nil {
			http.Redirect(w, r, "/console/cases/"+cid+"/threads/"+t.ID, http.StatusSeeOther)
			return nil
		}
	case "message-reporter":
		_, err = p.svc.MessageReporter(ctx, id, f.Get("report_id"), f.Get("message"))
		msg, anchor = "Sent to the reporter.", "reporter"
	default:
		return errs.Invalid("unknown action")
	}
	if err != nil {
		e := errs.As(err)
		if e == nil || (e.Kind != errs.KindInvalid && e.Kind != errs.KindConflict) {
			return err
		}
		pg := web.Page{Form: f, Errors: e.Fields, Problem: e.Message}
		if len(e.Fields) > 0 {
			pg.Problem = ""
		}
		status, _, _ := httpx.Status(err)
		return p.casePage(w, r, status, pg)
	}
	p.rd.Flash(r, msg)
	target := "/console/cases/" + cid
	if anchor != "" {
		target += "#" + anchor
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

type threadData struct {
	ThreadPage
	Case    Case
	Older   string
	CanPost bool
}

func (p *Pages) threadPage(w http.ResponseWriter, r *http.Request, status int, pg web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		before, _ = strconv.ParseInt(b, 10, 64)
	}
	page, err := p.svc.ThreadPosts(ctx, id, r.PathValue("id"), r.PathValue("thread_id"), before, 0)
	if err != nil {
		return err
	}
	c, err := getCase(ctx, p.svc.db, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := threadData{ThreadPage: page, Case: c, CanPost: true}
	if page.Older > 0 {
		d.Older = fmt.Sprint(page.Older)
	}
	pg.Title, pg.Section, pg.Data = page.Thread.Title+" · "+c.Number, "cases", d
	p.rd.Render(w, r, status, "vdp/thread", pg)
	return nil
}

func (p *Pages) thread(w http.ResponseWriter, r *http.Request) error {
	return p.threadPage(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) post(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	post, err := p.svc.AddPost(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("thread_id"), r.PostForm.Get("body"))
	if err != nil {
		if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
			return p.threadPage(w, r, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: e.Fields})
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/console/cases/%s/threads/%s#post-%s", r.PathValue("id"), r.PathValue("thread_id"), post.ID), http.StatusSeeOther)
	return nil
}

func (p *Pages) cveRecord(w http.ResponseWriter, r *http.Request) error {
	b, err := p.svc.CVERecord(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("vuln_id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="cve-record.json"`)
	_, err = w.Write(b)
	return err
}

// ----- dashboard and settings -----

func (p *Pages) dashboard(w http.ResponseWriter, r *http.Request) error {
	st, err := p.svc.Stats(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "vdp/dashboard", web.Page{Title: "Disclosure program", Section: "vdp", Data: st})
	return nil
}

type settingsData struct {
	Settings Settings
	Rules    []Rule
	CERTs    []directory.Summary
	Sectors  []string
	CVEFree  int
	CVEUsed  int
	Admin    bool
}

func (p *Pages) settingsPage(w http.ResponseWriter, r *http.Request, status int, pg web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	rules, err := p.svc.Rules(ctx, id)
	if err != nil {
		return err
	}
	st, err := p.svc.Settings(ctx)
	if err != nil {
		return err
	}
	d := settingsData{Settings: st, Rules: rules, Sectors: directory.Sectors, Admin: id.IsPlatformAdmin()}
	all, err := p.svc.orgs.All(ctx, id, directory.Filter{})
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.Kind.IsCERT() {
			d.CERTs = append(d.CERTs, o)
		}
	}
	if d.CVEFree, d.CVEUsed, err = p.svc.CVEPool(ctx); err != nil {
		return err
	}
	pg.Title, pg.Section, pg.Data = "Disclosure settings", "vdp", d
	p.rd.Render(w, r, status, "vdp/settings", pg)
	return nil
}

func (p *Pages) settings(w http.ResponseWriter, r *http.Request) error {
	return p.settingsPage(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) saveSettings(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, f := r.Context(), auth.FromContext(r.Context()), r.PostForm
	var err error
	msg := "Saved."
	switch f.Get("action") {
	case "policy":
		num := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(f.Get(k))); return n }
		err = p.svc.SaveSettings(ctx, id, Settings{AckHours: num("ack_hours"), TriageHours: num("triage_hours"),
			PublicationDays: num("publication_days"), ReminderDays: num("reminder_days"), EscalateAfter: num("escalate_after"),
			DeadlineDays: num("deadline_days"), CNAOrgID: f.Get("cna_org_id"), CNAShortName: f.Get("cna_short_name")})
	case "rules":
		var rules []Rule
		for i := range 100 {
			k := fmt.Sprintf("rules[%d].", i)
			if !f.Has(k + "org_id") {
				break
			}
			if f.Get(k+"org_id") == "" || f.Get(k+"delete") != "" {
				continue
			}
			rule := Rule{Vendor: f.Get(k + "vendor"), Product: f.Get(k + "product"), Sector: f.Get(k + "sector"), OrgID: f.Get(k + "org_id")}
			switch f.Get(k + "cii") {
			case "yes":
				rule.CII = ptr(true)
			case "no":
				rule.CII = ptr(false)
			}
			rules = append(rules, rule)
		}
		_, err = p.svc.SetRules(ctx, id, rules)
		msg = "Saved the routing rules."
	case "cve":
		var n int
		n, err = p.svc.AddCVEs(ctx, id, strings.Fields(strings.ReplaceAll(f.Get("cve_ids"), ",", " ")))
		msg = fmt.Sprintf("Added %d CVE IDs to the pool.", n)
	default:
		return errs.Invalid("unknown action")
	}
	if err != nil {
		e := errs.As(err)
		if e == nil || e.Kind != errs.KindInvalid {
			return err
		}
		status, _, _ := httpx.Status(err)
		return p.settingsPage(w, r, status, web.Page{Form: f, Errors: e.Fields})
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/vdp/settings", http.StatusSeeOther)
	return nil
}

func ptr[T any](v T) *T { return &v }
