package cvss

import (
	"strconv"
	"strings"

	gocvss40 "github.com/pandatix/go-cvss/40"
)

// CVSS 4.0 scoring, after the scoring section of the FIRST CVSS v4.0
// specification and the data of its reference calculator.
//
// A vector's score starts from the score of its MacroVector, the six
// equivalence classes EQ1..EQ6 it falls in, looked up in the table the
// experts made. It is then lowered by the mean, over the EQs whose next
// lower MacroVector exists, of the score gap to that lower MacroVector times
// the proportion: the vector's severity distance from the highest-severity
// vector of its MacroVector, divided by the MacroVector's depth.
//
// Every quantity is a multiple of 0.1 until the proportions divide by the
// depths and the mean divides by the count of EQs, so the whole computation
// is done on integers counting tenths, the mean kept as an exact fraction,
// and the result rounded half up to one decimal only at the very end. This
// gives the specification's value even where the exact result is a tie at
// .x5, where floating-point implementations fall either way.

// Indices of the metrics that CVSS 4.0 scoring looks at.
const (
	iAV = iota
	iAC
	iAT
	iPR
	iUI
	iVC
	iVI
	iVA
	iSC
	iSI
	iSA
	iE
	iCR
	iIR
	iAR
	n40
)

// abbr40 are the abbreviations of the metrics at those indices.
var abbr40 = [n40]string{"AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA", "E", "CR", "IR", "AR"}

// levels40 lists each metric's values from the most to the least severe:
// the index of a value is its severity level in steps of 0.1 (the
// specification's AV_levels, PR_levels, ...). SC cannot be S (Safety) but
// its levels start at 0.1 like SI's and SA's, so "-" holds level 0.
var levels40 = [n40]string{
	iAV: "NALP", iAC: "LH", iAT: "NP", iPR: "NLH", iUI: "NPA",
	iVC: "HLN", iVI: "HLN", iVA: "HLN",
	iSC: "-HLN", iSI: "SHLN", iSA: "SHLN",
	iE:  "APU",
	iCR: "HML", iIR: "HML", iAR: "HML",
}

// vec40 holds the severity level (index in levels40) of each metric's
// effective value.
type vec40 [n40]int

// effective40 gives the effective value of each metric of a parsed vector.
// With env false only the base metrics count (CVSS-B): E is taken as A
// (Attacked) and CR, IR, AR as H, the worst cases that X stands for. With
// env true the threat and environmental metrics count too: a modified base
// metric other than X replaces the base metric, E:X is E:A, and CR/IR/AR:X
// is H.
func effective40(c *gocvss40.CVSS40, env bool) vec40 {
	get := func(abbr string) string {
		v, err := c.Get(abbr)
		if err != nil {
			panic("cvss: " + err.Error()) // abbr40 only names metrics the library knows
		}
		return v
	}
	var v vec40
	for i := iAV; i <= iSA; i++ {
		val := get(abbr40[i])
		if env {
			if m := get("M" + abbr40[i]); m != "X" {
				val = m
			}
		}
		v[i] = strings.Index(levels40[i], val)
	}
	for _, d := range [...]struct {
		i     int
		worst string
	}{{iE, "A"}, {iCR, "H"}, {iIR, "H"}, {iAR, "H"}} {
		val := d.worst
		if env {
			if got := get(abbr40[d.i]); got != "X" {
				val = got
			}
		}
		v[d.i] = strings.Index(levels40[d.i], val)
	}
	for i, l := range v {
		if l < 0 {
			panic("cvss: unexpected value of " + abbr40[i]) // the library validated every value
		}
	}
	return v
}

// macroVector is the six equivalence classes EQ1..EQ6 of a vector.
type macroVector [6]int

// macroVector40 puts a vector in its MacroVector by the specification's
// equivalence sets.
func macroVector40(v vec40) macroVector {
	is := func(i int, value byte) bool { return levels40[i][v[i]] == value }
	var mv macroVector
	// EQ1: 0 if AV:N and PR:N and UI:N; 1 if one of them but not AV:P; else 2.
	switch {
	case is(iAV, 'N') && is(iPR, 'N') && is(iUI, 'N'):
		mv[0] = 0
	case (is(iAV, 'N') || is(iPR, 'N') || is(iUI, 'N')) && !is(iAV, 'P'):
		mv[0] = 1
	default:
		mv[0] = 2
	}
	// EQ2: 0 if AC:L and AT:N, else 1.
	if !(is(iAC, 'L') && is(iAT, 'N')) {
		mv[1] = 1
	}
	// EQ3: 0 if VC:H and VI:H; 1 if not but VC:H or VI:H or VA:H; else 2.
	switch {
	case is(iVC, 'H') && is(iVI, 'H'):
		mv[2] = 0
	case is(iVC, 'H') || is(iVI, 'H') || is(iVA, 'H'):
		mv[2] = 1
	default:
		mv[2] = 2
	}
	// EQ4: 0 if MSI:S or MSA:S; 1 if not but SC:H or SI:H or SA:H; else 2.
	switch {
	case is(iSI, 'S') || is(iSA, 'S'):
		mv[3] = 0
	case is(iSC, 'H') || is(iSI, 'H') || is(iSA, 'H'):
		mv[3] = 1
	default:
		mv[3] = 2
	}
	// EQ5: 0 if E:A, 1 if E:P, 2 if E:U: the level of E.
	mv[4] = v[iE]
	// EQ6: 0 if (CR:H and VC:H) or (IR:H and VI:H) or (AR:H and VA:H), else 1.
	if !(is(iCR, 'H') && is(iVC, 'H') || is(iIR, 'H') && is(iVI, 'H') || is(iAR, 'H') && is(iVA, 'H')) {
		mv[5] = 1
	}
	return mv
}

// macroVectorScores is the specification's table of the score of each
// MacroVector "EQ1 EQ2 EQ3 EQ4 EQ5 EQ6" (cvss_lookup.js of the FIRST
// reference calculator): 270 MacroVectors. EQ3:2 with EQ6:0 cannot occur.
const macroVectorScores = `
000000:10.0 000001:9.9 000010:9.8 000011:9.5 000020:9.5 000021:9.2
000100:10.0 000101:9.6 000110:9.3 000111:8.7 000120:9.1 000121:8.1
000200:9.3 000201:9.0 000210:8.9 000211:8.0 000220:8.1 000221:6.8
001000:9.8 001001:9.5 001010:9.5 001011:9.2 001020:9.0 001021:8.4
001100:9.3 001101:9.2 001110:8.9 001111:8.1 001120:8.1 001121:6.5
001200:8.8 001201:8.0 001210:7.8 001211:7.0 001220:6.9 001221:4.8
002001:9.2 002011:8.2 002021:7.2
002101:7.9 002111:6.9 002121:5.0
002201:6.9 002211:5.5 002221:2.7
010000:9.9 010001:9.7 010010:9.5 010011:9.2 010020:9.2 010021:8.5
010100:9.5 010101:9.1 010110:9.0 010111:8.3 010120:8.4 010121:7.1
010200:9.2 010201:8.1 010210:8.2 010211:7.1 010220:7.2 010221:5.3
011000:9.5 011001:9.3 011010:9.2 011011:8.5 011020:8.5 011021:7.3
011100:9.2 011101:8.2 011110:8.0 011111:7.2 011120:7.0 011121:5.9
011200:8.4 011201:7.0 011210:7.1 011211:5.2 011220:5.0 011221:3.0
012001:8.6 012011:7.5 012021:5.2
012101:7.1 012111:5.2 012121:2.9
012201:6.3 012211:2.9 012221:1.7
100000:9.8 100001:9.5 100010:9.4 100011:8.7 100020:9.1 100021:8.1
100100:9.4 100101:8.9 100110:8.6 100111:7.4 100120:7.7 100121:6.4
100200:8.7 100201:7.5 100210:7.4 100211:6.3 100220:6.3 100221:4.9
101000:9.4 101001:8.9 101010:8.8 101011:7.7 101020:7.6 101021:6.7
101100:8.6 101101:7.6 101110:7.4 101111:5.8 101120:5.9 101121:5.0
101200:7.2 101201:5.7 101210:5.7 101211:5.2 101220:5.2 101221:2.5
102001:8.3 102011:7.0 102021:5.4
102101:6.5 102111:5.8 102121:2.6
102201:5.3 102211:2.1 102221:1.3
110000:9.5 110001:9.0 110010:8.8 110011:7.6 110020:7.6 110021:7.0
110100:9.0 110101:7.7 110110:7.5 110111:6.2 110120:6.1 110121:5.3
110200:7.7 110201:6.6 110210:6.8 110211:5.9 110220:5.2 110221:3.0
111000:8.9 111001:7.8 111010:7.6 111011:6.7 111020:6.2 111021:5.8
111100:7.4 111101:5.9 111110:5.7 111111:5.7 111120:4.7 111121:2.3
111200:6.1 111201:5.2 111210:5.7 111211:2.9 111220:2.4 111221:1.6
112001:7.1 112011:5.9 112021:3.0
112101:5.8 112111:2.6 112121:1.5
112201:2.3 112211:1.3 112221:0.6
200000:9.3 200001:8.7 200010:8.6 200011:7.2 200020:7.5 200021:5.8
200100:8.6 200101:7.4 200110:7.4 200111:6.1 200120:5.6 200121:3.4
200200:7.0 200201:5.4 200210:5.2 200211:4.0 200220:4.0 200221:2.2
201000:8.5 201001:7.5 201010:7.4 201011:5.5 201020:6.2 201021:5.1
201100:7.2 201101:5.7 201110:5.5 201111:4.1 201120:4.6 201121:1.9
201200:5.3 201201:3.6 201210:3.4 201211:1.9 201220:1.9 201221:0.8
202001:6.4 202011:5.1 202021:2.0
202101:4.7 202111:2.1 202121:1.1
202201:2.4 202211:0.9 202221:0.4
210000:8.8 210001:7.5 210010:7.3 210011:5.3 210020:6.0 210021:5.0
210100:7.3 210101:5.5 210110:5.9 210111:4.0 210120:4.1 210121:2.0
210200:5.4 210201:4.3 210210:4.5 210211:2.2 210220:2.0 210221:1.1
211000:7.5 211001:5.5 211010:5.8 211011:4.5 211020:4.0 211021:2.1
211100:6.1 211101:5.1 211110:4.8 211111:1.8 211120:2.0 211121:0.9
211200:4.6 211201:1.8 211210:1.7 211211:0.7 211220:0.8 211221:0.2
212001:5.3 212011:2.4 212021:1.4
212101:2.4 212111:1.2 212121:0.5
212201:1.0 212211:0.3 212221:0.1
`

// lookup40 is macroVectorScores in tenths, indexed by EQ1..EQ6; 0 marks a
// MacroVector that does not exist (no MacroVector scores 0).
var lookup40 = func() (t [3][2][3][3][3][2]int) {
	for _, f := range strings.Fields(macroVectorScores) {
		mv, score, _ := strings.Cut(f, ":")
		whole, frac, _ := strings.Cut(score, ".")
		w, err1 := strconv.Atoi(whole)
		d, err2 := strconv.Atoi(frac)
		if len(mv) != 6 || len(frac) != 1 || err1 != nil || err2 != nil {
			panic("cvss: bad MacroVector table entry " + f)
		}
		e := func(i int) int { return int(mv[i] - '0') }
		t[e(0)][e(1)][e(2)][e(3)][e(4)][e(5)] = w*10 + d
	}
	return t
}()

// score looks a MacroVector up; ok is false if it does not exist.
func (mv macroVector) score() (tenths int, ok bool) {
	for i, hi := range [6]int{2, 1, 2, 2, 2, 1} {
		if mv[i] < 0 || mv[i] > hi {
			return 0, false
		}
	}
	t := lookup40[mv[0]][mv[1]][mv[2]][mv[3]][mv[4]][mv[5]]
	return t, t != 0
}

// eqGroup is the metrics that make one EQ (EQ3 and EQ6 go together), the
// highest-severity vectors of each of its classes (max_composed.js of the
// reference calculator: the values of the metrics, in order), and the depth
// of each class (max_severity.js: the largest severity distance in the class
// plus one, in steps of 0.1).
type eqGroup struct {
	metrics []int
	maxes   func(mv macroVector) []string
	depth   func(mv macroVector) int
}

// The highest-severity vectors of each class: the values of the EQ's
// metrics, in the order of eqGroup.metrics.
var (
	maxesEQ1    = [3][]string{{"NNN"}, {"ANN", "NLN", "NNP"}, {"PNN", "ALP"}} // AV PR UI
	maxesEQ2    = [2][]string{{"LN"}, {"HN", "LP"}}                           // AC AT
	maxesEQ3EQ6 = [3][2][]string{                                             // VC VI VA CR IR AR
		{{"HHHHHH"}, {"HHLMMH", "HHHMMM"}},
		{{"LHHHHH", "HLHHHH"}, {"LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM"}},
		{nil, {"LLLHHH"}}, // EQ3:2 goes with EQ6:1 only
	}
	maxesEQ4 = [3][]string{{"HSS"}, {"HHH"}, {"LLL"}} // SC SI SA
)

var eqGroups = [4]eqGroup{
	{ // EQ1
		metrics: []int{iAV, iPR, iUI},
		maxes:   func(mv macroVector) []string { return maxesEQ1[mv[0]] },
		depth:   func(mv macroVector) int { return [...]int{1, 4, 5}[mv[0]] },
	},
	{ // EQ2
		metrics: []int{iAC, iAT},
		maxes:   func(mv macroVector) []string { return maxesEQ2[mv[1]] },
		depth:   func(mv macroVector) int { return [...]int{1, 2}[mv[1]] },
	},
	{ // EQ3 and EQ6
		metrics: []int{iVC, iVI, iVA, iCR, iIR, iAR},
		maxes:   func(mv macroVector) []string { return maxesEQ3EQ6[mv[2]][mv[5]] },
		depth:   func(mv macroVector) int { return [3][2]int{{7, 6}, {8, 8}, {0, 10}}[mv[2]][mv[5]] },
	},
	{ // EQ4
		metrics: []int{iSC, iSI, iSA},
		maxes:   func(mv macroVector) []string { return maxesEQ4[mv[3]] },
		depth:   func(mv macroVector) int { return [...]int{6, 5, 4}[mv[3]] },
	},
}

// distance is the severity distance, in steps of 0.1, of the metrics of g in
// v from the first highest-severity vector of v's class that v does not
// exceed in any metric. Like the reference calculator it falls back on the
// class's last highest-severity vector if there were none such (there always
// is one).
func (g eqGroup) distance(v vec40, mv macroVector) int {
	var sum int
	for _, top := range g.maxes(mv) {
		sum = 0
		ok := true
		for j, m := range g.metrics {
			d := v[m] - strings.IndexByte(levels40[m], top[j])
			if d < 0 {
				ok = false
			}
			sum += d
		}
		if ok {
			break
		}
	}
	return sum
}

// lower is the score of the next lower MacroVector in each EQ, in tenths,
// and whether there is one. EQ3 and EQ6 move together: 00 has two lower
// neighbours, 01 and 10, and the higher scoring one counts.
func lower(mv macroVector) (eq1, eq2, eq3eq6, eq4, eq5 int, ok1, ok2, ok36, ok4, ok5 bool) {
	next := func(i int) macroVector { n := mv; n[i]++; return n }
	eq1, ok1 = next(0).score()
	eq2, ok2 = next(1).score()
	eq4, ok4 = next(3).score()
	eq5, ok5 = next(4).score()
	switch eq3, eq6 := mv[2], mv[5]; {
	case eq3 == 0 && eq6 == 0:
		left, okl := next(5).score()
		right, okr := next(2).score()
		if okl && okr && left > right {
			eq3eq6, ok36 = left, true
		} else {
			eq3eq6, ok36 = right, okr
		}
	case eq6 == 0: // 10 -> 11
		eq3eq6, ok36 = next(5).score()
	default: // 01 -> 11, 11 -> 21; 21 has no lower MacroVector
		eq3eq6, ok36 = next(2).score()
	}
	return
}

// score40 is the CVSS 4.0 score of a vector in tenths: its exact score
// rounded half up to one decimal.
func score40(v vec40) int {
	num, den := exact40(v)
	return (2*num + den) / (2 * den)
}

// exact40 is the exact CVSS 4.0 score of a vector before rounding, in
// tenths: num/den, clamped to 0..100.
func exact40(v vec40) (num, den int) {
	// No impact at all on the vulnerable or any subsequent system scores 0.
	none := true
	for _, i := range []int{iVC, iVI, iVA, iSC, iSI, iSA} {
		none = none && levels40[i][v[i]] == 'N'
	}
	if none {
		return 0, 1
	}
	mv := macroVector40(v)
	value, ok := mv.score()
	if !ok {
		panic("cvss: no score for MacroVector " + strconv.Itoa(mv[0]) + strconv.Itoa(mv[1]) + strconv.Itoa(mv[2]) +
			strconv.Itoa(mv[3]) + strconv.Itoa(mv[4]) + strconv.Itoa(mv[5]))
	}
	l1, l2, l36, l4, _, ok1, ok2, ok36, ok4, ok5 := lower(mv)

	// The mean distance is (sum over existing lower MacroVectors of
	// gap*distance/depth) / count, gap, distance and depth all in tenths.
	// Keep it as the fraction sum/den with den = count * the least common
	// multiple of the depths, which every depth divides.
	const lcm = 840 // of the depths: 1, 2, 4, 5, 6, 7, 8 and 10
	var sum, count int
	add := func(ok bool, lowerScore int, g eqGroup) {
		if !ok {
			return
		}
		count++
		sum += (value - lowerScore) * g.distance(v, mv) * (lcm / g.depth(mv))
	}
	add(ok1, l1, eqGroups[0])
	add(ok2, l2, eqGroups[1])
	add(ok36, l36, eqGroups[2])
	add(ok4, l4, eqGroups[3])
	if ok5 {
		count++ // EQ5's proportion is always 0: it counts, but adds nothing.
	}
	if count == 0 {
		return value, 1
	}
	// The score is value - sum/den, clamped to 0..10.
	den = count * lcm
	return max(0, min(value*den-sum, 100*den)), den
}
