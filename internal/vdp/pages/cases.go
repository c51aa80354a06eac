package pages

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/vdp"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/threads"
	"github.com/certhub/certhub/internal/web"
)

type casesData struct {
	Cases    []model.Case
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
	list, next, err := p.svc.ListCases(r.Context(), auth.FromContext(r.Context()), model.CaseFilter{Status: status,
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
	vdp.CaseDetail
	VulnByID      map[string]model.Vuln
	Vendors       []directory.Summary
	Orgs          []directory.Summary // to add as participants: the search's matches, or the whole directory
	Find          string
	StatusChoices []string
	Facts         []string
	Owner         string
	MyVendors     []model.Participant
	MyOrgs        []model.Participant
	Roles         []model.ParticipantRole
	CVEFree       int
	Embargoes     []string
	CaseStates    []model.CaseStatus
	Now           time.Time
}

func (p *Pages) casePage(w http.ResponseWriter, r *http.Request, status int, pg web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	det, err := p.svc.GetCase(ctx, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := caseData{CaseDetail: det, VulnByID: map[string]model.Vuln{}, StatusChoices: model.ProductStatuses, Facts: model.FactNames, Roles: model.ParticipantRoles,
		Embargoes: model.EmbargoStates, CaseStates: model.CaseStatuses, Now: p.svc.Now()}
	for _, v := range det.Vulns {
		d.VulnByID[v.ID] = v
	}
	if name, err := p.svc.OrgName(ctx, det.Case.OwnerOrgID); err == nil {
		d.Owner = name
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
		all, err := p.svc.VisibleOrgs(ctx, id)
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
			return slices.ContainsFunc(det.Participants, func(pt model.Participant) bool { return pt.OrgID == o.ID })
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
		_, err = p.svc.UpdateCase(ctx, id, cid, vdp.CaseChanges{Title: ptrOf(f.Get("title")), Summary: ptrOf(f.Get("summary")),
			Status: ptrOf(f.Get("status")), TLP: ptrOf(f.Get("tlp")), Embargo: ptrOf(f.Get("embargo")), References: &refs})
	case "fact":
		_, err = p.svc.SetFact(ctx, id, cid, f.Get("fact"), f.Get("value") == "yes")
		anchor = "facts"
	case "date":
		var at time.Time
		at, err = time.Parse("2006-01-02T15:04", f.Get("publication_at"))
		if err != nil {
			err = errs.InvalidField("publication_at", "give a date and time (UTC)")
		} else {
			_, err = p.svc.SetPublicationDate(ctx, id, cid, at, f.Get("reason"))
		}
		anchor = "dates"
	case "add-participant":
		_, err = p.svc.AddParticipant(ctx, id, cid, vdp.ParticipantInput{OrgID: f.Get("org_id"), Role: model.ParticipantRole(f.Get("role"))})
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
		_, err = p.svc.AddVuln(ctx, id, cid, vdp.VulnInput{Title: ptrOf(f.Get("title")), Description: ptrOf(f.Get("description")),
			CWE: ptrOf(f.Get("cwe")), CVSS3: ptrOf(f.Get("cvss3")), CVSS4: ptrOf(f.Get("cvss4"))})
		anchor = "vulnerabilities"
	case "update-vuln":
		_, err = p.svc.UpdateVuln(ctx, id, cid, f.Get("vuln_id"), vdp.VulnInput{Title: ptrOf(f.Get("title")), Description: ptrOf(f.Get("description")),
			CWE: ptrOf(f.Get("cwe")), CVSS3: ptrOf(f.Get("cvss3")), CVSS4: ptrOf(f.Get("cvss4"))})
		anchor = "vulnerabilities"
	case "assign-cve":
		var cve string
		cve, err = p.svc.AssignCVE(ctx, id, cid, f.Get("vuln_id"))
		msg, anchor = "Assigned "+cve+".", "vulnerabilities"
	case "status":
		_, err = p.svc.SetStatus(ctx, id, cid, vdp.StatusInput{VulnID: f.Get("vuln_id"), VendorOrgID: f.Get("vendor_org_id"),
			Product: f.Get("product"), Status: f.Get("status"), Statement: f.Get("statement"), FixedVersions: f.Get("fixed_versions"),
			Mitigation: f.Get("mitigation"), Workaround: f.Get("workaround")})
		msg, anchor = "Recorded the statement.", "status"
	case "thread":
		var t threads.Thread
		t, err = p.svc.NewThread(ctx, id, cid, threads.Input{Title: f.Get("title"), Visibility: f.Get("visibility"), VendorOrgID: f.Get("vendor_org_id")})
		if err == nil {
			http.Redirect(w, r, "/console/cases/"+cid+"/threads/"+t.ID, http.StatusSeeOther)
			return nil
		}
	case "message-reporter":
		_, err = p.svc.Reports().MessageReporter(ctx, id, f.Get("report_id"), f.Get("message"))
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
	threads.Page
	Case    model.Case
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
	c, err := p.svc.LookupCase(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := threadData{Page: page, Case: c, CanPost: true}
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
