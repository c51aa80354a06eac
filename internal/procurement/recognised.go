package procurement

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/procurement/ccportal"
)

// ccCategories maps the Common Criteria portal's product categories to
// the center's; the others (databases, smart cards, trusted computing…)
// have no catalogue here and are not recognised.
var ccCategories = map[string]string{
	"boundary protection devices and systems":         "firewall",
	"network and network-related devices and systems": "network_device",
	"mobility":                           "mobile_app",
	"key management systems":             "crypto_module",
	"data protection":                    "endpoint_software",
	"operating systems":                  "endpoint_software",
	"access control devices and systems": "endpoint_software",
	"detection devices and systems":      "network_device",
	"multi-function devices":             "iot_ot_device",
	"biometric systems and devices":      "iot_ot_device",
	"ics, smart cards and smart card-related devices and systems": "crypto_module",
}

// CCImport says what an import of the Common Criteria portal's list did.
type CCImport struct {
	Products  int `json:"products"`  // certified products in the file (maintenance rows merged)
	New       int `json:"new"`       // entries added to the list as recognised
	Updated   int `json:"updated"`   // entries whose archival date or state changed
	Unchanged int `json:"unchanged"` // entries already on the list as they are
	// Skipped counts the products of categories the center has no
	// criteria for, by the portal's category.
	Skipped map[string]int `json:"skipped"`
}

// ImportCommonCriteria reads the Common Criteria portal's certified-products
// CSV and recognises its products of the center's categories on the
// approved-products list (staff): scheme "Common Criteria (XX)", decided
// on the certification date (or the latest maintenance), valid until the
// portal's archival date and expired after it. An entry the center has put
// under review, suspended or revoked keeps that state. Audited once.
func (s *Service) ImportCommonCriteria(ctx context.Context, id *auth.Identity, r io.Reader) (CCImport, error) {
	if err := MayManage(id); err != nil {
		return CCImport{}, err
	}
	list, err := ccportal.Parse(r)
	if err != nil {
		return CCImport{}, err
	}
	out := CCImport{Products: len(list), Skipped: map[string]int{}}
	now := s.now().UTC()
	var entries []Approved
	for _, c := range list {
		cat, ok := ccCategories[strings.ToLower(c.Category)]
		if !ok {
			out.Skipped[c.Category]++
			continue
		}
		p := Approved{ID: db.NewID(), Product: c.Name, Vendor: c.Manufacturer, Versions: "as certified", Category: cat,
			State: ProductApproved, Scheme: "Common Criteria (" + c.Scheme + ")", CertificateID: c.ID, DecidedAt: c.Certified,
			ValidUntil: c.Archived,
			CreatedAt:  now, UpdatedAt: now}
		if c.AssuranceLevel != "" {
			p.Conditions = "Certified at " + c.AssuranceLevel + "; use it in its evaluated configuration."
		}
		if n := len(c.Maintenances); n > 0 {
			last := c.Maintenances[n-1]
			p.DecidedAt, p.Versions = last.Date, last.Title
		}
		if c.Archived != nil && c.Archived.Before(now) {
			p.State, p.Reason = ProductExpired, "archived by the Common Criteria portal on "+c.Archived.Format(time.DateOnly)
		}
		entries = append(entries, p)
	}
	skipped := 0
	for _, k := range out.Skipped {
		skipped += k
	}
	t, err := db.SaveInBatches(ctx, s.db, entries, upsertRecognised, func(tx *db.Tx, t db.Tally) error {
		return audit.Record(ctx, tx, now, audit.Event{Action: "procurement.product.recognise", ObjectType: "approved_product",
			Summary: fmt.Sprintf("imported the Common Criteria list: %d products, %d new, %d updated, %d unchanged, %d of other categories",
				out.Products, t.New, t.Updated, t.Unchanged, skipped)})
	})
	out.New, out.Updated, out.Unchanged = t.New, t.Updated, t.Unchanged
	return out, err
}

// upsertRecognised adds a recognised entry, or brings the one of the same
// scheme and certificate up to date: its archival date, and its state
// between approved and expired only.
func upsertRecognised(ctx context.Context, tx *db.Tx, p Approved) (string, error) {
	old, err := scanProduct(tx.QueryRow(ctx, `SELECT `+productColumns+` FROM procurement_products WHERE scheme = $1 AND certificate_id = $2`,
		p.Scheme, p.CertificateID))
	if err != nil {
		if errors.Is(err, db.ErrNoRows) {
			return "new", insertProduct(ctx, tx, p)
		}
		return "", fmt.Errorf("procurement: recognised entry: %w", err)
	}
	state := old.State
	if slices.Contains([]string{ProductApproved, ProductExpired}, old.State) {
		state = p.State
	}
	sameUntil := (old.ValidUntil == nil) == (p.ValidUntil == nil) && (old.ValidUntil == nil || old.ValidUntil.Equal(*p.ValidUntil))
	if state == old.State && sameUntil && old.Versions == p.Versions {
		return "unchanged", nil
	}
	switch {
	case state == ProductExpired:
		old.Reason = p.Reason
	case old.State == ProductExpired: // the portal extended it
		old.Reason = ""
	}
	old.State, old.ValidUntil, old.Versions, old.UpdatedAt = state, p.ValidUntil, p.Versions, p.UpdatedAt
	if _, err := tx.Exec(ctx, `UPDATE procurement_products SET state = $1, valid_until = $2, versions = $3, reason = $4, updated_at = $5
		WHERE id = $6`, old.State, old.ValidUntil, old.Versions, old.Reason, old.UpdatedAt, old.ID); err != nil {
		return "", fmt.Errorf("procurement: recognised entry: %w", err)
	}
	return "updated", insertProductChange(ctx, tx, old)
}
