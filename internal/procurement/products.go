package procurement

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/errs"
)

// States of an entry of the approved-products list.
const (
	ProductApproved       = "approved"
	ProductApprovedCond   = "approved_with_conditions"
	ProductUnderReview    = "under_review"
	ProductSuspended      = "suspended"
	ProductRevoked        = "revoked"
	ProductExpired        = "expired"
	SchemeCerthub         = "certhub"
	productKeySeparator   = " "
	defaultValidityYears  = 2
	expiryReminderDays    = 60
	maxProductListLimit   = 200
	defaultProductListLim = 50
)

// ProductStates lists them.
var ProductStates = []string{ProductApproved, ProductApprovedCond, ProductUnderReview, ProductSuspended, ProductRevoked,
	ProductExpired}

// recommended reports whether an entry in state may be bought.
func recommended(state string) bool {
	return state == ProductApproved || state == ProductApprovedCond
}

// Approved is an entry of the approved-products list.
type Approved struct {
	ID           string  `json:"id"`
	EvaluationID *string `json:"evaluation_id,omitempty"`
	Product      string  `json:"product"`
	Vendor       string  `json:"vendor"`
	Versions     string  `json:"versions"`
	Category     string  `json:"category"`
	State        string  `json:"state"`
	// Scheme is certhub for the center's approvals, or the foreign scheme
	// whose certification the center recognises (Recognised).
	Scheme        string     `json:"scheme"`
	Recognised    bool       `json:"recognised"`
	CertificateID string     `json:"certificate_id"`
	Lab           string     `json:"lab"`
	DecidedAt     time.Time  `json:"decided_at"`
	ValidUntil    *time.Time `json:"valid_until"`
	Conditions    string     `json:"conditions"`
	GuidelineURL  string     `json:"guideline_url"`
	PURL          string     `json:"purl,omitempty"`
	CPE           string     `json:"cpe,omitempty"`
	// Reason and AdvisoryURL say why the entry is under review, suspended
	// or revoked.
	Reason      string    `json:"reason,omitempty"`
	AdvisoryURL string    `json:"advisory_url,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// ClearedState is the state a review that finds nothing returns it to.
	ClearedState string `json:"-"`
	// History is every change of the entry, newest first (one entry).
	History []ProductChange `json:"history,omitempty"`
}

// ProductChange is one change of an entry, as the feed shows it.
type ProductChange struct {
	ProductID   string    `json:"product_id"`
	At          time.Time `json:"at"`
	State       string    `json:"state"`
	Reason      string    `json:"reason,omitempty"`
	AdvisoryURL string    `json:"advisory_url,omitempty"`
	// Product, Vendor and Versions name the entry (the feed).
	Product  string `json:"product,omitempty"`
	Vendor   string `json:"vendor,omitempty"`
	Versions string `json:"versions,omitempty"`
}

// productKey is how an entry is matched by name: vendor and product, case
// and spacing folded.
func productKey(vendor, product string) string {
	return strings.Join(strings.Fields(strings.ToLower(vendor)), productKeySeparator) + "|" +
		strings.Join(strings.Fields(strings.ToLower(product)), productKeySeparator)
}

// ProductFilter narrows the approved-products list.
type ProductFilter struct {
	Query    string // words of the product or vendor
	Category string
	Vendor   string
	State    string
	// ValidOn keeps the entries valid on that day.
	ValidOn *time.Time
	Limit   int
	Cursor  string
}

// ProductAction is what staff do with an entry.
type ProductAction struct {
	Action      string `json:"action"` // review, suspend, revoke, clear
	Reason      string `json:"reason"`
	AdvisoryURL string `json:"advisory_url"`
}

// ProductActions lists the actions.
var ProductActions = []string{"review", "suspend", "revoke", "clear"}

func validProductAction(a string) bool { return slices.Contains(ProductActions, a) }

// ParseProductFilter reads a list's filter from a query: q, category,
// vendor, state and valid_on (YYYY-MM-DD).
func ParseProductFilter(q url.Values) (ProductFilter, error) {
	f := ProductFilter{Query: q.Get("q"), Category: q.Get("category"), Vendor: q.Get("vendor"), State: q.Get("state")}
	if v := q.Get("valid_on"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return f, errs.InvalidField("valid_on", "must be a date, YYYY-MM-DD")
		}
		f.ValidOn = &d
	}
	return f, nil
}
