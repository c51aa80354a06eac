package assessment

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/actions"
	kc "github.com/certhub/certhub/internal/platform/catalogue"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Methods are how an assessor checks a control.
var Methods = []string{"interview", "document_review", "technical_test", "observation", "configuration_review"}

// rules: every control belongs to a family (maturity rolls up by it); how
// it is checked is optional.
var rules = kc.Rules{Methods: Methods, RequireFamily: true}

// tables are governance's baseline tables.
var tables = kc.Tables{Owner: "assessment", Key: "baseline", Catalogues: "governance_baselines", Requirements: "governance_controls",
	Methods: "governance_control_methods", Clarifications: "governance_baseline_clarifications"}

// results are the assessors' verdicts.
var results = kc.ResultTable{Owner: "assessment", Table: "governance_assessment_results", Subject: "assessment_id"}

// plan is the remediation plans' table.
const plan = actions.Table("governance_assessment_actions")

// Baseline is one version of a control baseline.
type Baseline struct {
	Baseline string `json:"baseline"`
	kc.Catalogue
}

// BaselineSummary is a version without its controls.
type BaselineSummary struct {
	Baseline string `json:"baseline"`
	kc.Summary
}

// Verdicts of an assessor on a control.
const (
	Met           = "met"
	Partial       = "partial"
	NotMet        = "not_met"
	NotApplicable = "not_applicable"
)

// Verdicts lists them.
var Verdicts = []string{Met, Partial, NotMet, NotApplicable}

// score is what a verdict counts for in a maturity score (out of 1);
// not applicable counts for nothing either way.
func score(v string) float64 {
	switch v {
	case Met:
		return 1
	case Partial:
		return 0.5
	}
	return 0
}

// States of an assessment.
const (
	Planned    = "planned"
	InProgress = "in_progress"
	Reported   = "reported"
	Closed     = "closed"
)

// Assessment is one assessment of an organisation.
type Assessment struct {
	ID              string     `json:"id"`
	Number          string     `json:"number"`
	OrgID           string     `json:"org_id"`
	Org             string     `json:"org"`
	Sector          string     `json:"sector,omitempty"`
	CERTOrgID       string     `json:"cert_org_id,omitempty"`
	CERT            string     `json:"cert,omitempty"`
	AssessorOrgID   string     `json:"assessor_org_id"`
	Assessor        string     `json:"assessor"`
	Baseline        string     `json:"baseline"`
	BaselineVersion int        `json:"baseline_version"`
	Scope           string     `json:"scope"`
	State           string     `json:"state"`
	StartsOn        string     `json:"starts_on"`
	Summary         string     `json:"summary,omitempty"`
	ReassessMonths  int        `json:"reassess_months"`
	NextDueOn       string     `json:"next_due_on,omitempty"`
	FollowedBy      string     `json:"followed_by,omitempty"`
	ReportedAt      *time.Time `json:"reported_at,omitempty"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`
	CreatedBy       string     `json:"created_by"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	// Progress: controls with a verdict, of all; Score the share met
	// (partial counts half, not applicable not at all), 0–100.
	Assessed int     `json:"assessed"`
	Controls int     `json:"controls"`
	Score    float64 `json:"score"`
	// OpenActions and OverdueActions count the remediation plan.
	OpenActions    int `json:"open_actions"`
	OverdueActions int `json:"overdue_actions"`
}

// Detail is an assessment with its baseline version, verdicts, scores by
// family and remediation plan.
type Detail struct {
	Assessment
	Controls []kc.Requirement `json:"controls"`
	Results  []kc.Result      `json:"results"`
	Families []FamilyScore    `json:"families"`
	Plan     []PlanItem       `json:"plan"`
	// What the reader may do.
	Can Can `json:"-"`
}

// Can is what one reader may do with an assessment.
type Can struct {
	Assess, Report, Plan, Close bool
}

// FamilyScore is the share of a family's controls met.
type FamilyScore struct {
	Family     string  `json:"family"`
	Controls   int     `json:"controls"`
	Applicable int     `json:"applicable"`
	Score      float64 `json:"score"` // 0–100
}

// PlanItem is an action of a remediation plan, with the control it
// remedies.
type PlanItem struct {
	actions.Action
	Requirement string `json:"requirement,omitempty"`
	Escalated   bool   `json:"escalated"`
	// Moves: the reader may move it on.
	Moves bool `json:"-"`
}

// Input opens an assessment.
type Input struct {
	OrgID         string `json:"org_id"`
	AssessorOrgID string `json:"assessor_org_id"`
	Baseline      string `json:"baseline"`
	Scope         string `json:"scope"`
	// StartsOn is the first day of fieldwork (YYYY-MM-DD; today when
	// left out); ReassessMonths when the next is due after the report (12
	// when 0).
	StartsOn       string `json:"starts_on"`
	ReassessMonths int    `json:"reassess_months"`
}

// ResultInput is the assessor's verdict on a control: Notes carry the
// evidence; Severity is the shortfall's (the control's own when left out
// of a control not met).
type ResultInput struct {
	Verdict  string `json:"verdict"`
	Severity string `json:"severity"`
	Notes    string `json:"notes"`
}

// ReportInput closes the fieldwork with the assessor's summary.
type ReportInput struct {
	Summary string `json:"summary"`
}

// PlanInput is an action of the remediation plan.
type PlanInput struct {
	actions.Input
	Requirement string `json:"requirement"`
}

// Filter narrows the list.
type Filter struct {
	OrgID, State, Sector string
}

// MaturityRow is one sector's score in one control family, over the
// latest reported assessment of each organisation against a baseline.
type MaturityRow struct {
	Sector        string  `json:"sector"`
	Family        string  `json:"family"`
	Organisations int     `json:"organisations"`
	Score         float64 `json:"score"` // 0–100
}

// Maturity is the roll-up of a baseline by sector and family.
type Maturity struct {
	Baseline string        `json:"baseline"`
	Families []string      `json:"families"`
	Sectors  []string      `json:"sectors"`
	Rows     []MaturityRow `json:"rows"`
}

// Cell answers the row of sector and family, if any.
func (m Maturity) Cell(sector, family string) *MaturityRow {
	for i := range m.Rows {
		if m.Rows[i].Sector == sector && m.Rows[i].Family == family {
			return &m.Rows[i]
		}
	}
	return nil
}

// text checks a free-text field.
func text(f *errs.Fields, field, s string, max int, required bool) string {
	s = strings.TrimSpace(s)
	if (required && s == "") || utf8.RuneCountInString(s) > max || strings.ContainsRune(s, 0) {
		if required {
			f.Add(field, "1 to %d characters", max)
		} else {
			f.Add(field, "at most %d characters", max)
		}
	}
	return s
}
