package training

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
)

// Requirement is what an organisation's role requires of its trained
// staff: at least People people who completed a course of Topic at
// MinLevel or above.
type Requirement struct {
	ID       string `json:"id"`
	Applies  string `json:"applies"` // cii_operator, cert
	Topic    string `json:"topic"`
	MinLevel string `json:"min_level"`
	People   int    `json:"people"`
	Text     string `json:"text"`
}

// Requirements are the national rules the gaps are counted against.
var Requirements = []Requirement{
	{ID: "cii-incident-contact", Applies: "cii_operator", Topic: "incident_response", MinLevel: "foundation", People: 1,
		Text: "Every CII operator has a trained incident contact"},
	{ID: "cert-incident-handlers", Applies: "cert", Topic: "incident_response", MinLevel: "intermediate", People: 2,
		Text: "Every CERT has two incident handlers trained at intermediate level or above"},
	{ID: "cert-forensics", Applies: "cert", Topic: "digital_forensics", MinLevel: "foundation", People: 1,
		Text: "Every CERT has someone trained in digital forensics"},
}

func (r Requirement) applies(o directory.Summary) bool {
	switch r.Applies {
	case "cii_operator":
		return o.CII && !o.Kind.IsCERT()
	case "cert":
		return o.Kind.IsCERT()
	}
	return false
}

// Trained counts the people of an organisation who completed courses of
// a topic at a level.
type Trained struct {
	Topic  string `json:"topic"`
	Level  string `json:"level"`
	People int    `json:"people"`
}

// OrgCapacity is one organisation's trained people and gaps.
type OrgCapacity struct {
	OrgID   string    `json:"org_id"`
	Name    string    `json:"name"`
	Kind    string    `json:"kind"`
	Sector  string    `json:"sector"`
	CII     bool      `json:"cii"`
	People  int       `json:"people"` // distinct people with a completed course
	Trained []Trained `json:"trained"`
	Gaps    []string  `json:"gaps"` // the IDs of the Requirements not met
}

// SectorCapacity sums a sector's organisations.
type SectorCapacity struct {
	Sector string `json:"sector"`
	Orgs   int    `json:"orgs"`
	People int    `json:"people"`
	// Gaps counts the organisations short of a requirement; Short lists them by requirement.
	Gaps int `json:"gaps"`
}

// Capacity is the figures: each organisation the reader may see, the
// sectors, and the requirements counted against.
type Capacity struct {
	Requirements []Requirement    `json:"requirements"`
	Orgs         []OrgCapacity    `json:"orgs"`
	Sectors      []SectorCapacity `json:"sectors"`
	Topics       []Trained        `json:"topics"` // people trained by topic and level, over the organisations shown
}

// Capacity answers the capacity figures over the organisations id may
// see the training of: the center's staff every organisation, a CERT's
// members their CERT and its constituents, anyone else their own.
func (s *Service) Capacity(ctx context.Context, id *auth.Identity) (Capacity, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Capacity{}, err
	}
	all, err := s.orgs.All(ctx, system, directory.Filter{})
	if err != nil {
		return Capacity{}, err
	}
	seen := rd.sees
	if !rd.staff {
		seen = append(slices.Clone(seen), id.OrgIDs()...)
	}
	var orgs []directory.Summary
	for _, o := range all {
		if o.Kind == directory.KindVendor || o.Kind == directory.KindLab {
			continue
		}
		if rd.staff || slices.Contains(seen, o.ID) {
			orgs = append(orgs, o)
		}
	}
	type key struct{ org, topic, level string }
	counts := map[key]int{}
	people := map[string]int{}
	err = s.db.Read(ctx, func(q db.Querier) error {
		type row struct {
			org, topic, level string
			n                 int
		}
		rows, err := db.QueryAll(ctx, q, func(r db.Row) (row, error) {
			var x row
			return x, r.Scan(&x.org, &x.topic, &x.level, &x.n)
		}, `SELECT e.org_id, c.topic, c.level, COUNT(DISTINCT e.user_id) FROM training_enrolments e
			JOIN training_sessions s ON s.id = e.session_id JOIN training_courses c ON c.id = s.course_id
			JOIN training_certificates t ON t.enrolment_id = e.id
			WHERE e.status = 'completed' AND t.revoked_at IS NULL GROUP BY e.org_id, c.topic, c.level`)
		if err != nil {
			return fmt.Errorf("training: capacity: %w", err)
		}
		for _, x := range rows {
			counts[key{x.org, x.topic, x.level}] = x.n
		}
		tot, err := db.QueryAll(ctx, q, func(r db.Row) (row, error) {
			var x row
			return x, r.Scan(&x.org, &x.n)
		}, `SELECT e.org_id, COUNT(DISTINCT e.user_id) FROM training_enrolments e JOIN training_certificates t ON t.enrolment_id = e.id
			WHERE e.status = 'completed' AND t.revoked_at IS NULL GROUP BY e.org_id`)
		for _, x := range tot {
			people[x.org] = x.n
		}
		return err
	})
	if err != nil {
		return Capacity{}, err
	}
	out := Capacity{Requirements: Requirements, Orgs: []OrgCapacity{}, Sectors: []SectorCapacity{}, Topics: []Trained{}}
	bySector := map[string]*SectorCapacity{}
	topics := map[[2]string]int{}
	for _, o := range orgs {
		oc := OrgCapacity{OrgID: o.ID, Name: o.Name, Kind: string(o.Kind), Sector: o.Sector, CII: o.CII, People: people[o.ID],
			Trained: []Trained{}, Gaps: []string{}}
		for _, t := range Topics {
			for _, l := range Levels {
				if n := counts[key{o.ID, t, l}]; n > 0 {
					oc.Trained = append(oc.Trained, Trained{Topic: t, Level: l, People: n})
					topics[[2]string{t, l}] += n
				}
			}
		}
		for _, r := range Requirements {
			if !r.applies(o) {
				continue
			}
			n := 0
			for _, l := range Levels[slices.Index(Levels, r.MinLevel):] {
				n += counts[key{o.ID, r.Topic, l}]
			}
			if n < r.People {
				oc.Gaps = append(oc.Gaps, r.ID)
			}
		}
		out.Orgs = append(out.Orgs, oc)
		sector := o.Sector
		if sector == "" {
			sector = "none"
		}
		sc := bySector[sector]
		if sc == nil {
			sc = &SectorCapacity{Sector: sector}
			bySector[sector] = sc
		}
		sc.Orgs++
		sc.People += oc.People
		if len(oc.Gaps) > 0 {
			sc.Gaps++
		}
	}
	for _, sc := range bySector {
		out.Sectors = append(out.Sectors, *sc)
	}
	slices.SortFunc(out.Sectors, func(a, b SectorCapacity) int { return strings.Compare(a.Sector, b.Sector) })
	for _, t := range Topics {
		for _, l := range Levels {
			if n := topics[[2]string{t, l}]; n > 0 {
				out.Topics = append(out.Topics, Trained{Topic: t, Level: l, People: n})
			}
		}
	}
	return out, nil
}

// WriteCSV writes the figures one organisation a row: its people trained
// in each topic (any level) and the requirements it falls short of.
func (c Capacity) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"org_id", "name", "kind", "sector", "cii", "people_trained"}
	head = append(head, Topics...)
	head = append(head, "gaps")
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, o := range c.Orgs {
		by := map[string]int{}
		for _, t := range o.Trained {
			by[t.Topic] += t.People
		}
		rec := []string{o.OrgID, directory.SafeCell(o.Name), o.Kind, o.Sector, strconv.FormatBool(o.CII), strconv.Itoa(o.People)}
		for _, t := range Topics {
			rec = append(rec, strconv.Itoa(by[t]))
		}
		rec = append(rec, strings.Join(o.Gaps, " "))
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Completions counts the people of the organisations given who completed
// a course in [from, to) with a certificate still valid: the training of
// a periodic report.
func (s *Service) Completions(ctx context.Context, orgs []string, from, to time.Time) (int, error) {
	if len(orgs) == 0 {
		return 0, nil
	}
	var n int
	err := s.db.Read(ctx, func(q db.Querier) error {
		var a db.Args
		return q.QueryRow(ctx, `SELECT COUNT(*) FROM training_enrolments e JOIN training_certificates t ON t.enrolment_id = e.id
			WHERE e.status = 'completed' AND t.revoked_at IS NULL AND e.org_id IN (`+db.In(&a, orgs)+`)
			AND e.completed_at >= `+a.Add(from)+` AND e.completed_at < `+a.Add(to), a...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("training: completions: %w", err)
	}
	return n, nil
}
