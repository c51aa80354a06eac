package pages

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/ssvc"
	"github.com/certhub/certhub/internal/vdp/config"
	"github.com/certhub/certhub/internal/vdp/cwe"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/reports"
	"github.com/certhub/certhub/internal/web"
)

type queueData struct {
	Reports  []model.Report
	Next     string
	Clocks   map[string]config.SLA
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
		if name, err := p.svc.OrgName(r.Context(), id); err == nil {
			out[id] = name
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
	list, next, err := p.svc.Reports().List(r.Context(), id, model.ReportFilter{Status: status, Query: strings.TrimSpace(q.Get("q")), Cursor: pg.Cursor, Limit: pg.Limit})
	if err != nil {
		return err
	}
	st, err := p.svc.Settings(r.Context())
	if err != nil {
		return err
	}
	d := queueData{Reports: list, Next: next, Clocks: map[string]config.SLA{}, Status: status, CanNew: len(id.Memberships) > 0}
	var orgs []string
	for _, rep := range list {
		d.Clocks[rep.ID] = st.Clock(rep, p.svc.Now())
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
	rep, _, err := p.svc.Reports().SubmitAs(r.Context(), id, r.PostForm.Get("org_id"), "console", in)
	if err != nil {
		return p.formError(w, r, "vdp/report_new", "Report a vulnerability", p.newReportData(r), err)
	}
	if err := p.attachForm(r, func(name string, body interface{ Read([]byte) (int, error) }) error {
		_, err := p.svc.Reports().Attach(r.Context(), id, rep.ID, name, body)
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
	reports.ReportDetail
	Attachments []model.Attachment
	Clock       config.SLA
	Duplicates  []reports.Candidate
	CERTs       []directory.Summary
	Vendors     []directory.Summary
	Cases       []model.Case
	Triage      *ssvc.Table
	Publish     *ssvc.Table
	Sectors     []string
	CWEs        []cwe.Weakness
	OrgNames    map[string]string
	CaseNumber  string
}

func (p *Pages) reportPage(w http.ResponseWriter, r *http.Request, status int, pg web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	det, err := p.svc.Reports().Get(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := reportData{ReportDetail: det, Triage: ssvc.Triage(), Publish: ssvc.Publish(), Sectors: directory.Sectors, CWEs: cwe.Common}
	if d.Attachments, err = p.svc.Reports().Attachments(ctx, id, det.ID); err != nil {
		return err
	}
	st, err := p.svc.Settings(ctx)
	if err != nil {
		return err
	}
	d.Clock = st.Clock(det.Report, p.svc.Now())
	if det.CaseID != nil {
		if c, err := p.svc.LookupCase(ctx, *det.CaseID); err == nil {
			d.CaseNumber = c.Number
		}
	}
	if det.CanTriage {
		if d.Duplicates, err = p.svc.Reports().Duplicates(ctx, id, det.ID); err != nil {
			return err
		}
		all, err := p.svc.VisibleOrgs(ctx, id)
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
		if d.Cases, _, err = p.svc.ListCases(ctx, id, model.CaseFilter{Status: "active", Limit: 100}); err != nil {
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
	in := reports.TriageInput{Validity: ptrOf(f.Get("validity")), CWE: ptrOf(f.Get("cwe")), CVSS3: ptrOf(f.Get("cvss3")),
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
	if _, err := p.svc.Reports().Triage(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in); err != nil {
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
		_, err = p.svc.Reports().Acknowledge(ctx, id, rid, f.Get("message"))
		msg = "Acknowledged to the reporter."
	case "message":
		_, err = p.svc.Reports().MessageReporter(ctx, id, rid, f.Get("message"))
		msg = "Sent to the reporter."
	case "request-info":
		_, err = p.svc.Reports().RequestInfo(ctx, id, rid, f.Get("message"))
		msg = "Asked the reporter; the triage clock is paused until they answer."
	case "decline":
		_, err = p.svc.Reports().Decline(ctx, id, rid, f.Get("reason"))
		msg = "Declined; the reporter was told why."
	case "duplicate":
		_, err = p.svc.Reports().MarkDuplicate(ctx, id, rid, f.Get("duplicate_of"))
		msg = "Marked as a duplicate."
	case "route":
		_, err = p.svc.Reports().Route(ctx, id, rid, f.Get("org_id"))
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
	in := reports.AcceptInput{Title: f.Get("title"), Track: f.Get("mode") == "track"}
	if f.Get("mode") == "existing" {
		in.CaseID = f.Get("case_id")
		if in.CaseID == "" {
			return p.pageError(w, r, errs.InvalidField("case_id", "choose the case"))
		}
	}
	_, c, err := p.svc.Reports().Accept(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
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
	name, body, err := files.FromForm(w, r)
	if err == nil {
		defer body.Close()
		_, err = p.svc.Reports().Attach(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), name, body)
	}
	if err != nil {
		return p.pageError(w, r, err)
	}
	p.rd.Flash(r, "Added the file.")
	http.Redirect(w, r, "/console/reports/"+r.PathValue("id")+"#files", http.StatusSeeOther)
	return nil
}

func (p *Pages) download(w http.ResponseWriter, r *http.Request) error {
	att, f, err := p.svc.Reports().OpenAttachment(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("attachment_id"))
	if err != nil {
		return err
	}
	return files.Serve(w, att.Filename, f)
}
