package similar

import (
	"fmt"
	"strings"
	"unicode"
)

// Likely is the score from which a report is suggested as a duplicate.
const Likely = 0.4

// Report is what the comparison reads of a report.
type Report struct {
	Title, Description string
	Vendor             string // as the reporter named it
	VendorOrgID        string // the vendor in the directory, "" when unknown
	Product            string
	CWE                string
}

// Scorer compares other reports with one.
type Scorer struct {
	r     Report
	words map[string]bool
}

// New makes a Scorer of r.
func New(r Report) *Scorer { return &Scorer{r: r, words: words(r.Title + " " + r.Description)} }

// Score is between 0 and 1, with the reasons for it in words.
func (s *Scorer) Score(o Report) (float64, []string) {
	r := s.r
	var score float64
	var reasons []string
	sameVendor := (r.VendorOrgID != "" && r.VendorOrgID == o.VendorOrgID) ||
		(r.Vendor != "" && strings.EqualFold(strings.TrimSpace(o.Vendor), r.Vendor))
	if sameVendor {
		score += 0.35
		reasons = append(reasons, "same vendor")
	}
	if r.Product != "" && strings.EqualFold(strings.TrimSpace(o.Product), r.Product) {
		score += 0.25
		reasons = append(reasons, "same product")
	}
	if r.CWE != "" && o.CWE == r.CWE {
		score += 0.1
		reasons = append(reasons, "same weakness ("+o.CWE+")")
	}
	if sim := jaccard(s.words, words(o.Title+" "+o.Description)); sim > 0.15 {
		score += 0.3 * sim / 0.6 // a 60% word overlap counts fully
		reasons = append(reasons, fmt.Sprintf("%.0f%% of the words in common", sim*100))
	}
	return min(score, 1), reasons
}

var stopwords = map[string]bool{"the": true, "and": true, "for": true, "with": true, "that": true, "this": true,
	"from": true, "are": true, "was": true, "can": true, "which": true, "when": true, "into": true, "has": true,
	"have": true, "not": true, "via": true, "allows": true, "attacker": true, "vulnerability": true, "version": true}

// words is the set of distinct lower-case words of three letters or more.
func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) >= 3 && !stopwords[w] {
			out[w] = true
		}
	}
	return out
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for w := range a {
		if b[w] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
