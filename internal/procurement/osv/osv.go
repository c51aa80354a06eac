package osv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/osv-scalibr/semantic"
	"github.com/ossf/osv-schema/bindings/go/osvschema"
	"github.com/package-url/packageurl-go"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/certhub/certhub/internal/platform/errs"
)

// Bounds of a load.
const (
	MaxBytes   = 32 << 20
	MaxRecords = 50_000
)

// Record is what certhub keeps of an OSV record.
type Record struct {
	ID        string     `json:"id"`
	Summary   string     `json:"summary,omitempty"`
	Aliases   []string   `json:"aliases,omitempty"`
	Severity  string     `json:"severity,omitempty"` // a CVSS vector, when the record gives one
	Modified  time.Time  `json:"modified"`
	Published time.Time  `json:"published,omitzero"`
	Withdrawn bool       `json:"withdrawn,omitempty"`
	Affected  []Affected `json:"affected"`
}

// Affected is one package a record affects, and which of its versions.
type Affected struct {
	Ecosystem string   `json:"ecosystem"`
	Name      string   `json:"name"`
	Ranges    []Range  `json:"ranges,omitempty"`
	Versions  []string `json:"versions,omitempty"`
}

// Range is a range of versions (SEMVER, ECOSYSTEM or GIT) by its events.
type Range struct {
	Type   string  `json:"type"`
	Events []Event `json:"events"`
}

// Event is one point of a range: exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

func invalid(format string, args ...any) error { return errs.InvalidField("osv", format, args...) }

// Parse reads one OSV record, or a JSON array of them.
func Parse(data []byte) ([]Record, error) {
	if len(data) > MaxBytes {
		return nil, invalid("larger than %d MB", MaxBytes>>20)
	}
	data = bytes.TrimSpace(data)
	var raws []json.RawMessage
	if len(data) > 0 && data[0] == '[' {
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, invalid("not a JSON array of OSV records: %s", strings.TrimPrefix(err.Error(), "json: "))
		}
		if len(raws) > MaxRecords {
			return nil, invalid("more than %d records", MaxRecords)
		}
	} else {
		raws = []json.RawMessage{data}
	}
	out := make([]Record, 0, len(raws))
	for i, raw := range raws {
		r, err := parseOne(raw)
		if err != nil {
			if len(raws) > 1 {
				return nil, invalid("record %d: %s", i+1, errs.As(err).Fields[0].Message)
			}
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func parseOne(raw []byte) (Record, error) {
	var v osvschema.Vulnerability
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, &v); err != nil {
		return Record{}, invalid("not an OSV record: %s", err.Error())
	}
	r := Record{ID: clean(v.GetId()), Summary: clean(v.GetSummary()), Withdrawn: v.GetWithdrawn() != nil, Affected: []Affected{}}
	if r.ID == "" || len(r.ID) > 100 || strings.ContainsAny(r.ID, " \t\r\n/") {
		return Record{}, invalid("an OSV record needs its id (such as GHSA-xxxx-xxxx-xxxx)")
	}
	if v.GetModified() == nil {
		return Record{}, invalid("%s has no modified time", r.ID)
	}
	r.Modified = v.GetModified().AsTime().UTC()
	if p := v.GetPublished(); p != nil {
		r.Published = p.AsTime().UTC()
	}
	for _, a := range v.GetAliases() {
		if a = clean(a); a != "" && !slices.Contains(r.Aliases, a) {
			r.Aliases = append(r.Aliases, a)
		}
	}
	for _, s := range v.GetSeverity() {
		if t := s.GetType().String(); strings.HasPrefix(t, "CVSS_V") && r.Severity == "" {
			r.Severity = clean(s.GetScore())
		}
	}
	for _, a := range v.GetAffected() {
		p := a.GetPackage()
		eco, name := clean(p.GetEcosystem()), clean(p.GetName())
		if (eco == "" || name == "") && p.GetPurl() != "" {
			if e, n, _, ok := Coordinates(p.GetPurl()); ok {
				eco, name = e, n
			}
		}
		if eco == "" || name == "" {
			continue // a GIT-only entry, or a package certhub cannot name
		}
		aff := Affected{Ecosystem: eco, Name: name}
		for _, rg := range a.GetRanges() {
			out := Range{Type: rg.GetType().String()}
			for _, e := range rg.GetEvents() {
				out.Events = append(out.Events, Event{Introduced: clean(e.GetIntroduced()), Fixed: clean(e.GetFixed()),
					LastAffected: clean(e.GetLastAffected()), Limit: clean(e.GetLimit())})
			}
			aff.Ranges = append(aff.Ranges, out)
		}
		for _, ver := range a.GetVersions() {
			if ver = clean(ver); ver != "" {
				aff.Versions = append(aff.Versions, ver)
			}
		}
		r.Affected = append(r.Affected, aff)
	}
	return r, nil
}

func clean(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\x00", "")) }

// Affects reports whether version of the package is affected: listed in
// Versions, or inside a SEMVER or ECOSYSTEM range, evaluated as the OSV
// schema's reference algorithm does (events in version order; introduced
// opens, fixed closes at it, last_affected closes after it). A version the
// ecosystem cannot read is not affected (the caller lists it as unchecked).
func (a Affected) Affects(version string) (bool, error) {
	if slices.Contains(a.Versions, version) {
		return true, nil
	}
	// The ecosystems' parsers read anything as some version; a version
	// starts with a digit (after Go's "v") in every one of them.
	if s := strings.TrimPrefix(version, "v"); s == "" || s[0] < '0' || s[0] > '9' {
		return false, fmt.Errorf("osv: %q is not a version", version)
	}
	v, err := semantic.Parse(version, a.Ecosystem)
	if err != nil {
		return false, err
	}
	parse := func(s string) (semantic.Version, error) {
		if s == "0" {
			return nil, nil // "0": before every version
		}
		return semantic.Parse(s, a.Ecosystem)
	}
	for _, rg := range a.Ranges {
		if rg.Type != "SEMVER" && rg.Type != "ECOSYSTEM" {
			continue
		}
		type point struct {
			at   semantic.Version
			kind string
		}
		var pts []point
		for _, e := range rg.Events {
			for kind, s := range map[string]string{"introduced": e.Introduced, "fixed": e.Fixed, "last_affected": e.LastAffected} {
				if s == "" {
					continue
				}
				at, err := parse(s)
				if err != nil {
					return false, fmt.Errorf("osv: %s %q: %w", kind, s, err)
				}
				pts = append(pts, point{at, kind})
			}
		}
		cmp := func(x, y semantic.Version) int {
			switch {
			case x == nil && y == nil:
				return 0
			case x == nil:
				return -1
			case y == nil:
				return 1
			}
			c, _ := x.Compare(y)
			return c
		}
		slices.SortStableFunc(pts, func(x, y point) int { return cmp(x.at, y.at) })
		affected := false
		for _, p := range pts {
			c := cmp(v, p.at)
			switch p.kind {
			case "introduced":
				if c >= 0 {
					affected = true
				}
			case "fixed":
				if c >= 0 {
					affected = false
				}
			case "last_affected":
				if c > 0 {
					affected = false
				}
			}
		}
		if affected {
			return true, nil
		}
	}
	return false, nil
}

// purlEcosystems maps package URL types to OSV ecosystems.
var purlEcosystems = map[string]string{
	"npm": "npm", "pypi": "PyPI", "maven": "Maven", "golang": "Go", "cargo": "crates.io", "gem": "RubyGems",
	"nuget": "NuGet", "composer": "Packagist", "hex": "Hex", "pub": "Pub", "cran": "CRAN", "hackage": "Hackage",
	"swift": "SwiftURL", "conan": "ConanCenter",
}

// Coordinates maps a package URL to OSV's ecosystem, package name and
// version; ok is false for a type OSV has no ecosystem for.
func Coordinates(purl string) (ecosystem, name, version string, ok bool) {
	p, err := packageurl.FromString(purl)
	if err != nil {
		return "", "", "", false
	}
	ecosystem, ok = purlEcosystems[p.Type]
	if !ok {
		return "", "", "", false
	}
	name = p.Name
	switch p.Type {
	case "maven":
		if p.Namespace != "" {
			name = p.Namespace + ":" + p.Name
		}
	case "pypi":
		name = strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(p.Name))
	default:
		if p.Namespace != "" {
			name = p.Namespace + "/" + p.Name
		}
	}
	return ecosystem, name, p.Version, name != ""
}
