package csafcheck

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds the tests on the document version and the revision
// history: 6.1.14, 6.1.16 to 6.1.22 and 6.1.30.

const (
	trackingPath        pointer = "/document/tracking"
	revisionHistoryPath pointer = "/document/tracking/revision_history"
)

// version is a document version (version_t): integer versioning ("3") or
// semantic versioning ("1.4.0-rc.1+build").
type version struct {
	integer bool
	// major, minor and patch are decimal numbers without leading zeros;
	// for an integer version, major is the integer and the others "0".
	major, minor, patch string
	pre                 []string // pre-release identifiers, nil if none
	build               string   // build metadata without the "+", "" if none
}

// The two forms of version_t, as the CSAF schema gives them.
var (
	integerVersion = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
	semVer         = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
		`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
		`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
)

// parseVersion parses a version_t; false if s is neither form.
func parseVersion(s string) (version, bool) {
	if integerVersion.MatchString(s) {
		return version{integer: true, major: s, minor: "0", patch: "0"}, true
	}
	m := semVer.FindStringSubmatch(s)
	if m == nil {
		return version{}, false
	}
	v := version{major: m[1], minor: m[2], patch: m[3], build: m[5]}
	if m[4] != "" {
		v.pre = strings.Split(m[4], ".")
	}
	return v, true
}

// isZero tells a version before the first release: 0 or 0.y.z.
func (v version) isZero() bool { return v.major == "0" }

// scheme names the versioning scheme of v.
func (v version) scheme() string {
	if v.integer {
		return "integer versioning"
	}
	return "semantic versioning"
}

// compareNumbers compares two decimal numbers without leading zeros, of
// any length.
func compareNumbers(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// compareVersions orders versions by semantic versioning precedence
// (build metadata does not count). An integer version n counts as n.0.0,
// so that mixed documents (which 6.1.30 reports) still sort sensibly.
func compareVersions(a, b version) int {
	for _, pair := range [][2]string{{a.major, b.major}, {a.minor, b.minor}, {a.patch, b.patch}} {
		if d := compareNumbers(pair[0], pair[1]); d != 0 {
			return d
		}
	}
	switch {
	case a.pre == nil && b.pre == nil:
		return 0
	case a.pre == nil:
		return 1 // a release comes after its pre-releases
	case b.pre == nil:
		return -1
	}
	for i := 0; i < len(a.pre) && i < len(b.pre); i++ {
		x, y := a.pre[i], b.pre[i]
		xNum, yNum := integerVersion.MatchString(x), integerVersion.MatchString(y)
		var d int
		switch {
		case xNum && yNum:
			d = compareNumbers(x, y)
		case xNum:
			d = -1 // numeric identifiers come before alphanumeric ones
		case yNum:
			d = 1
		default:
			d = strings.Compare(x, y)
		}
		if d != 0 {
			return d
		}
	}
	return len(a.pre) - len(b.pre)
}

// revision is an item of the revision history.
type revision struct {
	path      pointer
	number    string
	version   version
	versionOK bool // number is a version_t
	date      time.Time
	dateOK    bool // date is an RFC 3339 date-time
}

// revisions returns the items of the revision history that are objects
// with a string number; version and date are parsed where they can be.
func (c *checker) revisions() []revision {
	var out []revision
	eachObject(c.tracking(), "revision_history", trackingPath, func(item map[string]any, path pointer) {
		number, ok := str(item["number"])
		if !ok {
			return
		}
		r := revision{path: path, number: number}
		r.version, r.versionOK = parseVersion(number)
		if date, ok := str(item["date"]); ok {
			t, err := time.Parse(time.RFC3339Nano, date)
			r.date, r.dateOK = t, err == nil
		}
		out = append(out, r)
	})
	return out
}

// byDate returns the revisions with a valid date and number sorted by date
// and, for the same date, by number. Dates are compared as instants with
// their full precision, so 10:00:00.00010Z comes after 10:00:00.000Z.
func byDate(revs []revision) []revision {
	var sorted []revision
	for _, r := range revs {
		if r.dateOK && r.versionOK {
			sorted = append(sorted, r)
		}
	}
	slices.SortStableFunc(sorted, func(a, b revision) int {
		if d := a.date.Compare(b.date); d != 0 {
			return d
		}
		return compareVersions(a.version, b.version)
	})
	return sorted
}

// formatDate shows a revision date in messages.
func formatDate(t time.Time) string { return t.Format(time.RFC3339Nano) }

// 6.1.14 Sorted Revision History: sorted by date, the revisions' numbers
// ascend. Revisions of the same date may be in any order.
func test6_1_14(c *checker) {
	sorted := byDate(c.revisions())
	for i := 1; i < len(sorted); i++ {
		prev, r := sorted[i-1], sorted[i]
		if compareVersions(r.version, prev.version) < 0 && r.date.After(prev.date) {
			c.report("6.1.14", r.path, "revision %s is dated %s, after revision %s (%s), but has a lower number: numbers must ascend with the dates",
				r.number, formatDate(r.date), prev.number, formatDate(prev.date))
		}
	}
}

// trackingVersion returns /document/tracking/version and whether it is a
// valid version_t.
func (c *checker) trackingVersion() (string, version, bool) {
	s, ok := str(c.tracking()["version"])
	if !ok {
		return "", version{}, false
	}
	v, ok := parseVersion(s)
	return s, v, ok
}

// status is /document/tracking/status, "" if missing.
func (c *checker) status() string {
	s, _ := str(c.tracking()["status"])
	return s
}

// released tells whether the document status is final or interim, the
// statuses of a released document.
func (c *checker) released() bool {
	s := c.status()
	return s == "final" || s == "interim"
}

// 6.1.16 Latest Document Version: the document version is the number of
// the latest revision (by date, and for the same date the highest number).
// Build metadata is ignored, and for a draft also the pre-release part.
func test6_1_16(c *checker) {
	s, _, ok := c.trackingVersion()
	if !ok {
		return
	}
	sorted := byDate(c.revisions())
	if len(sorted) == 0 {
		return
	}
	latest := sorted[len(sorted)-1]
	strip := func(v string) string {
		v, _, _ = strings.Cut(v, "+")
		if c.status() == "draft" {
			v, _, _ = strings.Cut(v, "-")
		}
		return v
	}
	if strip(s) != strip(latest.number) {
		c.report("6.1.16", trackingPath.field("version"), "the document version is %s but the latest revision, of %s, is %s",
			s, formatDate(latest.date), latest.number)
	}
}

// 6.1.17 Document Status Draft: a document whose version is 0, 0.y.z or a
// pre-release is a draft.
func test6_1_17(c *checker) {
	s, v, ok := c.trackingVersion()
	status, hasStatus := str(c.tracking()["status"])
	if !ok || !hasStatus || status == "draft" {
		return
	}
	switch {
	case v.isZero():
		c.report("6.1.17", trackingPath.field("status"), "the document version %s is before the first release, so the status must be draft, not %s", s, status)
	case v.pre != nil:
		c.report("6.1.17", trackingPath.field("status"), "the document version %s is a pre-release, so the status must be draft, not %s", s, status)
	}
}

// 6.1.18 Released Revision History: a final or interim document has no
// revision numbered 0 or 0.y.z.
func test6_1_18(c *checker) {
	if !c.released() {
		return
	}
	for _, r := range c.revisions() {
		if r.versionOK && r.version.isZero() {
			c.report("6.1.18", r.path.field("number"), "the document is %s but revision %s is numbered as before the first release (0 or 0.y.z)", c.status(), r.number)
		}
	}
}

// 6.1.19 Revision History Entries for Pre-release Versions: no revision
// is numbered as a pre-release.
func test6_1_19(c *checker) {
	for _, r := range c.revisions() {
		if r.versionOK && r.version.pre != nil {
			c.report("6.1.19", r.path.field("number"), "revision %s is a pre-release: the revision history lists only releases", r.number)
		}
	}
}

// 6.1.20 Non-draft Document Version: a final or interim document's
// version is not a pre-release.
func test6_1_20(c *checker) {
	s, v, ok := c.trackingVersion()
	if ok && c.released() && v.pre != nil {
		c.report("6.1.20", trackingPath.field("version"), "the document is %s but its version %s is a pre-release", c.status(), s)
	}
}

// 6.1.21 Missing Item in Revision History: sorted by number, the revisions
// start at 0 or 1 and skip no number (for semantic versioning, no major
// version).
func test6_1_21(c *checker) {
	seen := map[uint64]bool{}
	var majors []uint64
	for _, r := range c.revisions() {
		if !r.versionOK {
			continue
		}
		major, err := strconv.ParseUint(r.version.major, 10, 64)
		if err != nil || seen[major] {
			continue // a number too big for uint64 cannot be checked
		}
		seen[major] = true
		majors = append(majors, major)
	}
	if len(majors) == 0 {
		return
	}
	slices.Sort(majors)
	if majors[0] > 1 {
		c.report("6.1.21", revisionHistoryPath, "the revision history starts at version %d: it must start at 0 or 1", majors[0])
		return
	}
	for i := 1; i < len(majors); i++ {
		if majors[i] != majors[i-1]+1 {
			c.report("6.1.21", revisionHistoryPath, "the revision history goes from version %d to %d: %s missing",
				majors[i-1], majors[i], missingRange(majors[i-1]+1, majors[i]-1))
		}
	}
}

// missingRange describes the versions from..to for 6.1.21.
func missingRange(from, to uint64) string {
	if from == to {
		return fmt.Sprintf("version %d is", from)
	}
	return fmt.Sprintf("versions %d to %d are", from, to)
}

// 6.1.22 Multiple Definition in Revision History: no two revisions have
// the same number.
func test6_1_22(c *checker) {
	first := map[string]pointer{}
	for _, r := range c.revisions() {
		if at, seen := first[r.number]; seen {
			c.report("6.1.22", r.path.field("number"), "revision number %s is used more than once: it is also at %s", r.number, at)
			continue
		}
		first[r.number] = r.path.field("number")
	}
}

// 6.1.30 Mixed Integer and Semantic Versioning: the document version and
// all revision numbers use the same versioning scheme, the document
// version's (or, if that is no valid version, the first revision's).
func test6_1_30(c *checker) {
	s, v, ok := c.trackingVersion()
	what := "the document version " + s
	revs := c.revisions()
	if !ok {
		for _, r := range revs {
			if r.versionOK {
				v, ok, what = r.version, true, "revision "+r.number
				break
			}
		}
	}
	if !ok {
		return
	}
	for _, r := range revs {
		if r.versionOK && r.version.integer != v.integer {
			c.report("6.1.30", r.path.field("number"), "revision %s uses %s but %s uses %s: use one scheme throughout",
				r.number, r.version.scheme(), what, v.scheme())
		}
	}
}
