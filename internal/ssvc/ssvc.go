package ssvc

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

//go:embed tables/*.json
var tableFS embed.FS

// Value is one possible value of a decision point.
type Value struct {
	Key        string `json:"key"`
	Name       string `json:"name"`
	Definition string `json:"definition"`
}

// Point is a decision point: a question with a fixed set of answers.
type Point struct {
	ID         string  `json:"id"` // namespace:key:version, e.g. ssvc:RP:1.0.0
	Key        string  `json:"key"`
	Name       string  `json:"name"`
	Definition string  `json:"definition"`
	Values     []Value `json:"values"`
}

// Slug is the point's name as a command-line or form field: "report_public".
func (p Point) Slug() string { return slug(p.Name) }

func slug(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer(" ", "_", "-", "_", ",", "", "/", "_", "'", "").Replace(s)
	return s
}

// Table is a decision table: points in, outcome out.
type Table struct {
	Key     string            `json:"key"`
	Name    string            `json:"name"`
	Version string            `json:"version"`
	Points  []Point           `json:"points"`
	Outcome Point             `json:"outcome"`
	rows    map[string]string // value keys of Points joined by "/" → outcome value key
}

// The tables, by the short names the command line and the console use.
var tables = map[string]string{
	"triage":        "coordinator_triage_1_0_0.json",
	"publish":       "coordinator_publish_decision_table_1_0_0.json",
	"supplier":      "supplier_patch_development_priority_1_0_0.json",
	"deployer":      "deployer_patch_application_priority_1_0_0.json",
	"utility":       "utility_1_0_0.json",
	"public_safety": "public_safety_impact_1_0_0.json",
	"human_impact":  "human_impact_1_0_0.json",
}

var loaded = map[string]*Table{}

func init() {
	for name, file := range tables {
		b, err := tableFS.ReadFile("tables/" + file)
		if err != nil {
			panic(err)
		}
		t, err := parseTable(b)
		if err != nil {
			panic(fmt.Sprintf("ssvc: %s: %v", file, err))
		}
		loaded[name] = t
	}
}

// Names lists the table names, sorted.
func Names() []string {
	out := make([]string, 0, len(loaded))
	for n := range loaded {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Get returns a table by name ("triage", "publish", …).
func Get(name string) (*Table, error) {
	t, ok := loaded[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, fmt.Errorf("no SSVC table %q; the tables are %s", name, strings.Join(Names(), ", "))
	}
	return t, nil
}

// Triage is the coordinator triage table (decline, track, coordinate).
func Triage() *Table { return loaded["triage"] }

// Publish is the coordinator publication table (publish, do not publish).
func Publish() *Table { return loaded["publish"] }

type rawTable struct {
	Key            string `json:"key"`
	Version        string `json:"version"`
	Name           string `json:"name"`
	DecisionPoints map[string]struct {
		Key        string  `json:"key"`
		Name       string  `json:"name"`
		Definition string  `json:"definition"`
		Values     []Value `json:"values"`
	} `json:"decision_points"`
	Outcome string              `json:"outcome"`
	Mapping []map[string]string `json:"mapping"`
}

func parseTable(b []byte) (*Table, error) {
	var raw rawTable
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	if len(raw.Mapping) == 0 {
		return nil, fmt.Errorf("no mapping")
	}
	t := &Table{Key: raw.Key, Name: raw.Name, Version: raw.Version, rows: map[string]string{}}
	point := func(id string) (Point, error) {
		dp, ok := raw.DecisionPoints[id]
		if !ok {
			return Point{}, fmt.Errorf("decision point %s not defined", id)
		}
		return Point{ID: id, Key: dp.Key, Name: dp.Name, Definition: dp.Definition, Values: dp.Values}, nil
	}
	var err error
	if t.Outcome, err = point(raw.Outcome); err != nil {
		return nil, err
	}
	// The order of the points is the order of the first mapping row's keys
	// as the file lists them; JSON objects are unordered in Go, so take the
	// order from the file text.
	order, err := keyOrder(b, raw.Mapping[0])
	if err != nil {
		return nil, err
	}
	for _, id := range order {
		if id == raw.Outcome {
			continue
		}
		p, err := point(id)
		if err != nil {
			return nil, err
		}
		t.Points = append(t.Points, p)
	}
	for i, row := range raw.Mapping {
		if len(row) != len(t.Points)+1 {
			return nil, fmt.Errorf("mapping row %d has %d entries, want %d", i, len(row), len(t.Points)+1)
		}
		k := t.rowKey(func(p Point) string { return row[p.ID] })
		if _, dup := t.rows[k]; dup {
			return nil, fmt.Errorf("mapping row %d repeats %s", i, k)
		}
		t.rows[k] = row[raw.Outcome]
	}
	want := 1
	for _, p := range t.Points {
		want *= len(p.Values)
	}
	if len(t.rows) != want {
		return nil, fmt.Errorf("mapping has %d rows, the points allow %d combinations", len(t.rows), want)
	}
	return t, nil
}

// keyOrder finds the order in which the decision point IDs appear in the
// first mapping row of the file.
func keyOrder(b []byte, first map[string]string) ([]string, error) {
	s := string(b)
	i := strings.Index(s, `"mapping"`)
	if i < 0 {
		return nil, fmt.Errorf("no mapping")
	}
	s = s[i:]
	type pos struct {
		id string
		at int
	}
	var ps []pos
	for id := range first {
		at := strings.Index(s, `"`+id+`"`)
		if at < 0 {
			return nil, fmt.Errorf("cannot find %s in the mapping", id)
		}
		ps = append(ps, pos{id, at})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].at < ps[j].at })
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.id
	}
	return out, nil
}

func (t *Table) rowKey(value func(Point) string) string {
	parts := make([]string, len(t.Points))
	for i, p := range t.Points {
		parts[i] = value(p)
	}
	return strings.Join(parts, "/")
}

// Decision is a table's answer with the values it was given.
type Decision struct {
	Table   string            `json:"table"`
	Inputs  map[string]string `json:"inputs"` // point key → value key
	Outcome Value             `json:"outcome"`
	// Vector is the SSVC-style summary "RP:Y/SCON:N/…/COORDINATE:C".
	Vector string `json:"vector"`
}

// Decide looks the outcome up. in maps a decision point — by key ("RP"),
// name ("Report Public") or slug ("report_public") — to a value — by key
// ("Y") or name ("Yes"), case-insensitively. Every point must be given.
func (t *Table) Decide(in map[string]string) (Decision, error) {
	chosen := map[string]string{}
	for k, v := range in {
		p, ok := t.point(k)
		if !ok {
			return Decision{}, fmt.Errorf("%s has no decision point %q; it takes %s", t.Name, k, t.pointList())
		}
		val, ok := p.value(v)
		if !ok {
			return Decision{}, fmt.Errorf("%q is not a value of %s; use one of %s", v, p.Name, p.valueList())
		}
		if prev, dup := chosen[p.Key]; dup && prev != val.Key {
			return Decision{}, fmt.Errorf("%s is given twice", p.Name)
		}
		chosen[p.Key] = val.Key
	}
	var missing []string
	for _, p := range t.Points {
		if _, ok := chosen[p.Key]; !ok {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) > 0 {
		return Decision{}, fmt.Errorf("%s needs a value for %s", t.Name, strings.Join(missing, ", "))
	}
	outKey := t.rows[t.rowKey(func(p Point) string { return chosen[p.Key] })]
	out, _ := t.Outcome.value(outKey)
	parts := make([]string, 0, len(t.Points)+1)
	for _, p := range t.Points {
		parts = append(parts, p.Key+":"+chosen[p.Key])
	}
	parts = append(parts, t.Outcome.Key+":"+out.Key)
	return Decision{Table: t.Name, Inputs: chosen, Outcome: out, Vector: strings.Join(parts, "/")}, nil
}

func (t *Table) point(s string) (Point, bool) {
	for _, p := range t.Points {
		if strings.EqualFold(p.Key, s) || strings.EqualFold(p.Name, s) || p.Slug() == slug(s) || p.ID == s {
			return p, true
		}
	}
	return Point{}, false
}

func (p Point) value(s string) (Value, bool) {
	for _, v := range p.Values {
		if strings.EqualFold(v.Key, s) || strings.EqualFold(v.Name, s) || slug(v.Name) == slug(s) {
			return v, true
		}
	}
	return Value{}, false
}

func (t *Table) pointList() string {
	s := make([]string, len(t.Points))
	for i, p := range t.Points {
		s[i] = p.Slug()
	}
	return strings.Join(s, ", ")
}

func (p Point) valueList() string {
	s := make([]string, len(p.Values))
	for i, v := range p.Values {
		s[i] = slug(v.Name)
	}
	return strings.Join(s, ", ")
}
