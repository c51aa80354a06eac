package procurement

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// TestingTarget is the time a lab has from the assignment to its report
// (the stages lab_assigned and testing, send-backs included): a
// time-boxed evaluation, as BSI's BSZ and ANSSI's CSPN are.
const TestingTarget = 60 * 24 * time.Hour

// Scorecard is how a lab has worked: from its evaluations' histories.
type Scorecard struct {
	OrgID string `json:"org_id"`
	// Assigned counts the evaluations assigned to the lab; Done those it
	// submitted a report for that the center has decided.
	Assigned int `json:"assigned"`
	Done     int `json:"done"`
	// OnTime counts the done ones whose lab stages took at most
	// TestingTarget; OnTimeShare is OnTime / Done (0 when none is done).
	OnTime      int     `json:"on_time"`
	OnTimeShare float64 `json:"on_time_share"`
	TargetDays  int     `json:"target_days"`
	// SentBack counts the evaluations reviewers sent back at least once,
	// SendBacks the send-backs.
	SentBack  int `json:"sent_back"`
	SendBacks int `json:"send_backs"`
	// Stages is the median time an evaluation of the lab spent in each
	// stage, over the evaluations that left it.
	Stages []StageMedian `json:"stages"`
}

// StageMedian is the median time spent in a stage.
type StageMedian struct {
	State         string `json:"state"`
	Evaluations   int    `json:"evaluations"`
	MedianSeconds int64  `json:"median_seconds"`
}

// Scorecard answers lab orgID's scorecard (staff and the lab's members).
func (s *Service) Scorecard(ctx context.Context, id *auth.Identity, orgID string) (Scorecard, error) {
	if id == nil {
		return Scorecard{}, errs.Unauthenticated("sign in to read a lab's scorecard")
	}
	if !ReadsWhole(id, orgID) {
		return Scorecard{}, errs.NotFound("no lab of that ID")
	}
	type ev struct {
		evalID, to string
		at         time.Time
		sentBack   int
		state      string
	}
	rows, err := db.QueryAll(ctx, s.db, func(r db.Row) (ev, error) {
		var e ev
		err := r.Scan(&e.evalID, &e.to, &e.at, &e.sentBack, &e.state)
		return e, err
	}, `SELECT x.evaluation_id, x.to_state, x.at, e.sent_back, e.state FROM procurement_evaluation_events x
		JOIN procurement_evaluations e ON e.id = x.evaluation_id
		WHERE e.lab_org_id = $1 ORDER BY x.evaluation_id, x.id`, orgID)
	if err != nil {
		return Scorecard{}, fmt.Errorf("procurement: scorecard: %w", err)
	}
	card := Scorecard{OrgID: orgID, TargetDays: int(TestingTarget / (24 * time.Hour)), Stages: []StageMedian{}}
	spent := map[string][]time.Duration{}
	for start := 0; start < len(rows); {
		end := start
		for end < len(rows) && rows[end].evalID == rows[start].evalID {
			end++
		}
		h := rows[start:end]
		start = end
		card.Assigned++
		if h[0].sentBack > 0 {
			card.SentBack++
			card.SendBacks += h[0].sentBack
		}
		per := map[string]time.Duration{}
		submitted := false
		for i := 0; i+1 < len(h); i++ {
			per[h[i].to] += h[i+1].at.Sub(h[i].at)
			if h[i+1].to == EvalReportSubmitted {
				submitted = true
			}
		}
		for state, d := range per {
			spent[state] = append(spent[state], d)
		}
		if submitted && Closed(h[0].state) && h[0].state != EvalWithdrawn {
			card.Done++
			if per[EvalLabAssigned]+per[EvalTesting] <= TestingTarget {
				card.OnTime++
			}
		}
	}
	if card.Done > 0 {
		card.OnTimeShare = float64(card.OnTime) / float64(card.Done)
	}
	for _, state := range EvalStates {
		ds := spent[state]
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		m := ds[len(ds)/2]
		if len(ds)%2 == 0 {
			m = (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
		}
		card.Stages = append(card.Stages, StageMedian{State: state, Evaluations: len(ds), MedianSeconds: int64(m / time.Second)})
	}
	return card, nil
}
