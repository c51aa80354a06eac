package pages

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/vdp/cwe"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/reports"
	"github.com/certhub/certhub/internal/web"
)

type reportFormData struct {
	CWEs        []cwe.Weakness
	Fingerprint string
	Address     string // where reports may be e-mailed, when the center takes them by mail
}

func (p *Pages) reportFormData() reportFormData {
	d := reportFormData{CWEs: cwe.Common, Address: p.svc.Reports().ReportAddress()}
	if p.svc.CenterKey() != nil {
		d.Fingerprint = p.svc.CenterKey().Fingerprint
	}
	return d
}

func (p *Pages) reportForm(w http.ResponseWriter, r *http.Request) error {
	p.rd.Render(w, r, http.StatusOK, "vdp/report_form", web.Page{Title: "Report a vulnerability", Data: p.reportFormData(),
		Form: url.Values{}})
	return nil
}

// maxForm bounds the public form, attachments included.
const maxForm = 3*files.MaxSize + (2 << 20)

// parseReportForm reads the public or console form (url-encoded or
// multipart with files in "files").
func parseReportForm(w http.ResponseWriter, r *http.Request) (reports.ReportInput, error) {
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
			return reports.ReportInput{}, &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "the report with its files is larger than 32 MB"}
		}
		return reports.ReportInput{}, &httpx.StatusError{Status: http.StatusBadRequest, Detail: "the form could not be read"}
	}
	if err := web.CheckUTF8(r.PostForm); err != nil {
		return reports.ReportInput{}, err
	}
	f := r.PostForm
	in := reports.ReportInput{Title: f.Get("title"), Description: f.Get("description"), Vendor: f.Get("vendor"), Product: f.Get("product"),
		Versions: f.Get("versions"), CWE: f.Get("cwe"), Impact: f.Get("impact"), Reproduction: f.Get("reproduction"),
		Public: f.Get("public") != "", Exploited: f.Get("exploited") != "", VendorContacted: f.Get("vendor_contacted") != "",
		VendorContact: f.Get("vendor_contact"), DisclosurePlans: f.Get("disclosure_plans"), Credit: f.Get("credit"),
		EncryptedBody: f.Get("encrypted_body"), References: lines(f.Get("references"))}
	if f.Get("reporter.name") != "" || f.Get("reporter.email") != "" || f.Get("reporter.pgp_key") != "" {
		in.Reporter = &model.Reporter{Name: f.Get("reporter.name"), Email: f.Get("reporter.email"), PGPKey: f.Get("reporter.pgp_key")}
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
		return errs.InvalidField("files", "send at most three files with the form; add more afterwards")
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
	_, rc, err := p.svc.Reports().SubmitPublic(r.Context(), in, "web", httpx.ClientIP(r.Context()))
	if err != nil {
		return p.formError(w, r, "vdp/report_form", "Report a vulnerability", p.reportFormData(), err)
	}
	key := rc.Key()
	var attachErr error
	if r.MultipartForm != nil {
		attachErr = p.attachForm(r, func(name string, body interface{ Read([]byte) (int, error) }) error {
			_, err := p.svc.Reports().AttachByKey(r.Context(), key, name, body, httpx.ClientIP(r.Context()))
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
	View        reports.FollowView
	Key         string
	New         bool
	AttachError bool
	Attachments []model.Attachment
}

func (p *Pages) renderFollow(w http.ResponseWriter, r *http.Request, key string, status int, pg web.Page) error {
	v, err := p.svc.Reports().Follow(r.Context(), key, httpx.ClientIP(r.Context()))
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
	if _, err := p.svc.Reports().ReporterReply(r.Context(), key, r.PostForm.Get("message"), httpx.ClientIP(r.Context())); err != nil {
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
	name, body, err := files.FromForm(w, r)
	if err == nil {
		defer body.Close()
		_, err = p.svc.Reports().AttachByKey(r.Context(), key, name, body, httpx.ClientIP(r.Context()))
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
	if p.svc.CenterKey() == nil {
		return errs.NotFound("the center has no OpenPGP key")
	}
	w.Header().Set("Content-Type", "application/pgp-keys")
	w.Header().Set("Content-Disposition", `attachment; filename="cert-cc.asc"`)
	_, err := w.Write([]byte(p.svc.CenterKey().Public))
	return err
}
