package csafcheck

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
)

// CVSS 2.0 vectors are parsed and scored by github.com/pandatix/go-cvss/20
// (the equations of FIRST's "A Complete Guide to the Common Vulnerability
// Scoring System Version 2.0", section 3.2). The library reads the vector
// form of the guide's table 13: the base group, then optionally the whole
// temporal group, then optionally the whole environmental group. CSAF's
// cvss-v2.0 schema lets a document leave out metrics of a group (they are
// then "ND", not defined), so a vector is first written out in that form.

// cvss2Groups are the metric groups of CVSS 2.0 in the order of the
// vector; metrics of the optional groups default to "ND".
var cvss2Groups = [][]string{
	{"AV", "AC", "Au", "C", "I", "A"},
	{"E", "RL", "RC"},
	{"CDP", "TD", "CR", "IR", "AR"},
}

// cvss2Scores are the three scores of a CVSS 2.0 vector.
type cvss2Scores struct {
	base, temporal, environmental float64
}

// scoreCVSS2 scores a CVSS 2.0 vector such as "AV:N/AC:L/Au:N/C:P/I:P/A:P".
func scoreCVSS2(vector string) (cvss2Scores, error) {
	full, err := completeCVSS2(vector)
	if err != nil {
		return cvss2Scores{}, err
	}
	v, err := gocvss20.ParseVector(full)
	if err != nil {
		return cvss2Scores{}, fmt.Errorf("%s: %w", vector, err)
	}
	return cvss2Scores{base: v.BaseScore(), temporal: v.TemporalScore(), environmental: v.EnvironmentalScore()}, nil
}

// completeCVSS2 writes a vector in the library's form: metrics in their
// group's order, the base group complete, and a group of which any metric
// is given completed with "ND". The values themselves are the library's to
// check.
func completeCVSS2(vector string) (string, error) {
	if vector == "" {
		return "", errors.New("the vector is empty")
	}
	given := map[string]string{}
	for _, part := range strings.Split(vector, "/") {
		metric, value, ok := strings.Cut(part, ":")
		if !ok {
			return "", fmt.Errorf("%q is not of the form metric:value", part)
		}
		if !slices.ContainsFunc(cvss2Groups, func(g []string) bool { return slices.Contains(g, metric) }) {
			return "", fmt.Errorf("unknown metric %q", metric)
		}
		if _, dup := given[metric]; dup {
			return "", fmt.Errorf("metric %s is given more than once", metric)
		}
		given[metric] = value
	}
	var parts []string
	for i, group := range cvss2Groups {
		used := i == 0 || slices.ContainsFunc(group, func(m string) bool { _, ok := given[m]; return ok })
		if !used {
			continue
		}
		for _, m := range group {
			value, ok := given[m]
			switch {
			case !ok && i == 0:
				return "", fmt.Errorf("base metric %s is missing", m)
			case !ok:
				value = "ND"
			}
			parts = append(parts, m+":"+value)
		}
	}
	return strings.Join(parts, "/"), nil
}
