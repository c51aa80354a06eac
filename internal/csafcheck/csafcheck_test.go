package csafcheck

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The official OASIS test documents and examples, and Red Hat's CVSS 2.0
// test vectors: copies in testdata/ (origins in testdata/README.md).
const (
	official = "testdata/csaf"
	examples = "testdata/csaf/examples"
	redhat   = "testdata/cvss/redhat"
)

// decode decodes a JSON document as callers of Mandatory do; useNumber
// picks json.Number instead of float64 for numbers.
func decode(t testing.TB, data []byte, useNumber bool) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	if useNumber {
		d.UseNumber()
	}
	var doc any
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("decoding: %v", err)
	}
	return doc
}

func readDoc(t testing.TB, path string, useNumber bool) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, data, useNumber)
}

func describe(findings []Finding) string {
	var b strings.Builder
	for _, f := range findings {
		fmt.Fprintf(&b, "\n\t%s %s: %s", f.Test, f.Path, f.Message)
	}
	return b.String()
}

func withTest(findings []Finding, test string) []Finding {
	var out []Finding
	for _, f := range findings {
		if f.Test == test {
			out = append(out, f)
		}
	}
	return out
}

// testcases is testcases.json of the official test data.
type testcases struct {
	Tests []struct {
		ID       string `json:"id"`
		Group    string `json:"group"`
		Failures []struct {
			Name string `json:"name"`
		} `json:"failures"`
		Valid []struct {
			Name string `json:"name"`
		} `json:"valid"`
	} `json:"tests"`
}

// TestOfficialTestCases runs the official test documents of every
// mandatory test: each document listed as failing a test must fail it, and
// each listed as valid must pass every test (none of them legitimately
// fails another one). Numbers are decoded both ways callers may decode
// them.
func TestOfficialTestCases(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(official, "testcases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tc testcases
	if err := json.Unmarshal(data, &tc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, test := range tc.Tests {
		if test.Group != "mandatory" {
			continue
		}
		seen[test.ID] = true
		for _, useNumber := range []bool{false, true} {
			for _, f := range test.Failures {
				findings := Mandatory(readDoc(t, filepath.Join(official, f.Name), useNumber))
				if len(withTest(findings, test.ID)) == 0 {
					t.Errorf("%s (UseNumber %v) must fail test %s but does not; findings:%s", f.Name, useNumber, test.ID, describe(findings))
				}
			}
			for _, v := range test.Valid {
				if findings := Mandatory(readDoc(t, filepath.Join(official, v.Name), useNumber)); findings != nil {
					t.Errorf("%s (UseNumber %v) is valid for test %s but has findings:%s", v.Name, useNumber, test.ID, describe(findings))
				}
			}
		}
	}
	// Every test of section 6.1 has test documents; make sure none was
	// missed, and that each finding's test ID is one of them.
	if len(seen) != 43 {
		t.Errorf("testcases.json has %d mandatory tests, want 43 (6.1.1–6.1.33 with 6.1.27.1–11)", len(seen))
	}
	if len(tests) != len(seen) {
		t.Errorf("the package runs %d tests, testcases.json has %d", len(tests), len(seen))
	}
}

// TestOfficialExamples runs the official example documents, which pass
// every mandatory test.
func TestOfficialExamples(t *testing.T) {
	n := 0
	err := filepath.WalkDir(examples, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		n++
		for _, useNumber := range []bool{false, true} {
			if findings := Mandatory(readDoc(t, path, useNumber)); findings != nil {
				t.Errorf("%s (UseNumber %v) has findings:%s", path, useNumber, describe(findings))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 15 {
		t.Errorf("found only %d examples in %s", n, examples)
	}
}

// TestJunk feeds Mandatory documents of every wrong shape.
func TestJunk(t *testing.T) {
	junk := []string{
		`null`, `"a string"`, `5`, `true`, `[]`, `[{"document": {}}]`, `{}`,
		`{"document": 5}`,
		`{"document": {"tracking": "x", "lang": 5, "category": ["csaf_vex"], "publisher": "translator"}}`,
		`{"document": {"category": "csaf_vex", "tracking": {"version": 2, "revision_history": [null, 1, {"number": 5, "date": []}]}}, "vulnerabilities": {}}`,
		`{"document": {"category": "csaf_vex"}, "vulnerabilities": [null, 1, "x", {"product_status": [], "flags": {}, "threats": [null], "remediations": "x", "scores": [1, {"cvss_v2": "x", "cvss_v3": 3, "products": "CSAFPID-1"}]}]}`,
		`{"product_tree": {"branches": [null, {"branches": {"x": 1}}, {"product": "x", "branches": [{"category": "product_version", "name": 4}]}], "relationships": [5, {"full_product_name": []}], "full_product_names": "x", "product_groups": [{"group_id": 5, "product_ids": [null, 7]}]}}`,
		`{"vulnerabilities": [{"scores": [{"products": ["a"], "cvss_v3": {"version": "3.1", "vectorString": "CVSS:3.1/AV:N"}, "cvss_v2": {"vectorString": "AV:N/AV:N"}}]}]}`,
		`{"vulnerabilities": [{"scores": [{"products": ["a"], "cvss_v3": {"vectorString": 5, "baseScore": "9.8"}, "cvss_v2": {"vectorString": ""}}]}]}`,
		`{"vulnerabilities": [{"cwe": {"id": "CWE-79", "name": 5}, "involvements": [{"party": "vendor", "date": 5}, {"party": "vendor"}]}, {"cwe": "CWE-79"}]}`,
		`{"document": {"tracking": {"status": "final", "version": "99999999999999999999999", "revision_history": [{"number": "99999999999999999999999", "date": "x"}, {"number": "1.0.0-rc.01", "date": "2021-01-01T00:00:00Z"}]}}}`,
	}
	for _, s := range junk {
		for _, useNumber := range []bool{false, true} {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("Mandatory(%s) panics: %v", s, r)
					}
				}()
				Mandatory(decode(t, []byte(s), useNumber))
			}()
		}
	}
	if got := Mandatory(nil); got != nil {
		t.Errorf("Mandatory(nil) = %v, want nil", got)
	}
}

// TestEveryValueWrong replaces each value of some official documents, one
// at a time, with values of every other type: none of that may make
// Mandatory panic.
func TestEveryValueWrong(t *testing.T) {
	replacements := []any{nil, "x", 1.5, json.Number("2"), true, []any{}, []any{nil, 3.0}, map[string]any{}}
	files, err := filepath.Glob(filepath.Join(official, "mandatory", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		files = files[:10]
	}
	runs := 0
	for _, file := range files {
		doc := readDoc(t, file, false)
		var mutate func(v any, path string)
		try := func(path string) {
			runs++
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s with %s replaced: panic: %v", filepath.Base(file), path, r)
				}
			}()
			Mandatory(doc)
		}
		mutate = func(v any, path string) {
			switch v := v.(type) {
			case map[string]any:
				for k, old := range v {
					for _, r := range replacements {
						v[k] = r
						try(path + "/" + k)
					}
					v[k] = old
					mutate(old, path+"/"+k)
				}
			case []any:
				for i, old := range v {
					for _, r := range replacements {
						v[i] = r
						try(path + "/" + strconv.Itoa(i))
					}
					v[i] = old
					mutate(old, path+"/"+strconv.Itoa(i))
				}
			}
		}
		mutate(doc, "")
	}
	t.Logf("%d mutated documents checked", runs)
}

// FuzzMandatory checks that no JSON document makes Mandatory panic.
func FuzzMandatory(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(official, "mandatory", "*-0[1-3]-*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"document": {"category": "csaf_vex"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc any
		if json.Unmarshal(data, &doc) != nil {
			return
		}
		Mandatory(doc)
	})
}

// base is a small valid csaf_base document the table test modifies.
const base = `{
  "document": {
    "category": "csaf_base",
    "csaf_version": "2.0",
    "lang": "en",
    "publisher": {"category": "vendor", "name": "Example", "namespace": "https://example.com"},
    "title": "Test",
    "tracking": {
      "id": "T-1",
      "current_release_date": "2024-02-01T00:00:00Z",
      "initial_release_date": "2024-01-01T00:00:00Z",
      "status": "final",
      "version": "2",
      "revision_history": [
        {"date": "2024-01-01T00:00:00Z", "number": "1", "summary": "First."},
        {"date": "2024-02-01T00:00:00Z", "number": "2", "summary": "Second."}
      ]
    }
  },
  "product_tree": {
    "full_product_names": [
      {"product_id": "P1", "name": "Product 1"},
      {"product_id": "P2", "name": "Product 2"}
    ],
    "product_groups": [{"group_id": "G1", "product_ids": ["P1", "P2"]}]
  },
  "vulnerabilities": [{"cve": "CVE-2024-0001", "product_status": {"known_affected": ["P1"]}}]
}`

// edit returns the base document with a change made to it.
func edit(t *testing.T, change func(doc map[string]any)) any {
	t.Helper()
	doc := decode(t, []byte(base), true)
	change(doc.(map[string]any))
	return doc
}

// at returns the object at a path of keys below m.
func at(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

func vuln(doc map[string]any) map[string]any {
	return doc["vulnerabilities"].([]any)[0].(map[string]any)
}

// list makes a JSON array of strings.
func list(s ...string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func TestHandMade(t *testing.T) {
	cases := []struct {
		name   string
		change func(doc map[string]any)
		want   []Finding // nil: no findings; Message is not compared
	}{
		{"base document is valid", func(map[string]any) {}, nil},
		{"undefined product in a remediation",
			func(d map[string]any) {
				vuln(d)["remediations"] = []any{map[string]any{"category": "workaround", "details": "x", "product_ids": list("P1", "P9")}}
			},
			[]Finding{{Test: "6.1.1", Path: "/vulnerabilities/0/remediations/0/product_ids/1"}}},
		{"circular definition through two relationships",
			func(d map[string]any) {
				at(d, "product_tree")["relationships"] = []any{
					map[string]any{"category": "installed_on", "product_reference": "P1", "relates_to_product_reference": "R2",
						"full_product_name": map[string]any{"name": "R1", "product_id": "R1"}},
					map[string]any{"category": "installed_on", "product_reference": "R1", "relates_to_product_reference": "P2",
						"full_product_name": map[string]any{"name": "R2", "product_id": "R2"}},
				}
			},
			[]Finding{
				{Test: "6.1.3", Path: "/product_tree/relationships/0/relates_to_product_reference"},
				{Test: "6.1.3", Path: "/product_tree/relationships/1/product_reference"},
			}},
		{"json.Number CVSS 2.0 score that is right",
			func(d map[string]any) {
				vuln(d)["scores"] = []any{map[string]any{"products": list("P1"), "cvss_v2": map[string]any{
					"version": "2.0", "vectorString": "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F/RL:OF/RC:C",
					"baseScore": json.Number("7.5"), "temporalScore": json.Number("6.2"), "environmentalScore": json.Number("6.2"),
					"accessVector": "NETWORK", "exploitability": "FUNCTIONAL", "collateralDamagePotential": "NOT_DEFINED"}}}
			},
			nil},
		{"CVSS 2.0 temporal score that is wrong, and a property that contradicts the vector",
			func(d map[string]any) {
				vuln(d)["scores"] = []any{map[string]any{"products": list("P1"), "cvss_v2": map[string]any{
					"version": "2.0", "vectorString": "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F/RL:OF/RC:C",
					"baseScore": 7.5, "temporalScore": 7.5, "accessComplexity": "MEDIUM", "targetDistribution": "LOW"}}}
			},
			[]Finding{
				{Test: "6.1.9", Path: "/vulnerabilities/0/scores/0/cvss_v2/temporalScore"},
				{Test: "6.1.10", Path: "/vulnerabilities/0/scores/0/cvss_v2/accessComplexity"},
				{Test: "6.1.10", Path: "/vulnerabilities/0/scores/0/cvss_v2/targetDistribution"},
			}},
		{"a product listed twice in one score, and given a CVSS 3.0 and a 3.1 score",
			func(d map[string]any) {
				v30 := map[string]any{"version": "3.0", "vectorString": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8, "baseSeverity": "CRITICAL"}
				v31 := map[string]any{"version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8, "baseSeverity": "CRITICAL"}
				vuln(d)["scores"] = []any{
					map[string]any{"products": list("P1", "P1"), "cvss_v3": v31},
					map[string]any{"products": list("P1"), "cvss_v3": v30},
					map[string]any{"products": list("P2", "P1"), "cvss_v3": v31},
				}
			},
			[]Finding{{Test: "6.1.7", Path: "/vulnerabilities/0/scores/2/products/1"}}},
		{"CVSS 3.1 environmental score and severity",
			func(d map[string]any) {
				vuln(d)["scores"] = []any{map[string]any{"products": list("P1"), "cvss_v3": map[string]any{
					"version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAV:L",
					"baseScore": 9.8, "baseSeverity": "CRITICAL", "environmentalScore": 9.8, "environmentalSeverity": "CRITICAL",
					"modifiedAttackVector": "LOCAL"}}}
			},
			[]Finding{
				{Test: "6.1.9", Path: "/vulnerabilities/0/scores/0/cvss_v3/environmentalScore"},
				{Test: "6.1.9", Path: "/vulnerabilities/0/scores/0/cvss_v3/environmentalSeverity"},
			}},
		{"CVSS 3.1 object with a bad severity and a vector missing base metrics",
			func(d map[string]any) {
				vuln(d)["scores"] = []any{map[string]any{"products": list("P1"), "cvss_v3": map[string]any{
					"version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L", "baseScore": 9.8, "baseSeverity": "SEVERE", "a/b": 1}}}
			},
			[]Finding{
				{Test: "6.1.8", Path: "/vulnerabilities/0/scores/0/cvss_v3/baseSeverity"},
				{Test: "6.1.9", Path: "/vulnerabilities/0/scores/0/cvss_v3/vectorString"},
			}},
		{"CWE with a bad ID, and one whose name is unknown here",
			func(d map[string]any) {
				vuln(d)["cwe"] = map[string]any{"id": "CWE-079", "name": "x"}
				d["vulnerabilities"] = append(d["vulnerabilities"].([]any), map[string]any{"cve": "CVE-2024-0002",
					"cwe": map[string]any{"id": "CWE-1004", "name": "Sensitive Cookie Without 'HttpOnly' Flag"}})
			},
			[]Finding{{Test: "6.1.11", Path: "/vulnerabilities/0/cwe/id"}}},
		{"version range words only as words",
			func(d map[string]any) {
				at(d, "product_tree")["branches"] = []any{map[string]any{"category": "vendor", "name": "V", "branches": []any{
					map[string]any{"category": "product_version", "name": "1.0 > 0.9", "product": map[string]any{"product_id": "P3", "name": "x"}},
					map[string]any{"category": "product_version", "name": "Allwinner 2", "product": map[string]any{"product_id": "P4", "name": "y"}},
					map[string]any{"category": "product_name", "name": "all versions"},
				}}}
			},
			[]Finding{{Test: "6.1.31", Path: "/product_tree/branches/0/branches/0/name"}}},
		{"prohibited category with spaces",
			func(d map[string]any) { at(d, "document")["category"] = "Security  Advisory" },
			[]Finding{{Test: "6.1.26", Path: "/document/category"}}},
		{"two flags for one product through a group",
			func(d map[string]any) {
				v := vuln(d)
				v["product_status"] = map[string]any{"known_not_affected": list("P1", "P2")}
				v["flags"] = []any{
					map[string]any{"label": "component_not_present", "product_ids": list("P2")},
					map[string]any{"label": "vulnerable_code_not_present", "group_ids": list("G1")},
				}
			},
			[]Finding{{Test: "6.1.33", Path: "/vulnerabilities/0/flags/1"}}},
		{"revision history of semantic versions that skips a major version",
			func(d map[string]any) {
				tr := at(d, "document", "tracking")
				tr["version"] = "3.0.0+build.5"
				tr["revision_history"] = []any{
					map[string]any{"date": "2024-01-01T00:00:00Z", "number": "1.0.0", "summary": "x"},
					map[string]any{"date": "2024-01-02T00:00:00+02:00", "number": "1.1.0", "summary": "x"},
					map[string]any{"date": "2024-02-01T00:00:00Z", "number": "3.0.0", "summary": "x"},
				}
			},
			[]Finding{{Test: "6.1.21", Path: "/document/tracking/revision_history"}}},
		{"draft with a pre-release version matching the latest revision",
			func(d map[string]any) {
				tr := at(d, "document", "tracking")
				tr["status"] = "draft"
				tr["version"] = "2.0.0-rc.1"
				tr["revision_history"] = []any{
					map[string]any{"date": "2024-01-01T00:00:00Z", "number": "1.0.0", "summary": "x"},
					map[string]any{"date": "2024-02-01T00:00:00Z", "number": "2.0.0", "summary": "x"},
				}
			},
			nil},
		{"VEX document: impact and action statements through groups",
			func(d map[string]any) {
				at(d, "document")["category"] = "csaf_vex"
				v := vuln(d)
				v["notes"] = []any{map[string]any{"category": "description", "text": "x"}}
				v["product_status"] = map[string]any{"known_affected": list("P1"), "known_not_affected": list("P2")}
				v["threats"] = []any{map[string]any{"category": "exploit_status", "details": "x", "group_ids": list("G1")}}
				v["remediations"] = []any{map[string]any{"category": "vendor_fix", "details": "x", "group_ids": list("G1")}}
			},
			[]Finding{{Test: "6.1.27.9", Path: "/vulnerabilities/0/product_status/known_not_affected/0"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Mandatory(edit(t, tc.change))
			var stripped []Finding
			for _, f := range got {
				if f.Message == "" {
					t.Errorf("finding without a message: %+v", f)
				}
				stripped = append(stripped, Finding{Test: f.Test, Path: f.Path})
			}
			if !slices.Equal(stripped, tc.want) {
				t.Errorf("got:%s\nwant:%s", describe(got), describe(tc.want))
			}
		})
	}
}

func TestPointer(t *testing.T) {
	if got := pointer("").field("a/b~c").index(3); got != "/a~1b~0c/3" {
		t.Errorf("got %q", got)
	}
}

// TestCVSS2 scores Red Hat's CVSS 2.0 test vectors, which give base scores.
func TestCVSS2(t *testing.T) {
	file, err := os.Open(filepath.Join(redhat, "vectors_simple2"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	n := 0
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		vector, scores, ok := strings.Cut(scanner.Text(), " - (")
		if !ok {
			continue
		}
		baseText, _, _ := strings.Cut(scores, ",")
		want, err := strconv.ParseFloat(baseText, 64)
		if err != nil {
			t.Fatalf("%q: %v", scanner.Text(), err)
		}
		got, err := scoreCVSS2(vector)
		if err != nil {
			t.Errorf("%s: %v", vector, err)
			continue
		}
		if math.Abs(got.base-want) > 1e-9 {
			t.Errorf("%s: base score %v, want %v", vector, got.base, want)
		}
		n++
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 700 {
		t.Errorf("only %d vectors", n)
	}

	// Temporal and environmental scores, worked out by hand with the
	// equations of the CVSS v2 guide.
	for _, tc := range []struct {
		vector                        string
		base, temporal, environmental float64
	}{
		{"AV:N/AC:L/Au:N/C:C/I:C/A:C", 10, 10, 10},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F/RL:OF/RC:C", 7.5, 6.2, 6.2},
		{"AV:N/AC:L/Au:N/C:C/I:C/A:C/E:POC/RL:TF/RC:UR/CDP:H/TD:M/CR:H/IR:M/AR:L", 10, 7.7, 6.6},
		{"AV:L/AC:H/Au:M/C:N/I:N/A:N/CDP:H/TD:H", 0, 0, 5.0},
	} {
		got, err := scoreCVSS2(tc.vector)
		if err != nil {
			t.Errorf("%s: %v", tc.vector, err)
			continue
		}
		if want := (cvss2Scores{tc.base, tc.temporal, tc.environmental}); got != want {
			t.Errorf("%s: got %+v, want %+v", tc.vector, got, want)
		}
	}
	for _, bad := range []string{"", "AV:N", "AV:N/AC:L/Au:N/C:C/I:C/A:X", "AV:N/AC:L/Au:N/C:C/I:C/A:C/AV:N", "CVSS:2.0/AV:N/AC:L/Au:N/C:C/I:C/A:C"} {
		if _, err := scoreCVSS2(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestSchemasCompile makes sure the embedded CVSS schemas load.
func TestSchemasCompile(t *testing.T) {
	schemas, err := cvssSchemas()
	if err != nil {
		t.Fatal(err)
	}
	if len(schemas) != 3 {
		t.Errorf("%d schemas, want 3", len(schemas))
	}
}
