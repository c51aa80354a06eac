package ssvc

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const official = "../../../shared/standards/ssvc"

// The embedded tables are the official files, byte for byte.
func TestEmbeddedTablesAreTheOfficialOnes(t *testing.T) {
	for name, file := range tables {
		want, err := os.ReadFile(filepath.Join(official, "decision_tables/ssvc", file))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, _ := tableFS.ReadFile("tables/" + file)
		if !bytes.Equal(got, want) {
			t.Errorf("embedded %s differs from the official file", file)
		}
	}
}

var version = regexp.MustCompile(`\s+v\d+\.\d+\.\d+$`)

// Every row of the official CSV rendering of each table, which names points
// and values in words, decides to the CSV's outcome: an independent check of
// the lookup, the point order and the name matching.
func TestEveryOfficialRowDecides(t *testing.T) {
	for name, file := range tables {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join(official, "csv/ssvc", strings.TrimSuffix(file, ".json")+".csv"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := csv.NewReader(f).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			tbl := loaded[name]
			head := rows[0]
			if len(rows)-1 != len(tbl.rows) {
				t.Fatalf("CSV has %d rows, the table %d", len(rows)-1, len(tbl.rows))
			}
			for _, row := range rows[1:] {
				in := map[string]string{}
				for i := 1; i < len(row)-1; i++ {
					in[version.ReplaceAllString(head[i], "")] = row[i]
				}
				d, err := tbl.Decide(in)
				if err != nil {
					t.Fatalf("row %s: %v", row[0], err)
				}
				if !strings.EqualFold(d.Outcome.Name, row[len(row)-1]) {
					t.Fatalf("row %s %v: decided %q, the table says %q", row[0], in, d.Outcome.Name, row[len(row)-1])
				}
			}
		})
	}
}

func TestDecideAcceptsKeysNamesAndSlugsAndExplainsMistakes(t *testing.T) {
	d, err := Triage().Decide(map[string]string{"RP": "N", "supplier_contacted": "yes", "Report Credibility": "credible",
		"SC": "multiple", "supplier_engagement": "unresponsive", "utility": "super effective", "public_safety_impact": "significant"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome.Key != "C" || d.Vector != "RP:N/SCON:Y/RC:C/SC:M/SE:U/U:S/PSI:S/COORDINATE:C" {
		t.Fatalf("decision %+v", d)
	}
	pub, err := Publish().Decide(map[string]string{"supplier_involvement": "fix ready", "exploitation": "active", "public_value_added": "precedence"})
	if err != nil || pub.Outcome.Name != "Publish" {
		t.Fatalf("publish: %+v %v", pub, err)
	}
	for in, want := range map[string]string{
		"RP=maybe": "not a value of Report Public",
		"XYZ=1":    "has no decision point",
		"RP=Y":     "needs a value for Supplier Contacted",
	} {
		k, v, _ := strings.Cut(in, "=")
		_, err := Triage().Decide(map[string]string{k: v})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decide(%s) = %v, want %q", in, err, want)
		}
	}
	if _, err := Get("nonsense"); err == nil {
		t.Error("unknown table accepted")
	}
}
