package routing

import (
	"testing"

	"github.com/certhub/certhub/internal/platform/errs"
)

func TestFirstMatchingRuleWins(t *testing.T) {
	yes := true
	rules := []Rule{
		{ID: "cii", CII: &yes, OrgID: "a"},
		{ID: "vendor", Vendor: " ExampleSoft ", OrgID: "b"},
		{ID: "sector", Sector: "banking", Product: "gate", OrgID: "c"},
	}
	cases := []struct {
		name string
		r    Report
		want string
	}{
		{"cii first", Report{Vendor: "examplesoft", CII: true}, "cii"},
		{"vendor as written", Report{Vendor: "The examplesoft GmbH"}, "vendor"},
		{"vendor from the directory", Report{Vendor: "ES", VendorName: "ExampleSoft AG"}, "vendor"},
		{"sector and product", Report{Product: "Gate 7", Sectors: []string{"energy", "banking"}}, "sector"},
		{"sector without product", Report{Sectors: []string{"banking"}}, ""},
		{"none", Report{Vendor: "other"}, ""},
	}
	for _, c := range cases {
		got, ok := First(rules, c.r)
		if ok != (c.want != "") || got.ID != c.want {
			t.Errorf("%s: got %q (%v), want %q", c.name, got.ID, ok, c.want)
		}
	}
}

func TestCheckRefusesRulesThatHideOthers(t *testing.T) {
	isCERT := func(id string) bool { return id == "cert" }
	if err := Check([]Rule{{Vendor: "x", OrgID: "cert"}}, []string{"banking"}, isCERT); err != nil {
		t.Fatal(err)
	}
	bad := []Rule{{OrgID: "cert"}, {Sector: "farming", OrgID: "cert"}, {Vendor: "x", OrgID: "vendor"}}
	err := Check(bad, []string{"banking"}, isCERT)
	if e := errs.As(err); e == nil || len(e.Fields) != 3 {
		t.Fatalf("want three field errors, got %v", err)
	}
}
