package vdp

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
)

// Candidate is an earlier report that may describe the same vulnerability.
type Candidate struct {
	ID         string       `json:"id"`
	TrackingID string       `json:"tracking_id"`
	Title      string       `json:"title"`
	Status     ReportStatus `json:"status"`
	CaseID     *string      `json:"case_id,omitempty"`
	Score      float64      `json:"score"` // 0–1
	Reasons    []string     `json:"reasons"`
}

// duplicateWindow is how many recent reports are compared.
const duplicateWindow = 2000

// Duplicates suggests earlier reports that look like the same issue, by
// vendor, product, CWE and the words of their title and description.
func (s *Service) Duplicates(ctx context.Context, id *auth.Identity, reportID string) ([]Candidate, error) {
	var out []Candidate
	err := s.db.Read(ctx, func(q db.Querier) error {
		r, err := getReport(ctx, q, "id = $1", reportID)
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
		mine := words(r.Title + " " + r.Description)
		for rows.Next() {
			var c Candidate
			var desc, vendor, product, cwe string
			var vendorOrg *string
			if err := rows.Scan(&c.ID, &c.TrackingID, &c.Title, &desc, &vendor, &vendorOrg, &product, &cwe, &c.Status, &c.CaseID); err != nil {
				return err
			}
			sameVendor := (r.VendorOrgID != nil && vendorOrg != nil && *r.VendorOrgID == *vendorOrg) ||
				(r.Vendor != "" && strings.EqualFold(strings.TrimSpace(vendor), r.Vendor))
			if sameVendor {
				c.Score += 0.35
				c.Reasons = append(c.Reasons, "same vendor")
			}
			if r.Product != "" && strings.EqualFold(strings.TrimSpace(product), r.Product) {
				c.Score += 0.25
				c.Reasons = append(c.Reasons, "same product")
			}
			if r.CWE != "" && cwe == r.CWE {
				c.Score += 0.1
				c.Reasons = append(c.Reasons, "same weakness ("+cwe+")")
			}
			if sim := jaccard(mine, words(c.Title+" "+desc)); sim > 0.15 {
				c.Score += 0.3 * sim / 0.6 // a 60% word overlap counts fully
				c.Reasons = append(c.Reasons, fmt.Sprintf("%.0f%% of the words in common", sim*100))
			}
			c.Score = min(c.Score, 1)
			if c.Score >= 0.4 {
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

var stopwords = map[string]bool{"the": true, "and": true, "for": true, "with": true, "that": true, "this": true,
	"from": true, "are": true, "was": true, "can": true, "which": true, "when": true, "into": true, "has": true,
	"have": true, "not": true, "via": true, "allows": true, "attacker": true, "vulnerability": true, "version": true}

// words is the set of distinct lower-case words of three letters or more.
func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) >= 3 && !stopwords[w] {
			out[w] = true
		}
	}
	return out
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for w := range a {
		if b[w] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
