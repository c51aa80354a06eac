package rsit

import (
	"regexp"
	"strings"
	"testing"
)

// The taxonomy is well formed: eleven classes, each with types; machine
// values in its lower-case, hyphenated form; no type value used by two
// classes (a type alone names its class); names and descriptions given.
func TestTaxonomy(t *testing.T) {
	if len(Classes) != 11 {
		t.Errorf("%d classes, want the taxonomy's 11", len(Classes))
	}
	value := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	owner := map[string]string{}
	for _, c := range Classes {
		if !value.MatchString(c.Value) || c.Name == "" || c.Description == "" || len(c.Types) == 0 {
			t.Errorf("class %+v", c)
		}
		for _, ty := range c.Types {
			if !value.MatchString(ty.Value) || ty.Name == "" || ty.Description == "" {
				t.Errorf("type %s/%+v", c.Value, ty)
			}
			if other, dup := owner[ty.Value]; dup {
				t.Errorf("type %s is both %s's and %s's", ty.Value, other, c.Value)
			}
			owner[ty.Value] = c.Value
		}
	}
	// Values the exchange formats (MISP's rsit namespace, IntelMQ's
	// classification) use, spot-checked.
	for _, want := range [][2]string{{"intrusions", "system-compromise"}, {"availability", "ddos"}, {"fraud", "phishing"},
		{"vulnerable", "ddos-amplifier"}, {"information-gathering", "scanner"}, {"malicious-code", "c2-server"},
		{"information-content-security", "data-leak"}, {"other", "undetermined"}} {
		if owner[want[1]] != want[0] {
			t.Errorf("%s is %q's, want %s's", want[1], owner[want[1]], want[0])
		}
	}
}

func TestCheckAndLabel(t *testing.T) {
	for _, tt := range []struct {
		class, typ string
		problem    string // "" when valid
		label      string
	}{
		{"intrusions", "system-compromise", "", "Intrusions / System Compromise"},
		{"fraud", "", "", "Fraud"},
		{"fraud", "ddos", "the type of fraud must be one of unauthorized-use-of-resources, copyright, masquerade, phishing", "fraud / ddos"},
		{"Intrusions", "system-compromise", "the class must be one of abusive-content, ", "Intrusions / system-compromise"},
		{"", "", "the class must be one of", ""},
		{"toasters", "", "the class must be one of", "toasters"},
	} {
		err := Check(tt.class, tt.typ)
		switch {
		case tt.problem == "" && err != nil:
			t.Errorf("%s/%s: %v", tt.class, tt.typ, err)
		case tt.problem != "" && (err == nil || !strings.Contains(err.Error(), tt.problem)):
			t.Errorf("%s/%s: %v, want %q", tt.class, tt.typ, err, tt.problem)
		}
		if got := Label(tt.class, tt.typ); got != tt.label {
			t.Errorf("label %s/%s: %q, want %q", tt.class, tt.typ, got, tt.label)
		}
	}
}
