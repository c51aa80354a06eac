package hygiene

import (
	"time"

	"github.com/certhub/certhub/internal/hygiene/probe"
)

// Permission is an organisation's consent to checks that touch its hosts.
type Permission struct {
	OrgID string `json:"org_id"`
	// Categories are the permission categories granted: dns (its name
	// servers queried directly), mail (its mail exchangers), web (its web
	// servers), exposure (connections to the ports of its addresses).
	Categories []string `json:"categories"`
	GrantedBy  string   `json:"granted_by"`
	GrantedOn  string   `json:"granted_on"`
	Reference  string   `json:"reference"`
	// DKIMSelectors are the organisation's DKIM selectors, checked when
	// known.
	DKIMSelectors []string `json:"dkim_selectors"`
	// SignedSecurityTxt requires its security.txt to be signed with its
	// key in the directory.
	SignedSecurityTxt bool      `json:"signed_security_txt"`
	RecordedBy        string    `json:"recorded_by"`
	RecordedAt        time.Time `json:"recorded_at"`
}

// PermissionInput records or changes a permission; an empty Categories
// list withdraws it.
type PermissionInput struct {
	Categories        []string `json:"categories"`
	GrantedBy         string   `json:"granted_by"`
	GrantedOn         string   `json:"granted_on"`
	Reference         string   `json:"reference"`
	DKIMSelectors     []string `json:"dkim_selectors"`
	SignedSecurityTxt bool     `json:"signed_security_txt"`
}

// Run states.
const (
	Queued  = "queued"
	Running = "running"
	Done    = "done"
	Failed  = "failed"
)

// Run is one run of the checks for one organisation.
type Run struct {
	ID          string     `json:"id"`
	OrgID       string     `json:"org_id"`
	Org         string     `json:"org"`
	Sector      string     `json:"sector"`
	CERTOrgID   string     `json:"cert_org_id"`
	Trigger     string     `json:"trigger"` // schedule, request
	RequestedBy string     `json:"requested_by,omitempty"`
	State       string     `json:"state"`
	Error       string     `json:"error,omitempty"`
	Score       *float64   `json:"score"`
	Passed      int        `json:"passed"`
	Failed      int        `json:"failed"`
	Skipped     int        `json:"skipped"`
	CreatedAt   time.Time  `json:"created_at"`
	StartedAt   *time.Time `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at"`
	// Month is the month (YYYY-MM) the run finished in, for trends.
	Month string `json:"-"`
}

// Result is one check of one target in a run.
type Result struct {
	Check    string         `json:"check"`
	Title    string         `json:"title"`
	Group    string         `json:"group"`
	Target   string         `json:"target"`
	Status   probe.Status   `json:"status"`
	Severity probe.Severity `json:"severity"`
	Evidence string         `json:"evidence"`
	Fix      string         `json:"fix,omitempty"`
}

// Finding states.
const (
	Open  = "open"
	Fixed = "fixed"
)

// Finding is a check failing for a target, from the run that first saw it
// until one sees it pass.
type Finding struct {
	ID        string         `json:"id"`
	OrgID     string         `json:"org_id"`
	Org       string         `json:"org"`
	Sector    string         `json:"sector"`
	CERTOrgID string         `json:"cert_org_id"`
	Check     string         `json:"check"`
	Title     string         `json:"title"`
	Target    string         `json:"target"`
	Severity  probe.Severity `json:"severity"`
	Evidence  string         `json:"evidence"`
	Fix       string         `json:"fix"`
	State     string         `json:"state"`
	FirstSeen time.Time      `json:"first_seen"`
	LastSeen  time.Time      `json:"last_seen"`
	FixedAt   *time.Time     `json:"fixed_at"`
	Reopened  int            `json:"reopened"`
	LastRunID string         `json:"last_run_id"`
}

// FindingFilter narrows a list of findings.
type FindingFilter struct {
	OrgID    string
	Sector   string
	State    string // open (default), fixed, all
	Severity string // at least this severity
	Check    string
	Page     int
	Limit    int
}

// Report is an organisation's hygiene: its latest run whole, its open
// findings, its score over time and its permission.
type Report struct {
	OrgID      string      `json:"org_id"`
	Org        string      `json:"org"`
	Sector     string      `json:"sector"`
	CERTOrgID  string      `json:"cert_org_id"`
	Score      *float64    `json:"score"`
	CheckedAt  *time.Time  `json:"checked_at"`
	NextAt     *time.Time  `json:"next_at"`
	Permission *Permission `json:"permission"`
	Latest     *Run        `json:"latest"`
	Results    []Result    `json:"results"`
	Findings   []Finding   `json:"findings"`
	History    []Run       `json:"history"`
	// Pending is a run queued or running now, if any.
	Pending *Run `json:"pending"`
	Can     Can  `json:"can"`
}

// Can is what the caller may do with an organisation's hygiene.
type Can struct {
	Check  bool `json:"check"`
	Permit bool `json:"permit"`
}

// SectorScore is a sector's roll-up.
type SectorScore struct {
	Sector        string  `json:"sector"`
	Organisations int     `json:"organisations"`
	Checked       int     `json:"checked"`
	Score         float64 `json:"score"`
	Critical      int     `json:"critical"`
	High          int     `json:"high"`
	Medium        int     `json:"medium"`
	Low           int     `json:"low"`
}

// MonthScore is the mean score of the runs of a month.
type MonthScore struct {
	Sector string  `json:"sector"`
	Month  string  `json:"month"`
	Score  float64 `json:"score"`
	Runs   int     `json:"runs"`
}

// OrgScore is one organisation's latest score, for the lists.
type OrgScore struct {
	OrgID     string     `json:"org_id"`
	Org       string     `json:"org"`
	Sector    string     `json:"sector"`
	Score     *float64   `json:"score"`
	CheckedAt *time.Time `json:"checked_at"`
	Open      int        `json:"open_findings"`
	Worst     string     `json:"worst_severity"`
}

// Rollup is the national picture of hygiene the reader may see.
type Rollup struct {
	National  *float64      `json:"national"`
	Sectors   []SectorScore `json:"sectors"`
	Trend     []MonthScore  `json:"trend"`
	Orgs      []OrgScore    `json:"organisations"`
	OpenTotal int           `json:"open_findings"`
}

// Score is a run's score out of 100: the severity weights of the checks
// that passed over those of the checks that passed or failed (skipped and
// errored checks count for neither; info checks weigh nothing). Nil when
// nothing counted.
func Score(results []probe.Result) *float64 {
	var pass, all int
	for _, r := range results {
		c, ok := probe.Lookup(r.Check)
		if !ok {
			continue
		}
		w := c.Severity.Weight()
		switch r.Status {
		case probe.Pass:
			pass += w
			all += w
		case probe.Fail:
			all += w
		}
	}
	if all == 0 {
		return nil
	}
	s := float64(int(float64(pass)/float64(all)*1000+0.5)) / 10
	return &s
}
