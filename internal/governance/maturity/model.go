package maturity

import "time"

// Model is the maturity model the parameters are of.
const Model = "sim3-v1"

// Parameter is one of the model's parameters.
type Parameter struct {
	ID    string `json:"id"`    // O-1
	Group string `json:"group"` // O, H, T or P
	Name  string `json:"name"`
	About string `json:"about"`
}

// Groups of parameters, in the model's order, and their names.
var Groups = []string{"O", "H", "T", "P"}

// GroupNames name the groups.
var GroupNames = map[string]string{"O": "Organisation", "H": "Human", "T": "Tools", "P": "Processes"}

// Levels name the levels 0 to 4.
var Levels = []string{"Not available", "Implicit", "Explicit, internal", "Explicit, formalised", "Assessed"}

// LevelAbout says what each level means.
var LevelAbout = []string{
	"Not there, not known, or not applicable to the team.",
	"Known and done, but not written down: it lives in people's heads.",
	"Written down and used inside the team, not formally adopted.",
	"Written down, approved by the team's head and available to those who need it.",
	"Formalised and reviewed: audited or assessed on the authority of the governance level.",
}

// Parameters are SIM3 v1's 44 parameters (O-6 was withdrawn from the
// model); the descriptions are certhub's short paraphrases.
var Parameters = []Parameter{
	{"O-1", "O", "Mandate", "Why the team exists and what it is to do, given by its parent organisation or the law."},
	{"O-2", "O", "Constituency", "Whom the team serves: organisations, networks, address ranges, domains."},
	{"O-3", "O", "Authority", "What the team may do towards its constituents in an incident."},
	{"O-4", "O", "Responsibility", "What the team owes its constituents and its parent organisation."},
	{"O-5", "O", "Service description", "The services the team offers, in a form its constituents can read (RFC 2350)."},
	{"O-7", "O", "Service level description", "How fast and how often the team answers, and when it is reachable."},
	{"O-8", "O", "Incident classification", "A taxonomy of incidents and of their severity the team uses."},
	{"O-9", "O", "Integrated in CSIRT frameworks", "Membership and standing in the national and international CSIRT community."},
	{"O-10", "O", "Organisational framework", "How the team fits its parent organisation: reporting lines, budget."},
	{"O-11", "O", "Security policy", "The security policy the team's own operations follow."},
	{"H-1", "H", "Code of conduct", "The ethics and conduct the team's members commit to."},
	{"H-2", "H", "Personal resilience", "Enough people and backups that the team works when some are away."},
	{"H-3", "H", "Skillset description", "The skills each role needs."},
	{"H-4", "H", "Internal training", "How new and current members are trained inside the team."},
	{"H-5", "H", "External technical training", "Technical training and certification from outside the team."},
	{"H-6", "H", "External communication training", "Training in communication, the media and crisis management."},
	{"H-7", "H", "External networking", "Taking part in the CSIRT community: meetings, trust groups."},
	{"T-1", "T", "IT resources list", "The team's own systems and tools, listed."},
	{"T-2", "T", "Information sources list", "The feeds and sources the team watches, listed."},
	{"T-3", "T", "Consolidated e-mail system", "One mailbox and address through which the team is reached."},
	{"T-4", "T", "Incident tracking system", "A system in which every incident is recorded and followed to its end."},
	{"T-5", "T", "Resilient phone", "A phone line that works when the usual infrastructure fails."},
	{"T-6", "T", "Resilient e-mail", "E-mail that works when the usual infrastructure fails."},
	{"T-7", "T", "Resilient internet access", "Internet access that works when the usual infrastructure fails."},
	{"T-8", "T", "Incident prevention toolset", "Tools that help prevent incidents: scanners, advisories, hardening."},
	{"T-9", "T", "Incident detection toolset", "Tools that detect incidents: sensors, log analysis, feeds."},
	{"T-10", "T", "Incident resolution toolset", "Tools that help resolve incidents: forensics, analysis, coordination."},
	{"P-1", "P", "Escalation to governance level", "When and how incidents are escalated to management."},
	{"P-2", "P", "Escalation to press function", "When and how the press office is involved."},
	{"P-3", "P", "Escalation to legal function", "When and how the legal office and law enforcement are involved."},
	{"P-4", "P", "Incident prevention process", "How the team works to prevent incidents."},
	{"P-5", "P", "Incident detection process", "How the team detects incidents."},
	{"P-6", "P", "Incident resolution process", "How the team handles an incident from report to closure."},
	{"P-7", "P", "Specific incident processes", "Playbooks for particular kinds of incident: phishing, DDoS, ransomware."},
	{"P-8", "P", "Audit and feedback process", "How the team reviews its own work and learns from incidents and exercises."},
	{"P-9", "P", "Emergency reachability process", "How the team is reached around the clock in an emergency."},
	{"P-10", "P", "Best practice internet presence", "The team's website and what it publishes there."},
	{"P-11", "P", "Secure information handling process", "How information is classified (TLP), stored and shared."},
	{"P-12", "P", "Information sources process", "How the team takes in, weighs and acts on what its sources say."},
	{"P-13", "P", "Outreach process", "How the team informs and trains its constituents."},
	{"P-14", "P", "Reporting process", "How the team reports on its work to its parent organisation and the national CERT."},
	{"P-15", "P", "Statistics process", "How the team keeps and publishes statistics of its work."},
	{"P-16", "P", "Meeting process", "How the team meets: internal meetings and their records."},
	{"P-17", "P", "Peer-to-peer process", "How the team works with its peers: cooperation and exchange."},
}

// parameter answers the parameter named id (case aside).
func parameter(id string) (Parameter, bool) {
	for _, p := range Parameters {
		if equalFold(p.ID, id) {
			return p, true
		}
	}
	return Parameter{}, false
}

// Kinds of assessment.
const (
	Self = "self"
	Peer = "peer"
)

// States of an assessment.
const (
	Draft     = "draft"
	Submitted = "submitted"
)

// Assessment is a self-assessment of a CERT, or a peer review of it by
// another CERT.
type Assessment struct {
	ID            string `json:"id"`
	OrgID         string `json:"org_id"`
	Org           string `json:"org"`
	Kind          string `json:"kind"`
	ReviewerOrgID string `json:"reviewer_org_id,omitempty"`
	Reviewer      string `json:"reviewer,omitempty"`
	// BasedOn is the self-assessment a peer review started from.
	BasedOn     string     `json:"based_on,omitempty"`
	Model       string     `json:"model"`
	State       string     `json:"state"`
	Summary     string     `json:"summary,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	SubmittedBy string     `json:"submitted_by,omitempty"`
	// Rated counts the parameters given a level; Average is their mean,
	// per group in Groups.
	Rated   int                `json:"rated"`
	Average float64            `json:"average"`
	ByGroup map[string]float64 `json:"by_group"`
}

// Level is the level given a parameter, with its note and evidence.
type Level struct {
	Parameter string     `json:"parameter"`
	Level     int        `json:"level"`
	Note      string     `json:"note,omitempty"`
	UpdatedBy string     `json:"updated_by"`
	UpdatedAt time.Time  `json:"updated_at"`
	Evidence  []Evidence `json:"evidence"`
}

// Evidence is a platform record a level rests on.
type Evidence struct {
	ID        string    `json:"id,omitempty"`
	Parameter string    `json:"parameter,omitempty"`
	Kind      string    `json:"kind"`
	Ref       string    `json:"ref"`
	Label     string    `json:"label"`
	Title     string    `json:"title"`
	URL       string    `json:"url"`
	AddedBy   string    `json:"added_by,omitempty"`
	AddedAt   time.Time `json:"added_at"`
}

// EvidenceKinds are the records a level may rest on.
var EvidenceKinds = []string{"advisory", "course", "exercise", "periodic_report", "incident", "case"}

// Detail is an assessment with its levels, parameter by parameter (every
// parameter, those without a level at -1).
type Detail struct {
	Assessment
	Levels []Level `json:"levels"`
	// Can: what the reader may do.
	Edits bool `json:"-"`
}

// StartInput starts an assessment: a self-assessment of the caller's
// CERT, or (Kind peer) a peer review of OrgID by ReviewerOrgID.
type StartInput struct {
	OrgID         string `json:"org_id"`
	Kind          string `json:"kind"`
	ReviewerOrgID string `json:"reviewer_org_id"`
}

// LevelInput gives a parameter a level (0 to 4) with a note.
type LevelInput struct {
	Level *int   `json:"level"`
	Note  string `json:"note"`
}

// EvidenceInput links a record to a parameter.
type EvidenceInput struct {
	Parameter string `json:"parameter"`
	Kind      string `json:"kind"`
	Ref       string `json:"ref"`
}

// Point is one submitted assessment in a CERT's history.
type Point struct {
	ID          string             `json:"id"`
	Kind        string             `json:"kind"`
	Reviewer    string             `json:"reviewer,omitempty"`
	SubmittedAt time.Time          `json:"submitted_at"`
	Average     float64            `json:"average"`
	ByGroup     map[string]float64 `json:"by_group"`
}

// History is a CERT's submitted assessments, oldest first, and the level
// of each parameter in each.
type History struct {
	OrgID  string           `json:"org_id"`
	Org    string           `json:"org"`
	Points []Point          `json:"points"`
	Levels map[string][]int `json:"levels"` // parameter → level per point (-1 when not rated)
}
