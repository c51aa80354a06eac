package vdp

import (
	"context"
	"fmt"
	"slices"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/cvepool"
	"github.com/certhub/certhub/internal/vdp/cverec"
	"github.com/certhub/certhub/internal/vdp/cwe"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
)

// AddCVEs puts reserved CVE IDs into the center's pool (staff).
func (s *Service) AddCVEs(ctx context.Context, id *auth.Identity, ids []string) (int, error) {
	if !id.IsStaff() && !id.IsSystem() {
		return 0, errs.Forbidden("only coordination-center staff manage the CVE ID pool")
	}
	clean, err := cvepool.Clean(ids)
	if err != nil {
		return 0, err
	}
	added := 0
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		now := s.now()
		n, err := cvepool.Add(ctx, tx, clean, now)
		if err != nil {
			return err
		}
		added = n
		return audit.Record(ctx, tx, now, audit.Event{Action: "cve.pool.add", ObjectType: "cve_pool", ObjectID: "pool",
			Summary: fmt.Sprintf("added %d CVE IDs to the pool", added)})
	})
	return added, err
}

// CVEPool reports how many reserved IDs are free and assigned.
func (s *Service) CVEPool(ctx context.Context) (free, assigned int, err error) {
	return cvepool.Counts(ctx, s.db)
}

// AssignCVE gives a vulnerability the next free CVE ID of the pool.
func (s *Service) AssignCVE(ctx context.Context, id *auth.Identity, caseID, vulnID string) (string, error) {
	var cve string
	_, err := s.caseChange(ctx, id, caseID, "cve", func(tx *db.Tx, c *model.Case, _ []model.Participant) (string, string, error) {
		v, err := store.GetVuln(ctx, tx, c.ID, vulnID)
		if err != nil {
			return "", "", errs.NotFound("vulnerability not found")
		}
		if v.CVEID != "" {
			return "", "", errs.Conflict("the vulnerability has %s already", v.CVEID)
		}
		if cve, err = cvepool.Claim(ctx, tx, v.ID, s.now()); err != nil {
			return "", "", err
		}
		v.CVEID, v.UpdatedAt = cve, s.now()
		return "assigned " + cve + " to " + v.Title, model.VisibleParticipants, store.SaveVuln(ctx, tx, v, false)
	})
	return cve, err
}

// CVERecord builds the CVE JSON 5 record of a vulnerability from the case —
// descriptions, affected products from the vendors' statements, the CWE,
// CVSS metrics, references and credits — and checks it against the official
// CVE Record Format before handing it out.
func (s *Service) CVERecord(ctx context.Context, id *auth.Identity, caseID, vulnID string) ([]byte, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if st.CNAOrgID == "" {
		return nil, errs.Conflict("set the center's CNA organisation ID (disclosure settings) before making CVE records")
	}
	d, err := s.GetCase(ctx, id, caseID)
	if err != nil {
		return nil, err
	}
	if !d.Viewer.Run {
		return nil, errs.Forbidden("only the coordinators of the case make its CVE records")
	}
	var v *model.Vuln
	for i := range d.Vulns {
		if d.Vulns[i].ID == vulnID {
			v = &d.Vulns[i]
		}
	}
	if v == nil {
		return nil, errs.NotFound("vulnerability not found")
	}
	if v.CVEID == "" {
		return nil, errs.Conflict("the vulnerability has no CVE ID yet: assign one from the pool")
	}
	in := cverec.Input{CVEID: v.CVEID, Title: v.Title, Description: v.Description, CWE: v.CWE, CVSS3: v.CVSS3, CVSS4: v.CVSS4,
		CNAOrgID: st.CNAOrgID, CNAShortName: st.CNAShortName, Updated: s.now(), Published: d.Case.DisclosedAt, References: slices.Clone(d.Case.References)}
	for _, vs := range d.Statuses {
		if vs.VulnID == v.ID {
			in.Affected = append(in.Affected, cverec.Affected{Vendor: vs.VendorName, Product: vs.Product, Status: vs.Status, FixedVersions: vs.FixedVersions})
		}
	}
	for _, r := range d.Reports {
		if in.Named == nil && (r.Vendor != "" || r.Product != "") {
			in.Named = &cverec.Product{Vendor: r.Vendor, Product: r.Product}
		}
		in.References = append(in.References, r.References...)
		in.Credits = append(in.Credits, r.Credit)
	}
	return cverec.Build(in)
}

// CWEName is the name the report form's picker gives a CWE ("CWE-79"), or
// "": other domains (advisory's CSAF documents) reach it through vdp's root.
func CWEName(id string) string { return cwe.Name(id) }
