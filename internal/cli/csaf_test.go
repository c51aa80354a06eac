package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// csafData holds OASIS CSAF documents, copied into testdata/ (origins in
// testdata/README.md).
const csafData = "testdata/csaf"

func TestCSAFValidate(t *testing.T) {
	good := csafData + "/examples/bsi-2022-0001.json"
	bad := csafData + "/mandatory/oasis_csaf_tc-csaf_2_0-2021-6-1-01-01.json"
	code, out, errOut := run(t, nil, "", "csaf", "validate", good)
	if code != 0 || out != good+": valid\n" || errOut != "" {
		t.Fatalf("valid document: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, nil, "", "csaf", "validate", good, bad)
	if code != 1 || !strings.Contains(out, bad+": 6.1.1 /product_tree/") || !strings.Contains(errOut, "1 of 2 documents are not valid") {
		t.Fatalf("invalid document: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = run(t, nil, "", "csaf", "validate", "--json", bad)
	var rep struct {
		File     string
		Valid    bool
		Problems []struct{ Test, Path, Message string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || rep.Valid || rep.Problems[0].Test != "6.1.1" {
		t.Fatalf("json: exit %d %v\n%s", code, err, out)
	}
	if code, _, errOut := run(t, nil, "", "csaf", "check", good); code != 2 || !strings.Contains(errOut, "usage") {
		t.Fatalf("unknown sub-command: exit %d %s", code, errOut)
	}
}
