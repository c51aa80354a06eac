package csafcheck

import (
	"bytes"
	"embed"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/certhub/certhub/internal/cvss"
)

// This file holds the tests on CVSS scores, 6.1.7 to 6.1.10.

// eachScore calls fn for every item of /vulnerabilities[]/scores that is
// an object.
func (c *checker) eachScore(fn func(score map[string]any, path pointer)) {
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		eachObject(v, "scores", vp, fn)
	})
}

// cvssV3Version is the CVSS version of a cvss_v3 object: its version
// property or, failing that, the version its vector names; "" if neither
// says.
func cvssV3Version(m map[string]any) string {
	if v, ok := str(m["version"]); ok {
		return v
	}
	vector, _ := str(m["vectorString"])
	for _, v := range []string{"3.0", "3.1"} {
		if strings.HasPrefix(vector, "CVSS:"+v+"/") {
			return v
		}
	}
	return ""
}

// 6.1.7 Multiple Scores with same Version per Product: within a
// vulnerability, a product has at most one score of each CVSS version.
// CVSS 3.0 and 3.1 are different versions here.
func test6_1_7(c *checker) {
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		first := map[[2]string]pointer{} // {product ID, CVSS version} → score
		eachObject(v, "scores", vp, func(s map[string]any, sp pointer) {
			var versions []string
			if v2 := obj(s["cvss_v2"]); v2 != nil {
				version, ok := str(v2["version"])
				if !ok {
					version = "2.0" // the only version cvss_v2 can hold
				}
				versions = append(versions, version)
			}
			if v3 := obj(s["cvss_v3"]); v3 != nil {
				if version := cvssV3Version(v3); version != "" {
					versions = append(versions, version)
				}
			}
			for _, p := range stringsAt(s, "products", sp) {
				for _, version := range versions {
					key := [2]string{p.value, version}
					at, seen := first[key]
					switch {
					case !seen:
						first[key] = sp
					case at != sp: // listing a product twice in one score gives it no second score
						c.report("6.1.7", p.path,
							"product ID %s already has a CVSS %s score for this vulnerability, in %s",
							p.value, version, at)
					}
				}
			}
		})
	})
}

// The FIRST CVSS JSON schemas the CSAF 2.0 schema refers to, unchanged.
//
//go:embed schema/cvss-v2.0.json schema/cvss-v3.0.json schema/cvss-v3.1.json
var schemaFiles embed.FS

// cvssSchemas are the compiled FIRST schemas by CVSS version.
var cvssSchemas = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	compiler := jsonschema.NewCompiler()
	schemas := map[string]*jsonschema.Schema{}
	for _, version := range []string{"2.0", "3.0", "3.1"} {
		name := "cvss-v" + version + ".json"
		data, err := schemaFiles.ReadFile("schema/" + name)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		url := "https://www.first.org/cvss/" + name
		if err := compiler.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if schemas[version], err = compiler.Compile(url); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return schemas, nil
})

// schemaPrinter renders the schema library's error messages.
var schemaPrinter = message.NewPrinter(language.English)

// 6.1.8 Invalid CVSS: every cvss_v2 and cvss_v3 object is valid against
// the FIRST schema of its version. A cvss_v3 object is checked against the
// CVSS 3.0 schema if its version (or, without one, its vector) says 3.0,
// else against the 3.1 schema, the newest one the CSAF schema allows.
func test6_1_8(c *checker) {
	schemas, err := cvssSchemas()
	if err != nil {
		// Cannot happen with the embedded schemas (the tests compile
		// them), but say so rather than pass every document.
		c.report("6.1.8", "", "the CVSS schemas could not be loaded, so CVSS objects were not checked: %v", err)
		return
	}
	c.eachScore(func(s map[string]any, sp pointer) {
		if v2, ok := s["cvss_v2"]; ok {
			validateCVSS(c, schemas["2.0"], v2, sp.field("cvss_v2"), "2.0")
		}
		if v3, ok := s["cvss_v3"]; ok {
			version := "3.1"
			if cvssV3Version(obj(v3)) == "3.0" {
				version = "3.0"
			}
			validateCVSS(c, schemas[version], v3, sp.field("cvss_v3"), version)
		}
	})
}

// validateCVSS reports each way value, at path, breaks a CVSS schema.
func validateCVSS(c *checker, schema *jsonschema.Schema, value any, path pointer, version string) {
	err := schema.Validate(value)
	if err == nil {
		return
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		c.report("6.1.8", path, "the object could not be checked against the CVSS %s schema: %v", version, err)
		return
	}
	for _, leaf := range leafErrors(verr, nil) {
		p := path
		for _, token := range leaf.InstanceLocation {
			p = p.field(token)
		}
		c.report("6.1.8", p, "invalid according to the CVSS %s schema: %s", version, leaf.ErrorKind.LocalizedString(schemaPrinter))
	}
}

// leafErrors appends to out the innermost errors of a validation error,
// the ones that say what is wrong.
func leafErrors(e *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return append(out, e)
	}
	for _, cause := range e.Causes {
		out = leafErrors(cause, out)
	}
	return out
}

// 6.1.9 Invalid CVSS Computation: the scores and severities a CVSS object
// gives are those its vector computes to. Only the properties present are
// checked; a vector that cannot be scored is reported, as none of them
// can then be right.
func test6_1_9(c *checker) {
	c.eachScore(func(s map[string]any, sp pointer) {
		if v2 := obj(s["cvss_v2"]); v2 != nil {
			checkCVSS2Scores(c, v2, sp.field("cvss_v2"))
		}
		if v3 := obj(s["cvss_v3"]); v3 != nil {
			checkCVSS3Scores(c, v3, sp.field("cvss_v3"))
		}
	})
}

// sameScore tells whether a score given in a document is the computed one.
// Scores have one decimal, so anything closer than float error is equal.
func sameScore(given, computed float64) bool { return math.Abs(given-computed) < 1e-6 }

// checkScore reports the property key of m if it is a number other than
// want.
func checkScore(c *checker, m map[string]any, path pointer, key string, want float64, vector string) {
	given, ok := num(m[key])
	if ok && !sameScore(given, want) {
		c.report("6.1.9", path.field(key), "%s is %v but the vector %s computes to %.1f", key, given, vector, want)
	}
}

func checkCVSS3Scores(c *checker, m map[string]any, path pointer) {
	vector, ok := str(m["vectorString"])
	if !ok {
		return
	}
	if !strings.HasPrefix(vector, "CVSS:3.0/") && !strings.HasPrefix(vector, "CVSS:3.1/") {
		// Not a CVSS 3 vector at all: 6.1.8 reports it, and there is no
		// way to compute what it should score.
		return
	}
	score, err := cvss.Parse(vector)
	if err != nil {
		c.report("6.1.9", path.field("vectorString"), "the scores cannot be checked because the vector %s is not valid: %v", vector, err)
		return
	}
	type check struct {
		score, severity string
		value           *float64
	}
	base := score.BaseScore
	for _, k := range []check{
		{"baseScore", "baseSeverity", &base},
		{"temporalScore", "temporalSeverity", score.TemporalScore},
		{"environmentalScore", "environmentalSeverity", score.EnvironmentalScore},
	} {
		if k.value == nil {
			continue
		}
		checkScore(c, m, path, k.score, *k.value, vector)
		want := strings.ToUpper(cvss.Severity(*k.value))
		if given, ok := str(m[k.severity]); ok && given != want {
			c.report("6.1.9", path.field(k.severity), "%s is %s but the vector %s computes to a %s score of %.1f, severity %s",
				k.severity, given, vector, strings.TrimSuffix(k.score, "Score"), *k.value, want)
		}
	}
}

func checkCVSS2Scores(c *checker, m map[string]any, path pointer) {
	vector, ok := str(m["vectorString"])
	if !ok {
		return
	}
	scores, err := scoreCVSS2(vector)
	if err != nil {
		c.report("6.1.9", path.field("vectorString"), "the scores cannot be checked because the vector %s is not valid: %v", vector, err)
		return
	}
	checkScore(c, m, path, "baseScore", scores.base, vector)
	checkScore(c, m, path, "temporalScore", scores.temporal, vector)
	checkScore(c, m, path, "environmentalScore", scores.environmental, vector)
}

// cvssProperty is a property of a CVSS object that repeats a metric of the
// vector: its name, the metric's abbreviation in the vector, and the
// property value for each metric value.
type cvssProperty struct {
	name, metric string
	values       map[string]string // property value → vector value
	// notDefined is the vector value a metric has when the vector leaves
	// it out ("X" or "ND"); "" for base metrics, which must be given.
	notDefined string
}

// cvss3Properties and cvss2Properties are the metric properties of the
// FIRST schemas, with the values their enums allow.
var (
	cvss3Properties = func() []cvssProperty {
		impact := map[string]string{"NONE": "N", "LOW": "L", "HIGH": "H"}
		requirement := map[string]string{"LOW": "L", "MEDIUM": "M", "HIGH": "H", "NOT_DEFINED": "X"}
		av := map[string]string{"NETWORK": "N", "ADJACENT_NETWORK": "A", "LOCAL": "L", "PHYSICAL": "P"}
		ac := map[string]string{"HIGH": "H", "LOW": "L"}
		ui := map[string]string{"NONE": "N", "REQUIRED": "R"}
		scope := map[string]string{"UNCHANGED": "U", "CHANGED": "C"}
		modified := func(m map[string]string) map[string]string {
			out := map[string]string{"NOT_DEFINED": "X"}
			for k, v := range m {
				out[k] = v
			}
			return out
		}
		return []cvssProperty{
			{"attackVector", "AV", av, ""},
			{"attackComplexity", "AC", ac, ""},
			{"privilegesRequired", "PR", impact, ""},
			{"userInteraction", "UI", ui, ""},
			{"scope", "S", scope, ""},
			{"confidentialityImpact", "C", impact, ""},
			{"integrityImpact", "I", impact, ""},
			{"availabilityImpact", "A", impact, ""},
			{"exploitCodeMaturity", "E", map[string]string{"UNPROVEN": "U", "PROOF_OF_CONCEPT": "P", "FUNCTIONAL": "F", "HIGH": "H", "NOT_DEFINED": "X"}, "X"},
			{"remediationLevel", "RL", map[string]string{"OFFICIAL_FIX": "O", "TEMPORARY_FIX": "T", "WORKAROUND": "W", "UNAVAILABLE": "U", "NOT_DEFINED": "X"}, "X"},
			{"reportConfidence", "RC", map[string]string{"UNKNOWN": "U", "REASONABLE": "R", "CONFIRMED": "C", "NOT_DEFINED": "X"}, "X"},
			{"confidentialityRequirement", "CR", requirement, "X"},
			{"integrityRequirement", "IR", requirement, "X"},
			{"availabilityRequirement", "AR", requirement, "X"},
			{"modifiedAttackVector", "MAV", modified(av), "X"},
			{"modifiedAttackComplexity", "MAC", modified(ac), "X"},
			{"modifiedPrivilegesRequired", "MPR", modified(impact), "X"},
			{"modifiedUserInteraction", "MUI", modified(ui), "X"},
			{"modifiedScope", "MS", modified(scope), "X"},
			{"modifiedConfidentialityImpact", "MC", modified(impact), "X"},
			{"modifiedIntegrityImpact", "MI", modified(impact), "X"},
			{"modifiedAvailabilityImpact", "MA", modified(impact), "X"},
		}
	}()

	cvss2Properties = func() []cvssProperty {
		impact := map[string]string{"NONE": "N", "PARTIAL": "P", "COMPLETE": "C"}
		requirement := map[string]string{"LOW": "L", "MEDIUM": "M", "HIGH": "H", "NOT_DEFINED": "ND"}
		return []cvssProperty{
			{"accessVector", "AV", map[string]string{"NETWORK": "N", "ADJACENT_NETWORK": "A", "LOCAL": "L"}, ""},
			{"accessComplexity", "AC", map[string]string{"HIGH": "H", "MEDIUM": "M", "LOW": "L"}, ""},
			{"authentication", "Au", map[string]string{"MULTIPLE": "M", "SINGLE": "S", "NONE": "N"}, ""},
			{"confidentialityImpact", "C", impact, ""},
			{"integrityImpact", "I", impact, ""},
			{"availabilityImpact", "A", impact, ""},
			{"exploitability", "E", map[string]string{"UNPROVEN": "U", "PROOF_OF_CONCEPT": "POC", "FUNCTIONAL": "F", "HIGH": "H", "NOT_DEFINED": "ND"}, "ND"},
			{"remediationLevel", "RL", map[string]string{"OFFICIAL_FIX": "OF", "TEMPORARY_FIX": "TF", "WORKAROUND": "W", "UNAVAILABLE": "U", "NOT_DEFINED": "ND"}, "ND"},
			{"reportConfidence", "RC", map[string]string{"UNCONFIRMED": "UC", "UNCORROBORATED": "UR", "CONFIRMED": "C", "NOT_DEFINED": "ND"}, "ND"},
			{"collateralDamagePotential", "CDP", map[string]string{"NONE": "N", "LOW": "L", "LOW_MEDIUM": "LM", "MEDIUM_HIGH": "MH", "HIGH": "H", "NOT_DEFINED": "ND"}, "ND"},
			{"targetDistribution", "TD", map[string]string{"NONE": "N", "LOW": "L", "MEDIUM": "M", "HIGH": "H", "NOT_DEFINED": "ND"}, "ND"},
			{"confidentialityRequirement", "CR", requirement, "ND"},
			{"integrityRequirement", "IR", requirement, "ND"},
			{"availabilityRequirement", "AR", requirement, "ND"},
		}
	}()
)

// vectorMetrics splits a vector ("AV:N/AC:L/…", after any "CVSS:3.x/"
// prefix) into its metrics. If a metric is given twice the first counts;
// such a vector is invalid anyway, which 6.1.8 or 6.1.9 report.
func vectorMetrics(vector string) map[string]string {
	metrics := map[string]string{}
	for _, part := range strings.Split(vector, "/") {
		k, v, ok := strings.Cut(part, ":")
		if !ok || k == "CVSS" {
			continue
		}
		if _, dup := metrics[k]; !dup {
			metrics[k] = v
		}
	}
	return metrics
}

// 6.1.10 Inconsistent CVSS: the metric properties of a CVSS object say
// what its vector says. A temporal or environmental metric the vector
// leaves out is Not Defined, so a property giving it another value
// contradicts the vector too. Property values the schema does not allow
// are left to 6.1.8.
func test6_1_10(c *checker) {
	c.eachScore(func(s map[string]any, sp pointer) {
		if v2 := obj(s["cvss_v2"]); v2 != nil {
			checkCVSSProperties(c, v2, sp.field("cvss_v2"), cvss2Properties)
		}
		if v3 := obj(s["cvss_v3"]); v3 != nil {
			checkCVSSProperties(c, v3, sp.field("cvss_v3"), cvss3Properties)
		}
	})
}

func checkCVSSProperties(c *checker, m map[string]any, path pointer, props []cvssProperty) {
	vector, ok := str(m["vectorString"])
	if !ok {
		return
	}
	metrics := vectorMetrics(vector)
	for _, p := range props {
		given, ok := str(m[p.name])
		if !ok {
			continue
		}
		got, known := p.values[given]
		if !known {
			continue
		}
		want, inVector := metrics[p.metric]
		if !inVector {
			if p.notDefined == "" {
				continue // a base metric missing from the vector: 6.1.8 or 6.1.9 report it
			}
			want = p.notDefined
		}
		if got == want {
			continue
		}
		if inVector {
			c.report("6.1.10", path.field(p.name), "%s is %s but the vector %s has %s:%s", p.name, given, vector, p.metric, want)
		} else {
			c.report("6.1.10", path.field(p.name), "%s is %s but the vector %s does not set %s, so it is not defined", p.name, given, vector, p.metric)
		}
	}
}
