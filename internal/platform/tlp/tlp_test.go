package tlp

import (
	"strings"
	"testing"
)

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

// Where keeps, in SQL, exactly the rows Allows allows: every label at every
// combination of reaches, evaluated by a tiny interpreter of the SQL it
// writes (conditions are the names of the reaches that hold).
func TestWhereIsAllows(t *testing.T) {
	reaches := []Reach{Public, Community, Constituent, RecipientOrg, Named}
	names := map[Reach]string{Public: "public", Community: "community", Constituent: "constituent", RecipientOrg: "recipient", Named: "named"}
	for mask := 0; mask < 1<<len(reaches); mask++ {
		conds := Reaches{}
		best := Reach(-1)
		for i, r := range reaches {
			conds[r] = names[r]
			if mask&(1<<i) != 0 && r > best {
				best = r
			}
		}
		sql := Where("tlp", conds)
		for _, l := range append(Labels[:len(Labels):len(Labels)], "BOGUS") {
			held := map[string]bool{}
			for i, r := range reaches {
				held[names[r]] = mask&(1<<i) != 0
			}
			if got, want := evalWhere(t, sql, l, held), best >= 0 && Allows(l, best); got != want {
				t.Errorf("label %s, reaches held %05b: Where keeps %v, Allows says %v\n%s", l, mask, got, want, sql)
			}
		}
	}
	for _, tt := range []struct {
		reach Reaches
		want  string
	}{
		{Reaches{}, "FALSE"},
		{Reaches{Public: "TRUE"}, "(x.tlp IN ('CLEAR'))"},
		{Reaches{Community: "TRUE", Named: "x.src = 1"}, "(x.tlp IN ('CLEAR', 'GREEN') OR (x.src = 1))"},
	} {
		if got := Where("x.tlp", tt.reach); got != tt.want {
			t.Errorf("Where(%v) = %s, want %s", tt.reach, got, tt.want)
		}
	}
}

// evalWhere evaluates the OR of terms Where writes: "(COL IN ('A', 'B'))",
// "((COL IN (...) AND (cond)))" and "(cond)".
func evalWhere(t *testing.T, sql string, l Label, held map[string]bool) bool {
	t.Helper()
	sql = strings.TrimSuffix(strings.TrimPrefix(sql, "("), ")")
	for _, term := range strings.Split(sql, " OR ") {
		term = strings.Trim(term, "()")
		labels, cond, hasCond := strings.Cut(term, " AND ")
		if !strings.HasPrefix(term, "tlp IN ") {
			if _, ok := held[term]; !ok {
				t.Fatalf("unknown condition %q", term)
			}
			if held[term] {
				return true
			}
			continue
		}
		in := strings.Contains(labels, "'"+string(l)+"'")
		if !hasCond && in {
			return true
		}
		cond = strings.Trim(cond, "()")
		if hasCond && in && held[cond] {
			return true
		}
	}
	return false
}

// A ceiling lets through its own label and those below it, nothing above
// and nothing that is not a label; WhereWithin says the same in SQL.
func TestWithin(t *testing.T) {
	for ci, ceiling := range Labels {
		sql := WhereWithin("tlp", ceiling)
		for li, l := range Labels {
			want := li <= ci
			if Within(l, ceiling) != want {
				t.Errorf("Within(%s, %s) = %v", l, ceiling, !want)
			}
			if strings.Contains(sql, "'"+string(l)+"'") != want {
				t.Errorf("WhereWithin(%s) = %s: %s kept %v", ceiling, sql, l, !want)
			}
		}
		if Within("BOGUS", ceiling) || Within(ceiling, "BOGUS") {
			t.Errorf("an unknown label crosses the ceiling %s", ceiling)
		}
	}
	if got := WhereWithin("tlp", "BOGUS"); got != "FALSE" {
		t.Errorf("WhereWithin of no label = %s", got)
	}
}
