package incident

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/certhub/certhub/internal/coordination/deadline"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/rsit"
)

// Count is a number of incidents with one value of a dimension.
type Count struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	N     int    `json:"count"`
}

// StepFigure is how one deadline step fared over the period's incidents.
type StepFigure struct {
	Regime  string `json:"regime"`
	Step    string `json:"step"`
	Title   string `json:"title"`
	Met     int    `json:"met"`     // done in time
	Late    int    `json:"late"`    // done after its due time
	Overdue int    `json:"overdue"` // still open past its due time
	// OnTime is Met over every step that fell due (met, late, overdue), in
	// percent; nil when none did.
	OnTime *float64 `json:"on_time_percent"`
}

// Figures are the incidents reported in a period, as the reader may see
// them: the basis of the periodic reports to the national CERT.
type Figures struct {
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Total      int       `json:"total"`
	Closed     int       `json:"closed"` // of those, closed by now
	ByClass    []Count   `json:"by_class"`
	BySeverity []Count   `json:"by_severity"`
	BySector   []Count   `json:"by_sector"`
	ByCERT     []Count   `json:"by_cert"`
	// The medians, in seconds, over the incidents that had one.
	MedianFirstResponse *int64       `json:"median_first_response_seconds"`
	MedianClosure       *int64       `json:"median_closure_seconds"`
	Steps               []StepFigure `json:"deadlines"`
}

// maxFigured bounds the incidents one period's deadline figures read.
const maxFigured = 100000

// median answers the middle of durations (nil for none).
func median(durations []int64) *int64 {
	if len(durations) == 0 {
		return nil
	}
	slices.Sort(durations)
	m := durations[len(durations)/2]
	if len(durations)%2 == 0 {
		m = (durations[len(durations)/2-1] + m) / 2
	}
	return &m
}

// Figures counts the incidents reported in [from, to) that the reader may
// see, by class, severity, sector and CERT (in SQL), with the medians of
// time to first response and to closure and the on-time share of each
// deadline step.
func (s *Service) Figures(ctx context.Context, id *auth.Identity, from, to time.Time) (Figures, error) {
	if id == nil {
		return Figures{}, errs.Unauthenticated("sign in to read figures")
	}
	return s.figures(ctx, readerOf(id), from, to)
}

// FiguresOf answers the figures of the incidents reported in a period
// that one CERT handles (owns): the incidents of its periodic report.
func (s *Service) FiguresOf(ctx context.Context, ownerOrgID string, from, to time.Time) (Figures, error) {
	return s.figures(ctx, reader{id: system, staff: true, owner: ownerOrgID}, from, to)
}

func (s *Service) figures(ctx context.Context, rd reader, from, to time.Time) (Figures, error) {
	if !to.After(from) || to.Sub(from) > 5*366*24*time.Hour {
		return Figures{}, errs.InvalidField("to", "after from, at most five years after it")
	}
	regimes, err := s.Regimes(ctx)
	if err != nil {
		return Figures{}, err
	}
	now := s.now().UTC()
	fg := Figures{From: from.UTC(), To: to.UTC(), ByClass: []Count{}, BySeverity: []Count{}, BySector: []Count{}, ByCERT: []Count{}, Steps: []StepFigure{}}
	err = s.db.Read(ctx, func(q db.Querier) error {
		group := func(col, label string) ([]Count, error) {
			args := db.Args{}
			where := rd.reach(&args) + ` AND i.reported_at >= ` + args.Add(fg.From) + ` AND i.reported_at < ` + args.Add(fg.To)
			return db.QueryAll(ctx, q, func(r db.Row) (Count, error) {
				var c Count
				err := r.Scan(&c.Key, &c.Label, &c.N)
				return c, err
			}, `SELECT `+col+`, `+label+`, COUNT(*) FROM coordination_incidents i WHERE `+where+
				` GROUP BY `+col+`, `+label+` ORDER BY COUNT(*) DESC, `+col, args...)
		}
		var err error
		if fg.ByClass, err = group("i.rsit_class", "i.rsit_class"); err != nil {
			return err
		}
		if fg.BySeverity, err = group("i.severity", "i.severity"); err != nil {
			return err
		}
		if fg.BySector, err = group("i.sector", "i.sector"); err != nil {
			return err
		}
		if fg.ByCERT, err = group("i.owner_org_id", "i.owner_org_id"); err != nil {
			return err
		}
		for _, c := range fg.ByClass {
			fg.Total += c.N
		}
		if fg.Total > maxFigured {
			return errs.InvalidField("from", "%d incidents in the period: at most %d, ask for a shorter one", fg.Total, maxFigured)
		}
		// The durations and the deadlines, incident by incident.
		args := db.Args{}
		where := rd.reach(&args) + ` AND i.reported_at >= ` + args.Add(fg.From) + ` AND i.reported_at < ` + args.Add(fg.To)
		type row struct {
			in    Incident
			steps []stepRow
		}
		var rows []*row
		byID := map[string]*row{}
		_, err = db.QueryAll(ctx, q, func(r db.Row) (struct{}, error) {
			x := &row{}
			var regimes string
			err := r.Scan(&x.in.ID, &x.in.Status, &regimes, &x.in.DetectedAt, &x.in.AwareAt, &x.in.ReportedAt, &x.in.FirstResponse, &x.in.ClosedAt)
			if err == nil {
				err = json.Unmarshal([]byte(regimes), &x.in.Regimes)
			}
			rows = append(rows, x)
			byID[x.in.ID] = x
			return struct{}{}, err
		}, `SELECT i.id, i.status, i.regimes, i.detected_at, i.aware_at, i.reported_at, i.first_response_at, i.closed_at
			FROM coordination_incidents i WHERE `+where, args...)
		if err != nil {
			return err
		}
		_, err = db.QueryAll(ctx, q, func(r db.Row) (struct{}, error) {
			var id string
			var st stepRow
			err := r.Scan(&id, &st.key, &st.done, &st.due, &st.doneBy, &st.overdueAt)
			if x := byID[id]; x != nil && err == nil {
				x.steps = append(x.steps, st)
			}
			return struct{}{}, err
		}, `SELECT s.incident_id, s.step_key, s.done_at, s.due_at, s.done_by, s.overdue_told_at
			FROM coordination_incident_steps s JOIN coordination_incidents i ON i.id = s.incident_id WHERE `+where, args...)
		if err != nil {
			return err
		}
		var first, closure []int64
		steps := map[string]*StepFigure{}
		var order []string
		for _, x := range rows {
			if x.in.FirstResponse != nil {
				first = append(first, int64(x.in.FirstResponse.Sub(x.in.ReportedAt)/time.Second))
			}
			if x.in.ClosedAt != nil {
				closure = append(closure, int64(x.in.ClosedAt.Sub(x.in.ReportedAt)/time.Second))
				fg.Closed++
			}
			for _, c := range deadline.Clocks(pick(regimes, x.in.Regimes), facts(x.in, x.steps), now) {
				k := deadline.Key(c.Regime, c.Step)
				sf := steps[k]
				if sf == nil {
					sf = &StepFigure{Regime: c.Regime, Step: c.Step, Title: c.Title}
					steps[k] = sf
					order = append(order, k)
				}
				switch {
				case c.State == deadline.Met:
					sf.Met++
				case c.State == deadline.Late:
					sf.Late++
				case c.State == deadline.Overdue && !x.in.Closed():
					sf.Overdue++
				}
			}
		}
		fg.MedianFirstResponse, fg.MedianClosure = median(first), median(closure)
		for _, k := range order {
			sf := steps[k]
			if n := sf.Met + sf.Late + sf.Overdue; n > 0 {
				p := float64(sf.Met) * 100 / float64(n)
				sf.OnTime = &p
			}
			fg.Steps = append(fg.Steps, *sf)
		}
		return nil
	})
	if err != nil {
		return Figures{}, err
	}
	d, err := s.directory(ctx)
	if err != nil {
		return Figures{}, err
	}
	for i := range fg.ByCERT {
		fg.ByCERT[i].Label = d.name(fg.ByCERT[i].Key)
	}
	for i := range fg.ByClass {
		if c, _, ok := rsit.Find(fg.ByClass[i].Key, ""); ok || c.Value != "" {
			fg.ByClass[i].Label = c.Name
		}
	}
	return fg, nil
}

// writeFiguresCSV writes the figures as CSV: one row per dimension and
// value, then one per deadline step.
func writeFiguresCSV(w http.ResponseWriter, fg Figures) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="incidents-%s-%s.csv"`,
		fg.From.Format(time.DateOnly), fg.To.Format(time.DateOnly)))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"dimension", "key", "label", "count", "met", "late", "overdue", "on_time_percent"})
	for _, d := range []struct {
		name string
		list []Count
	}{{"class", fg.ByClass}, {"severity", fg.BySeverity}, {"sector", fg.BySector}, {"cert", fg.ByCERT}} {
		for _, c := range d.list {
			_ = cw.Write([]string{d.name, c.Key, c.Label, strconv.Itoa(c.N), "", "", "", ""})
		}
	}
	for _, s := range fg.Steps {
		on := ""
		if s.OnTime != nil {
			on = strconv.FormatFloat(*s.OnTime, 'f', 1, 64)
		}
		_ = cw.Write([]string{"deadline", deadline.Key(s.Regime, s.Step), s.Title, strconv.Itoa(s.Met + s.Late + s.Overdue),
			strconv.Itoa(s.Met), strconv.Itoa(s.Late), strconv.Itoa(s.Overdue), on})
	}
	cw.Flush()
	return cw.Error()
}
