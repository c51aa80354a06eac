package cvss

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// redhatDir holds Red Hat's official CVSS test vectors, copied into
// testdata/ (origin in testdata/README.md).
var redhatDir = filepath.Join("testdata", "redhat")

// official is one line of a test-vector file: "VECTOR - (base, temporal,
// environmental)" for CVSS 3.x, "VECTOR - (score,)" or "VECTOR - score"
// for CVSS 4.0.
type official struct {
	line   int
	vector string
	want   []float64
}

func readOfficial(t *testing.T, name string) []official {
	return readVectors(t, name, true)
}

// readVectors reads a test-vector file; the scores only if withScores.
func readVectors(t *testing.T, name string, withScores bool) []official {
	t.Helper()
	f, err := os.Open(filepath.Join(redhatDir, name))
	if err != nil {
		t.Fatalf("the official test vectors must be there: %v", err)
	}
	defer f.Close()
	var out []official
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		vector, scores, ok := strings.Cut(line, " - ")
		if !ok {
			t.Fatalf("%s:%d: no \" - \" in %q", name, n, line)
		}
		o := official{line: n, vector: vector}
		for _, s := range strings.Split(strings.Trim(scores, "()"), ",") {
			if s = strings.TrimSpace(s); s == "" || !withScores {
				continue
			}
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("%s:%d: score %q: %v", name, n, s, err)
			}
			o.want = append(o.want, x)
		}
		out = append(out, o)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s has no vectors", name)
	}
	return out
}

func TestOfficialVectors3(t *testing.T) {
	for _, tc := range []struct {
		file    string
		version Version // "" for files mixing 3.0 and 3.1
	}{
		{"vectors_simple3", V30},
		{"vectors_simple31", V31},
		{"vectors_cvsslib3", ""},
		{"vectors_calculator3", ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			vectors := readOfficial(t, tc.file)
			for _, o := range vectors {
				s, err := Parse(o.vector)
				if err != nil {
					t.Errorf("%s:%d %s: %v", tc.file, o.line, o.vector, err)
					continue
				}
				if len(o.want) != 3 {
					t.Fatalf("%s:%d: want 3 scores, the file has %v", tc.file, o.line, o.want)
				}
				if tc.version != "" && s.Version != tc.version {
					t.Errorf("%s:%d: version %s, want %s", tc.file, o.line, s.Version, tc.version)
				}
				got := []float64{s.BaseScore, *s.TemporalScore, *s.EnvironmentalScore}
				if got[0] != o.want[0] || got[1] != o.want[1] || got[2] != o.want[2] {
					t.Errorf("%s:%d %s: scores %v, want %v", tc.file, o.line, o.vector, got, o.want)
				}
				if s.Severity != Severity(s.Score) || s.Nomenclature != "" {
					t.Errorf("%s:%d: %+v", tc.file, o.line, s)
				}
			}
			t.Logf("%s: %d official vectors, all scores exact", tc.file, len(vectors))
		})
	}
}

func TestOfficialVectors4(t *testing.T) {
	for _, file := range []string{"vectors_simple4", "vectors_security4", "vectors_supplemental4", "vectors_threat4"} {
		t.Run(file, func(t *testing.T) {
			vectors := readOfficial(t, file)
			libraryOff := 0
			for _, o := range vectors {
				s, err := Parse(o.vector)
				if err != nil {
					t.Errorf("%s:%d %s: %v", file, o.line, o.vector, err)
					continue
				}
				if len(o.want) != 1 {
					t.Fatalf("%s:%d: want 1 score, the file has %v", file, o.line, o.want)
				}
				if s.Version != V40 || s.Score != o.want[0] || s.Severity != Severity(s.Score) {
					t.Errorf("%s:%d %s: got %+v, want score %v", file, o.line, o.vector, s, o.want[0])
				}
				if s.TemporalScore != nil || s.EnvironmentalScore != nil {
					t.Errorf("%s:%d: 3.x scores set on a 4.0 vector", file, o.line)
				}
				// BaseScore is the score of the base metrics alone.
				b, err := Parse(baseOnly(o.vector))
				if err != nil || b.Score != s.BaseScore || b.Nomenclature != "CVSS-B" {
					t.Errorf("%s:%d: base score %v, but the base metrics alone give %+v, %v", file, o.line, s.BaseScore, b, err)
				}
				if c, _ := gocvss40.ParseVector(o.vector); round1(c.Score()) != s.Score {
					libraryOff++
				}
			}
			t.Logf("%s: %d official vectors, all scores exact (the library's own 4.0 score differs on %d)", file, len(vectors), libraryOff)
		})
	}
}

// baseOnly keeps the prefix and the 11 base metrics of a CVSS 4.0 vector.
func baseOnly(vector string) string {
	parts := strings.Split(vector, "/")
	return strings.Join(parts[:12], "/")
}

// TestAllBaseVectors4 scores every one of the 104,976 CVSS 4.0 base vectors
// and compares with the library's floating-point scores: they may differ by
// 0.1 where the library's arithmetic falls on the wrong side of a rounding
// tie, which must be rare, and never by more.
func TestAllBaseVectors4(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	values := []struct{ abbr, vals string }{
		{"AV", "NALP"}, {"AC", "LH"}, {"AT", "NP"}, {"PR", "NLH"}, {"UI", "NPA"},
		{"VC", "HLN"}, {"VI", "HLN"}, {"VA", "HLN"}, {"SC", "HLN"}, {"SI", "HLN"}, {"SA", "HLN"},
	}
	idx := make([]int, len(values))
	total, differ := 0, 0
	var examples []string
	for {
		var b strings.Builder
		b.WriteString("CVSS:4.0")
		for i, m := range values {
			b.WriteString("/" + m.abbr + ":" + m.vals[idx[i]:idx[i]+1])
		}
		vector := b.String()
		s, err := Parse(vector)
		if err != nil {
			t.Fatalf("%s: %v", vector, err)
		}
		c, err := gocvss40.ParseVector(vector)
		if err != nil {
			t.Fatal(err)
		}
		total++
		if lib := round1(c.Score()); lib != s.Score {
			differ++
			// Only at an exact tie may the library round the other way.
			num, den := exact40(effective40(c, false))
			if math.Abs(lib-s.Score) > 0.100001 || (2*num)%(2*den) != den {
				t.Errorf("%s: %v (exactly %d/%d tenths), the library says %v", vector, s.Score, num, den, lib)
			}
			if len(examples) < 3 {
				examples = append(examples, vector+" "+strconv.FormatFloat(s.Score, 'f', 1, 64)+" (library "+strconv.FormatFloat(lib, 'f', 1, 64)+")")
			}
		}
		i := len(idx) - 1
		for ; i >= 0; i-- {
			if idx[i]++; idx[i] < len(values[i].vals) {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			break
		}
	}
	if total != 104976 {
		t.Fatalf("%d vectors", total)
	}
	if differ*1000 > total*5 {
		t.Errorf("the library differs on %d of %d base vectors: more than rounding ties", differ, total)
	}
	t.Logf("%d base vectors; the library's score differs by 0.1 on %d, e.g. %s", total, differ, strings.Join(examples, "; "))
}

// TestRoundingTie works one vector through by hand. Its exact score is a
// tie at .x5, which rounds up; floating-point arithmetic lands just below it
// (the library says 8.5).
//
// CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H is in
// MacroVector 101100 (EQ1:1 as UI is not N, EQ3:1 as only VC is H, EQ4:1,
// E:X is A, EQ6:0 as CR:X is H and VC:H), which scores 8.6. The lower
// MacroVectors: EQ1 201100 7.2, EQ2 111100 7.4, EQ3+EQ6 101101 7.6, EQ4
// 101200 7.2, EQ5 101110 7.4: five of them. The highest vectors it does not
// exceed: EQ1 AV:N/PR:N/UI:P (distance 0), EQ2 AC:L/AT:N (0), EQ3+EQ6
// VC:H/VI:L/VA:H/CR:H/IR:H/AR:H (distance 0.2, from VA:N; depth 0.8), EQ4
// SC:H/SI:H/SA:H (0). Mean distance (8.6-7.6)*0.2/0.8 / 5 = 0.05, so the
// score is exactly 8.55, which is 8.6.
func TestRoundingTie(t *testing.T) {
	const vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H"
	c, err := gocvss40.ParseVector(vector)
	if err != nil {
		t.Fatal(err)
	}
	v := effective40(c, false)
	if mv := macroVector40(v); mv != (macroVector{1, 0, 1, 1, 0, 0}) {
		t.Fatalf("MacroVector %v", mv)
	}
	if num, den := exact40(v); num*10 != 855*den {
		t.Fatalf("exact score %d/%d tenths, want 85.5", num, den)
	}
	if s, err := Parse(vector); err != nil || s.Score != 8.6 || s.BaseScore != 8.6 || s.Severity != "High" {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestMacroVectorTable(t *testing.T) {
	n := 0
	for a := range lookup40 {
		for b := range lookup40[a] {
			for c := range lookup40[a][b] {
				for d := range lookup40[a][b][c] {
					for e := range lookup40[a][b][c][d] {
						for f, s := range lookup40[a][b][c][d][e] {
							if s != 0 {
								n++
							}
							if c == 2 && f == 0 && s != 0 {
								t.Errorf("MacroVector %d%d2%d%d0 cannot exist", a, b, d, e)
							}
							if (c != 2 || f != 0) && (s < 1 || s > 100) {
								t.Errorf("MacroVector %d%d%d%d%d%d: %d", a, b, c, d, e, f, s)
							}
						}
					}
				}
			}
		}
	}
	if n != 270 {
		t.Fatalf("%d MacroVectors, want 270", n)
	}
	for mv, want := range map[macroVector]int{{0, 0, 0, 0, 0, 0}: 100, {2, 1, 2, 2, 2, 1}: 1, {1, 0, 1, 1, 0, 1}: 76, {0, 1, 2, 2, 0, 1}: 63} {
		if got, ok := mv.score(); !ok || got != want {
			t.Errorf("MacroVector %v: %d %v, want %d", mv, got, ok, want)
		}
	}
	if _, ok := (macroVector{3, 0, 0, 0, 0, 0}).score(); ok {
		t.Error("EQ1:3 exists")
	}
	// Every class has highest vectors and a depth that divides the common
	// denominator exact40 uses.
	for _, mv := range []macroVector{{0, 0, 0, 0, 0, 0}, {1, 1, 0, 1, 1, 1}, {0, 0, 1, 0, 0, 1}, {2, 1, 1, 2, 2, 0}, {2, 1, 2, 2, 2, 1}} {
		for i, g := range eqGroups {
			if d := g.depth(mv); d <= 0 || 840%d != 0 || len(g.maxes(mv)) == 0 {
				t.Errorf("EQ group %d of %v: depth %d, %d highest vectors", i, mv, d, len(g.maxes(mv)))
			}
			for _, top := range g.maxes(mv) {
				if len(top) != len(g.metrics) {
					t.Errorf("EQ group %d: highest vector %q", i, top)
				}
				for j, m := range g.metrics {
					if strings.IndexByte(levels40[m], top[j]) < 0 {
						t.Errorf("EQ group %d: %s cannot be %c", i, abbr40[m], top[j])
					}
				}
			}
		}
	}
}

func TestScoreSelectionAndNomenclature(t *testing.T) {
	const base31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
	const base40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
	for _, tc := range []struct {
		vector       string
		base, score  float64
		severity     string
		nomenclature string
	}{
		{base31, 9.8, 9.8, "Critical", ""},
		{base31 + "/E:X/RL:X/RC:X/CR:X", 9.8, 9.8, "Critical", ""},
		{base31 + "/E:U/RL:O/RC:R", 9.8, 8.2, "High", ""},
		{base31 + "/E:U", 9.8, 9.0, "Critical", ""},
		{base31 + "/E:U/CR:L/IR:L/AR:L", 9.8, 7.3, "High", ""},
		{base31 + "/MAV:P", 9.8, 6.8, "Medium", ""},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, 0, "None", ""},
		{base40, 9.3, 9.3, "Critical", "CVSS-B"},
		{base40 + "/E:X/CR:X/S:P/U:Red", 9.3, 9.3, "Critical", "CVSS-B"},
		{base40 + "/E:U", 9.3, 8.1, "High", "CVSS-BT"},
		{base40 + "/CR:L/IR:L/AR:L", 9.3, 8.9, "High", "CVSS-BE"}, // 9.0 - 0.125
		{base40 + "/E:P/MAV:P", 9.3, 5.2, "Medium", "CVSS-BTE"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0, 0, "None", "CVSS-B"},
	} {
		s, err := Parse(tc.vector)
		if err != nil {
			t.Errorf("%s: %v", tc.vector, err)
			continue
		}
		if s.BaseScore != tc.base || s.Score != tc.score || s.Severity != tc.severity || s.Nomenclature != tc.nomenclature {
			t.Errorf("%s: got %v %v %s %q, want %v %v %s %q", tc.vector, s.BaseScore, s.Score, s.Severity, s.Nomenclature,
				tc.base, tc.score, tc.severity, tc.nomenclature)
		}
	}

	s, _ := Parse(base31 + "/E:U")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"vector":"`+base31+`/E:U","version":"3.1","base_score":9.8,"score":9,"severity":"Critical","temporal_score":9,"environmental_score":9}`; got != want {
		t.Errorf("JSON:\n got %s\nwant %s", got, want)
	}
	s, _ = Parse(base40)
	b, _ = json.Marshal(s)
	if got, want := string(b), `{"vector":"`+base40+`","version":"4.0","base_score":9.3,"score":9.3,"severity":"Critical","nomenclature":"CVSS-B"}`; got != want {
		t.Errorf("JSON:\n got %s\nwant %s", got, want)
	}
}

func TestSeverity(t *testing.T) {
	for score, want := range map[float64]string{
		0: "None", 0.1: "Low", 3.9: "Low", 4: "Medium", 6.9: "Medium", 7: "High", 8.9: "High", 9: "Critical", 10: "Critical",
		-0.1: "", 10.1: "", math.NaN(): "", math.Inf(1): "",
	} {
		if got := Severity(score); got != want {
			t.Errorf("Severity(%v) = %q, want %q", score, got, want)
		}
	}
}

func TestInvalidVectors(t *testing.T) {
	const b31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
	const b40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
	for _, tc := range []struct{ vector, want string }{
		{"", "empty vector"},
		{" " + b31, "spaces before or after"},
		{b31 + "\n", "spaces before or after"},
		{"hello", "not a CVSS vector"},
		{"cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "the prefix must be in capitals: CVSS:, not cvss:"},
		{"CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `unsupported CVSS version "3.2"`},
		{"CVSS:5.0", `unsupported CVSS version "5.0"`},
		{"CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", "CVSS 2.0 is not supported; give a 3.x or 4.0 vector"},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", "CVSS 2.0 is not supported"},
		{"(AV:N/AC:L/Au:N/C:P/I:P/A:P)", "CVSS 2.0 is not supported"},
		{"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "no version prefix"},
		{"CVSS:3.1", `no metrics after "CVSS:3.1"`},
		{"CVSS:3.1/", `no metrics after "CVSS:3.1/": give at least the base metrics AV, AC, PR, UI, S, C, I, A`},
		{"CVSS:4.0", `no metrics after "CVSS:4.0"`},
		{"CVSS:4.0/", `no metrics after "CVSS:4.0/"`},
		// CVSS 3.x
		{"CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "metric AV (Attack Vector) appears more than once"},
		{b31 + "/E:U/E:U", "metric E (Exploit Code Maturity) appears more than once"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "mandatory base metric A (Availability) is missing"},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H", "mandatory base metric S (Scope) is missing"},
		{"CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `metric AV (Attack Vector) cannot be "Q"; use one of N, A, L, P`},
		{"CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `metric AV (Attack Vector) cannot be "n"`},
		{"CVSS:3.1/AV:/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `metric AV (Attack Vector) cannot be ""`},
		{"CVSS:3.1/AV:N:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `metric AV (Attack Vector) cannot be "N:N"`},
		{b31 + "/E:X/MS:Q", `metric MS (Modified Scope) cannot be "Q"; use one of X, U, C`},
		{b31 + "/ZZ:1", `unknown metric "ZZ"; CVSS 3.1 metrics are AV, AC,`},
		{b31 + "/AT:N", `unknown metric "AT"`},
		{b31 + "/", `empty metric after "A:H": remove the doubled or trailing "/"`},
		{"CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `empty metric after "AV:N"`},
		{"CVSS:3.1//AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `empty metric right after "CVSS:3.1/"`},
		{"CVSS:3.1/AVN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `"AVN" is not of the form METRIC:VALUE`},
		// CVSS 4.0
		{"CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "metric AV is out of order: CVSS 4.0 requires the order AV, AC, AT,"},
		{b40 + "/CR:H/E:A", "metric E is out of order"},
		{b40 + "/U:Red/S:N", "metric S is out of order"},
		{b40 + "/E:A/E:A", "metric E (Exploit Maturity) appears more than once"},
		{"CVSS:4.0/AV:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "metric AV (Attack Vector) appears more than once"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", "mandatory base metric SA (Subsequent System Availability) is missing"},
		{"CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "mandatory base metric AT (Attack Requirements) is missing"},
		{"CVSS:4.0/AV:N", "mandatory base metric AC (Attack Complexity) is missing"},
		{b40 + "/U:clear", `metric U (Provider Urgency) cannot be "clear"; use one of X, Clear, Green, Amber, Red`},
		{b40 + "/MSC:S", `metric MSC (Modified Subsequent System Confidentiality) cannot be "S"`},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N", `metric SI (Subsequent System Integrity) cannot be "S"`},
		{b40 + "/S:U", `metric S (Safety) cannot be "U"`},
		{"CVSS:4.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `metric S (Safety) cannot be "U"`},
		{b40 + "/RL:O", `unknown metric "RL"; CVSS 4.0 metrics are`},
		{b40 + "/", `empty metric after "SA:N"`},
	} {
		s, err := Parse(tc.vector)
		if err == nil {
			t.Errorf("%q: no error, %+v", tc.vector, s)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got error %q\nwant it to say %q", tc.vector, err, tc.want)
		}
		if s != (Score{}) {
			t.Errorf("%q: error and a score %+v", tc.vector, s)
		}
	}
}

// TestOfficialVectors2Rejected: Red Hat's CVSS 2.0 vectors are refused
// with the same clear error.
func TestOfficialVectors2Rejected(t *testing.T) {
	vectors := readVectors(t, "vectors_simple2", false)
	for _, o := range vectors {
		if _, err := Parse(o.vector); err == nil || !strings.Contains(err.Error(), "CVSS 2.0 is not supported") {
			t.Errorf("vectors_simple2:%d %s: %v", o.line, o.vector, err)
		}
	}
}

// Out-of-order CVSS 3.x vectors are valid: the 3.x specifications allow any
// order. CVSS 4.0 requires the specification's order.
func TestOrder(t *testing.T) {
	a, err := Parse("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/RC:C")
	if err != nil || a.Score != 9.8 {
		t.Fatalf("%+v %v", a, err)
	}
}

// canonical renders a valid vector as the library does: CVSS 3.x metrics in
// the specification's order, X (Not Defined) metrics left out.
func canonical(t *testing.T, s Score) string {
	t.Helper()
	var (
		out string
		err error
	)
	switch s.Version {
	case V30:
		var c *gocvss30.CVSS30
		if c, err = gocvss30.ParseVector(s.Vector); err == nil {
			out = c.Vector()
		}
	case V31:
		var c *gocvss31.CVSS31
		if c, err = gocvss31.ParseVector(s.Vector); err == nil {
			out = c.Vector()
		}
	case V40:
		var c *gocvss40.CVSS40
		if c, err = gocvss40.ParseVector(s.Vector); err == nil {
			out = c.Vector()
		}
	}
	if err != nil || out == "" {
		t.Fatalf("%s: the library does not parse it again: %v", s.Vector, err)
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R",
		"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:C/C:L/I:L/A:N/CR:H/IR:M/AR:L/MAV:P/MAC:H/MPR:L/MUI:N/MS:U/MC:N/MI:L/MA:H",
		"CVSS:3.0/S:U/AV:N/AC:L/PR:H/UI:N/C:L/I:L/A:N/E:F/RL:X",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:L/SC:H/SI:L/SA:N/E:P/CR:M/IR:L/AR:X/MAV:A/MAC:L/MAT:N/MPR:L/MUI:P/MVC:N/MVI:H/MVA:L/MSC:L/MSI:S/MSA:S/S:P/AU:Y/R:I/V:C/RE:H/U:Amber",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A/E:A",
		"AV:N/AC:L/Au:N/C:P/I:P/A:P",
		"CVSS:3.1/AV:N//",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse(in)
		if err != nil {
			// Every rejection is explained in words, never by falling
			// back on the library's bare error.
			if strings.HasPrefix(err.Error(), "invalid CVSS") || err.Error() == "" || s != (Score{}) {
				t.Fatalf("%q: error %q with %+v", in, err, s)
			}
			return
		}
		if s.Vector != in {
			t.Fatalf("%q: vector %q", in, s.Vector)
		}
		for _, x := range []float64{s.BaseScore, s.Score} {
			if !(x >= 0 && x <= 10) || math.Round(x*10)/10 != x {
				t.Fatalf("%q: score %v", in, x)
			}
		}
		if s.Severity != Severity(s.Score) || s.Severity == "" {
			t.Fatalf("%q: severity %q of %v", in, s.Severity, s.Score)
		}
		if (s.Version == V40) != (s.Nomenclature != "") || (s.Version == V40) != (s.TemporalScore == nil) {
			t.Fatalf("%q: %+v", in, s)
		}
		// Round trip: the library's rendering of the vector scores the same.
		again, err := Parse(canonical(t, s))
		if err != nil {
			t.Fatalf("%q: canonical form: %v", in, err)
		}
		if again.Version != s.Version || again.BaseScore != s.BaseScore || again.Score != s.Score ||
			again.Severity != s.Severity || again.Nomenclature != s.Nomenclature ||
			!samePtr(again.TemporalScore, s.TemporalScore) || !samePtr(again.EnvironmentalScore, s.EnvironmentalScore) {
			t.Fatalf("%q: %+v, but its canonical form %q gives %+v", in, s, again.Vector, again)
		}
	})
}

func samePtr(a, b *float64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, vector string }{
		{"3.1-base", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{"3.1-environmental", "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:C/C:L/I:L/A:N/E:P/CR:H/IR:M/AR:L/MAV:P/MAC:H/MPR:L/MUI:N/MS:U/MC:N/MI:L/MA:H"},
		{"4.0-base", "CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:P/VC:H/VI:L/VA:N/SC:L/SI:L/SA:N"},
		{"4.0-BTE", "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:L/SC:H/SI:L/SA:N/E:P/CR:M/IR:L/AR:X/MAV:A/MAC:L/MAT:N/MPR:L/MUI:P/MVC:N/MVI:H/MVA:L/MSC:L/MSI:S/MSA:S/S:P/AU:Y/R:I/V:C/RE:H/U:Amber"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bc.vector); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
