package deadline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/errs"
)

// Anchor is the event a step's delay counts from.
type Anchor string

const (
	// FromDetection counts from when the incident was detected.
	FromDetection Anchor = "detection"
	// FromAwareness counts from when the reporting entity became aware of
	// it as a significant incident (NIS2's "becoming aware").
	FromAwareness Anchor = "awareness"
	// FromReport counts from when the report reached the CERT.
	FromReport Anchor = "report"
	// FromPrevious counts from when the regime's previous step was done
	// (NIS2's final report: a month after the incident notification).
	FromPrevious Anchor = "previous"
)

// Anchors lists the anchors a step may count from.
var Anchors = []Anchor{FromDetection, FromAwareness, FromReport, FromPrevious}

// Parties who act on a step.
const (
	ByReporter = "reporter" // the entity that reports the incident
	ByCERT     = "cert"     // the CERT that handles it
)

// Delay is a step's allowance: a number of hours, or of calendar months
// (a month after 31 January is 3 March, as time.AddDate counts).
type Delay struct {
	Hours  int
	Months int
}

// delayRE reads "24h", "3d", "1 month", "2 months".
var delayRE = regexp.MustCompile(`^([0-9]{1,5}) ?(h|hours?|d|days?|months?)$`)

// maxDelay bounds a delay: two years, in either unit.
const maxMonths, maxHours = 24, 24 * 731

// ParseDelay reads a delay written as hours ("24h", "72 hours"), days
// ("3d", "30 days": 24 hours each) or calendar months ("1 month").
func ParseDelay(s string) (Delay, error) {
	m := delayRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return Delay{}, fmt.Errorf("%q is not a delay: write hours (24h), days (3d) or months (1 month)", s)
	}
	n, _ := strconv.Atoi(m[1])
	var d Delay
	switch m[2][0] {
	case 'h':
		d.Hours = n
	case 'd':
		d.Hours = 24 * n
	default:
		d.Months = n
	}
	if n == 0 || d.Hours > maxHours || d.Months > maxMonths {
		return Delay{}, fmt.Errorf("%q: a delay is more than nothing and at most two years", s)
	}
	return d, nil
}

// String writes the delay as ParseDelay reads it.
func (d Delay) String() string {
	switch {
	case d.Months == 1:
		return "1 month"
	case d.Months > 0:
		return fmt.Sprintf("%d months", d.Months)
	case d.Hours > 0 && d.Hours%24 == 0 && d.Hours >= 48:
		return fmt.Sprintf("%dd", d.Hours/24)
	default:
		return fmt.Sprintf("%dh", d.Hours)
	}
}

// From answers when a delay that starts at t ends.
func (d Delay) From(t time.Time) time.Time {
	return t.AddDate(0, d.Months, 0).Add(time.Duration(d.Hours) * time.Hour)
}

// MarshalText writes the delay as its String.
func (d Delay) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a delay as ParseDelay does.
func (d *Delay) UnmarshalText(b []byte) error {
	v, err := ParseDelay(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Step is one obligation of a regime: by whom, what, within which delay
// of which event.
type Step struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	By    string `json:"by"`
	After Delay  `json:"after"`
	From  Anchor `json:"from"`
}

// Regime is a set of deadlines that apply to an incident: a law's
// (NIS2 article 23), a sector regulator's, or the CERT's own service
// levels. Several can apply to one incident.
type Regime struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Steps       []Step `json:"steps"`
}

// NIS2 is article 23 of Directive (EU) 2022/2555 for an essential or
// important entity's significant incident: an early warning within 24
// hours of becoming aware of it, an incident notification within 72
// hours, a final report within one month of the notification.
var NIS2 = Regime{ID: "nis2", Title: "NIS2 article 23",
	Description: "Directive (EU) 2022/2555, article 23(4): significant incidents of essential and important entities.",
	Steps: []Step{
		{ID: "early-warning", Title: "Early warning", By: ByReporter, After: Delay{Hours: 24}, From: FromAwareness},
		{ID: "notification", Title: "Incident notification", By: ByReporter, After: Delay{Hours: 72}, From: FromAwareness},
		{ID: "final-report", Title: "Final report", By: ByReporter, After: Delay{Months: 1}, From: FromPrevious},
	}}

// FirstResponse is the CSIRT's own obligation under NIS2 article 23(5):
// a response to the reporting entity within 24 hours of its report (the
// early warning).
var FirstResponse = Regime{ID: "first-response", Title: "CSIRT first response",
	Description: "Directive (EU) 2022/2555, article 23(5): the CSIRT's response to an early warning.",
	Steps: []Step{
		{ID: "first-response", Title: "First response to the reporter", By: ByCERT, After: Delay{Hours: 24}, From: FromReport},
	}}

// Builtin are the regimes every installation has; staff add their own.
var Builtin = []Regime{NIS2, FirstResponse}

// Bounds of a regime.
const (
	MaxBytes    = 64 << 10
	maxSteps    = 20
	maxTitle    = 200
	maxDescribe = 2000
)

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// ParseRegime reads a regime from its JSON, naming each bad field: the
// form staff define their own in (a sector regulator's deadlines, a
// service level). It never panics on any input.
func ParseRegime(data []byte) (Regime, error) {
	if len(data) > MaxBytes {
		return Regime{}, errs.InvalidField("regime", "at most %d KB", MaxBytes>>10)
	}
	var in struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Description string `json:"description"`
		Steps       []struct {
			ID    string `json:"id"`
			Title string `json:"title"`
			By    string `json:"by"`
			After string `json:"after"`
			From  string `json:"from"`
		} `json:"steps"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&in); err != nil {
		return Regime{}, errs.InvalidField("regime", "not a regime in JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return Regime{}, errs.InvalidField("regime", "one JSON object, nothing after it")
	}
	var f errs.Fields
	// text checks a text field: its length, and no NUL (PostgreSQL
	// stores none).
	text := func(field, s string, required bool, max int) {
		switch {
		case required && (s == "" || utf8.RuneCountInString(s) > max || strings.ContainsRune(s, 0)):
			f.Add(field, "1 to %d characters", max)
		case utf8.RuneCountInString(s) > max || strings.ContainsRune(s, 0):
			f.Add(field, "at most %d characters of text", max)
		}
	}
	r := Regime{ID: strings.TrimSpace(in.ID), Title: strings.TrimSpace(in.Title), Description: strings.TrimSpace(in.Description), Steps: []Step{}}
	if !idRE.MatchString(r.ID) {
		f.Add("id", "an ID of lower-case letters, digits and '-' (up to 40), such as nis2")
	}
	text("title", r.Title, true, maxTitle)
	text("description", r.Description, false, maxDescribe)
	switch {
	case len(in.Steps) == 0:
		f.Add("steps", "at least one step")
	case len(in.Steps) > maxSteps:
		f.Add("steps", "at most %d steps", maxSteps)
	}
	seen := map[string]bool{}
	for i, s := range in.Steps {
		if i >= maxSteps {
			break
		}
		at := fmt.Sprintf("steps[%d].", i)
		st := Step{ID: strings.TrimSpace(s.ID), Title: strings.TrimSpace(s.Title), By: strings.TrimSpace(s.By), From: Anchor(strings.TrimSpace(s.From))}
		switch {
		case !idRE.MatchString(st.ID):
			f.Add(at+"id", "an ID of lower-case letters, digits and '-' (up to 40), such as early-warning")
		case seen[st.ID]:
			f.Add(at+"id", "%s appears twice", st.ID)
		}
		seen[st.ID] = true
		text(at+"title", st.Title, true, maxTitle)
		if st.By != ByReporter && st.By != ByCERT {
			f.Add(at+"by", "who acts: %s or %s", ByReporter, ByCERT)
		}
		d, err := ParseDelay(s.After)
		if err != nil {
			f.Add(at+"after", "%s", err.Error())
		}
		st.After = d
		switch {
		case !slices.Contains(Anchors, st.From):
			f.Add(at+"from", "what the delay counts from: one of %s", joinAnchors())
		case st.From == FromPrevious && i == 0:
			f.Add(at+"from", "the first step has no previous step to count from")
		}
		r.Steps = append(r.Steps, st)
	}
	if err := f.Err(); err != nil {
		return Regime{}, err
	}
	return r, nil
}

func joinAnchors() string {
	s := make([]string, len(Anchors))
	for i, a := range Anchors {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}
