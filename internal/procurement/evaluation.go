package procurement

import (
	kc "github.com/certhub/certhub/internal/platform/catalogue"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/procurement/sbom"
)

// States of an evaluation.
const (
	EvalRequested       = "requested"
	EvalAccepted        = "accepted"
	EvalRefused         = "refused"
	EvalLabAssigned     = "lab_assigned"
	EvalTesting         = "testing"
	EvalReportSubmitted = "report_submitted"
	EvalUnderReview     = "under_review"
	EvalApproved        = "approved"
	EvalApprovedCond    = "approved_with_conditions"
	EvalRejected        = "rejected"
	EvalWithdrawn       = "withdrawn"
)

// EvalStates lists them in the order an evaluation goes through them.
var EvalStates = []string{EvalRequested, EvalAccepted, EvalRefused, EvalLabAssigned, EvalTesting, EvalReportSubmitted,
	EvalUnderReview, EvalApproved, EvalApprovedCond, EvalRejected, EvalWithdrawn}

// Closed reports whether an evaluation in state is over.
func Closed(state string) bool {
	switch state {
	case EvalRefused, EvalApproved, EvalApprovedCond, EvalRejected, EvalWithdrawn:
		return true
	}
	return false
}

// Actions move an evaluation from one state to the next.
const (
	ActAccept   = "accept"    // staff: requested → accepted (pins the catalogue version)
	ActRefuse   = "refuse"    // staff: requested → refused (reason)
	ActAssign   = "assign"    // staff: accepted → lab_assigned (lab_id; the lab must be accredited for the category)
	ActStart    = "start"     // the lab: lab_assigned → testing
	ActSubmit   = "submit"    // the lab: testing → report_submitted (every requirement judged, a report)
	ActReview   = "review"    // staff: report_submitted → under_review
	ActSendBack = "send_back" // staff: report_submitted or under_review → testing (reason)
	ActDecide   = "decide"    // staff: under_review → approved, approved_with_conditions or rejected
	ActWithdraw = "withdraw"  // the requester or the vendor: any open state → withdrawn
)

// Actions lists them.
var Actions = []string{ActAccept, ActRefuse, ActAssign, ActStart, ActSubmit, ActReview, ActSendBack, ActDecide, ActWithdraw}

// from says in which states each action may be taken.
var from = map[string][]string{
	ActAccept:   {EvalRequested},
	ActRefuse:   {EvalRequested},
	ActAssign:   {EvalAccepted, EvalLabAssigned},
	ActStart:    {EvalLabAssigned},
	ActSubmit:   {EvalTesting},
	ActReview:   {EvalReportSubmitted, EvalAccepted}, // accepted: an assurance maintenance the center reviews without a lab
	ActSendBack: {EvalReportSubmitted, EvalUnderReview},
	ActDecide:   {EvalUnderReview},
	ActWithdraw: {EvalRequested, EvalAccepted, EvalLabAssigned, EvalTesting, EvalReportSubmitted, EvalUnderReview},
}

// Verdicts of a lab on a requirement.
const (
	VerdictPass          = "pass"
	VerdictFail          = "fail"
	VerdictNotApplicable = "not_applicable"
	VerdictInconclusive  = "inconclusive"
)

// Verdicts lists them.
var Verdicts = []string{VerdictPass, VerdictFail, VerdictNotApplicable, VerdictInconclusive}

// File kinds of an evaluation.
const (
	FileDatasheet      = "datasheet"
	FileHardeningGuide = "hardening_guide"
	FileEvidence       = "evidence"
	FileReport         = "report"
)

// FileKinds lists them.
var FileKinds = []string{FileDatasheet, FileHardeningGuide, FileEvidence, FileReport}

// Evaluation is a product's security evaluation.
type Evaluation struct {
	ID               string     `json:"id"`
	Number           string     `json:"number"`
	Product          string     `json:"product"`
	Vendor           string     `json:"vendor"`
	VendorOrgID      *string    `json:"vendor_org_id,omitempty"`
	Version          string     `json:"version"`
	Category         string     `json:"category"`
	IntendedUse      string     `json:"intended_use"`
	Buyers           string     `json:"buyers"`
	RequesterOrgID   string     `json:"requester_org_id"`
	RequestedBy      string     `json:"requested_by,omitempty"`
	State            string     `json:"state"`
	StateSince       time.Time  `json:"state_since"`
	CatalogueVersion *int       `json:"catalogue_version,omitempty"`
	LabOrgID         *string    `json:"lab_org_id,omitempty"`
	Lab              string     `json:"lab,omitempty"`
	Reason           string     `json:"reason,omitempty"`
	SBOMFormat       string     `json:"sbom_format,omitempty"`
	SBOMSpecVersion  string     `json:"sbom_spec_version,omitempty"`
	SBOMComponents   int        `json:"sbom_components"`
	SentBack         int        `json:"sent_back"`
	DecidedAt        *time.Time `json:"decided_at,omitempty"`
	// MaintenanceOf is, for an assurance maintenance, the approved entry
	// the new version joins once approved; ImpactAnalysis says what
	// changed and what it touches. Such an evaluation may go to review
	// without a lab.
	MaintenanceOf  *string `json:"maintenance_of,omitempty"`
	ImpactAnalysis string  `json:"impact_analysis,omitempty"`
	// ProductID is the approved-products entry an approval made.
	ProductID string    `json:"product_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Open reports whether the evaluation is still under way.
func (e Evaluation) Open() bool { return !Closed(e.State) }

// Detail is an evaluation with what the reader may see of its work.
type Detail struct {
	Evaluation
	// Actions are the actions the reader may take now.
	Actions    []string         `json:"actions"`
	Clocks     []Clock          `json:"clocks"`
	History    []Event          `json:"history"`
	Components []sbom.Component `json:"components,omitempty"`
	Results    []Result         `json:"results,omitempty"`
	Findings   []Finding        `json:"findings"`
	Files      []File           `json:"files"`
	// Reader is how the reader reads it (the pages' choice of forms).
	Reader Reader `json:"-"`
}

// Reader is how one reader reads an evaluation: as the center's staff, as
// the assigned lab, or as a party (the requester or the vendor: released
// findings only).
type Reader struct {
	Staff, Tester, Party bool
}

// Clock is the time an evaluation spent (or is spending) in one state.
type Clock struct {
	State   string `json:"state"`
	Seconds int64  `json:"seconds"`
	Running bool   `json:"running"`
}

// Event is one change of state.
type Event struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	LabID  string    `json:"lab_id,omitempty"`
	Reason string    `json:"reason,omitempty"`
}

// Result is the lab's verdict on one requirement.
type Result = kc.Result

// Finding is a weakness the lab found.
type Finding struct {
	ID          string    `json:"id"`
	Requirement string    `json:"requirement,omitempty"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	CVSSVector  string    `json:"cvss_vector,omitempty"`
	CVSSScore   *float64  `json:"cvss_score,omitempty"`
	Severity    string    `json:"severity,omitempty"`
	CWE         string    `json:"cwe,omitempty"`
	Released    bool      `json:"released"`
	CreatedBy   string    `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// File is a document of an evaluation (its content is read apart).
type File struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Requirement string    `json:"requirement,omitempty"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// EvaluationInput requests an evaluation. SBOM is the SBOM document itself
// (CycloneDX or SPDX JSON), optional at the request.
type EvaluationInput struct {
	Product     string  `json:"product"`
	Vendor      string  `json:"vendor"`
	VendorOrgID *string `json:"vendor_org_id"`
	Version     string  `json:"version"`
	Category    string  `json:"category"`
	IntendedUse string  `json:"intended_use"`
	Buyers      string  `json:"buyers"`
	// OrgID is the requesting organisation (the caller's only one when
	// left out).
	OrgID string `json:"org_id"`
	// MaintenanceOf asks for assurance maintenance of an approved entry
	// (a new version of its product), with the impact analysis.
	MaintenanceOf  string `json:"maintenance_of"`
	ImpactAnalysis string `json:"impact_analysis"`
}

// Transition is an action on an evaluation, with what it needs.
type Transition struct {
	Action string `json:"action"`
	Reason string `json:"reason"`
	LabID  string `json:"lab_id"`
	// Decision (decide): approved, approved_with_conditions or rejected.
	Decision   string `json:"decision"`
	Conditions string `json:"conditions"`
	// ValidUntil (decide, approving) is the last day of validity
	// (YYYY-MM-DD; two years when left out).
	ValidUntil   string `json:"valid_until"`
	GuidelineURL string `json:"guideline_url"`
}

// ResultInput is the lab's verdict on a requirement.
type ResultInput struct {
	Verdict string `json:"verdict"`
	Notes   string `json:"notes"`
}

// FindingInput is a finding the lab records.
type FindingInput struct {
	Requirement string `json:"requirement"`
	Title       string `json:"title"`
	Description string `json:"description"`
	CVSSVector  string `json:"cvss_vector"`
	CWE         string `json:"cwe"`
}

// EvaluationFilter narrows the list.
type EvaluationFilter struct {
	State    string
	Category string
	LabID    string
	Limit    int
	Cursor   string
}

// ValidAction reports whether a is an action.
func ValidAction(a string) bool { return slices.Contains(Actions, a) }
