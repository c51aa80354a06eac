package reporting

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/errs"
)

// Frequencies.
const (
	Monthly   = "monthly"
	Quarterly = "quarterly"
)

// Statuses of a report.
const (
	Draft     = "draft"
	Submitted = "submitted"
	Returned  = "returned" // sent back with a note, to be submitted again
	Accepted  = "accepted"
)

// Statuses lists them.
var Statuses = []string{Draft, Submitted, Returned, Accepted}

// Schedule is how often a CERT reports.
type Schedule struct {
	OrgID     string    `json:"org_id"`
	Org       string    `json:"org"`
	Frequency string    `json:"frequency"`
	DueDays   int       `json:"due_days"`
	Since     string    `json:"since"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ScheduleInput sets a schedule.
type ScheduleInput struct {
	Frequency string `json:"frequency"`
	DueDays   int    `json:"due_days"`
	// Since is the first period, such as 2026-01 or 2026-Q1.
	Since string `json:"since"`
}

// Count is a number of incidents of one class.
type Count struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	N     int    `json:"count"`
}

// Figures are what a report counts, from the records.
type Figures struct {
	Incidents          int `json:"incidents"`
	IncidentsCritical  int `json:"incidents_critical"`
	IncidentsHigh      int `json:"incidents_high"`
	IncidentsClosed    int `json:"incidents_closed"`
	DeadlinesDue       int `json:"deadlines_due"`
	DeadlinesMet       int `json:"deadlines_met"`
	VulnReports        int `json:"vulnerability_reports"`
	CasesOpened        int `json:"cases_opened"`
	AlertsDelivered    int `json:"alerts_delivered"`
	AlertsAcknowledged int `json:"alerts_acknowledged"`
	IndicatorsShared   int `json:"indicators_shared"`
	IndicatorsRouted   int `json:"indicators_routed"`
	PeopleTrained      int `json:"people_trained"`
	// AssessmentsReported counts the assessments of the CERT's
	// constituents (or by it) reported in the period; RemediationOverdue
	// the open remediation actions of its constituents' assessments past
	// their day at the period's end.
	AssessmentsReported int `json:"assessments_reported"`
	RemediationOverdue  int `json:"remediation_overdue"`
	// HygieneOpened and HygieneFixed count the high and critical hygiene
	// findings of the CERT's constituents (and its own) that opened, and
	// that were fixed, in the period.
	HygieneOpened int `json:"hygiene_findings_opened"`
	HygieneFixed  int `json:"hygiene_findings_fixed"`
	// ByClass is a report's (absent from the roll-up's cells and totals).
	ByClass []Count `json:"incidents_by_class,omitempty"`
}

// OnTime is the share of the deadlines that fell due met in time, in
// percent; nil when none fell due.
func (f Figures) OnTime() *float64 {
	if f.DeadlinesDue == 0 {
		return nil
	}
	p := float64(f.DeadlinesMet) * 100 / float64(f.DeadlinesDue)
	return &p
}

// Narrative is what the reporting CERT writes.
type Narrative struct {
	Summary    string `json:"summary"`
	Highlights string `json:"highlights"`
	Challenges string `json:"challenges"`
	Plans      string `json:"plans"`
}

// Report is one CERT's report for one period.
type Report struct {
	ID          string  `json:"id"`
	OrgID       string  `json:"org_id"`
	Org         string  `json:"org"`
	Period      string  `json:"period"`
	PeriodStart string  `json:"period_start"`
	PeriodEnd   string  `json:"period_end"` // the day after the last
	Status      string  `json:"status"`
	Figures     Figures `json:"figures"`
	// OnTimePercent is Figures.OnTime.
	OnTimePercent *float64 `json:"on_time_percent"`
	Narrative
	AssembledAt time.Time  `json:"assembled_at"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	SubmittedBy string     `json:"submitted_by,omitempty"`
	ReviewedAt  *time.Time `json:"reviewed_at,omitempty"`
	ReviewedBy  string     `json:"reviewed_by,omitempty"`
	ReviewNote  string     `json:"review_note,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Period is a reporting period: a month (2026-11) or a quarter (2026-Q4).
type Period struct {
	Name       string
	Start, End time.Time // End is the first instant after it
}

// ParsePeriod reads 2026-11 or 2026-Q4.
func ParsePeriod(s string) (Period, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	bad := errs.InvalidField("period", "a month such as 2026-11 or a quarter such as 2026-Q4")
	y, rest, ok := strings.Cut(s, "-")
	year, err := strconv.Atoi(y)
	if !ok || err != nil || len(y) != 4 || year < 2000 || year > 2200 {
		return Period{}, bad
	}
	if q, ok := strings.CutPrefix(rest, "Q"); ok {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > 4 || len(q) != 1 {
			return Period{}, bad
		}
		start := time.Date(year, time.Month(3*(n-1)+1), 1, 0, 0, 0, 0, time.UTC)
		return Period{Name: fmt.Sprintf("%d-Q%d", year, n), Start: start, End: start.AddDate(0, 3, 0)}, nil
	}
	m, err := strconv.Atoi(rest)
	if err != nil || m < 1 || m > 12 || len(rest) != 2 {
		return Period{}, bad
	}
	start := time.Date(year, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	return Period{Name: start.Format("2006-01"), Start: start, End: start.AddDate(0, 1, 0)}, nil
}

// Quarterly reports whether p is a quarter.
func (p Period) Quarterly() bool { return strings.Contains(p.Name, "Q") }

// Next is the period after p, of the same length.
func (p Period) Next() Period {
	if p.Quarterly() {
		start := p.End
		return Period{Name: fmt.Sprintf("%d-Q%d", start.Year(), (int(start.Month())-1)/3+1), Start: start, End: start.AddDate(0, 3, 0)}
	}
	return Period{Name: p.End.Format("2006-01"), Start: p.End, End: p.End.AddDate(0, 1, 0)}
}

// periodOf is the period of frequency f that holds t.
func periodOf(f string, t time.Time) Period {
	t = t.UTC()
	if f == Quarterly {
		p, _ := ParsePeriod(fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1))
		return p
	}
	p, _ := ParsePeriod(t.Format("2006-01"))
	return p
}

func (in *ScheduleInput) check() (Period, error) {
	var f errs.Fields
	in.Frequency, in.Since = strings.TrimSpace(in.Frequency), strings.TrimSpace(in.Since)
	if in.Frequency != Monthly && in.Frequency != Quarterly {
		f.Add("frequency", "monthly or quarterly")
	}
	if in.DueDays == 0 {
		in.DueDays = 10
	}
	if in.DueDays < 1 || in.DueDays > 90 {
		f.Add("due_days", "1 to 90 days after the period")
	}
	p, err := ParsePeriod(in.Since)
	switch {
	case err != nil:
		f.Add("since", "the first period, such as 2026-01 or 2026-Q1")
	case p.Quarterly() != (in.Frequency == Quarterly) && !f.Has("frequency"):
		f.Add("since", "a %s period", strings.TrimSuffix(in.Frequency, "ly"))
	}
	return p, f.Err()
}

func (n *Narrative) check() error {
	var f errs.Fields
	n.Summary, n.Highlights, n.Challenges, n.Plans = strings.TrimSpace(n.Summary), strings.TrimSpace(n.Highlights),
		strings.TrimSpace(n.Challenges), strings.TrimSpace(n.Plans)
	f.Text("summary", n.Summary, false, 20000)
	f.Text("highlights", n.Highlights, false, 20000)
	f.Text("challenges", n.Challenges, false, 20000)
	f.Text("plans", n.Plans, false, 20000)
	return f.Err()
}
