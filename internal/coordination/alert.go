package coordination

import (
	"slices"
	"time"
)

// States of a recipient's answer, in order: an organisation the alert was
// delivered to, one of whose members opened it, one that acknowledged it.
const (
	Delivered    = "delivered"
	Read         = "read"
	Acknowledged = "acknowledged"
)

// Outcomes a recipient reports with (or after) its acknowledgement.
const (
	Affected    = "affected"
	NotAffected = "not_affected"
	Mitigated   = "mitigated"
)

// Outcomes lists the outcomes a recipient chooses from.
var Outcomes = []string{Affected, NotAffected, Mitigated}

// ValidOutcome reports whether o is an outcome ("" is none yet).
func ValidOutcome(o string) bool { return o == "" || slices.Contains(Outcomes, o) }

// Audience is who an alert is for, as the sender chose: organisations by
// ID, every organisation of some kinds, of some sectors, the operators of
// critical information infrastructure, and CERTs with their constituents.
// An organisation is a recipient if any of these names it.
type Audience struct {
	Orgs         []string `json:"orgs,omitempty"`
	Kinds        []string `json:"kinds,omitempty"`
	Sectors      []string `json:"sectors,omitempty"`
	CII          bool     `json:"cii,omitempty"`
	Constituents []string `json:"constituents_of,omitempty"` // CERT IDs: the CERT and the organisations below it
}

// Empty reports whether the audience names nobody.
func (a Audience) Empty() bool {
	return len(a.Orgs) == 0 && len(a.Kinds) == 0 && len(a.Sectors) == 0 && !a.CII && len(a.Constituents) == 0
}

// Alert is a publication sent to an audience that must acknowledge it.
type Alert struct {
	ID         string     `json:"id"`
	AdvisoryID string     `json:"advisory_id"`
	TrackingID string     `json:"tracking_id"`
	Title      string     `json:"title"`
	TLP        string     `json:"tlp"`
	Actions    string     `json:"actions"`
	ActBy      *time.Time `json:"act_by,omitempty"`
	Audience   Audience   `json:"audience"`
	// The escalation ladder: a silent recipient is reminded RemindAfter
	// hours after the sending, its CERT told after EscalateAfter, the
	// national CERT after twice that.
	RemindAfter   int       `json:"remind_after_hours"`
	EscalateAfter int       `json:"escalate_after_hours"`
	CreatedBy     string    `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// AlertInput asks the recipients of a publication to acknowledge it.
type AlertInput struct {
	Advisory string   `json:"advisory_id"` // the publication's ID or tracking ID
	Audience Audience `json:"audience"`
	Actions  string   `json:"actions"`
	ActBy    string   `json:"act_by"` // RFC 3339, or a date (the end of that day, UTC)
	// RemindAfter and EscalateAfter are the ladder's delays in hours
	// (24 and 48 when not given).
	RemindAfter   int `json:"remind_after_hours"`
	EscalateAfter int `json:"escalate_after_hours"`
}

// Recipient is one organisation's answer to an alert.
type Recipient struct {
	OrgID          string     `json:"org_id"`
	Org            string     `json:"org"`
	ParentID       *string    `json:"parent_id,omitempty"`
	State          string     `json:"state"`
	Outcome        string     `json:"outcome,omitempty"`
	Note           string     `json:"note,omitempty"`
	DeliveredAt    time.Time  `json:"delivered_at"`
	ReadAt         *time.Time `json:"read_at,omitempty"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	AnsweredBy     string     `json:"answered_by,omitempty"`
	// Escalation is how far up the ladder its silence has gone: 0 not
	// yet, 1 reminded, 2 its CERT told, 3 the national CERT told.
	Escalation int        `json:"escalation"`
	NextStepAt *time.Time `json:"next_step_at,omitempty"`
	// NoAnswer: not acknowledged yet; silence is never "not affected".
	NoAnswer bool `json:"no_answer"`
}

// Counts are an alert's progress over the recipients the reader sees.
type Counts struct {
	Recipients   int `json:"recipients"`
	Acknowledged int `json:"acknowledged"`
	Read         int `json:"read"`      // read, not acknowledged
	NoAnswer     int `json:"no_answer"` // not acknowledged (read or not)
	Affected     int `json:"affected"`
	NotAffected  int `json:"not_affected"`
	Mitigated    int `json:"mitigated"`
}

// Progress is an alert with the answers its reader may see: the sender
// (the center's staff) all of them, a CERT its constituents', a recipient
// its own.
type Progress struct {
	Alert  Alert       `json:"alert"`
	Counts Counts      `json:"counts"`
	Items  []Recipient `json:"items"`
	// Mine are the reader's organisations among the recipients: those it
	// may answer for.
	Mine []string `json:"mine,omitempty"`
	// Events are the alert's timeline (the sender's view only).
	Events []Event `json:"events,omitempty"`
}

// Event is one line of an alert's timeline.
type Event struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"` // sent, read, acknowledged, answered, reminded, escalated
	OrgID   string    `json:"org_id,omitempty"`
	Actor   string    `json:"actor,omitempty"`
	Summary string    `json:"summary"`
}

// AckInput is a recipient's acknowledgement: for which of the reader's
// organisations (needed only when it is a member of several recipients),
// and, when known, the outcome with a note.
type AckInput struct {
	OrgID   string `json:"org_id"`
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

// count adds r to c.
func (c *Counts) count(r Recipient) {
	c.Recipients++
	switch r.State {
	case Acknowledged:
		c.Acknowledged++
	case Read:
		c.Read++
	}
	if r.State != Acknowledged {
		c.NoAnswer++
	}
	switch r.Outcome {
	case Affected:
		c.Affected++
	case NotAffected:
		c.NotAffected++
	case Mitigated:
		c.Mitigated++
	}
}
