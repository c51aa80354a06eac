package stats

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
)

// Figures are the program's figures for the dashboard and the API.
type Figures struct {
	Reports       map[string]int `json:"reports_by_status"`
	Cases         map[string]int `json:"cases_by_status"`
	ByCERT        []Load         `json:"by_cert"`
	AckOverdue    int            `json:"ack_overdue"`
	TriageOverdue int            `json:"triage_overdue"`
	// Medians in hours, nil when there is nothing to measure yet.
	MedianAcknowledge *float64 `json:"median_hours_to_acknowledge"`
	MedianTriage      *float64 `json:"median_hours_to_triage"`
	MedianFix         *float64 `json:"median_hours_to_fix"`
	MedianPublish     *float64 `json:"median_hours_to_publish"`
}

// Load is what one responsible CERT has on its desk.
type Load struct {
	OrgID       string `json:"org_id"`
	OrgName     string `json:"org_name"`
	OpenReports int    `json:"open_reports"`
	ActiveCases int    `json:"active_cases"`
	Overdue     int    `json:"overdue"`
}

// Deadlines are the program's clock (vdp's Settings): a report is overdue
// when it is not acknowledged AckHours after receipt, or not triaged
// TriageHours after receipt plus the time it waited for the reporter.
type Deadlines struct{ AckHours, TriageHours int }

// Compute works the figures out at now over the reports and cases of the
// CERTs mine, or of every CERT when all is set. Counts and medians are
// aggregates in SQL; only reports that may be overdue are read, to apply
// the clock's rule to each. The loads carry no names yet: see Name.
func Compute(ctx context.Context, store *db.DB, all bool, mine []string, d Deadlines, now time.Time) (Figures, error) {
	out := Figures{Reports: map[string]int{}, Cases: map[string]int{}, ByCERT: []Load{}}
	loads := map[string]*Load{}
	load := func(org string) *Load {
		if loads[org] == nil {
			loads[org] = &Load{OrgID: org}
		}
		return loads[org]
	}
	// scope keeps the rows of the viewer's CERTs, in a query of its own
	// arguments.
	scope := func(col string, args *db.Args) string {
		if all {
			return "TRUE"
		}
		if len(mine) == 1 { // an equality the per-CERT indexes serve in order
			return col + " = " + args.Add(mine[0])
		}
		vals := make([]any, len(mine))
		for i, m := range mine {
			vals[i] = m
		}
		return col + " IN (" + args.In(vals...) + ")"
	}
	eng := store.Engine()
	err := store.Read(ctx, func(q db.Querier) error {
		var args db.Args
		rows, err := q.Query(ctx, `SELECT status, COALESCE(assigned_org_id, ''), COUNT(*) FROM vdp_reports
			WHERE `+scope("assigned_org_id", &args)+` GROUP BY status, assigned_org_id`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var status string
			var org string
			var n int
			if err := rows.Scan(&status, &org, &n); err != nil {
				rows.Close()
				return err
			}
			out.Reports[status] += n
			if org != "" && (status == "received" || status == "need_info") {
				load(org).OpenReports += n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		// Overdue, as Settings.Clock has it: not acknowledged AckHours after
		// receipt; open, untriaged and not waiting for the reporter
		// TriageHours after receipt plus the time it waited before. A
		// report overdue both ways counts once towards its CERT's load.
		args = db.Args{}
		ackBy := args.Add(now.Add(-time.Duration(d.AckHours) * time.Hour))
		rows, err = q.Query(ctx, `SELECT COALESCE(assigned_org_id, ''), COUNT(*) FROM vdp_reports
			WHERE acknowledged_at IS NULL AND received_at < `+ackBy+` AND `+scope("assigned_org_id", &args)+` GROUP BY assigned_org_id`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var org string
			var n int
			if err := rows.Scan(&org, &n); err != nil {
				rows.Close()
				return err
			}
			out.AckOverdue += n
			if org != "" {
				load(org).Overdue += n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		args = db.Args{}
		ackBy = args.Add(now.Add(-time.Duration(d.AckHours) * time.Hour))
		triageBy := args.Add(now.Add(-time.Duration(d.TriageHours) * time.Hour))
		rows, err = q.Query(ctx, `SELECT COALESCE(assigned_org_id, ''), COUNT(*),
			SUM(CASE WHEN acknowledged_at IS NULL AND received_at < `+ackBy+` THEN 1 ELSE 0 END)
			FROM vdp_reports WHERE triaged_at IS NULL AND status IN ('received', 'need_info') AND waiting_since IS NULL
				AND received_at < `+triageBy+` AND (paused_seconds = 0 OR `+
			db.MillisBetween(eng, "received_at", db.TimeArg(eng, triageBy))+` > paused_seconds * 1000)
				AND `+scope("assigned_org_id", &args)+` GROUP BY assigned_org_id`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var org string
			var n, both int
			if err := rows.Scan(&org, &n, &both); err != nil {
				rows.Close()
				return err
			}
			out.TriageOverdue += n
			if org != "" {
				load(org).Overdue += n - both
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		args = db.Args{}
		rows, err = q.Query(ctx, `SELECT status, owner_org_id, COUNT(*) FROM vdp_cases WHERE `+scope("owner_org_id", &args)+
			` GROUP BY status, owner_org_id`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var status string
			var org string
			var n int
			if err := rows.Scan(&status, &org, &n); err != nil {
				rows.Close()
				return err
			}
			out.Cases[status] += n
			if status == "open" || status == "coordinating" || status == "remediation" {
				load(org).ActiveCases += n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		medians := []struct {
			into                           **float64
			table, org, from, to, duration string
			paused                         string
		}{
			{&out.MedianAcknowledge, "vdp_reports", "assigned_org_id", "received_at", "acknowledged_at", "ack_ms", "0"},
			{&out.MedianTriage, "vdp_reports", "assigned_org_id", "received_at", "triaged_at", "triage_ms", "paused_seconds"},
			{&out.MedianFix, "vdp_cases", "owner_org_id", "created_at", "fix_ready_at", "fix_ms", "0"},
			{&out.MedianPublish, "vdp_cases", "owner_org_id", "created_at", "disclosed_at", "publish_ms", "0"},
		}
		for _, m := range medians {
			args := db.Args{}
			where := m.duration + " IS NOT NULL AND " + scope(m.org, &args)
			if *m.into, err = median(ctx, q, m.table, where, m.duration, m.from+", "+m.to+", "+m.paused, args); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Figures{}, fmt.Errorf("vdp: stats: %w", err)
	}
	for _, l := range loads {
		out.ByCERT = append(out.ByCERT, *l)
	}
	return out, nil
}

// Name gives each CERT's load its name (names by organisation ID) and puts
// the busiest first.
func (f *Figures) Name(names map[string]string) {
	for i := range f.ByCERT {
		f.ByCERT[i].OrgName = names[f.ByCERT[i].OrgID]
	}
	slices.SortFunc(f.ByCERT, func(a, b Load) int {
		if a.OpenReports+a.ActiveCases != b.OpenReports+b.ActiveCases {
			return (b.OpenReports + b.ActiveCases) - (a.OpenReports + a.ActiveCases)
		}
		return strings.Compare(a.OrgName, b.OrgName)
	})
}

// median is the median of the hours a duration column (milliseconds,
// generated by the database and indexed) measures, rounded to a tenth (nil
// over no rows): the index yields the middle one or two rows, whose
// duration is then worked out exactly from their times (from, to, pause).
func median(ctx context.Context, q db.Querier, table, where, duration, times string, args db.Args) (*float64, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+where, args...).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	take := 2 - n%2
	rows, err := q.Query(ctx, `SELECT `+times+` FROM `+table+` WHERE `+where+` ORDER BY `+duration+
		` LIMIT `+strconv.Itoa(take)+` OFFSET `+strconv.Itoa((n-1)/2), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var sum float64
	for rows.Next() {
		var a, b time.Time
		var p int64
		if err := rows.Scan(&a, &b, &p); err != nil {
			return nil, err
		}
		sum += b.Sub(a).Hours() - float64(p)/3600
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	m := sum / float64(take)
	m = float64(int64(m*10+0.5)) / 10
	return &m, nil
}
