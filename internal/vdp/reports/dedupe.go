package reports

import (
	"context"
	"fmt"
	"sort"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/similar"
	"github.com/certhub/certhub/internal/vdp/store"
)

// Candidate is an earlier report that may describe the same vulnerability.
type Candidate struct {
	ID         string             `json:"id"`
	TrackingID string             `json:"tracking_id"`
	Title      string             `json:"title"`
	Status     model.ReportStatus `json:"status"`
	CaseID     *string            `json:"case_id,omitempty"`
	Score      float64            `json:"score"` // 0–1
	Reasons    []string           `json:"reasons"`
}

// duplicateWindow is how many recent reports are compared.
const duplicateWindow = 2000

// Duplicates suggests earlier reports that look like the same issue, by
// vendor, product, CWE and the words of their title and description.
func (s *Service) Duplicates(ctx context.Context, id *auth.Identity, reportID string) ([]Candidate, error) {
	var out []Candidate
	err := s.db.Read(ctx, func(q db.Querier) error {
		r, err := store.GetReport(ctx, q, "id = $1", reportID)
		if err != nil {
			return err
		}
		if _, triage := reportAccess(id, &r); !triage {
			return nil // only triagers get suggestions
		}
		rows, err := q.Query(ctx, fmt.Sprintf(`SELECT id, tracking_id, title, description, vendor, vendor_org_id, product, cwe, status, case_id
			FROM vdp_reports WHERE id <> $1 AND received_at <= $2 ORDER BY received_at DESC LIMIT %d`, duplicateWindow), r.ID, r.ReceivedAt)
		if err != nil {
			return fmt.Errorf("vdp: duplicates: %w", err)
		}
		defer rows.Close()
		mine := similar.New(similar.Report{Title: r.Title, Description: r.Description, Vendor: r.Vendor, VendorOrgID: deref(r.VendorOrgID),
			Product: r.Product, CWE: r.CWE})
		for rows.Next() {
			var c Candidate
			var o similar.Report
			var vendorOrg *string
			if err := rows.Scan(&c.ID, &c.TrackingID, &c.Title, &o.Description, &o.Vendor, &vendorOrg, &o.Product, &o.CWE, &c.Status, &c.CaseID); err != nil {
				return err
			}
			o.Title, o.VendorOrgID = c.Title, deref(vendorOrg)
			c.Score, c.Reasons = mine.Score(o)
			if c.Score >= similar.Likely {
				out = append(out, c)
			}
		}
		return rows.Err()
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > 5 {
		out = out[:5]
	}
	return out, err
}
