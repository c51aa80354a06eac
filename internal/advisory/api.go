package advisory

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves publications as JSON.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes; protect wraps those that need an account.
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	rt.Handle("POST /api/v1/public/subscriptions", httpx.API(a.subscribe))
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/advisories", a.list)
	h("POST /api/v1/advisories", a.create)
	h("POST /api/v1/advisories/import", a.importCSAF)
	h("GET /api/v1/advisories/{id}", a.get)
	h("PUT /api/v1/advisories/{id}", a.update)
	h("GET /api/v1/advisories/{id}/csaf", a.csaf)
	h("POST /api/v1/advisories/{id}/submit", a.submit)
	h("POST /api/v1/advisories/{id}/approve", a.approve)
	h("POST /api/v1/advisories/{id}/send-back", a.sendBack)
	h("POST /api/v1/cases/{id}/advisory", a.fromCase)
}

func who(r *http.Request) *auth.Identity { return auth.FromContext(r.Context()) }

// list answers the publications the caller may read; with ?status= (staff
// only) the working copies in that status ("all" for every one).
func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if st := q.Get("status"); st != "" {
		if st == "all" {
			st = ""
		}
		page, _ := strconv.Atoi(q.Get("page"))
		items, total, err := a.s.List(r.Context(), who(r), Filter{Status: st, Kind: q.Get("kind"), Query: q.Get("q"),
			Limit: limit, Offset: max(page-1, 0) * max(limit, 50)})
		if err != nil {
			return err
		}
		if items == nil {
			items = []Advisory{}
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
		return nil
	}
	f, err := publicFilter(r)
	if err != nil {
		return err
	}
	f.Limit = limit
	list, err := a.s.Publications(r.Context(), who(r), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, list)
	return nil
}

// publicFilter reads the listing's filters from the query string.
func publicFilter(r *http.Request) (PublicFilter, error) {
	q := r.URL.Query()
	f := PublicFilter{Query: q.Get("q"), Kind: q.Get("kind"), Severity: q.Get("severity"), Vendor: q.Get("vendor"),
		Product: q.Get("product"), CVE: q.Get("cve"), Sector: q.Get("sector")}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	var fe errs.Fields
	if f.Kind != "" && !Kind(f.Kind).valid() {
		fe.Add("kind", "advisory, alert, guideline or news")
	}
	for name, dst := range map[string]**time.Time{"from": &f.From, "to": &f.To} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			fe.Add(name, "a date such as 2026-11-23")
			continue
		}
		if name == "to" {
			t = t.AddDate(0, 0, 1) // up to and including that day
		}
		*dst = &t
	}
	return f, fe.Err()
}

func (a *API) create(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpx.DecodeJSON(w, r, &in, 4<<20); err != nil {
		return err
	}
	adv, err := a.s.Create(r.Context(), who(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/advisories/"+adv.ID)
	httpx.WriteJSON(w, http.StatusCreated, adv)
	return nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	id := who(r)
	if mayEdit(id) {
		d, err := a.s.Get(r.Context(), id, r.PathValue("id"))
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, d)
		return nil
	}
	p, _, err := a.s.Publication(r.Context(), id, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (a *API) update(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpx.DecodeJSON(w, r, &in, 4<<20); err != nil {
		return err
	}
	adv, err := a.s.Update(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, adv)
	return nil
}

// csaf answers the published CSAF document, or with ?preview=1 (staff) the
// document the working copy would publish, with its problems in
// X-CSAF-Problems.
func (a *API) csaf(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("preview") != "" {
		doc, problems, err := a.s.Preview(r.Context(), who(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		w.Header().Set("X-CSAF-Problems", strconv.Itoa(len(problems)))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
		return nil
	}
	_, rev, err := a.s.Publication(r.Context(), who(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	if len(rev.CSAF) == 0 {
		return errs.NotFound("news items have no CSAF document")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `inline; filename="`+FileName(strings.TrimSuffix(r.PathValue("id"), ".json"))+`"`)
	_, _ = w.Write(rev.CSAF)
	return nil
}

func (a *API) submit(w http.ResponseWriter, r *http.Request) error {
	adv, err := a.s.Submit(r.Context(), who(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, adv)
	return nil
}

func (a *API) approve(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		PublishAt *time.Time `json:"publish_at"`
	}
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(w, r, &in, 1<<10); err != nil {
			return err
		}
	}
	adv, err := a.s.Approve(r.Context(), who(r), r.PathValue("id"), in.PublishAt)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, adv)
	return nil
}

func (a *API) sendBack(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Note string `json:"note"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	adv, err := a.s.SendBack(r.Context(), who(r), r.PathValue("id"), in.Note)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, adv)
	return nil
}

// importCSAF takes a CSAF document as the body (application/json); a case
// to attach it to may be named with ?case_id=.
func (a *API) importCSAF(w http.ResponseWriter, r *http.Request) error {
	if !mayEdit(who(r)) { // before reading an upload of megabytes
		return errs.Forbidden("only the coordination center's staff import documents")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return &httpx.StatusError{Status: http.StatusUnsupportedMediaType, Detail: "send the CSAF document as application/json"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxUpload))
	if err != nil {
		return &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "a CSAF document of at most 5 MiB"}
	}
	var caseID *string
	if c := r.URL.Query().Get("case_id"); c != "" {
		caseID = &c
	}
	adv, _, err := a.s.Import(r.Context(), who(r), body, caseID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/advisories/"+adv.ID)
	httpx.WriteJSON(w, http.StatusCreated, adv)
	return nil
}

func (a *API) fromCase(w http.ResponseWriter, r *http.Request) error {
	id, err := a.s.DraftFromCaseID(r.Context(), who(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	d, err := a.s.Get(r.Context(), who(r), id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/advisories/"+id)
	httpx.WriteJSON(w, http.StatusCreated, d.Advisory)
	return nil
}

func (a *API) subscribe(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email string   `json:"email"`
		Kinds []string `json:"kinds"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	if err := a.s.Subscribe(r.Context(), httpx.ClientIP(r.Context()), in.Email, in.Kinds); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusAccepted, map[string]string{"status": "confirmation sent: open the link in the e-mail to start receiving publications"})
	return nil
}
