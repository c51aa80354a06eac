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
		where := rd.Where(&args, "o")
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
		fwhere := rd.Where(&fargs, "f")
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
		owhere := rd.Where(&oargs, "o")
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
		}, `SELECT x.org_id, x.sector, x.score, x.checked_at,
			(SELECT COUNT(*) FROM hygiene_findings f WHERE f.org_id = x.org_id AND f.state = 'open'),
			(SELECT MAX(f.severity_rank) FROM hygiene_findings f WHERE f.org_id = x.org_id AND f.state = 'open')
			FROM (SELECT o.org_id, o.sector, o.score, o.checked_at FROM hygiene_orgs o WHERE `+owhere+`
				ORDER BY CASE WHEN o.score IS NULL THEN 1 ELSE 0 END, o.score, o.org_id LIMIT 50) x
			ORDER BY CASE WHEN x.score IS NULL THEN 1 ELSE 0 END, x.score, x.org_id`, oargs...)
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
// sector and over all (sector ""): for staff the monthly sums over every
// organisation; for others the sums kept for the CERTs they belong to
// (their constituents' runs) and their own organisations' runs.
func (s *Service) trend(ctx context.Context, q db.Querier, rd reader, from string) ([]MonthScore, error) {
	type key struct{ sector, month string }
	type sum struct {
		total float64
		runs  int
	}
	sums := map[key]*sum{}
	add := func(k key, total float64, runs int) {
		v := sums[k]
		if v == nil {
			v = &sum{}
			sums[k] = v
		}
		v.total += total
		v.runs += runs
	}
	scan := func(query string, args db.Args, own bool) error {
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("hygiene: trend: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k key
			var total float64
			var runs int
			if err := rows.Scan(&k.sector, &k.month, &total, &runs); err != nil {
				return err
			}
			add(k, total, runs)
			if own && k.sector != "" { // an organisation's own runs count in the total too
				add(key{"", k.month}, total, runs)
			}
		}
		return rows.Err()
	}
	if rd.Staff {
		if err := scan(`SELECT sector, month, total, runs FROM hygiene_months WHERE cert_org_id = '' AND month >= $1`, db.Args{from}, false); err != nil {
			return nil, err
		}
	} else if len(rd.Orgs) > 0 {
		args := db.Args{from}
		in := db.In(&args, rd.Orgs)
		if err := scan(`SELECT sector, month, SUM(total), SUM(runs) FROM hygiene_months WHERE cert_org_id IN (`+in+`) AND month >= $1
			GROUP BY sector, month`, args, false); err != nil {
			return nil, err
		}
		args = db.Args{from}
		in = db.In(&args, rd.Orgs)
		if err := scan(`SELECT r.sector, r.month, SUM(r.score), COUNT(*) FROM hygiene_runs r WHERE r.org_id IN (`+in+`) AND r.cert_org_id NOT IN (`+in+`)
			AND r.state = 'done' AND r.score IS NOT NULL AND r.month >= $1 GROUP BY r.sector, r.month`, args, true); err != nil {
			return nil, err
		}
	}
	out := make([]MonthScore, 0, len(sums))
	for k, v := range sums {
		out = append(out, MonthScore{Sector: k.sector, Month: k.month, Runs: v.runs, Score: round1(v.total / float64(v.runs))})
	}
	slices.SortFunc(out, func(a, b MonthScore) int {
		return cmp.Or(cmp.Compare(a.Sector, b.Sector), cmp.Compare(a.Month, b.Month))
	})
	return out, nil
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

// Figures counts, for a CERT's periodic report, the high and critical
// findings of its constituents (and its own) opened in [from, to), and
// those fixed in it.
func (s *Service) Figures(ctx context.Context, certOrgID string, from, to time.Time) (opened, fixed int, err error) {
	err = s.db.Read(ctx, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT
			COALESCE(SUM(CASE WHEN f.first_seen >= $2 AND f.first_seen < $3 THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN f.state = 'fixed' AND f.fixed_at >= $2 AND f.fixed_at < $3 THEN 1 ELSE 0 END), 0)
			FROM hygiene_findings f WHERE (f.cert_org_id = $1 OR f.org_id = $1) AND f.severity_rank >= $4`,
			certOrgID, from, to, probe.High.Rank()).Scan(&opened, &fixed)
	})
	if err != nil {
		err = fmt.Errorf("hygiene: figures: %w", err)
	}
	return opened, fixed, err
}
