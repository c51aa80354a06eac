package hygiene

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/hygiene/probe"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
)

// trendMonths is how far back the trend reaches.
const trendMonths = 12

// Rollup answers the hygiene of the organisations the caller reads: the
// mean score by sector and over all, open findings by severity, the
// monthly trend and the organisations with the lowest scores (of one
// sector when given). Every figure is an SQL aggregate over what the
// caller reads; the center's staff read the monthly sums kept as runs
// finish.
func (s *Service) Rollup(ctx context.Context, id *auth.Identity, sector string) (Rollup, error) {
	rd, err := readerOf(id)
	if err != nil {
		return Rollup{}, err
	}
	out := Rollup{Sectors: []SectorScore{}, Trend: []MonthScore{}, Orgs: []OrgScore{}}
	from := Months(s.now())[0]
	err = s.db.Read(ctx, func(q db.Querier) error {
		args := db.Args{}
		where := rd.where(&args, "o")
		rows, err := q.Query(ctx, `SELECT o.sector, COUNT(*), COUNT(o.score), COALESCE(SUM(o.score), 0) FROM hygiene_orgs o WHERE `+where+
			` GROUP BY o.sector ORDER BY o.sector`, args...)
		if err != nil {
			return fmt.Errorf("hygiene: roll-up: %w", err)
		}
		var sum float64
		var scored int
		bySector := map[string]int{}
		for rows.Next() {
			var sc SectorScore
			var total float64
			if err := rows.Scan(&sc.Sector, &sc.Organisations, &sc.Checked, &total); err != nil {
				rows.Close()
				return err
			}
			if sc.Checked > 0 {
				sc.Score = round1(total / float64(sc.Checked))
			}
			sum, scored = sum+total, scored+sc.Checked
			bySector[sc.Sector] = len(out.Sectors)
			out.Sectors = append(out.Sectors, sc)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if scored > 0 {
			n := round1(sum / float64(scored))
			out.National = &n
		}
		fargs := db.Args{}
		fwhere := rd.where(&fargs, "f")
		rows, err = q.Query(ctx, `SELECT f.sector, f.severity, COUNT(*) FROM hygiene_findings f WHERE f.state = 'open' AND `+fwhere+
			` GROUP BY f.sector, f.severity`, fargs...)
		if err != nil {
			return fmt.Errorf("hygiene: roll-up: %w", err)
		}
		for rows.Next() {
			var sec, sev string
			var n int
			if err := rows.Scan(&sec, &sev, &n); err != nil {
				rows.Close()
				return err
			}
			out.OpenTotal += n
			i, ok := bySector[sec]
			if !ok {
				continue
			}
			switch probe.Severity(sev) {
			case probe.Critical:
				out.Sectors[i].Critical += n
			case probe.High:
				out.Sectors[i].High += n
			case probe.Medium:
				out.Sectors[i].Medium += n
			case probe.Low:
				out.Sectors[i].Low += n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if out.Trend, err = s.trend(ctx, q, rd, from); err != nil {
			return err
		}
		oargs := db.Args{}
		owhere := rd.where(&oargs, "o")
		if sector != "" {
			owhere += " AND o.sector = " + oargs.Add(sector)
		}
		out.Orgs, err = db.QueryAll(ctx, q, func(r db.Row) (OrgScore, error) {
			var o OrgScore
			var worst *int
			err := r.Scan(&o.OrgID, &o.Sector, &o.Score, &o.CheckedAt, &o.Open, &worst)
			if worst != nil && *worst >= 0 && *worst < len(probe.Severities) {
				o.Worst = string(probe.Severities[*worst])
			}
			return o, err
		}, `SELECT o.org_id, o.sector, o.score, o.checked_at,
			(SELECT COUNT(*) FROM hygiene_findings f WHERE f.org_id = o.org_id AND f.state = 'open'),
			(SELECT MAX(f.severity_rank) FROM hygiene_findings f WHERE f.org_id = o.org_id AND f.state = 'open')
			FROM hygiene_orgs o WHERE `+owhere+` ORDER BY CASE WHEN o.score IS NULL THEN 1 ELSE 0 END, o.score, o.org_id LIMIT 50`, oargs...)
		return err
	})
	if err != nil {
		return Rollup{}, err
	}
	var ids []string
	for _, o := range out.Orgs {
		ids = append(ids, o.OrgID)
	}
	names, err := s.names(ctx, ids)
	for i := range out.Orgs {
		out.Orgs[i].Org = names[out.Orgs[i].OrgID]
	}
	return out, err
}

// trend answers the mean score of the runs of each month since from, per
// sector and over all (sector "").
func (s *Service) trend(ctx context.Context, q db.Querier, rd reader, from string) ([]MonthScore, error) {
	scan := func(r db.Row) (MonthScore, error) {
		var m MonthScore
		var total float64
		err := r.Scan(&m.Sector, &m.Month, &total, &m.Runs)
		if m.Runs > 0 {
			m.Score = round1(total / float64(m.Runs))
		}
		return m, err
	}
	if rd.staff {
		return db.QueryAll(ctx, q, scan, `SELECT sector, month, total, runs FROM hygiene_months WHERE month >= $1 ORDER BY sector, month`, from)
	}
	args := db.Args{from}
	where := rd.where(&args, "r")
	list, err := db.QueryAll(ctx, q, scan, `SELECT r.sector, r.month, SUM(r.score), COUNT(*) FROM hygiene_runs r
		WHERE r.state = 'done' AND r.score IS NOT NULL AND r.month >= $1 AND `+where+` GROUP BY r.sector, r.month`, args...)
	if err != nil {
		return nil, err
	}
	all := map[string]*MonthScore{}
	for _, m := range list {
		a := all[m.Month]
		if a == nil {
			a = &MonthScore{Month: m.Month}
			all[m.Month] = a
		}
		a.Score += m.Score * float64(m.Runs)
		a.Runs += m.Runs
	}
	for _, a := range all {
		a.Score = round1(a.Score / float64(a.Runs))
		list = append(list, *a)
	}
	slices.SortFunc(list, func(a, b MonthScore) int {
		return cmp.Or(cmp.Compare(a.Sector, b.Sector), cmp.Compare(a.Month, b.Month))
	})
	return list, nil
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

// Months are the last trendMonths months, oldest first (the axis of the
// trend chart).
func Months(now time.Time) []string {
	first := time.Date(now.UTC().Year(), now.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	out := make([]string, trendMonths)
	for i := range out {
		out[i] = first.AddDate(0, -(trendMonths - 1 - i), 0).Format("2006-01")
	}
	return out
}
