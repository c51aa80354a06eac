// Package maturity keeps the CSIRT maturity of each CERT against SIM3
// (the Security Incident Management Maturity Model, v1: 44 parameters in
// four groups — organisation, human, tools, processes — each at a level
// from 0 to 4): self-assessments by the CERT, peer reviews by another
// CERT that start from its latest self-assessment, each level backed by
// evidence links to what the platform holds (policies as publications,
// courses, exercises and their outcomes, periodic reports with the
// incident and disclosure figures, incidents, cases), found through
// maturity.Records; and the history of levels over time.
//
// Its SQL names governance_maturity, governance_maturity_levels and
// governance_maturity_evidence only.
package maturity
