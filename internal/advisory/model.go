package advisory

import (
	"time"
)

// Kind is what a publication is.
type Kind string

const (
	KindAdvisory  Kind = "advisory"  // vulnerabilities in products: CSAF security advisory
	KindAlert     Kind = "alert"     // an active threat: CSAF informational advisory
	KindGuideline Kind = "guideline" // hardening guidance: CSAF informational advisory
	KindNews      Kind = "news"      // news from the center: no CSAF document
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{KindAdvisory, KindAlert, KindGuideline, KindNews}

func (k Kind) valid() bool {
	switch k {
	case KindAdvisory, KindAlert, KindGuideline, KindNews:
		return true
	}
	return false
}

// HasCSAF reports whether publications of this kind carry a CSAF document.
func (k Kind) HasCSAF() bool { return k != KindNews }

// Status is where the working copy stands.
type Status string

const (
	StatusDraft     Status = "draft"     // being written (or revised after publication)
	StatusInReview  Status = "in_review" // waiting for a second person's approval
	StatusApproved  Status = "approved"  // approved, waiting for its publication time
	StatusPublished Status = "published" // the working copy is the latest published revision
)

// Severity is the aggregate severity shown on pages and in CSAF.
var Severities = []string{"critical", "high", "medium", "low", "none"}

// Product is one product (at a version or range of versions) the
// publication is about. ID is its CSAF product ID, stable across revisions.
type Product struct {
	ID       string `json:"id"`
	Vendor   string `json:"vendor"`
	Name     string `json:"name"`
	Versions string `json:"versions,omitempty"` // "2.4.1", or a range such as "<2.4.2" or "vers:semver/>=2.0|<2.4.2"
	CPE      string `json:"cpe,omitempty"`
	PURL     string `json:"purl,omitempty"`
}

// Label is the product as people say it: "NetForge Router OS 2.4.1".
func (p Product) Label() string {
	s := p.Vendor + " " + p.Name
	if p.Versions != "" {
		s += " " + p.Versions
	}
	return s
}

// Product statuses, in CSAF's vocabulary.
const (
	StatusKnownAffected      = "known_affected"
	StatusFixed              = "fixed"
	StatusKnownNotAffected   = "known_not_affected"
	StatusUnderInvestigation = "under_investigation"
	StatusFirstFixed         = "first_fixed"
	StatusRecommended        = "recommended"
)

// ProductStatuses lists the statuses an editor picks from.
var ProductStatuses = []string{StatusKnownAffected, StatusFixed, StatusKnownNotAffected, StatusUnderInvestigation,
	StatusFirstFixed, StatusRecommended}

// Remediation categories, in CSAF's vocabulary.
var RemediationCategories = []string{"vendor_fix", "mitigation", "workaround", "none_available", "no_fix_planned"}

// Remediation is what to do about a vulnerability in some products.
type Remediation struct {
	Category   string   `json:"category"`
	Details    string   `json:"details"`
	URL        string   `json:"url,omitempty"`
	ProductIDs []string `json:"product_ids"`
}

// Vuln is one vulnerability of an advisory.
type Vuln struct {
	CVE         string `json:"cve,omitempty"`
	Title       string `json:"title"`
	Description string `json:"description"`
	CWE         string `json:"cwe,omitempty"` // CWE-79
	CVSS3       string `json:"cvss3,omitempty"`
	CVSS4       string `json:"cvss4,omitempty"`
	// Status is each product's status for this vulnerability (by product ID).
	Status       map[string]string `json:"status"`
	Remediations []Remediation     `json:"remediations"`
	Exploited    bool              `json:"exploited,omitempty"`
}

// Reference is a link with what it is.
type Reference struct {
	URL     string `json:"url"`
	Summary string `json:"summary"`
}

// Content is a publication's text and facts: the working copy, and frozen in
// every published revision.
type Content struct {
	Title    string `json:"title"`
	Summary  string `json:"summary"`            // one paragraph: what and who is concerned
	Details  string `json:"details,omitempty"`  // Markdown: the body of alerts, guidelines, news
	Action   string `json:"action,omitempty"`   // Markdown: what to do, in plain words
	Severity string `json:"severity,omitempty"` // critical … none; derived from CVSS when empty
	Lang     string `json:"lang"`
	// Sectors the publication concerns most (for per-sector feeds); empty: everyone.
	Sectors         []string    `json:"sectors"`
	Products        []Product   `json:"products"`
	Vulns           []Vuln      `json:"vulnerabilities"`
	References      []Reference `json:"references"`
	Acknowledgments []string    `json:"acknowledgments"` // names, as they asked to be credited
}

// Advisory is a publication with its working copy and publication state.
type Advisory struct {
	ID         string  `json:"id"`
	TrackingID string  `json:"tracking_id"`
	Kind       Kind    `json:"kind"`
	Status     Status  `json:"status"`
	TLP        string  `json:"tlp"`
	Content    Content `json:"content"`
	CaseID     *string `json:"case_id,omitempty"`
	Imported   bool    `json:"imported"`
	// Recipients are the organisations a TLP:AMBER or AMBER+STRICT
	// publication is for; RecipientUsers the people named as recipients,
	// the only readers of a TLP:RED one besides the center's staff.
	Recipients     []string `json:"recipients"`
	RecipientUsers []string `json:"recipient_users"`

	AuthorID     *string    `json:"author_id,omitempty"`
	EditorID     *string    `json:"editor_id,omitempty"`
	Editors      []string   `json:"-"` // everyone who changed the working copy since the last publication
	SubmittedBy  *string    `json:"submitted_by,omitempty"`
	ApprovedBy   *string    `json:"approved_by,omitempty"`
	ReviewNote   string     `json:"review_note,omitempty"`
	RevisionNote string     `json:"revision_note,omitempty"`
	PublishAt    *time.Time `json:"publish_at,omitempty"`

	PublishedVersion int        `json:"published_version"`
	FirstPublishedAt *time.Time `json:"first_published_at,omitempty"`
	LastPublishedAt  *time.Time `json:"last_published_at,omitempty"`
	PublishedTLP     string     `json:"published_tlp,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Published reports whether some revision has been published.
func (a Advisory) Published() bool { return a.PublishedVersion > 0 }

// Revision is one published revision, frozen.
type Revision struct {
	AdvisoryID  string    `json:"advisory_id"`
	Number      int       `json:"number"`
	Summary     string    `json:"summary"`
	Content     Content   `json:"content"`
	TLP         string    `json:"tlp"`
	CSAF        []byte    `json:"-"`
	SHA256      string    `json:"sha256,omitempty"`
	SHA512      string    `json:"sha512,omitempty"`
	Signature   string    `json:"-"`
	ApprovedBy  *string   `json:"approved_by,omitempty"`
	PublishedAt time.Time `json:"published_at"`
}

// Publication is what the public website, the feeds and the CSAF provider
// show: an advisory's latest published revision with its history.
type Publication struct {
	ID               string         `json:"id"`
	TrackingID       string         `json:"tracking_id"`
	Kind             Kind           `json:"kind"`
	TLP              string         `json:"tlp"`
	Severity         string         `json:"severity"`
	Version          int            `json:"version"`
	FirstPublishedAt time.Time      `json:"first_published_at"`
	LastPublishedAt  time.Time      `json:"last_published_at"`
	Content          Content        `json:"content"`
	History          []HistoryEntry `json:"history,omitempty"`
}

// HistoryEntry is one line of a publication's revision history as the
// public sees it: earlier revisions' content (perhaps under another TLP, or
// corrected for a reason) is not republished.
type HistoryEntry struct {
	Number      int       `json:"number"`
	Summary     string    `json:"summary"`
	PublishedAt time.Time `json:"published_at"`
}
