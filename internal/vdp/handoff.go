package vdp

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
	"github.com/certhub/certhub/internal/vdp/timeline"
)

// Handoff is what a case gives the advisory capability to draft an advisory
// (CSAF 2.0) from: the public-facing facts only — no reporter contact, no
// discussion, no participant other than the vendors. It is the whole
// interface between disclosure and publication.
type Handoff struct {
	CaseID        string           `json:"case_id"`
	CaseNumber    string           `json:"case_number"`
	Title         string           `json:"title"`
	Summary       string           `json:"summary"`
	TLP           string           `json:"tlp"`
	Status        model.CaseStatus `json:"status"`
	PublicationAt *time.Time       `json:"publication_at,omitempty"`
	References    []string         `json:"references"`
	Credits       []string         `json:"credits"` // as the reporters asked to be credited
	Vulns         []model.Vuln     `json:"vulnerabilities"`
	Products      []HandoffProduct `json:"products"`
}

// HandoffProduct is one vendor's product and its status for one
// vulnerability, in CSAF's vocabulary; a vendor that never answered is
// "unknown" and is for the advisory to word (CSAF has no such status).
type HandoffProduct struct {
	VulnID        string `json:"vuln_id"`
	VendorOrgID   string `json:"vendor_org_id"`
	Vendor        string `json:"vendor"`
	Product       string `json:"product"`
	Status        string `json:"status"`
	FixedVersions string `json:"fixed_versions,omitempty"`
	Statement     string `json:"statement,omitempty"`
	Mitigation    string `json:"mitigation,omitempty"`
	Workaround    string `json:"workaround,omitempty"`
}

// AdvisoryDrafter is the contract for the advisory capability: it turns a
// case's hand-off (from Service.Handoff, or GET /api/v1/cases/{id}/handoff)
// into a draft advisory and answers the draft's ID. The disclosure program
// and publication depend on each other through these two types only.
type AdvisoryDrafter interface {
	DraftFromCase(ctx context.Context, id *auth.Identity, h Handoff) (advisoryID string, err error)
}

// Handoff assembles a case's hand-off for its coordinators.
func (s *Service) Handoff(ctx context.Context, id *auth.Identity, caseID string) (Handoff, error) {
	d, err := s.GetCase(ctx, id, caseID)
	if err != nil {
		return Handoff{}, err
	}
	if !d.Viewer.Run {
		return Handoff{}, errs.Forbidden("only the coordinators of the case hand it over for an advisory")
	}
	c := d.Case
	h := Handoff{CaseID: c.ID, CaseNumber: c.Number, Title: c.Title, Summary: c.Summary, TLP: c.TLP, Status: c.Status,
		PublicationAt: c.PublicationAt, References: append([]string{}, c.References...), Credits: []string{},
		Vulns: d.Vulns, Products: []HandoffProduct{}}
	for _, r := range d.Reports {
		if r.Credit != "" && !slices.Contains(h.Credits, r.Credit) {
			h.Credits = append(h.Credits, r.Credit)
		}
	}
	for _, st := range d.Statuses {
		h.Products = append(h.Products, HandoffProduct{VulnID: st.VulnID, VendorOrgID: st.VendorOrgID, Vendor: st.VendorName,
			Product: st.Product, Status: st.Status, FixedVersions: st.FixedVersions, Statement: st.Statement,
			Mitigation: st.Mitigation, Workaround: st.Workaround})
	}
	return h, nil
}

// AnnouncePublication tells a case's participants and its reporters that
// the advisory made from it is public, and records it on the case's
// timeline. The advisory capability calls it after publishing the first
// revision of an advisory linked to the case.
func (s *Service) AnnouncePublication(ctx context.Context, caseID, trackingID, title, pageURL string) error {
	now := s.now()
	return s.db.Write(ctx, func(tx *db.Tx) error {
		c, err := store.GetCase(ctx, tx, caseID)
		if err != nil {
			return err
		}
		parts, err := store.ListParticipants(ctx, tx, caseID)
		if err != nil {
			return err
		}
		body := fmt.Sprintf("The advisory %s on case %s is published:\n\n%s\n%s\n\nThank you for your part in the coordination.\n",
			trackingID, c.Number, title, pageURL)
		if err := s.tellParticipants(ctx, tx, c, parts, nil, fmt.Sprintf("[%s] Advisory %s published", c.Number, trackingID), body, "case.advisory"); err != nil {
			return err
		}
		reports, err := store.ListCaseReports(ctx, tx, caseID)
		if err != nil {
			return err
		}
		for _, r := range reports {
			if err := s.out.Reporter(ctx, tx, r, "The advisory is published",
				fmt.Sprintf("The vulnerability you reported is now public in advisory %s:\n\n%s\n%s\n\nThank you for reporting it.\n",
					trackingID, title, pageURL), "report.advisory"); err != nil {
				return err
			}
		}
		return timeline.Add(ctx, tx, c.ID, "advisory", "advisory "+trackingID+" published", model.VisibleParticipants, nil, system.User.Name, "", now)
	})
}
