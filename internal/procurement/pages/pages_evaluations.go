package pages

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/procurement"
	"github.com/certhub/certhub/internal/procurement/catalogue"
	"github.com/certhub/certhub/internal/procurement/ccportal"
	"github.com/certhub/certhub/internal/procurement/files"
	"github.com/certhub/certhub/internal/procurement/vulns"
	"github.com/certhub/certhub/internal/web"
)

func init() {
	web.RegisterLabels(map[string]string{
		"requested": "Requested", "accepted": "Accepted", "refused": "Refused", "lab_assigned": "Lab assigned", "testing": "Testing",
		"report_submitted": "Report submitted", "under_review": "Under review", "approved_with_conditions": "Approved with conditions",
		"rejected": "Rejected", "withdrawn": "Withdrawn", "revoked": "Revoked", "expired": "Expired",
		"pass": "Pass", "fail": "Fail", "not_applicable": "Not applicable", "inconclusive": "Inconclusive",
		"datasheet": "Datasheet", "hardening_guide": "Hardening guide", "evidence": "Evidence", "report": "Report",
		"field.product": "Product", "field.vendor": "Vendor", "field.version": "Version", "field.category": "Category",
		"field.intended_use": "Intended use", "field.buyers": "Buyers", "field.sbom": "SBOM", "field.lab_id": "Lab",
		"field.decision": "Decision", "field.conditions": "Conditions", "field.guideline_url": "Hardening guideline",
		"field.verdict": "Verdict", "field.notes": "Notes", "field.title": "Title", "field.cvss_vector": "CVSS vector",
		"field.cwe": "CWE", "field.file": "File", "field.kind": "Kind", "field.results": "Results", "field.report": "Report",
		"field.reason": "Reason", "field.org_id": "Requesting organisation", "field.vendor_org_id": "Vendor organisation",
	})
}

// registerEvaluations adds the console's evaluation and entry pages.
func (p *Pages) registerEvaluations(h func(string, web.HandlerFunc)) {
	h("GET /console/procurement/evaluations", p.evaluations)
	h("GET /console/procurement/evaluations/new", p.newEvaluation)
	h("POST /console/procurement/evaluations", p.requestEvaluation)
	h("GET /console/procurement/evaluations/{id}", p.evaluation)
	h("POST /console/procurement/evaluations/{id}", p.evaluationAction)
	h("GET /console/procurement/evaluations/{id}/files/{file}", p.evaluationFile)
	h("GET /console/procurement/products/{id}", p.product)
	h("POST /console/procurement/products/{id}", p.productAction)
	h("POST /console/procurement/recognise", p.recognise)
	h("POST /console/procurement/products/{id}/in-use", p.inUse)
}

// inUse registers (use=yes) or unregisters an organisation as a user of
// an approved product, from the entry's public page.
func (p *Pages) inUse(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	productID := r.PathValue("id")
	use := r.PostForm.Get("use") == "yes"
	if err := p.s.SetInUse(r.Context(), auth.FromContext(r.Context()), productID, r.PostForm.Get("org_id"), use); err != nil {
		return err
	}
	if use {
		p.rd.Flash(r, "Registered: you will be told when this product's approval changes.")
	} else {
		p.rd.Flash(r, "Unregistered.")
	}
	http.Redirect(w, r, "/approved-products/"+url.PathEscape(productID)+"#in-use", http.StatusSeeOther)
	return nil
}

// recognise imports the Common Criteria portal's CSV (staff), from the
// overview's form.
func (p *Pages) recognise(w http.ResponseWriter, r *http.Request) error {
	id := auth.FromContext(r.Context())
	if err := procurement.MayManage(id); err != nil { // before reading megabytes
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, ccportal.MaxBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return &httpx.StatusError{Status: http.StatusUnsupportedMediaType, Detail: "send the CSV as a file of the form"}
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return p.renderOverview(w, r, http.StatusUnprocessableEntity, web.Page{Errors: errs.Fields{{Field: "file", Message: "choose the portal's CSV file"}}})
		}
		if part.FormName() != "file" {
			continue
		}
		res, err := p.s.ImportCommonCriteria(r.Context(), id, part)
		if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
			return p.renderOverview(w, r, http.StatusUnprocessableEntity, web.Page{Errors: e.Fields, Problem: problem(e)})
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "the file may be at most 32 MB"}
		}
		if err != nil {
			return err
		}
		skipped := 0
		for _, n := range res.Skipped {
			skipped += n
		}
		p.rd.Flash(r, fmt.Sprintf("Read %d certified products: %d recognised anew, %d updated, %d unchanged, %d of categories without criteria here.",
			res.Products, res.New, res.Updated, res.Unchanged, skipped))
		http.Redirect(w, r, "/console/procurement#recognise", http.StatusSeeOther)
		return nil
	}
}

type evaluationsData struct {
	Items      []procurement.Evaluation
	Next       string
	States     []string
	Categories []string
	CanRequest bool
}

func (p *Pages) evaluations(w http.ResponseWriter, r *http.Request) error {
	pg, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q, id := r.URL.Query(), auth.FromContext(r.Context())
	items, next, err := p.s.Evaluations(r.Context(), id, procurement.EvaluationFilter{State: q.Get("state"), Category: q.Get("category"),
		Limit: pg.Limit, Cursor: pg.Cursor})
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "procurement/evaluations", web.Page{Title: "Evaluations", Section: "procurement",
		Data: evaluationsData{Items: items, Next: next, States: procurement.EvalStates, Categories: catalogue.Categories, CanRequest: canRequest(id)}})
	return nil
}

// canRequest reports whether id may request evaluations for some
// organisation (a membership above viewer, or staff).
func canRequest(id *auth.Identity) bool {
	if id.IsStaff() {
		return true
	}
	for _, m := range id.Memberships {
		if m.Role != auth.RoleViewer {
			return true
		}
	}
	return false
}

type newEvaluationData struct {
	Maintains  *procurement.Approved // the entry an assurance maintenance is for
	Orgs       []directory.Summary
	Vendors    []directory.Summary
	Categories []string
}

func (p *Pages) newEvaluation(w http.ResponseWriter, r *http.Request) error {
	return p.renderNew(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderNew(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	if !canRequest(id) {
		return errs.Forbidden("only a member (above viewer) of an organisation requests evaluations")
	}
	d := newEvaluationData{Categories: catalogue.Categories}
	if m := r.URL.Query().Get("maintenance_of"); m != "" || (page.Form != nil && page.Form.Get("maintenance_of") != "") {
		if m == "" {
			m = page.Form.Get("maintenance_of")
		}
		e, err := p.s.ApprovedProduct(ctx, m)
		if err != nil {
			return err
		}
		d.Maintains = &e
		if page.Form == nil {
			page.Form = url.Values{"product": {e.Product}, "category": {e.Category}, "vendor": {e.Vendor}}
		}
	}
	all, err := p.s.Organisations(ctx)
	if err != nil {
		return err
	}
	for _, o := range all {
		if r := id.RoleIn(o.ID); id.IsStaff() || (r != "" && r != auth.RoleViewer) {
			d.Orgs = append(d.Orgs, o)
		}
		if o.Kind == directory.KindVendor {
			d.Vendors = append(d.Vendors, o)
		}
	}
	page.Title, page.Section, page.Data = "Request an evaluation", "procurement", d
	p.rd.Render(w, r, status, "procurement/evaluation_new", page)
	return nil
}

// requestEvaluation reads the request form (multipart: the SBOM is a file).
func (p *Pages) requestEvaluation(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 33<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "the form, with its SBOM, may be at most 32 MB"}
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	if err := web.CheckUTF8(r.MultipartForm.Value); err != nil {
		return err
	}
	f := r.MultipartForm.Value
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	in := procurement.EvaluationInput{Product: get("product"), Vendor: get("vendor"), Version: get("version"), Category: get("category"),
		IntendedUse: get("intended_use"), Buyers: get("buyers"), OrgID: get("org_id"), MaintenanceOf: get("maintenance_of"),
		ImpactAnalysis: get("impact_analysis")}
	if v := get("vendor_org_id"); v != "" {
		in.VendorOrgID = &v
	}
	var doc []byte
	if file, _, err := r.FormFile("sbom"); err == nil {
		doc, err = io.ReadAll(io.LimitReader(file, 33<<20))
		_ = file.Close()
		if err != nil {
			return err
		}
	}
	d, err := p.s.RequestEvaluation(r.Context(), auth.FromContext(r.Context()), in, doc)
	if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
		return p.renderNew(w, r, http.StatusUnprocessableEntity, web.Page{Form: url.Values(f), Errors: e.Fields, Problem: problem(e)})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "Requested evaluation "+d.Number+".")
	http.Redirect(w, r, "/console/procurement/evaluations/"+url.PathEscape(d.ID), http.StatusSeeOther)
	return nil
}

type evaluationData struct {
	procurement.Detail
	Staff      bool
	Tester     bool // the assigned lab
	Party      bool
	Catalogue  *catalogue.Catalogue
	Verdicts   map[string]procurement.Result
	Labs       []procurement.Accreditation
	Guidelines []procurement.Guideline
	Check      *vulns.SBOMCheck
	Decisions  []string
	FileKinds  []string
	VerdictSet []string
	Edit       string // the requirement whose verdict form is open
}

func (p *Pages) evaluation(w http.ResponseWriter, r *http.Request) error {
	return p.renderEvaluation(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderEvaluation(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	ctx, id, evalID := r.Context(), auth.FromContext(r.Context()), r.PathValue("id")
	det, err := p.s.Evaluation(ctx, id, evalID)
	if err != nil {
		return err
	}
	d := evaluationData{Detail: det, Staff: det.Reader.Staff, Tester: det.Reader.Tester, Party: det.Reader.Party, Verdicts: map[string]procurement.Result{},
		Decisions: []string{procurement.EvalApproved, procurement.EvalApprovedCond, procurement.EvalRejected}, FileKinds: procurement.FileKinds, VerdictSet: procurement.Verdicts}
	if det.CatalogueVersion != nil {
		c, err := p.s.Criteria().Get(ctx, det.Category, *det.CatalogueVersion)
		if err != nil {
			return err
		}
		d.Catalogue = &c
	}
	for _, res := range det.Results {
		d.Verdicts[res.Requirement] = res
	}
	if det.Reader.Staff && (det.State == procurement.EvalAccepted || det.State == procurement.EvalLabAssigned) {
		labs, err := p.s.Labs(ctx, id)
		if err != nil {
			return err
		}
		for _, l := range labs {
			if l.Covers(det.Category, p.s.Now()) {
				d.Labs = append(d.Labs, l)
			}
		}
	}
	if det.Reader.Staff && slices.Contains(det.Actions, procurement.ActDecide) {
		if d.Guidelines, err = p.s.Guidelines(ctx); err != nil {
			return err
		}
	}
	if (det.Reader.Staff || det.Reader.Tester) && det.SBOMComponents > 0 {
		chk, err := p.s.EvaluationCheck(ctx, id, evalID)
		if err != nil {
			return err
		}
		d.Check = &chk
	}
	page.Title, page.Section, page.Data = det.Number+": "+det.Vendor+" "+det.Product+" "+det.Version, "procurement", d
	p.rd.Render(w, r, status, "procurement/evaluation", page)
	return nil
}

// evaluationAction takes the form's action: a transition (do=<action>),
// a verdict (do=result), a finding (do=finding), a release (do=release)
// or a document (do=file, multipart).
func (p *Pages) evaluationAction(w http.ResponseWriter, r *http.Request) error {
	ctx, id, evalID := r.Context(), auth.FromContext(r.Context()), r.PathValue("id")
	var form url.Values
	var err error
	done, anchor := "", ""
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		in, ferr := files.ReadForm(w, r)
		if ferr != nil {
			if e := errs.As(ferr); e != nil && e.Kind == errs.KindInvalid {
				return p.renderEvaluation(w, r, http.StatusUnprocessableEntity, web.Page{Errors: e.Fields, Problem: problem(e)})
			}
			return ferr
		}
		form = url.Values{"do": {"file"}, "kind": {in.Kind}}
		var f procurement.File
		if f, err = p.s.AddFile(ctx, id, evalID, in); err == nil {
			done, anchor = "Added "+f.Name+".", "#files"
		}
	} else {
		if err := web.ParseForm(w, r); err != nil {
			return err
		}
		form = r.PostForm
		switch do := form.Get("do"); do {
		case "result":
			req := form.Get("requirement")
			if _, err = p.s.SetResult(ctx, id, evalID, req, procurement.ResultInput{Verdict: form.Get("verdict"), Notes: form.Get("notes")}); err == nil {
				done, anchor = "Recorded the verdict on "+req+".", "#req-"+req
			}
		case "finding":
			if _, err = p.s.AddFinding(ctx, id, evalID, procurement.FindingInput{Requirement: form.Get("requirement"), Title: form.Get("title"),
				Description: form.Get("description"), CVSSVector: form.Get("cvss_vector"), CWE: form.Get("cwe")}); err == nil {
				done, anchor = "Recorded the finding.", "#findings"
			}
		case "release":
			if err = p.s.ReleaseFinding(ctx, id, evalID, form.Get("finding")); err == nil {
				done, anchor = "Released the finding to the requester and the vendor.", "#findings"
			}
		default:
			if !procurement.ValidAction(do) {
				return errs.InvalidField("do", "is not an action")
			}
			var d procurement.Detail
			if d, err = p.s.Transition(ctx, id, evalID, procurement.Transition{Action: do, Reason: form.Get("reason"), LabID: form.Get("lab_id"),
				Decision: form.Get("decision"), Conditions: form.Get("conditions"), ValidUntil: form.Get("valid_until"),
				GuidelineURL: form.Get("guideline_url")}); err == nil {
				done = fmt.Sprintf("The evaluation is %s.", strings.ToLower(web.Label(d.State)))
			}
		}
	}
	if e := errs.As(err); e != nil && (e.Kind == errs.KindInvalid || e.Kind == errs.KindConflict) {
		status := http.StatusUnprocessableEntity
		if e.Kind == errs.KindConflict {
			status = http.StatusConflict
		}
		return p.renderEvaluation(w, r, status, web.Page{Form: form, Errors: e.Fields, Problem: formProblem(e)})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, done)
	http.Redirect(w, r, "/console/procurement/evaluations/"+url.PathEscape(evalID)+anchor, http.StatusSeeOther)
	return nil
}

func (p *Pages) evaluationFile(w http.ResponseWriter, r *http.Request) error {
	f, data, err := p.s.FileContent(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		return err
	}
	files.Serve(w, f, data)
	return nil
}

type productData struct {
	procurement.Approved
	Actions []string
}

func (p *Pages) product(w http.ResponseWriter, r *http.Request) error {
	return p.renderProduct(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) renderProduct(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	if err := procurement.MayManage(auth.FromContext(r.Context())); err != nil {
		return err
	}
	e, err := p.s.ApprovedProduct(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	page.Title, page.Section, page.Data = e.Vendor+" "+e.Product+" "+e.Versions, "procurement", productData{Approved: e, Actions: procurement.ProductActions}
	p.rd.Render(w, r, status, "procurement/product", page)
	return nil
}

func (p *Pages) productAction(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	e, err := p.s.ActOnProduct(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), procurement.ProductAction{Action: r.PostForm.Get("action"),
		Reason: r.PostForm.Get("reason"), AdvisoryURL: r.PostForm.Get("advisory_url")})
	if ev := errs.As(err); ev != nil && (ev.Kind == errs.KindInvalid || ev.Kind == errs.KindConflict) {
		return p.renderProduct(w, r, http.StatusUnprocessableEntity, web.Page{Form: r.PostForm, Errors: ev.Fields, Problem: formProblem(ev)})
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "The entry is "+strings.ToLower(web.Label(e.State))+".")
	http.Redirect(w, r, "/console/procurement/products/"+url.PathEscape(e.ID), http.StatusSeeOther)
	return nil
}
