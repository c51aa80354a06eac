package api

import (
	"net/http"
	"strings"

	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/reports"
)

// submission is POST /api/v1/reports: a report for an organisation.
type submission struct {
	OrgID string `json:"org_id"`
	reports.ReportInput
}

func (a *API) submitAs(w http.ResponseWriter, r *http.Request) error {
	var in submission
	if err := httpx.DecodeJSON(w, r, &in, 2<<20); err != nil {
		return err
	}
	rep, rc, err := a.svc.Reports().SubmitAs(r.Context(), who(r), in.OrgID, "api", in.ReportInput)
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
	list, next, err := a.svc.Reports().List(r.Context(), who(r), model.ReportFilter{Status: q.Get("status"), Assigned: q.Get("assigned_org_id"),
		Query: strings.TrimSpace(q.Get("q")), Cursor: p.Cursor, Limit: p.Limit})
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) getReport(w http.ResponseWriter, r *http.Request) error {
	d, err := a.svc.Reports().Get(r.Context(), who(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	atts, err := a.svc.Reports().Attachments(r.Context(), who(r), d.ID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, struct {
		reports.ReportDetail
		Attachments []model.Attachment `json:"attachments"`
	}{d, atts})
	return nil
}

func (a *API) duplicates(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.svc.Reports().Get(r.Context(), who(r), r.PathValue("id")); err != nil {
		return err
	}
	c, err := a.svc.Reports().Duplicates(r.Context(), who(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteList(w, c, "")
	return nil
}

func (a *API) triage(w http.ResponseWriter, r *http.Request) error {
	var in reports.TriageInput
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	rep, err := a.svc.Reports().Triage(r.Context(), who(r), r.PathValue("id"), in)
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
		var rep model.Report
		var err error
		switch action {
		case "acknowledge":
			rep, err = a.svc.Reports().Acknowledge(ctx, id, rid, in.Message)
		case "message":
			rep, err = a.svc.Reports().MessageReporter(ctx, id, rid, in.Message)
		case "request-info":
			rep, err = a.svc.Reports().RequestInfo(ctx, id, rid, in.Message)
		case "decline":
			rep, err = a.svc.Reports().Decline(ctx, id, rid, in.Reason)
		case "duplicate":
			rep, err = a.svc.Reports().MarkDuplicate(ctx, id, rid, in.DuplicateOf)
		case "route":
			rep, err = a.svc.Reports().Route(ctx, id, rid, in.OrgID)
		}
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, rep)
		return nil
	}
}

func (a *API) accept(w http.ResponseWriter, r *http.Request) error {
	var in reports.AcceptInput
	if err := httpx.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	rep, c, err := a.svc.Reports().Accept(r.Context(), who(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, struct {
		Report model.Report `json:"report"`
		Case   *model.Case  `json:"case,omitempty"`
	}{rep, c})
	return nil
}

func (a *API) attach(w http.ResponseWriter, r *http.Request) error {
	name, body, err := files.FromForm(w, r)
	if err != nil {
		return err
	}
	defer body.Close()
	att, err := a.svc.Reports().Attach(r.Context(), who(r), r.PathValue("id"), name, body)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, att)
	return nil
}

func (a *API) download(w http.ResponseWriter, r *http.Request) error {
	att, f, err := a.svc.Reports().OpenAttachment(r.Context(), who(r), r.PathValue("id"), r.PathValue("attachment_id"))
	if err != nil {
		return err
	}
	return files.Serve(w, att.Filename, f)
}
