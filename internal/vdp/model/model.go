package model

import (
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/ssvc"
)

// How long a record's texts may be (intake and the case forms check them).
const (
	MaxTitle = 200   // titles, vendors, products
	MaxText  = 50000 // descriptions, impacts, statements
	MaxShort = 500   // versions, short notes
	MaxRefs  = 50    // references
)

// ReportStatus is where a report stands.
type ReportStatus string

const (
	ReportReceived  ReportStatus = "received"  // waiting for triage
	ReportNeedInfo  ReportStatus = "need_info" // the reporter was asked for more; the SLA clock is paused
	ReportAccepted  ReportStatus = "accepted"  // valid and taken into a case
	ReportTracked   ReportStatus = "tracked"   // valid; the center tracks it without coordinating (SSVC "track")
	ReportDeclined  ReportStatus = "declined"  // invalid or out of scope; the reporter was told why
	ReportDuplicate ReportStatus = "duplicate" // the same as an earlier report
)

// Open reports still need the center.
func (s ReportStatus) Open() bool { return s == ReportReceived || s == ReportNeedInfo }

// Reporter is who reported, as far as they chose to say: every field is optional.
type Reporter struct {
	Name   string `json:"name"`
	Email  string `json:"email"`
	PGPKey string `json:"pgp_key,omitempty"`
}

// Report is a vulnerability report.
type Report struct {
	ID              string         `json:"id"`
	TrackingID      string         `json:"tracking_id"`
	Source          string         `json:"source"` // web, api, console, email
	SubmitterOrgID  *string        `json:"submitter_org_id,omitempty"`
	SubmitterUserID *string        `json:"submitter_user_id,omitempty"`
	Reporter        Reporter       `json:"reporter"`
	Title           string         `json:"title"`
	Description     string         `json:"description"`
	Vendor          string         `json:"vendor"`
	VendorOrgID     *string        `json:"vendor_org_id,omitempty"`
	Product         string         `json:"product"`
	Versions        string         `json:"versions"`
	CWE             string         `json:"cwe"`
	Impact          string         `json:"impact"`
	Reproduction    string         `json:"reproduction"`
	Public          bool           `json:"public"`
	Exploited       bool           `json:"exploited"`
	References      []string       `json:"references"`
	VendorContacted bool           `json:"vendor_contacted"`
	VendorContact   string         `json:"vendor_contact"`
	DisclosurePlans string         `json:"disclosure_plans"`
	Credit          string         `json:"credit"`
	EncryptedBody   string         `json:"encrypted_body,omitempty"`
	Status          ReportStatus   `json:"status"`
	Validity        string         `json:"validity"`
	AssignedOrgID   *string        `json:"assigned_org_id,omitempty"`
	RoutedBy        string         `json:"routed_by,omitempty"`
	CaseID          *string        `json:"case_id,omitempty"`
	DuplicateOf     *string        `json:"duplicate_of,omitempty"`
	DeclineReason   string         `json:"decline_reason,omitempty"`
	SSVCTriage      *ssvc.Decision `json:"ssvc_triage,omitempty"`
	SSVCPublish     *ssvc.Decision `json:"ssvc_publish,omitempty"`
	CVSS3           *cvss.Score    `json:"cvss3,omitempty"`
	CVSS4           *cvss.Score    `json:"cvss4,omitempty"`
	Sectors         []string       `json:"sectors"`
	CII             bool           `json:"cii"`
	ReceivedAt      time.Time      `json:"received_at"`
	AcknowledgedAt  *time.Time     `json:"acknowledged_at,omitempty"`
	TriagedAt       *time.Time     `json:"triaged_at,omitempty"`
	WaitingSince    *time.Time     `json:"waiting_since,omitempty"`
	PausedSeconds   int64          `json:"paused_seconds"`
	ClosedAt        *time.Time     `json:"closed_at,omitempty"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

// Message is one message between the center and a reporter.
type Message struct {
	ID           string    `json:"id"`
	FromReporter bool      `json:"from_reporter"`
	Author       string    `json:"author"`
	Body         string    `json:"body"`
	CreatedAt    time.Time `json:"created_at"`
}

// Attachment is a file attached to a report.
type Attachment struct {
	ID          string    `json:"id"`
	ReportID    string    `json:"report_id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// CaseStatus is where a case stands.
type CaseStatus string

const (
	CaseOpen         CaseStatus = "open"
	CaseCoordinating CaseStatus = "coordinating"
	CaseRemediation  CaseStatus = "remediation"
	CaseDisclosed    CaseStatus = "disclosed"
	CaseClosed       CaseStatus = "closed"
)

// CaseStatuses in order.
var CaseStatuses = []CaseStatus{CaseOpen, CaseCoordinating, CaseRemediation, CaseDisclosed, CaseClosed}

// Embargo states of Vultron.
var EmbargoStates = []string{"none", "proposed", "active", "revise", "exited"}

// Case is a coordination case.
type Case struct {
	ID                   string     `json:"id"`
	Number               string     `json:"number"`
	Title                string     `json:"title"`
	Summary              string     `json:"summary"`
	References           []string   `json:"references"`
	Status               CaseStatus `json:"status"`
	OwnerOrgID           string     `json:"owner_org_id"`
	TLP                  string     `json:"tlp"`
	Embargo              string     `json:"embargo"`
	PublicationAt        *time.Time `json:"publication_at,omitempty"`
	FirstVendorContactAt *time.Time `json:"first_vendor_contact_at,omitempty"`
	DisclosedAt          *time.Time `json:"disclosed_at,omitempty"`
	ClosedAt             *time.Time `json:"closed_at,omitempty"`
	Facts                Facts      `json:"facts"`
	CreatedAt            time.Time  `json:"created_at"`
	UpdatedAt            time.Time  `json:"updated_at"`

	// DeadlineWarnedFor is the publication date participants were last
	// warned of (the reminders job's; never written out).
	DeadlineWarnedFor *time.Time `json:"-"`
}

// Facts are Vultron's case states: each becomes true once, at a time.
type Facts struct {
	VendorAware     *time.Time `json:"vendor_aware,omitempty"`
	FixReady        *time.Time `json:"fix_ready,omitempty"`
	FixDeployed     *time.Time `json:"fix_deployed,omitempty"`
	PublicAware     *time.Time `json:"public_aware,omitempty"`
	ExploitPublic   *time.Time `json:"exploit_public,omitempty"`
	AttacksObserved *time.Time `json:"attacks_observed,omitempty"`
}

// FactNames are the facts' names in the API, in Vultron's order.
var FactNames = []string{"vendor_aware", "fix_ready", "fix_deployed", "public_aware", "exploit_public", "attacks_observed"}

func (f *Facts) field(name string) **time.Time {
	switch name {
	case "vendor_aware":
		return &f.VendorAware
	case "fix_ready":
		return &f.FixReady
	case "fix_deployed":
		return &f.FixDeployed
	case "public_aware":
		return &f.PublicAware
	case "exploit_public":
		return &f.ExploitPublic
	case "attacks_observed":
		return &f.AttacksObserved
	}
	return nil
}

// Set makes the fact called name (one of FactNames) true since at, or
// false when at is nil, and reports whether that changed it (a fact
// already true keeps its first time).
func (f *Facts) Set(name string, at *time.Time) bool {
	p := f.field(name)
	if p == nil || (*p == nil) == (at == nil) {
		return false
	}
	*p = at
	return true
}

// At is when the fact called name (one of FactNames) became true, nil
// while it is not.
func (f Facts) At(name string) *time.Time {
	if p := f.field(name); p != nil {
		return *p
	}
	return nil
}

// Embargoed reports whether the case's details are still confined to its
// participants at t.
func (c Case) Embargoed(t time.Time) bool {
	return c.DisclosedAt == nil || c.PublicationAt == nil || t.Before(*c.PublicationAt)
}

// Vuln is one vulnerability of a case.
type Vuln struct {
	ID          string         `json:"id"`
	CaseID      string         `json:"case_id"`
	Position    int            `json:"position"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	CWE         string         `json:"cwe"`
	CVEID       string         `json:"cve_id,omitempty"`
	CVSS3       *cvss.Score    `json:"cvss3,omitempty"`
	CVSS4       *cvss.Score    `json:"cvss4,omitempty"`
	SSVC        *ssvc.Decision `json:"ssvc,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// ParticipantRole is what an organisation does in a case.
type ParticipantRole string

const (
	RoleVendor      ParticipantRole = "vendor"
	RoleCERT        ParticipantRole = "cert"
	RoleConstituent ParticipantRole = "constituent"
	RoleCoordinator ParticipantRole = "coordinator"
)

// ParticipantRoles lists the roles.
var ParticipantRoles = []ParticipantRole{RoleVendor, RoleCERT, RoleConstituent, RoleCoordinator}

// Participant is an organisation taking part in a case.
type Participant struct {
	CaseID         string          `json:"case_id"`
	OrgID          string          `json:"org_id"`
	OrgName        string          `json:"org_name"`
	Role           ParticipantRole `json:"role"`
	TheirTracking  string          `json:"their_tracking_id"`
	NotifiedAt     *time.Time      `json:"notified_at,omitempty"`
	SeenAt         *time.Time      `json:"seen_at,omitempty"`
	AcknowledgedAt *time.Time      `json:"acknowledged_at,omitempty"`
	Reminders      int             `json:"reminders"`
	LastReminderAt *time.Time      `json:"last_reminder_at,omitempty"`
	EscalatedAt    *time.Time      `json:"escalated_at,omitempty"`
	AddedAt        time.Time       `json:"added_at"`
}

// Contact is how far a vendor has come: notified, seen, acknowledged.
func (p Participant) Contact() string {
	switch {
	case p.AcknowledgedAt != nil:
		return "acknowledged"
	case p.SeenAt != nil:
		return "seen"
	case p.NotifiedAt != nil:
		return "notified"
	}
	return "not notified"
}

// Product statuses, in CSAF's vocabulary. A vendor that has said nothing is
// "unknown" — never shown as not affected.
const (
	StatusUnknown            = "unknown"
	StatusKnownAffected      = "known_affected"
	StatusKnownNotAffected   = "known_not_affected"
	StatusFixed              = "fixed"
	StatusUnderInvestigation = "under_investigation"
)

// ProductStatuses are the statements a vendor can make.
var ProductStatuses = []string{StatusUnderInvestigation, StatusKnownAffected, StatusFixed, StatusKnownNotAffected}

// ValidProductStatus reports whether s is a statement a vendor can make.
func ValidProductStatus(s string) bool { return slices.Contains(ProductStatuses, s) }

// ProductStatus is a vendor's statement about one product for one vulnerability.
type ProductStatus struct {
	ID            string    `json:"id"`
	VulnID        string    `json:"vuln_id"`
	VendorOrgID   string    `json:"vendor_org_id"`
	Product       string    `json:"product"`
	Status        string    `json:"status"`
	Statement     string    `json:"statement"`
	FixedVersions string    `json:"fixed_versions"`
	Mitigation    string    `json:"mitigation"`
	Workaround    string    `json:"workaround"`
	UpdatedBy     string    `json:"updated_by"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Visibilities of timeline entries and of threads (the threads package
// spells its three with these).
const (
	VisibleInternal     = "internal"     // the center only
	VisibleParticipants = "participants" // every participant and the center
	VisibleVendor       = "vendor"       // one vendor and the center
	VisibleReporter     = "reporter"     // the reporter and the center
)

// DateChange is one change of a case's expected publication date.
type DateChange struct {
	OldAt     *time.Time `json:"old_at,omitempty"`
	NewAt     time.Time  `json:"new_at"`
	Reason    string     `json:"reason"`
	CreatedAt time.Time  `json:"created_at"`
}

// ReportFilter narrows the report list.
type ReportFilter struct {
	Status   string // a status, or "open" for received and need_info
	Assigned string // organisation ID
	Query    string
	Cursor   string
	Limit    int
}

// CaseFilter narrows the case list.
type CaseFilter struct {
	Status string
	Owner  string
	Query  string
	CVE    string // cases with a vulnerability of this CVE ID
	Cursor string
	Limit  int
}

// ParseVector scores a vector of the expected major version ("3" or "4").
func ParseVector(field, vector, major string) (*cvss.Score, error) {
	vector = strings.TrimSpace(vector)
	if vector == "" {
		return nil, nil
	}
	sc, err := cvss.Parse(vector)
	if err != nil {
		return nil, errs.InvalidField(field, "%s", err.Error())
	}
	if !strings.HasPrefix(string(sc.Version), major+".") {
		return nil, errs.InvalidField(field, "must be a CVSS %s vector, not %s", major, sc.Version)
	}
	return &sc, nil
}

// NamedProduct is a product a case's report names: what other domains
// watch (procurement's approved-products list), without the case's
// details.
type NamedProduct struct {
	CaseID        string
	CaseNumber    string
	CaseCreatedAt time.Time
	Vendor        string
	Product       string
	Versions      string
}
