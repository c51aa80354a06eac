package vulns

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/procurement/osv"
	"github.com/certhub/certhub/internal/procurement/sbom"
)

// Service keeps the known vulnerable package versions (OSV records loaded
// by staff) and matches SBOMs against them.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// New makes the service over d, with the clock now.
func New(d *db.DB, now func() time.Time) *Service { return &Service{db: d, now: now} }

// Loaded says what a load of OSV records did.
type Loaded struct {
	Records   int `json:"records"`
	New       int `json:"new"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"` // the store had them at the same or a later modified time
}

// Load loads OSV records (one, or a JSON array) for the SBOM checks
// (staff), 500 a transaction; a record replaces the one of its id only
// when newer. Audited once a load.
func (s *Service) Load(ctx context.Context, id *auth.Identity, data []byte) (Loaded, error) {
	if err := mayLoad(id); err != nil {
		return Loaded{}, err
	}
	recs, err := osv.Parse(data)
	if err != nil {
		return Loaded{}, err
	}
	return s.LoadRecords(ctx, id, recs)
}

// LoadRecords is Load of records already read (the command line's
// files and archives).
func (s *Service) LoadRecords(ctx context.Context, id *auth.Identity, recs []osv.Record) (Loaded, error) {
	if err := mayLoad(id); err != nil {
		return Loaded{}, err
	}
	if len(recs) == 0 {
		return Loaded{}, nil
	}
	now := s.now().UTC()
	save := func(ctx context.Context, tx *db.Tx, r osv.Record) (string, error) { return saveOSV(ctx, tx, r, now) }
	t, err := db.SaveInBatches(ctx, s.db, recs, save, func(tx *db.Tx, t db.Tally) error {
		return audit.Record(ctx, tx, now, audit.Event{Action: "procurement.osv.load", ObjectType: "osv", ObjectID: recs[0].ID,
			Summary: fmt.Sprintf("loaded %d OSV records: %d new, %d updated, %d unchanged", len(recs), t.New, t.Updated, t.Unchanged)})
	})
	return Loaded{Records: len(recs), New: t.New, Updated: t.Updated, Unchanged: t.Unchanged}, err
}

// Vulnerability is a known vulnerability of a component.
type Vulnerability struct {
	ID       string   `json:"id"`
	Aliases  []string `json:"aliases,omitempty"`
	Summary  string   `json:"summary,omitempty"`
	Severity string   `json:"severity,omitempty"`
}

// ComponentCheck is a component with what is known against it.
type ComponentCheck struct {
	sbom.Component
	Vulnerabilities []Vulnerability `json:"vulnerabilities"`
}

// SBOMCheck is an SBOM matched against the OSV records loaded.
type SBOMCheck struct {
	Format      string `json:"format"`
	SpecVersion string `json:"spec_version"`
	Product     string `json:"product,omitempty"`
	Components  int    `json:"components"`
	Checked     int    `json:"checked"`
	// Vulnerable are the components with known vulnerabilities.
	Vulnerable []ComponentCheck `json:"vulnerable"`
	// Unchecked are the components that could not be matched: no package
	// URL of an ecosystem OSV knows, or a version it cannot read. They are
	// listed, never passed.
	Unchecked []sbom.Component `json:"unchecked"`
}

// CheckSBOM reads an SBOM and matches each component against the OSV
// records loaded (anyone signed in: a constituent checks what it means to
// buy, a lab and the center what they evaluate).
func (s *Service) CheckSBOM(ctx context.Context, id *auth.Identity, r io.Reader) (SBOMCheck, error) {
	if id == nil {
		return SBOMCheck{}, errs.Unauthenticated("sign in to check an SBOM")
	}
	doc, err := sbom.Parse(r)
	if err != nil {
		return SBOMCheck{}, err
	}
	return s.Check(ctx, doc)
}

// Check matches the components of doc against the OSV records loaded.
func (s *Service) Check(ctx context.Context, doc sbom.SBOM) (SBOMCheck, error) {
	out := SBOMCheck{Format: doc.Format, SpecVersion: doc.SpecVersion, Product: doc.Product, Components: len(doc.Components),
		Vulnerable: []ComponentCheck{}, Unchecked: []sbom.Component{}}
	type coord struct{ eco, name, version string }
	coords := make([]coord, len(doc.Components))
	var names []string
	for i, c := range doc.Components {
		if c.PURL == "" {
			continue
		}
		if eco, name, version, ok := osv.Coordinates(c.PURL); ok && version != "" {
			coords[i] = coord{eco, name, version}
			names = append(names, name)
		}
	}
	slices.Sort(names)
	known, err := affectedPackages(ctx, s.db, slices.Compact(names))
	if err != nil {
		return SBOMCheck{}, err
	}
	byPkg := map[[2]string][]knownAffected{}
	for _, k := range known {
		key := [2]string{k.Ecosystem, k.Name}
		byPkg[key] = append(byPkg[key], k)
	}
	var ids []string
	for i, c := range doc.Components {
		co := coords[i]
		if co.name == "" {
			out.Unchecked = append(out.Unchecked, c)
			continue
		}
		var vulns []Vulnerability
		readable := true
		for _, k := range byPkg[[2]string{co.eco, co.name}] {
			hit, err := k.Affects(co.version)
			if err != nil {
				readable = false
				continue
			}
			if hit && !slices.ContainsFunc(vulns, func(v Vulnerability) bool { return v.ID == k.ID }) {
				vulns = append(vulns, Vulnerability{ID: k.ID, Summary: k.Summary, Severity: k.Severity})
				ids = append(ids, k.ID)
			}
		}
		switch {
		case len(vulns) > 0:
			out.Checked++
			out.Vulnerable = append(out.Vulnerable, ComponentCheck{Component: c, Vulnerabilities: vulns})
		case !readable:
			out.Unchecked = append(out.Unchecked, c)
		default:
			out.Checked++
		}
	}
	slices.Sort(ids)
	aliases, err := aliasesOf(ctx, s.db, slices.Compact(ids))
	if err != nil {
		return SBOMCheck{}, err
	}
	for i := range out.Vulnerable {
		for j := range out.Vulnerable[i].Vulnerabilities {
			v := &out.Vulnerable[i].Vulnerabilities[j]
			v.Aliases = aliases[v.ID]
		}
	}
	return out, nil
}
