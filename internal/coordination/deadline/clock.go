package deadline

import (
	"cmp"
	"slices"
	"time"
)

// Facts are what is known of an incident that its clocks count from.
type Facts struct {
	Detected *time.Time // when the incident was detected
	Aware    *time.Time // when the reporting entity became aware of it
	Reported *time.Time // when the report reached the CERT
	// Done holds when each step was done, by Key(regime, step).
	Done map[string]time.Time
}

// Key names a step of a regime in Facts.Done and in storage.
func Key(regime, step string) string { return regime + "/" + step }

// State is where a step's clock stands.
type State string

const (
	// Pending: what it counts from is not known yet (the moment of
	// awareness not given, the previous step not done).
	Pending State = "pending"
	// Running: due later, not done.
	Running State = "running"
	// Overdue: due, not done.
	Overdue State = "overdue"
	// Met: done by its due time.
	Met State = "met"
	// Late: done after its due time.
	Late State = "late"
)

// Clock is one step's deadline on one incident.
type Clock struct {
	Regime string     `json:"regime"`
	Step   string     `json:"step"`
	Title  string     `json:"title"`
	By     string     `json:"by"`
	Due    *time.Time `json:"due,omitempty"`
	Done   *time.Time `json:"done,omitempty"`
	State  State      `json:"state"`
	// Left is the time left until Due (negative when past it), in whole
	// seconds, while the step is running or overdue.
	Left *int64 `json:"left_seconds,omitempty"`
}

// Open reports whether the step still has to be done.
func (c Clock) Open() bool { return c.State == Pending || c.State == Running || c.State == Overdue }

// Clocks answers the clocks of every step of the regimes on an incident
// with the facts f, at now: in the regimes' order, each regime's steps in
// its own.
func Clocks(regimes []Regime, f Facts, now time.Time) []Clock {
	var out []Clock
	for _, r := range regimes {
		var previous *time.Time
		for i, s := range r.Steps {
			c := Clock{Regime: r.ID, Step: s.ID, Title: s.Title, By: s.By}
			var start *time.Time
			switch s.From {
			case FromDetection:
				start = f.Detected
			case FromAwareness:
				start = f.Aware
			case FromReport:
				start = f.Reported
			case FromPrevious:
				if i > 0 {
					start = previous
				}
			}
			if done, ok := f.Done[Key(r.ID, s.ID)]; ok {
				c.Done = &done
			}
			previous = c.Done
			if start != nil {
				due := s.After.From(*start)
				c.Due = &due
			}
			switch {
			case c.Due == nil && c.Done != nil:
				c.State = Met // done before anything it counts from was known
			case c.Due == nil:
				c.State = Pending
			case c.Done != nil && !c.Done.After(*c.Due):
				c.State = Met
			case c.Done != nil:
				c.State = Late
			case now.After(*c.Due):
				c.State = Overdue
			default:
				c.State = Running
			}
			if c.State == Running || c.State == Overdue {
				left := int64(c.Due.Sub(now) / time.Second)
				c.Left = &left
			}
			out = append(out, c)
		}
	}
	return out
}

// Next answers the open clocks with a due time, the soonest (or most
// overdue) first: what falls due, in the order to act on it.
func Next(clocks []Clock) []Clock {
	var out []Clock
	for _, c := range clocks {
		if c.Open() && c.Due != nil {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b Clock) int { return cmp.Compare(a.Due.UnixNano(), b.Due.UnixNano()) })
	return out
}
