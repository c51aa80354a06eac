package cwe

import (
	"regexp"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want, problem string }{
		{"CWE-79", "CWE-79", ""},
		{" cwe-89 ", "CWE-89", ""},
		{"787", "CWE-787", ""},
		{"NVD-CWE-Other", "CWE-NVD-Other", ""},
		{"", "", ""},
		{"CWE-0", "", `"CWE-0" is not a CWE identifier such as CWE-79`},
		{"CWE-100000", "", `"CWE-100000" is not a CWE identifier such as CWE-79`},
		{"XSS", "", `"XSS" is not a CWE identifier such as CWE-79`},
		{"CWE--1", "", `"CWE--1" is not a CWE identifier such as CWE-79`},
	} {
		got, problem := Normalize(tc.in)
		if got != tc.want || problem != tc.problem {
			t.Errorf("Normalize(%q) = %q, %q; want %q, %q", tc.in, got, problem, tc.want, tc.problem)
		}
	}
}

func TestCommonAreNamedAndNormal(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Common {
		if id, problem := Normalize(c.ID); id != c.ID || problem != "" {
			t.Errorf("%s is not in its normal form (%q, %q)", c.ID, id, problem)
		}
		if seen[c.ID] || Name(c.ID) != c.Name || c.Name == "" {
			t.Errorf("%s: listed twice or unnamed", c.ID)
		}
		seen[c.ID] = true
	}
	if Name("CWE-99999") != "" {
		t.Error("a CWE off the shortlist has a name")
	}
}

var normal = regexp.MustCompile(`^CWE-([1-9][0-9]{0,4}|NVD-Other)$`)

// FuzzNormalize: whatever a reporter types as the weakness, the answer is
// a normal CWE ID, nothing, or a reason — never both, and stable.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"CWE-79", "79", "cwe-0079", "NVD-CWE-Other", "CWE-", "+5", "CWE-1e3", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, problem := Normalize(s)
		switch {
		case id != "" && problem != "":
			t.Fatalf("%q: both %q and %q", s, id, problem)
		case id == "" && problem == "" && strings.TrimSpace(s) != "":
			t.Fatalf("%q: neither an ID nor a reason", s)
		case id != "" && !normal.MatchString(id):
			t.Fatalf("%q: %q is not a normal CWE ID", s, id)
		}
		if again, p := Normalize(id); id != "" && (again != id || p != "") {
			t.Fatalf("%q: normalising %q again gives %q, %q", s, id, again, p)
		}
	})
}
