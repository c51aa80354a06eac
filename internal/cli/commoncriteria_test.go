package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommonCriteriaImport: the portal's CSV is recognised on the list
// (maintenance rows merged, categories without criteria skipped and
// named); a second import changes nothing; a file that is not the
// portal's CSV is refused, naming it.
func TestCommonCriteriaImport(t *testing.T) {
	data := migratedData(t)
	sample := filepath.Join("..", "procurement", "testdata", "certified-products-sample.csv")
	code, out, errOut := run(t, nil, "", "common-criteria", "--data", data, "import", sample)
	if code != 0 || !strings.HasPrefix(out, "read ") || !strings.Contains(out, " new, 0 updated, 0 unchanged\n") ||
		!strings.Contains(out, "skipped, no criteria for their category: Databases (1)") {
		t.Fatalf("import: exit %d %q %q", code, out, errOut)
	}
	first := strings.SplitN(out, "\n", 2)[0]
	code, again, _ := run(t, nil, "", "common-criteria", "--data", data, "import", sample)
	n := strings.Fields(first)[1]
	if code != 0 || !strings.HasPrefix(again, "read "+n+" certified products: 0 new, 0 updated, ") {
		t.Fatalf("again: exit %d %q (first %q)", code, again, first)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("name,vendor\nx,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, nil, "", "common-criteria", "--data", data, "import", bad); code != 1 || !strings.Contains(errOut, "bad.csv") {
		t.Errorf("a CSV that is not the portal's: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, nil, "", "common-criteria", "--data", data, "import"); code != 2 || !strings.Contains(errOut, "one CSV file") {
		t.Errorf("no file: exit %d %q", code, errOut)
	}
}
