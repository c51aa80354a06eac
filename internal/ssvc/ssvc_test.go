package ssvc

import (
	"crypto/sha256"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// official holds the official CSV renderings of the tables, copied into
// testdata/ (origins in testdata/README.md).
const official = "testdata"

// tableSHA256 is the SHA-256 of each official decision table of CERTCC/SSVC
// at commit e3b00a25 (data/json/decision_tables/ssvc/), which the package
// embeds from tables/: hashes rather than a second copy of each file.
var tableSHA256 = map[string]string{
	"coordinator_publish_decision_table_1_0_0.json":  "16923638a9dcc126fe33616644cf887faf5ecdf32f80083f3c2457664ee4a2df",
	"coordinator_triage_1_0_0.json":                  "64bf9677e7aa1f7706d58b92f70e15df354ffa1c52a8aa224c2ccf28ed567b73",
	"deployer_patch_application_priority_1_0_0.json": "5a8854b1e2b1981b8047c33c40c4a2ea54f718d358af02195097c1682a4810ec",
	"human_impact_1_0_0.json":                        "a9ef280305815b186e3f6bbb095621ee3ca3316ad257c870a8b9e2f8bdb6b5a0",
	"public_safety_impact_1_0_0.json":                "f44fff3854add6ef59e95aeeb00033758f258698f7d89394d351d42d815eaa9b",
	"supplier_patch_development_priority_1_0_0.json": "ec7cc69cfe403e41171c5234b44043c8bb68592b44b730dd4df2f8d87cad5299",
	"utility_1_0_0.json":                             "8737c3d978451f790b7ddeb32d16bf6214dfa646948d192bb11eaeca6f1aab27",
}

// The embedded tables are the official files, byte for byte.
func TestEmbeddedTablesAreTheOfficialOnes(t *testing.T) {
	if len(tables) != len(tableSHA256) {
		t.Fatalf("%d tables, %d official hashes", len(tables), len(tableSHA256))
	}
	for name, file := range tables {
		got, err := tableFS.ReadFile("tables/" + file)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sum := fmt.Sprintf("%x", sha256.Sum256(got)); sum != tableSHA256[file] {
			t.Errorf("embedded %s differs from the official file: SHA-256 %s, want %s", file, sum, tableSHA256[file])
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
			f, err := os.Open(filepath.Join(official, "csv", strings.TrimSuffix(file, ".json")+".csv"))
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
