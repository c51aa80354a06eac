package csafcheck

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// internal/cvss does not do CVSS 2.0, so 6.1.9 scores CVSS 2.0 vectors
// here, with the equations of the CVSS v2 guide (FIRST, "A Complete Guide
// to the Common Vulnerability Scoring System Version 2.0", section 3.2).

// cvss2Weights are the metric values of CVSS 2.0 with their weights.
var cvss2Weights = map[string]map[string]float64{
	// Base metrics.
	"AV": {"L": 0.395, "A": 0.646, "N": 1.0},
	"AC": {"H": 0.35, "M": 0.61, "L": 0.71},
	"Au": {"M": 0.45, "S": 0.56, "N": 0.704},
	"C":  {"N": 0.0, "P": 0.275, "C": 0.660},
	"I":  {"N": 0.0, "P": 0.275, "C": 0.660},
	"A":  {"N": 0.0, "P": 0.275, "C": 0.660},
	// Temporal metrics.
	"E":  {"U": 0.85, "POC": 0.9, "F": 0.95, "H": 1.0, "ND": 1.0},
	"RL": {"OF": 0.87, "TF": 0.90, "W": 0.95, "U": 1.0, "ND": 1.0},
	"RC": {"UC": 0.90, "UR": 0.95, "C": 1.0, "ND": 1.0},
	// Environmental metrics.
	"CDP": {"N": 0, "L": 0.1, "LM": 0.3, "MH": 0.4, "H": 0.5, "ND": 0},
	"TD":  {"N": 0, "L": 0.25, "M": 0.75, "H": 1.0, "ND": 1.0},
	"CR":  {"L": 0.5, "M": 1.0, "H": 1.51, "ND": 1.0},
	"IR":  {"L": 0.5, "M": 1.0, "H": 1.51, "ND": 1.0},
	"AR":  {"L": 0.5, "M": 1.0, "H": 1.51, "ND": 1.0},
}

// cvss2Base are the metrics a CVSS 2.0 vector must have; the others
// default to ND.
var cvss2Base = []string{"AV", "AC", "Au", "C", "I", "A"}

// cvss2Scores are the three scores of a CVSS 2.0 vector.
type cvss2Scores struct {
	base, temporal, environmental float64
}

// scoreCVSS2 scores a CVSS 2.0 vector such as "AV:N/AC:L/Au:N/C:P/I:P/A:P".
func scoreCVSS2(vector string) (cvss2Scores, error) {
	if vector == "" {
		return cvss2Scores{}, errors.New("the vector is empty")
	}
	w := map[string]float64{}
	for _, part := range strings.Split(vector, "/") {
		metric, value, ok := strings.Cut(part, ":")
		if !ok {
			return cvss2Scores{}, fmt.Errorf("%q is not of the form metric:value", part)
		}
		values, known := cvss2Weights[metric]
		if !known {
			return cvss2Scores{}, fmt.Errorf("unknown metric %q", metric)
		}
		weight, known := values[value]
		if !known {
			return cvss2Scores{}, fmt.Errorf("%q is not a value of metric %s", value, metric)
		}
		if _, dup := w[metric]; dup {
			return cvss2Scores{}, fmt.Errorf("metric %s is given more than once", metric)
		}
		w[metric] = weight
	}
	for _, m := range cvss2Base {
		if _, ok := w[m]; !ok {
			return cvss2Scores{}, fmt.Errorf("base metric %s is missing", m)
		}
	}
	for m, values := range cvss2Weights {
		if _, ok := w[m]; !ok {
			w[m] = values["ND"]
		}
	}

	exploitability := 20 * w["AV"] * w["AC"] * w["Au"]
	base := func(impact float64) float64 {
		f := 1.176
		if impact == 0 {
			f = 0
		}
		return round1(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f)
	}
	temporal := func(base float64) float64 { return round1(base * w["E"] * w["RL"] * w["RC"]) }

	var s cvss2Scores
	s.base = base(10.41 * (1 - (1-w["C"])*(1-w["I"])*(1-w["A"])))
	s.temporal = temporal(s.base)
	adjustedImpact := math.Min(10, 10.41*(1-(1-w["C"]*w["CR"])*(1-w["I"]*w["IR"])*(1-w["A"]*w["AR"])))
	adjustedTemporal := temporal(base(adjustedImpact))
	s.environmental = round1((adjustedTemporal + (10-adjustedTemporal)*w["CDP"]) * w["TD"])
	return s, nil
}

// round1 rounds to one decimal, halves up. The weights are decimals that
// float64 holds only approximately, so a value meant to end in 5 in the
// second decimal may come out a hair below it; the tolerance puts it back.
func round1(f float64) float64 {
	return math.Floor(f*10+0.5+1e-9) / 10
}
