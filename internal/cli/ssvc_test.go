package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSSVCCommand(t *testing.T) {
	args := []string{"ssvc", "triage", "report_public=no", "supplier_contacted=yes", "report_credibility=credible",
		"supplier_cardinality=one", "supplier_engagement=unresponsive", "utility=laborious", "public_safety_impact=minimal"}
	code, out, errOut := run(t, nil, "", args...)
	if code != 0 || !strings.HasPrefix(out, "Track  RP:N/SCON:Y/RC:C/SC:O/SE:U/U:L/PSI:M/COORDINATE:T") {
		t.Fatalf("triage: %d %q %s", code, out, errOut)
	}
	code, out, _ = run(t, nil, "", "ssvc", "publish", "--json", "SINV=UU", "E=A", "PVA=P")
	var d struct {
		Outcome struct{ Key, Name string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil || d.Outcome.Name != "Publish" {
		t.Fatalf("publish --json: %d %s", code, out)
	}
	if code, out, _ := run(t, nil, "", "ssvc", "triage"); code != 0 || !strings.Contains(out, "report_public (RP): yes (Y), no (N)") {
		t.Fatalf("list: %d %s", code, out)
	}
	if code, _, errOut := run(t, nil, "", "ssvc", "triage", "report_public=perhaps"); code != 1 || !strings.Contains(errOut, "not a value of Report Public") {
		t.Fatalf("bad value: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, nil, "", "ssvc", "nonsense"); code != 2 || !strings.Contains(errOut, "no SSVC table") {
		t.Fatalf("bad table: %d %s", code, errOut)
	}
	if code, _, _ := run(t, nil, "", "ssvc", "triage", "just-a-word"); code != 2 {
		t.Fatalf("malformed value accepted: %d", code)
	}
}
