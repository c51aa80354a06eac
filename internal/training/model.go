package training

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/errs"
)

// Topics of courses.
var Topics = []string{"incident_response", "digital_forensics", "malware_analysis", "threat_intelligence",
	"vulnerability_management", "secure_development", "network_security", "cloud_security", "ot_security",
	"crisis_management", "governance_risk", "security_awareness"}

// Levels of courses, from first to last.
var Levels = []string{"foundation", "intermediate", "advanced"}

// Enrolment statuses.
const (
	Requested    = "requested"     // waiting for the organisation's approval
	Refused      = "refused"       // the organisation said no
	Waiting      = "waiting"       // approved, on the waiting list
	Enrolled     = "enrolled"      // holds a seat
	Cancelled    = "cancelled"     // withdrawn (or the session was)
	Completed    = "completed"     // attended and passed: a certificate
	NotCompleted = "not_completed" // absent, or below the pass mark
)

// Statuses lists the enrolment statuses.
var Statuses = []string{Requested, Waiting, Enrolled, Completed, NotCompleted, Refused, Cancelled}

// Session statuses.
const (
	Scheduled       = "scheduled"
	SessionCanceled = "cancelled"
)

// Course is what is taught.
type Course struct {
	ID            string    `json:"id"`
	Title         string    `json:"title"`
	Topic         string    `json:"topic"`
	Level         string    `json:"level"`
	Audience      string    `json:"audience"`
	DurationHours int       `json:"duration_hours"`
	Description   string    `json:"description"`
	Materials     []string  `json:"materials"`
	Prerequisites string    `json:"prerequisites"`
	PassMark      *int      `json:"pass_mark"`
	Retired       bool      `json:"retired"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// CourseInput creates or changes a course.
type CourseInput struct {
	Title         string   `json:"title"`
	Topic         string   `json:"topic"`
	Level         string   `json:"level"`
	Audience      string   `json:"audience"`
	DurationHours int      `json:"duration_hours"`
	Description   string   `json:"description"`
	Materials     []string `json:"materials"`
	Prerequisites string   `json:"prerequisites"`
	PassMark      *int     `json:"pass_mark"`
	Retired       bool     `json:"retired"`
}

// Session is one delivery of a course.
type Session struct {
	ID          string    `json:"id"`
	CourseID    string    `json:"course_id"`
	CourseTitle string    `json:"course_title"`
	Topic       string    `json:"topic"`
	Level       string    `json:"level"`
	StartsAt    time.Time `json:"starts_at"`
	EndsAt      time.Time `json:"ends_at"`
	Place       string    `json:"place"`
	Online      bool      `json:"online"`
	Seats       int       `json:"seats"`
	Trainers    string    `json:"trainers"`
	Status      string    `json:"status"`
	// Taken counts the seats held (enrolled, then completed or not);
	// WaitingCount the approved people waiting for one.
	Taken        int       `json:"taken"`
	WaitingCount int       `json:"waiting"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Free is the number of seats not taken.
func (s Session) Free() int { return max(s.Seats-s.Taken, 0) }

// SessionInput creates or changes a session. Times are RFC 3339 (or the
// form's local date and time, in the reader's zone).
type SessionInput struct {
	CourseID string `json:"course_id"`
	StartsAt string `json:"starts_at"`
	EndsAt   string `json:"ends_at"`
	Place    string `json:"place"`
	Online   bool   `json:"online"`
	Seats    int    `json:"seats"`
	Trainers string `json:"trainers"`
	// Status: scheduled, or cancelled (which cancels its enrolments).
	Status string `json:"status"`
}

// Enrolment is one person's place in a session.
type Enrolment struct {
	ID          string     `json:"id"`
	SessionID   string     `json:"session_id"`
	CourseID    string     `json:"course_id"`
	CourseTitle string     `json:"course_title"`
	StartsAt    time.Time  `json:"starts_at"`
	UserID      string     `json:"user_id"`
	OrgID       string     `json:"org_id"`
	OrgName     string     `json:"org_name"`
	Name        string     `json:"name"`
	Email       string     `json:"email"`
	Status      string     `json:"status"`
	RequestedAt time.Time  `json:"requested_at"`
	DecidedBy   string     `json:"decided_by,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	// Position is the place on the waiting list (1 is next), 0 when not waiting.
	Position    int        `json:"position,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	Attended    *bool      `json:"attended"`
	Score       *int       `json:"score"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	// Certificate is the code of its certificate, "" when none.
	Certificate string    `json:"certificate,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Live reports whether the enrolment still counts (not refused or cancelled).
func (e Enrolment) Live() bool { return e.Status != Refused && e.Status != Cancelled }

// Result is what the trainer records after a session.
type Result struct {
	Attended bool `json:"attended"`
	Score    *int `json:"score"`
}

// Certificate is what a certificate of completion states, and nothing
// more: the public verification page shows exactly this.
type Certificate struct {
	Code        string     `json:"code"`
	Valid       bool       `json:"valid"`
	HolderName  string     `json:"holder_name"`
	CourseTitle string     `json:"course_title"`
	CompletedOn string     `json:"completed_on"`
	IssuedBy    string     `json:"issued_by"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	Revoked     string     `json:"revoked_reason,omitempty"`
	// Signed is the statement clear-signed by the center's key.
	Signed string `json:"-"`
}

// Bounds.
const (
	maxTitle = 200
	maxText  = 20000
	maxSeats = 10000
)

// check tidies and checks a course's fields.
func (in *CourseInput) check() error {
	var f errs.Fields
	in.Title, in.Topic, in.Level = strings.TrimSpace(in.Title), strings.TrimSpace(in.Topic), strings.TrimSpace(in.Level)
	in.Audience, in.Description, in.Prerequisites = strings.TrimSpace(in.Audience), strings.TrimSpace(in.Description), strings.TrimSpace(in.Prerequisites)
	f.Text("title", in.Title, true, maxTitle)
	if !slices.Contains(Topics, in.Topic) {
		f.Add("topic", "one of %s", strings.Join(Topics, ", "))
	}
	if !slices.Contains(Levels, in.Level) {
		f.Add("level", "one of %s", strings.Join(Levels, ", "))
	}
	f.Text("audience", in.Audience, false, maxTitle*2)
	f.Text("description", in.Description, false, maxText)
	f.Text("prerequisites", in.Prerequisites, false, maxText)
	if in.DurationHours < 1 || in.DurationHours > 1000 {
		f.Add("duration_hours", "1 to 1000 hours")
	}
	if in.PassMark != nil && (*in.PassMark < 0 || *in.PassMark > 100) {
		f.Add("pass_mark", "a mark from 0 to 100, or none when attending completes the course")
	}
	var mats []string
	for _, m := range in.Materials {
		if m = strings.TrimSpace(m); m == "" {
			continue
		}
		f.Text("materials", m, false, 1000)
		if strings.HasPrefix(m, "http") {
			if u, err := url.Parse(m); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				f.Add("materials", "%q is not a web address", m)
			}
		}
		mats = append(mats, m)
	}
	if len(mats) > 50 {
		f.Add("materials", "at most 50 materials")
	}
	in.Materials = mats
	return f.Err()
}

// check tidies and checks a session's fields and answers its start and end.
func (in *SessionInput) check(loc *time.Location) (start, end time.Time, err error) {
	var f errs.Fields
	in.Place, in.Trainers, in.Status = strings.TrimSpace(in.Place), strings.TrimSpace(in.Trainers), strings.TrimSpace(in.Status)
	if in.Status == "" {
		in.Status = Scheduled
	}
	start, end = period(&f, in.StartsAt, in.EndsAt, loc, 90*24*time.Hour)
	if in.Seats < 1 || in.Seats > maxSeats {
		f.Add("seats", "1 to %d seats", maxSeats)
	}
	if !in.Online && in.Place == "" {
		f.Add("place", "where it is held, or mark it online")
	} else {
		f.Text("place", in.Place, false, maxTitle*2)
	}
	f.Text("trainers", in.Trainers, false, maxTitle*2)
	if in.Status != Scheduled && in.Status != SessionCanceled {
		f.Add("status", "scheduled or cancelled")
	}
	return start.UTC(), end.UTC(), f.Err()
}

// period reads a start and an end (fields starts_at and ends_at): the end
// after the start, and within longest of it.
func period(f *errs.Fields, starts, ends string, loc *time.Location, longest time.Duration) (start, end time.Time) {
	start, okS := parseTime(starts, loc)
	end, okE := parseTime(ends, loc)
	if !okS {
		f.Add("starts_at", "a date and time, such as 2027-03-01T09:00:00Z")
	}
	if !okE {
		f.Add("ends_at", "a date and time, such as 2027-03-01T17:00:00Z")
	}
	switch {
	case !okS || !okE:
	case !end.After(start):
		f.Add("ends_at", "after the start")
	case end.Sub(start) > longest:
		f.Add("ends_at", "within %d days of the start", int(longest.Hours()/24))
	}
	return start, end
}

// parseTime reads RFC 3339, or a form's local "2006-01-02T15:04" in loc.
func parseTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// label writes a code word as words ("incident_response" → "Incident response").
func label(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
