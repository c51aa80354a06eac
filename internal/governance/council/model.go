package council

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Roles on the council.
const (
	Chair     = "chair"
	Secretary = "secretary"
	Member    = "member"
	Observer  = "observer" // attends, does not vote
)

// Roles lists the roles, the chair first.
var Roles = []string{Chair, Secretary, Member, Observer}

// Meeting statuses.
const (
	Scheduled = "scheduled"
	Held      = "held"
	Cancelled = "cancelled"
)

// Minutes statuses.
const (
	NoMinutes = "none"
	Draft     = "draft"
	Approved  = "approved"
)

// Attendance.
const (
	Present   = "present"
	Apologies = "apologies"
	Absent    = "absent"
)

// Decision kinds and outcomes.
const (
	Decision       = "decision"
	Recommendation = "recommendation"
	Adopted        = "adopted"
	Rejected       = "rejected"
)

// LinkKinds are the records a decision or an action may rest on.
var LinkKinds = []string{"case", "advisory", "incident", "product", "alert"}

// MemberRecord is a representative of an organisation on the council.
type MemberRecord struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"org_id"`
	Org       string    `json:"org"`
	UserID    string    `json:"user_id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	TermStart string    `json:"term_start"`
	TermEnd   string    `json:"term_end,omitempty"`
	Active    bool      `json:"active"` // within its term today
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MemberInput appoints a representative or changes their role or term.
type MemberInput struct {
	OrgID     string `json:"org_id"`
	UserID    string `json:"user_id"`
	Role      string `json:"role"`
	TermStart string `json:"term_start"`
	TermEnd   string `json:"term_end"`
}

// Meeting is one meeting of the council.
type Meeting struct {
	ID                 string     `json:"id"`
	Title              string     `json:"title"`
	StartsAt           time.Time  `json:"starts_at"`
	EndsAt             time.Time  `json:"ends_at"`
	Place              string     `json:"place"`
	Status             string     `json:"status"`
	MinutesStatus      string     `json:"minutes_status"`
	MinutesApprovedAt  *time.Time `json:"minutes_approved_at,omitempty"`
	MinutesApprovedBy  string     `json:"minutes_approved_by,omitempty"`
	SummaryPublishedAt *time.Time `json:"summary_published_at,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// MeetingInput schedules or changes a meeting.
type MeetingInput struct {
	Title    string `json:"title"`
	StartsAt string `json:"starts_at"`
	EndsAt   string `json:"ends_at"`
	Place    string `json:"place"`
	// Status: scheduled, held or cancelled (on change only).
	Status string `json:"status"`
}

// Item is an agenda item with its paper.
type Item struct {
	ID        string `json:"id"`
	Position  int    `json:"position"`
	Title     string `json:"title"`
	Presenter string `json:"presenter"`
	Body      string `json:"body"`
}

// ItemInput adds an agenda item.
type ItemInput struct {
	Title     string `json:"title"`
	Presenter string `json:"presenter"`
	Body      string `json:"body"`
}

// Attendee is a member's attendance of a meeting ("" until recorded).
type Attendee struct {
	MemberID string `json:"member_id"`
	Name     string `json:"name"`
	Org      string `json:"org"`
	Role     string `json:"role"`
	Status   string `json:"status"`
}

// Link is a record a decision or an action rests on.
type Link struct {
	Kind  string `json:"kind"`
	Ref   string `json:"ref"`
	Label string `json:"label"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// LinkInput names a record by kind and its ID, number or tracking ID.
type LinkInput struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

// DecisionRecord is an entry of the decisions register.
type DecisionRecord struct {
	ID           string    `json:"id"`
	Number       string    `json:"number"`
	MeetingID    string    `json:"meeting_id"`
	MeetingTitle string    `json:"meeting_title"`
	Kind         string    `json:"kind"`
	Title        string    `json:"title"`
	Text         string    `json:"text"`
	For          int       `json:"votes_for"`
	Against      int       `json:"votes_against"`
	Abstentions  int       `json:"abstentions"`
	Outcome      string    `json:"outcome"`
	Links        []Link    `json:"links"`
	CreatedAt    time.Time `json:"created_at"`
}

// DecisionInput records a decision or a recommendation.
type DecisionInput struct {
	Kind        string      `json:"kind"`
	Title       string      `json:"title"`
	Text        string      `json:"text"`
	For         int         `json:"votes_for"`
	Against     int         `json:"votes_against"`
	Abstentions int         `json:"abstentions"`
	Links       []LinkInput `json:"links"`
}

// ActionItem is an action with the decision it follows from and its links.
type ActionItem struct {
	actions.Action
	MeetingTitle string  `json:"meeting_title"`
	DecisionID   *string `json:"decision_id"`
	Links        []Link  `json:"links"`
}

// ActionInput gives an organisation an action item.
type ActionInput struct {
	actions.Input
	DecisionID string      `json:"decision_id"`
	Links      []LinkInput `json:"links"`
}

// MeetingView is a meeting with everything the reader may see of it.
type MeetingView struct {
	Meeting
	Items      []Item           `json:"agenda"`
	Papers     []Paper          `json:"papers"`
	Attendance []Attendee       `json:"attendance"`
	Minutes    string           `json:"minutes"`
	Summary    string           `json:"public_summary"`
	Decisions  []DecisionRecord `json:"decisions"`
	Actions    []ActionItem     `json:"actions"`
	// Keeps: the reader keeps the council's records (the center's staff,
	// the chair and the secretary); Approves: the reader (the chair)
	// approves minutes.
	Keeps    bool `json:"can_keep"`
	Approves bool `json:"can_approve"`
}

// Summary is a meeting's public summary, for the website.
type Summary struct {
	MeetingID   string    `json:"meeting_id"`
	Title       string    `json:"title"`
	Date        time.Time `json:"date"`
	Summary     string    `json:"summary"`
	PublishedAt time.Time `json:"published_at"`
}

// Bounds.
const (
	maxTitle = 300
	maxText  = 100000
)

func date(f *errs.Fields, field, s string, required bool) {
	if s == "" {
		if required {
			f.Add(field, "a date, such as 2027-01-01")
		}
		return
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		f.Add(field, "a date, such as 2027-01-01")
	}
}

func (in *MemberInput) check() error {
	var f errs.Fields
	in.OrgID, in.UserID, in.Role = strings.TrimSpace(in.OrgID), strings.TrimSpace(in.UserID), strings.TrimSpace(in.Role)
	in.TermStart, in.TermEnd = strings.TrimSpace(in.TermStart), strings.TrimSpace(in.TermEnd)
	if in.OrgID == "" {
		f.Add("org_id", "the organisation represented")
	}
	if in.UserID == "" {
		f.Add("user_id", "its representative, a member of the organisation")
	}
	if !slices.Contains(Roles, in.Role) {
		f.Add("role", "one of %s", strings.Join(Roles, ", "))
	}
	date(&f, "term_start", in.TermStart, true)
	date(&f, "term_end", in.TermEnd, false)
	if in.TermEnd != "" && in.TermStart != "" && in.TermEnd < in.TermStart && !f.Has("term_end") {
		f.Add("term_end", "after the term's start")
	}
	return f.Err()
}

// active reports whether a term covers the day today.
func active(start, end, today string) bool {
	return start <= today && (end == "" || today <= end)
}

func (in *MeetingInput) check(loc *time.Location, create bool) (start, end time.Time, err error) {
	var f errs.Fields
	in.Title, in.Place, in.Status = strings.TrimSpace(in.Title), strings.TrimSpace(in.Place), strings.TrimSpace(in.Status)
	f.Text("title", in.Title, true, maxTitle)
	f.Text("place", in.Place, false, maxTitle)
	var okS, okE bool
	start, okS = parseTime(in.StartsAt, loc)
	end, okE = parseTime(in.EndsAt, loc)
	if !okS {
		f.Add("starts_at", "a date and time, such as 2027-03-01T10:00:00Z")
	}
	if !okE {
		f.Add("ends_at", "a date and time, such as 2027-03-01T13:00:00Z")
	}
	if okS && okE && (!end.After(start) || end.Sub(start) > 7*24*time.Hour) {
		f.Add("ends_at", "after the start, within a week of it")
	}
	switch {
	case in.Status == "":
		in.Status = Scheduled
	case create && in.Status != Scheduled:
		f.Add("status", "a new meeting is scheduled")
	case !slices.Contains([]string{Scheduled, Held, Cancelled}, in.Status):
		f.Add("status", "scheduled, held or cancelled")
	}
	return start.UTC(), end.UTC(), f.Err()
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
	if t, err := time.ParseInLocation("2006-01-02T15:04", s, loc); err == nil {
		return t, true
	}
	return time.Time{}, false
}

func (in *DecisionInput) check() error {
	var f errs.Fields
	in.Kind, in.Title, in.Text = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Title), strings.TrimSpace(in.Text)
	if in.Kind != Decision && in.Kind != Recommendation {
		f.Add("kind", "decision or recommendation")
	}
	f.Text("title", in.Title, true, maxTitle)
	f.Text("text", in.Text, true, maxText)
	for field, n := range map[string]int{"votes_for": in.For, "votes_against": in.Against, "abstentions": in.Abstentions} {
		if n < 0 || n > 1000 {
			f.Add(field, "a count of votes, 0 to 1000")
		}
	}
	checkLinks(&f, in.Links)
	return f.Err()
}

func checkLinks(f *errs.Fields, links []LinkInput) {
	if len(links) > 20 {
		f.Add("links", "at most 20 records")
	}
	for i := range links {
		links[i].Kind, links[i].Ref = strings.TrimSpace(links[i].Kind), strings.TrimSpace(links[i].Ref)
		if !slices.Contains(LinkKinds, links[i].Kind) {
			f.Add("links", "%q is not a kind of record: %s", links[i].Kind, strings.Join(LinkKinds, ", "))
		} else if links[i].Ref == "" || utf8.RuneCountInString(links[i].Ref) > 200 {
			f.Add("links", "name the %s by its ID or number", links[i].Kind)
		}
	}
}

// outcome is a vote's outcome: adopted with more for than against.
func outcome(in DecisionInput) string {
	if in.For > in.Against {
		return Adopted
	}
	return Rejected
}
