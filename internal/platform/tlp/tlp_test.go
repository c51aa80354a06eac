package tlp

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Label
		ok   bool
	}{
		{"CLEAR", Clear, true}, {"tlp:white", Clear, true}, {"TLP:GREEN", Green, true},
		{" amber ", Amber, true}, {"TLP:AMBER+STRICT", AmberStrict, true}, {"red", Red, true},
		{"", "", false}, {"PURPLE", "", false}, {"TLP:", "", false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// The whole rule as a matrix: label × reach → allowed.
func TestAllowsMatrix(t *testing.T) {
	reaches := []Reach{Public, Community, Constituent, RecipientOrg, Named}
	want := map[Label][]bool{
		Clear:       {true, true, true, true, true},
		Green:       {false, true, true, true, true},
		Amber:       {false, false, true, true, true},
		AmberStrict: {false, false, false, true, true},
		Red:         {false, false, false, false, true},
		"BOGUS":     {false, false, false, false, true},
	}
	for l, row := range want {
		for i, r := range reaches {
			if got := Allows(l, r); got != row[i] {
				t.Errorf("Allows(%s, reach %d) = %v, want %v", l, r, got, row[i])
			}
		}
	}
}

func TestOrdering(t *testing.T) {
	if !Red.MoreRestrictive(AmberStrict) || !AmberStrict.MoreRestrictive(Amber) || Clear.MoreRestrictive(Green) {
		t.Error("label order is wrong")
	}
	if Label("X").Valid() || !Amber.Valid() {
		t.Error("Valid is wrong")
	}
}
