package cvss

import (
	"errors"
	"fmt"
	"math"
	"strings"

	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// Version is a CVSS version: "3.0", "3.1" or "4.0".
type Version string

// The supported CVSS versions.
const (
	V30 Version = "3.0"
	V31 Version = "3.1"
	V40 Version = "4.0"
)

// Score is a scored CVSS vector.
type Score struct {
	// Vector is the vector as given.
	Vector  string  `json:"vector"`
	Version Version `json:"version"`
	// BaseScore is the CVSS 3.x base score, or the CVSS 4.0 score of the
	// base metrics alone (CVSS-B), whatever else the vector defines.
	BaseScore float64 `json:"base_score"`
	// Score is the score of the whole vector. CVSS 4.0: of all the metrics
	// it defines (see Nomenclature). CVSS 3.x: the environmental score if
	// any environmental metric is other than X, else the temporal score if
	// any temporal metric is other than X, else the base score.
	Score float64 `json:"score"`
	// Severity is the qualitative rating of Score (see Severity).
	Severity string `json:"severity"`
	// Nomenclature is, for CVSS 4.0, which metric groups Score takes in:
	// CVSS-B (base), CVSS-BT (and threat), CVSS-BE (and environmental) or
	// CVSS-BTE (all three). Supplemental metrics never change a score.
	Nomenclature string `json:"nomenclature,omitempty"`
	// TemporalScore and EnvironmentalScore are the CVSS 3.x temporal and
	// environmental scores; metrics left out count as X (Not Defined), so
	// both are set for every 3.x vector. Nil for CVSS 4.0.
	TemporalScore      *float64 `json:"temporal_score,omitempty"`
	EnvironmentalScore *float64 `json:"environmental_score,omitempty"`
}

// Severity is the qualitative severity rating of a score, as the CVSS 3.x
// and 4.0 specifications define it: None (0.0), Low (0.1–3.9), Medium
// (4.0–6.9), High (7.0–8.9) or Critical (9.0–10.0). It is "" for a score
// outside 0–10.
func Severity(score float64) string {
	switch {
	case !(score >= 0 && score <= 10): // also NaN
		return ""
	case score == 0:
		return "None"
	case score < 4:
		return "Low"
	case score < 7:
		return "Medium"
	case score < 9:
		return "High"
	}
	return "Critical"
}

const exampleVector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

// Parse parses a CVSS 3.0, 3.1 or 4.0 vector, which must start with
// "CVSS:3.0/", "CVSS:3.1/" or "CVSS:4.0/", and scores it. Its errors say
// what is wrong with the vector.
func Parse(vector string) (Score, error) {
	switch {
	case vector == "":
		return Score{}, fmt.Errorf("empty vector: give a CVSS 3.x or 4.0 vector such as %s", exampleVector)
	case strings.TrimSpace(vector) != vector:
		return Score{}, errors.New("the vector has spaces before or after it: remove them")
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		return parse3(vector, V30)
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		return parse3(vector, V31)
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		return parse4(vector)
	case isV2(vector):
		return Score{}, errors.New("CVSS 2.0 is not supported; give a 3.x or 4.0 vector")
	case vector == "CVSS:3.0" || vector == "CVSS:3.1" || vector == "CVSS:4.0":
		return Score{}, fmt.Errorf("no metrics after %q", vector)
	case strings.HasPrefix(vector, "CVSS:"):
		version, _, _ := strings.Cut(strings.TrimPrefix(vector, "CVSS:"), "/")
		return Score{}, fmt.Errorf("unsupported CVSS version %q: give a CVSS 3.0, 3.1 or 4.0 vector", version)
	case strings.HasPrefix(strings.ToUpper(vector), "CVSS:"):
		return Score{}, fmt.Errorf("the prefix must be in capitals: CVSS:, not %s", vector[:5])
	case strings.HasPrefix(vector, "AV:"):
		return Score{}, fmt.Errorf("the vector has no version prefix: start it with CVSS:3.1/, CVSS:3.0/ or CVSS:4.0/, as in %s", exampleVector)
	}
	return Score{}, fmt.Errorf("not a CVSS vector: it must start with CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/, as in %s", exampleVector)
}

// isV2 tells a CVSS 2.0 vector: "CVSS:2.0/…", or metrics without a prefix,
// maybe in parentheses, including v2's Au (Authentication).
func isV2(vector string) bool {
	if strings.HasPrefix(vector, "CVSS:2") {
		return true
	}
	v := strings.TrimSuffix(strings.TrimPrefix(vector, "("), ")")
	return !strings.HasPrefix(v, "CVSS:") && strings.Contains("/"+v+"/", "/Au:")
}

// vector3 is what the library's CVSS 3.0 and 3.1 types have in common.
type vector3 interface {
	Get(abv string) (string, error)
	BaseScore() float64
	TemporalScore() float64
	EnvironmentalScore() float64
}

func parse3(vector string, v Version) (Score, error) {
	prefix := "CVSS:" + string(v) + "/"
	var (
		c   vector3
		err error
	)
	if v == V30 {
		var c30 *gocvss30.CVSS30
		c30, err = gocvss30.ParseVector(vector)
		c = c30
	} else {
		var c31 *gocvss31.CVSS31
		c31, err = gocvss31.ParseVector(vector)
		c = c31
	}
	if err != nil {
		return Score{}, explain(v, prefix, vector[len(prefix):], err)
	}
	base := round1(c.BaseScore())
	temporal := round1(c.TemporalScore())
	environmental := round1(c.EnvironmentalScore())
	s := Score{Vector: vector, Version: v, BaseScore: base, Score: base,
		TemporalScore: &temporal, EnvironmentalScore: &environmental}
	switch {
	case defines(c, metrics3, groupEnvironmental):
		s.Score = environmental
	case defines(c, metrics3, groupTemporal):
		s.Score = temporal
	}
	s.Severity = Severity(s.Score)
	return s, nil
}

// defines tells whether any metric of group g is set to other than X.
func defines(c interface{ Get(string) (string, error) }, defs []metricDef, g group) bool {
	for _, d := range defs {
		if d.group != g {
			continue
		}
		if val, err := c.Get(d.abbr); err == nil && val != "X" {
			return true
		}
	}
	return false
}

// round1 rounds a library score, a multiple of 0.1 up to float error, to the
// float64 nearest its one-decimal value.
func round1(f float64) float64 { return math.Round(f*10) / 10 }

func parse4(vector string) (Score, error) {
	const prefix = "CVSS:4.0/"
	c, err := gocvss40.ParseVector(vector)
	if err != nil {
		return Score{}, explain(V40, prefix, vector[len(prefix):], err)
	}
	threat := defines(c, metrics4, groupTemporal)
	env := defines(c, metrics4, groupEnvironmental)
	s := Score{Vector: vector, Version: V40, Nomenclature: "CVSS-B"}
	s.BaseScore = tenths(score40(effective40(c, false)))
	s.Score = s.BaseScore
	if threat || env {
		s.Score = tenths(score40(effective40(c, true)))
		if threat {
			s.Nomenclature += "T"
		}
		if env {
			s.Nomenclature += "E"
		}
	}
	s.Severity = Severity(s.Score)
	return s, nil
}

// tenths turns a score in tenths into the float64 nearest it.
func tenths(t int) float64 { return float64(t) / 10 }
