// Package assessment keeps the assessments and audits of constituents:
// control baselines (the national policy's controls, CIS Controls),
// imported as JSON and versioned with platform/catalogue — the mechanism
// procurement's criteria use — over governance's tables; assessments with
// a scope and an assessor (a CERT or an accredited lab) that record a
// verdict per control with evidence and severity (platform/catalogue's
// results); a remediation plan of actions (platform/actions) the
// constituent moves on in its portal, reminded as days run out and
// escalated to its CERT when overdue; re-assessment opened on schedule;
// and maturity per control family rolled up by sector.
//
// Its SQL names governance_baselines, governance_controls,
// governance_control_methods, governance_baseline_clarifications,
// governance_assessments, governance_assessment_results and
// governance_assessment_actions only.
package assessment
