package vdp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/ssvc"
	"github.com/certhub/certhub/internal/vdp/cwe"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
	"github.com/certhub/certhub/internal/vdp/timeline"
)

// VulnInput adds or edits a vulnerability.
type VulnInput struct {
	Title       *string           `json:"title"`
	Description *string           `json:"description"`
	CWE         *string           `json:"cwe"`
	CVSS3       *string           `json:"cvss3"`
	CVSS4       *string           `json:"cvss4"`
	SSVC        map[string]string `json:"ssvc"` // supplier table decision points
}

func applyVuln(v *model.Vuln, in VulnInput) error {
	var f errs.Fields
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		if t == "" || utf8.RuneCountInString(t) > model.MaxTitle {
			f.Add("title", "is required, at most %d characters", model.MaxTitle)
		}
		v.Title = t
	} else if v.Title == "" {
		f.Add("title", "is required")
	}
	if in.Description != nil {
		if utf8.RuneCountInString(*in.Description) > model.MaxText {
			f.Add("description", "must be at most %d characters", model.MaxText)
		}
		v.Description = strings.TrimSpace(*in.Description)
	}
	if in.CWE != nil {
		norm, problem := cwe.Normalize(*in.CWE)
		if problem != "" {
			f.Add("cwe", "%s", problem)
		}
		v.CWE = norm
	}
	if in.CVSS3 != nil {
		sc, err := model.ParseVector("cvss3", *in.CVSS3, "3")
		if e := errs.As(err); e != nil {
			f = append(f, e.Fields...)
		}
		v.CVSS3 = sc
	}
	if in.CVSS4 != nil {
		sc, err := model.ParseVector("cvss4", *in.CVSS4, "4")
		if e := errs.As(err); e != nil {
			f = append(f, e.Fields...)
		}
		v.CVSS4 = sc
	}
	if in.SSVC != nil {
		if len(in.SSVC) == 0 {
			v.SSVC = nil
		} else {
			sup, _ := ssvc.Get("supplier")
			d, err := sup.Decide(in.SSVC)
			if err != nil {
				f.Add("ssvc", "%s", err.Error())
			} else {
				v.SSVC = &d
			}
		}
	}
	return f.Err()
}

// AddVuln adds a vulnerability to a case.
func (s *Service) AddVuln(ctx context.Context, id *auth.Identity, caseID string, in VulnInput) (model.Vuln, error) {
	var v model.Vuln
	if err := applyVuln(&v, in); err != nil {
		return model.Vuln{}, err
	}
	_, err := s.caseChange(ctx, id, caseID, "vulnerability", func(tx *db.Tx, c *model.Case, _ []model.Participant) (string, string, error) {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) FROM vdp_vulns WHERE case_id = $1`, c.ID).Scan(&n); err != nil {
			return "", "", err
		}
		now := s.now()
		v.ID, v.CaseID, v.Position, v.CreatedAt, v.UpdatedAt = db.NewID(), c.ID, n+1, now, now
		return "added vulnerability " + v.Title, model.VisibleParticipants, store.SaveVuln(ctx, tx, v, true)
	})
	return v, err
}

// UpdateVuln edits a vulnerability.
func (s *Service) UpdateVuln(ctx context.Context, id *auth.Identity, caseID, vulnID string, in VulnInput) (model.Vuln, error) {
	var out model.Vuln
	_, err := s.caseChange(ctx, id, caseID, "vulnerability", func(tx *db.Tx, c *model.Case, _ []model.Participant) (string, string, error) {
		v, err := store.GetVuln(ctx, tx, c.ID, vulnID)
		if err != nil {
			return "", "", errs.NotFound("vulnerability not found")
		}
		if err := applyVuln(&v, in); err != nil {
			return "", "", err
		}
		v.UpdatedAt = s.now()
		out = v
		return "updated vulnerability " + v.Title, model.VisibleParticipants, store.SaveVuln(ctx, tx, v, false)
	})
	return out, err
}

// StatusInput is a vendor's statement about a product.
type StatusInput struct {
	VulnID        string `json:"vuln_id"`
	VendorOrgID   string `json:"vendor_org_id"`
	Product       string `json:"product"`
	Status        string `json:"status"`
	Statement     string `json:"statement"`
	FixedVersions string `json:"fixed_versions"`
	Mitigation    string `json:"mitigation"`
	Workaround    string `json:"workaround"`
}

// SetStatus records a vendor's statement. The vendor's own members and the
// coordinators may state it.
func (s *Service) SetStatus(ctx context.Context, id *auth.Identity, caseID string, in StatusInput) (model.ProductStatus, error) {
	var f errs.Fields
	in.Product = strings.TrimSpace(in.Product)
	if in.Product == "" || utf8.RuneCountInString(in.Product) > model.MaxTitle {
		f.Add("product", "name the product (at most %d characters)", model.MaxTitle)
	}
	if !model.ValidProductStatus(in.Status) {
		f.Add("status", "must be under_investigation, known_affected, fixed or known_not_affected")
	}
	for field, v := range map[string]string{"statement": in.Statement, "mitigation": in.Mitigation, "workaround": in.Workaround} {
		if utf8.RuneCountInString(v) > model.MaxText {
			f.Add(field, "must be at most %d characters", model.MaxText)
		}
	}
	if utf8.RuneCountInString(in.FixedVersions) > model.MaxShort {
		f.Add("fixed_versions", "must be at most %d characters", model.MaxShort)
	}
	if in.Status == model.StatusFixed && strings.TrimSpace(in.FixedVersions) == "" {
		f.Add("fixed_versions", "name the versions that fix it")
	}
	if err := f.Err(); err != nil {
		return model.ProductStatus{}, err
	}
	var out model.ProductStatus
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		c, parts, v, err := s.loadCase(ctx, tx, id, caseID)
		if err != nil {
			return err
		}
		if !v.Run && !(v.IsVendor(in.VendorOrgID) && id.RoleIn(in.VendorOrgID).AtLeast(auth.RoleMember)) {
			return errs.Forbidden("only the vendor and the coordinators state a vendor's products")
		}
		pi := slices.IndexFunc(parts, func(p model.Participant) bool { return p.OrgID == in.VendorOrgID && p.Role == model.RoleVendor })
		if pi < 0 {
			return errs.InvalidField("vendor_org_id", "is not a vendor in this case")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM vdp_vulns WHERE id = $1 AND case_id = $2`, in.VulnID, c.ID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.InvalidField("vuln_id", "is not a vulnerability of this case")
		}
		now := s.now()
		out = model.ProductStatus{ID: db.NewID(), VulnID: in.VulnID, VendorOrgID: in.VendorOrgID, Product: in.Product, Status: in.Status,
			Statement: strings.TrimSpace(in.Statement), FixedVersions: strings.TrimSpace(in.FixedVersions),
			Mitigation: strings.TrimSpace(in.Mitigation), Workaround: strings.TrimSpace(in.Workaround), UpdatedBy: id.User.Name, UpdatedAt: now}
		if _, err := tx.Exec(ctx, `INSERT INTO vdp_product_status (id, case_id, vuln_id, vendor_org_id, product, status, statement,
			fixed_versions, mitigation, workaround, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (vuln_id, vendor_org_id, product) DO UPDATE SET status = excluded.status, statement = excluded.statement,
			fixed_versions = excluded.fixed_versions, mitigation = excluded.mitigation, workaround = excluded.workaround,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`, out.ID, c.ID, out.VulnID, out.VendorOrgID,
			out.Product, out.Status, out.Statement, out.FixedVersions, out.Mitigation, out.Workaround, out.UpdatedBy, now); err != nil {
			return fmt.Errorf("vdp: status: %w", err)
		}
		p := parts[pi]
		if p.OrgName, err = s.OrgName(ctx, p.OrgID); err != nil {
			return err
		}
		if p.AcknowledgedAt == nil && v.IsVendor(p.OrgID) {
			// A statement from the vendor is an acknowledgement.
			p.AcknowledgedAt = &now
			if p.SeenAt == nil {
				p.SeenAt = &now
			}
			if err := store.SaveParticipant(ctx, tx, p); err != nil {
				return err
			}
		}
		if in.Status == model.StatusFixed && c.Facts.FixReady == nil {
			c.Facts.FixReady = &now
			if c.Status == model.CaseOpen || c.Status == model.CaseCoordinating {
				c.Status = model.CaseRemediation
			}
			c.UpdatedAt = now
			if err := store.SaveCase(ctx, tx, c); err != nil {
				return err
			}
		}
		vendor := p.OrgID
		summary := fmt.Sprintf("%s: %s is %s", p.OrgName, out.Product, strings.ReplaceAll(out.Status, "_", " "))
		if err := timeline.Add(ctx, tx, c.ID, "status", summary, model.VisibleParticipants, &vendor, id.User.Name, "status", now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "case.status", ObjectType: "case", ObjectID: c.ID,
			OrgID: vendor, Summary: c.Number + ": " + summary, After: out}); err != nil {
			return err
		}
		if v.IsVendor(vendor) {
			return s.tellOrg(ctx, tx, c.OwnerOrgID, "["+c.Number+"] "+summary, summary+"\n\n"+s.link("/console/cases/"+c.ID+"#status")+"\n", "case.status")
		}
		return nil
	})
	return out, err
}
