package incident

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/coordination/deadline"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
	"github.com/certhub/certhub/internal/rsit"
)

// Severities, least first.
var Severities = []string{"low", "medium", "high", "critical"}

// Statuses of an incident.
const (
	StatusNew     = "new"     // reported, nobody has looked yet
	StatusOpen    = "open"    // being handled
	StatusWaiting = "waiting" // waiting on the reporter or another party
	StatusClosed  = "closed"  // closed with a resolution
)

// Statuses lists them in their order.
var Statuses = []string{StatusNew, StatusOpen, StatusWaiting, StatusClosed}

// Channels an incident arrives by.
const (
	ChannelPortal = "portal"
	ChannelAPI    = "api"
	ChannelEmail  = "email"
	ChannelPublic = "public"
	// ChannelFederation: handed over by a linked certhub instance.
	ChannelFederation = "federation"
)

// Visibilities of a note and of a timeline entry.
const (
	// Internal: the owning CERT (and the center's staff).
	Internal = "internal"
	// Reporter: the owning CERT and the reporting organisation.
	Reporter = "reporter"
	// CERTs: every CERT the incident involves.
	CERTs = "certs"
)

// Visibilities lists them, narrowest first.
var Visibilities = []string{Internal, Reporter, CERTs}

// Why a CERT other than the owner is involved.
const (
	ReasonEscalated = "escalated"      // severity or scope took it to the national CERT
	ReasonInvolved  = "involved"       // asked in by the owner
	ReasonPrevious  = "previous_owner" // handed the incident over
)

// Link kinds.
var LinkKinds = []string{"case", "advisory", "incident"}

// Bounds of the input.
const (
	MaxTitle      = 200
	MaxText       = 20000
	MaxIndicators = 500
	maxLine       = 2000
	maxName       = 200
)

// Incident is an incident report and its handling.
type Incident struct {
	ID            string     `json:"id"`
	Number        string     `json:"number"`
	Title         string     `json:"title"`
	Description   string     `json:"description"`
	Class         string     `json:"rsit_class"`
	Type          string     `json:"rsit_type"`
	Severity      string     `json:"severity"`
	TLP           string     `json:"tlp"`
	Status        string     `json:"status"`
	Channel       string     `json:"channel"`
	ReporterOrgID *string    `json:"reporter_org_id"`
	ReporterOrg   string     `json:"reporter_org,omitempty"`
	ReporterName  string     `json:"reporter_name"`
	ReporterEmail string     `json:"reporter_email,omitempty"`
	OwnerOrgID    string     `json:"owner_org_id"`
	OwnerOrg      string     `json:"owner_org,omitempty"`
	AssigneeID    *string    `json:"assignee_id"`
	AssigneeName  string     `json:"assignee_name"`
	Sector        string     `json:"sector"`
	CII           bool       `json:"cii"`
	CrossBorder   bool       `json:"cross_border"`
	AffectedUsers *int64     `json:"affected_users"`
	ImpactHours   *int       `json:"impact_hours"`
	Systems       string     `json:"systems"`
	Indicators    []string   `json:"indicators"`
	Regimes       []string   `json:"regimes"`
	DetectedAt    *time.Time `json:"detected_at"`
	AwareAt       *time.Time `json:"aware_at"`
	ReportedAt    time.Time  `json:"reported_at"`
	FirstResponse *time.Time `json:"first_response_at"`
	ClosedAt      *time.Time `json:"closed_at"`
	Resolution    string     `json:"resolution"`
	RootCause     string     `json:"root_cause"`
	NextDueAt     *time.Time `json:"next_due_at"`
	CreatedAt     time.Time  `json:"created_at"`
	// alarmAt is the soonest open deadline nobody was told is past yet.
	alarmAt   *time.Time
	UpdatedAt time.Time `json:"updated_at"`
}

// Label is the incident's class and type as people read them.
func (in Incident) Label() string { return rsit.Label(in.Class, in.Type) }

// Closed reports whether the incident is closed.
func (in Incident) Closed() bool { return in.Status == StatusClosed }

// Involved is a CERT the incident involves besides its owner.
type Involved struct {
	OrgID   string    `json:"org_id"`
	Org     string    `json:"org"`
	Reason  string    `json:"reason"`
	AddedAt time.Time `json:"added_at"`
}

// Note is a note on an incident.
type Note struct {
	ID          string    `json:"id"`
	Visibility  string    `json:"visibility"`
	Body        string    `json:"body"`
	AuthorName  string    `json:"author"`
	AuthorOrgID *string   `json:"author_org_id"`
	CreatedAt   time.Time `json:"created_at"`
}

// Task is a piece of work on an incident with the organisation that does it.
type Task struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	OwnerOrgID string     `json:"owner_org_id"`
	OwnerOrg   string     `json:"owner_org,omitempty"`
	DueAt      *time.Time `json:"due_at"`
	DoneAt     *time.Time `json:"done_at"`
	DoneBy     string     `json:"done_by,omitempty"`
	Overdue    bool       `json:"overdue"`
	CreatedAt  time.Time  `json:"created_at"`
}

// Link ties an incident to another record of the platform.
type Link struct {
	Kind    string    `json:"kind"`
	Ref     string    `json:"ref"`
	AddedAt time.Time `json:"added_at"`
}

// Event is an entry of the incident's timeline.
type Event struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Kind       string    `json:"kind"`
	Visibility string    `json:"visibility"`
	Actor      string    `json:"actor"`
	Summary    string    `json:"summary"`
}

// View is an incident as one reader may see it: with what the reader may
// read of its notes and timeline, its clocks, and what the reader may do.
type View struct {
	Incident Incident         `json:"incident"`
	Involved []Involved       `json:"involved_certs"`
	Clocks   []deadline.Clock `json:"clocks"`
	Tasks    []Task           `json:"tasks"`
	Notes    []Note           `json:"notes"`
	Links    []Link           `json:"links"`
	Files    []File           `json:"files"`
	Events   []Event          `json:"timeline"`
	// Handles: the reader handles it (the owning CERT or staff);
	// Reports: the reader is of the reporting organisation.
	Handles bool `json:"can_handle"`
	Reports bool `json:"is_reporter"`
}

// Input reports an incident. Times are RFC 3339 (or a local
// "2006-01-02T15:04" as the form's fields send).
type Input struct {
	Title         string   `json:"title"`
	Description   string   `json:"description"`
	Class         string   `json:"rsit_class"`
	Type          string   `json:"rsit_type"`
	Severity      string   `json:"severity"`
	TLP           string   `json:"tlp"`
	ReporterOrgID string   `json:"reporter_org_id"` // the organisation reported for (a member's own; staff any)
	ReporterName  string   `json:"reporter_name"`   // the public form's
	ReporterEmail string   `json:"reporter_email"`
	Sector        string   `json:"sector"` // defaults to the reporter's
	CII           *bool    `json:"cii"`    // defaults to the reporter's
	CrossBorder   bool     `json:"cross_border"`
	AffectedUsers *int64   `json:"affected_users"`
	ImpactHours   *int     `json:"impact_hours"`
	Systems       string   `json:"systems"`
	Indicators    []string `json:"indicators"`
	Regimes       []string `json:"regimes"` // deadline regimes that apply; the CERT's first response always does
	DetectedAt    string   `json:"detected_at"`
	AwareAt       string   `json:"aware_at"`
}

// checked is an Input after its check.
type checked struct {
	Input
	detected, aware *time.Time
	tlp             tlp.Label
}

// parseTime reads an RFC 3339 time or a form's local one (taken as UTC).
func parseTime(s string) (*time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t, true
		}
	}
	return nil, false
}

func text(f *errs.Fields, field string, s *string, required bool, max int) {
	*s = strings.TrimSpace(*s)
	n := utf8.RuneCountInString(*s)
	switch {
	case required && n == 0:
		f.Add(field, "is required")
	case n > max || strings.ContainsRune(*s, 0) || !utf8.ValidString(*s):
		f.Add(field, "at most %d characters of text", max)
	}
}

// check trims the input and names every bad field; regimes are the
// regimes known, now the time of the report (no event in its future).
func (in Input) check(regimes []deadline.Regime, now time.Time) (checked, errs.Fields) {
	var f errs.Fields
	c := checked{Input: in}
	text(&f, "title", &c.Title, true, MaxTitle)
	text(&f, "description", &c.Description, false, MaxText)
	text(&f, "systems", &c.Systems, false, MaxText)
	text(&f, "reporter_name", &c.ReporterName, false, maxName)
	c.Class, c.Type = strings.TrimSpace(c.Class), strings.TrimSpace(c.Type)
	if c.Class == "" && c.Type == "" {
		c.Class, c.Type = "other", "undetermined"
	}
	if err := rsit.Check(c.Class, c.Type); err != nil {
		field := "rsit_type"
		if cl, _, _ := rsit.Find(c.Class, ""); cl.Value == "" {
			field = "rsit_class"
		}
		f.Add(field, "%s", err.Error())
	}
	c.Severity = strings.ToLower(strings.TrimSpace(c.Severity))
	if c.Severity == "" {
		c.Severity = "medium"
	}
	if !slices.Contains(Severities, c.Severity) {
		f.Add("severity", "one of %s", strings.Join(Severities, ", "))
	}
	label := tlp.Amber
	if strings.TrimSpace(c.TLP) != "" {
		l, err := tlp.Parse(c.TLP)
		if err != nil || l == tlp.Red {
			f.Add("tlp", "CLEAR, GREEN, AMBER or AMBER+STRICT (a TLP:RED report cannot be shared with the CERT that handles it)")
		}
		label = l
	}
	c.tlp, c.TLP = label, string(label)
	c.ReporterEmail = strings.ToLower(strings.TrimSpace(c.ReporterEmail))
	if c.ReporterEmail != "" {
		if a, err := mail.ParseAddress(c.ReporterEmail); err != nil || a.Address != c.ReporterEmail || len(c.ReporterEmail) > 254 {
			f.Add("reporter_email", "an e-mail address such as name@example.org")
		}
	}
	c.Sector = strings.TrimSpace(c.Sector)
	if c.Sector != "" && !slices.Contains(directory.Sectors, c.Sector) {
		f.Add("sector", "one of %s", strings.Join(directory.Sectors, ", "))
	}
	if c.AffectedUsers != nil && (*c.AffectedUsers < 0 || *c.AffectedUsers > 1e10) {
		f.Add("affected_users", "a number of people, 0 or more")
	}
	if c.ImpactHours != nil && (*c.ImpactHours < 0 || *c.ImpactHours > 24*3660) {
		f.Add("impact_hours", "a number of hours, 0 or more")
	}
	var inds []string
	for _, s := range c.Indicators {
		for _, line := range strings.Split(s, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if utf8.RuneCountInString(line) > maxLine || strings.ContainsRune(line, 0) || !utf8.ValidString(line) {
				f.Add("indicators", "one indicator per line, each at most %d characters", maxLine)
				break
			}
			if !slices.Contains(inds, line) {
				inds = append(inds, line)
			}
		}
	}
	if len(inds) > MaxIndicators {
		f.Add("indicators", "at most %d indicators (send more to threat intelligence as a feed)", MaxIndicators)
	}
	c.Indicators = inds
	var ids []string
	for i, r := range c.Regimes {
		r = strings.TrimSpace(r)
		if r == "" || slices.Contains(ids, r) {
			continue
		}
		if !slices.ContainsFunc(regimes, func(g deadline.Regime) bool { return g.ID == r }) {
			f.Add(fmt.Sprintf("regimes[%d]", i), "no deadline regime %q", r)
			continue
		}
		ids = append(ids, r)
	}
	if !slices.Contains(ids, deadline.FirstResponse.ID) {
		ids = append(ids, deadline.FirstResponse.ID)
	}
	c.Regimes = ids
	var ok bool
	if c.detected, ok = parseTime(c.DetectedAt); !ok {
		f.Add("detected_at", "a time (2026-03-01T14:30:00Z)")
	}
	if c.aware, ok = parseTime(c.AwareAt); !ok {
		f.Add("aware_at", "a time (2026-03-01T14:30:00Z)")
	}
	for _, p := range []struct {
		field string
		t     *time.Time
	}{{"detected_at", c.detected}, {"aware_at", c.aware}} {
		if p.t != nil && p.t.After(now.Add(5*time.Minute)) {
			f.Add(p.field, "cannot be in the future")
		}
	}
	if c.detected != nil && c.aware != nil && c.aware.Before(*c.detected) {
		f.Add("aware_at", "cannot be before the detection")
	}
	return c, f
}

// Change is what a handler changes on an incident; nil stays as it is.
type Change struct {
	Status     *string   `json:"status"`
	Severity   *string   `json:"severity"`
	AssigneeID *string   `json:"assignee_id"` // "" unassigns
	Class      *string   `json:"rsit_class"`
	Type       *string   `json:"rsit_type"`
	Regimes    *[]string `json:"regimes"`
	AwareAt    *string   `json:"aware_at"`
	Resolution *string   `json:"resolution"` // required to close
	RootCause  *string   `json:"root_cause"`
}

// NoteInput writes a note.
type NoteInput struct {
	Body       string `json:"body"`
	Visibility string `json:"visibility"`
}

// TaskInput adds a task, or (with Done) marks one done.
type TaskInput struct {
	Title      string `json:"title"`
	OwnerOrgID string `json:"owner_org_id"` // defaults to the owning CERT
	DueAt      string `json:"due_at"`
	Done       bool   `json:"done"`
}

// Transfer hands the incident to another CERT.
type Transfer struct {
	OrgID  string `json:"org_id"`
	Reason string `json:"reason"`
}

// Filter narrows the incident queue.
type Filter struct {
	Status   string // one status, or "active" (all but closed)
	Severity string
	Class    string
	OwnerID  string
	Overdue  bool   // only those with a deadline past
	Query    string // in the number or title
	Sort     string // "due" (soonest deadline first) or "" (newest first)
}
