package ssvc

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecide feeds a table decision inputs as the API and the console send
// them (a JSON object of point → value). A decision names one value of
// every point and the outcome the table's row gives; its vector, read back
// as inputs, decides the same; a refusal says what is wrong.
func FuzzDecide(f *testing.F) {
	f.Add("triage", []byte(`{"RP": "N", "supplier_contacted": "yes", "Report Credibility": "credible", "SC": "multiple",
		"supplier_engagement": "unresponsive", "utility": "super effective", "public_safety_impact": "significant"}`))
	f.Add("publish", []byte(`{"supplier_involvement": "fix ready", "exploitation": "active", "public_value_added": "precedence"}`))
	f.Add("supplier", []byte(`{"exploitation": "poc", "utility": "efficient", "technical_impact": "total", "public_safety_impact": "minimal"}`))
	f.Add("deployer", []byte(`{"EXP": "A", "E": "none", "AU": "yes", "HI": "low"}`))
	f.Add("utility", []byte(`{"automatable": "no", "value_density": "concentrated"}`))
	f.Add("human_impact", []byte(`{"SI": "N", "MI": "L", "SI ": "x"}`))
	f.Add("public_safety", []byte(`{"RP": "maybe"}`))
	f.Add("nonsense", []byte(`{}`))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		tbl, err := Get(name)
		if err != nil {
			if !strings.Contains(err.Error(), "the tables are") {
				t.Fatalf("%q: %v", name, err)
			}
			return
		}
		var in map[string]string
		if json.Unmarshal(data, &in) != nil {
			return
		}
		d, err := tbl.Decide(in)
		if err != nil {
			if err.Error() == "" || !strings.Contains(err.Error(), tbl.Name) && !strings.Contains(err.Error(), "is not a value of") {
				t.Fatalf("refusal that does not say what is wrong: %v", err)
			}
			return
		}
		if len(d.Inputs) != len(tbl.Points) || d.Outcome.Key == "" || d.Table != tbl.Name {
			t.Fatalf("decision %+v of %d points", d, len(tbl.Points))
		}
		for _, p := range tbl.Points {
			if _, ok := p.value(d.Inputs[p.Key]); !ok {
				t.Fatalf("%s: %q is not one of its values", p.Key, d.Inputs[p.Key])
			}
		}
		if _, ok := tbl.Outcome.value(d.Outcome.Key); !ok {
			t.Fatalf("outcome %q is not one of the table's", d.Outcome.Key)
		}
		// The vector, read back, decides the same.
		parts := strings.Split(d.Vector, "/")
		if len(parts) != len(tbl.Points)+1 || parts[len(parts)-1] != tbl.Outcome.Key+":"+d.Outcome.Key {
			t.Fatalf("vector %q", d.Vector)
		}
		back := map[string]string{}
		for _, part := range parts[:len(parts)-1] {
			k, v, ok := strings.Cut(part, ":")
			if !ok {
				t.Fatalf("vector %q: %q", d.Vector, part)
			}
			back[k] = v
		}
		again, err := tbl.Decide(back)
		if err != nil || again.Vector != d.Vector || again.Outcome != d.Outcome {
			t.Fatalf("vector %q decides %+v, %v", d.Vector, again, err)
		}
	})
}
