package procurement

import (
	"slices"
	"time"
)

// States of an accreditation.
const (
	StateActive    = "active"
	StateSuspended = "suspended"
	StateWithdrawn = "withdrawn"
)

// States lists them.
var States = []string{StateActive, StateSuspended, StateWithdrawn}

// Accreditation is a lab's standing: the categories it may evaluate, from
// ValidFrom to ValidUntil (whole days, UTC, both included), while active.
type Accreditation struct {
	OrgID      string    `json:"org_id"`
	Lab        string    `json:"lab"` // the directory's name
	Categories []string  `json:"categories"`
	State      string    `json:"state"`
	ValidFrom  time.Time `json:"valid_from"`
	ValidUntil time.Time `json:"valid_until"`
	// Reason says why it is suspended or withdrawn (staff and the lab).
	Reason    string    `json:"reason,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	// Standing is whether it stands at the time of the answer: active
	// and within its dates.
	Standing bool `json:"standing"`
	// History is every change, newest first (staff and the lab's members).
	History []Change `json:"history,omitempty"`
}

// Stands reports whether the accreditation lets its lab work at t: active
// and within its dates.
func (a Accreditation) Stands(t time.Time) bool {
	return a.State == StateActive && !t.Before(a.ValidFrom) && t.Before(a.ValidUntil.AddDate(0, 0, 1))
}

// Covers reports whether the lab may evaluate a product of category at t.
func (a Accreditation) Covers(category string, t time.Time) bool {
	return a.Stands(t) && slices.Contains(a.Categories, category)
}

// Change is one change of an accreditation, as it was made.
type Change struct {
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	State      string    `json:"state"`
	Categories []string  `json:"categories"`
	ValidFrom  time.Time `json:"valid_from"`
	ValidUntil time.Time `json:"valid_until"`
	Reason     string    `json:"reason,omitempty"`
}

// AccreditationInput sets a lab's accreditation; dates are YYYY-MM-DD.
type AccreditationInput struct {
	Categories []string `json:"categories"`
	State      string   `json:"state"`
	ValidFrom  string   `json:"valid_from"`
	ValidUntil string   `json:"valid_until"`
	Reason     string   `json:"reason"`
}
