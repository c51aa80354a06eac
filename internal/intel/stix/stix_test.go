package stix

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/observable/observabletest"
)

func parseSTIXFile(t *testing.T, name string) observabletest.Collected {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var c observabletest.Collected
	if err := Parse(f, c.Sink, c.Reject, nil); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

// TestSTIXOfficialExamples reads the OASIS examples and MITRE's ATT&CK for
// ICS bundle.
func TestSTIXOfficialExamples(t *testing.T) {
	tests := []struct {
		file string
		want []string // some of the observables, in order of appearance
		n    int      // how many in all
	}{
		{"stix/examples/indicator-for-c2-ip-address.json", []string{"ipv4 10.0.0.0"}, 1},
		{"stix/examples/indicators-for-C2-with-COA.json", []string{"ipv4 10.0.0.0",
			"sha256 ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"}, 2},
		{"stix/examples/threat-reports/apt1.json", []string{"cidr 223.166.0.0/15", "cidr 58.246.0.0/15"}, -1},
		{"stix/examples/threat-reports/poisonivy.json", []string{"ipv4 219.76.208.163", "domain www.webserver.dynssl.com", "ipv4 113.10.246.30"}, -1},
		{"stix/examples/infrastructure.json", []string{}, -1},
		{"stix/examples/malicious-email-indicator-with-attachment.json", nil, 0}, // MATCHES names no value
		{"attack/ics-attack.json", nil, 0}, // techniques and groups, no indicators
	}
	for _, tc := range tests {
		c := parseSTIXFile(t, tc.file)
		got := c.Values()
		if tc.n >= 0 && len(got) != tc.n {
			t.Errorf("%s: %d observables %v, want %d", tc.file, len(got), got, tc.n)
		}
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: %s missing from %v", tc.file, w, got)
			}
		}
		// The Poison Ivy report has one malformed value, "domain autuo.xicp.net".
		if want := map[bool]int{true: 1, false: 0}[strings.Contains(tc.file, "poisonivy")]; len(c.Rej) != want {
			t.Errorf("%s: rejections %v", tc.file, c.Rej)
		}
	}
	if c := parseSTIXFile(t, "stix/examples/infrastructure.json"); len(c.Recs) == 0 {
		t.Error("the infrastructure example's addresses and domains are not read")
	}
}

func TestSTIXMarkingsAndErrors(t *testing.T) {
	bundle := `{"type": "bundle", "id": "bundle--1", "objects": [
	  {"type": "indicator", "id": "indicator--1", "pattern_type": "stix", "valid_from": "2026-11-20T10:00:00Z",
	   "pattern": "[url:value = 'https://evil.example/login'] AND [file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']",
	   "indicator_types": ["malicious-activity"],
	   "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]},
	  {"type": "indicator", "id": "indicator--2", "pattern_type": "yara", "pattern": "rule x {}"},
	  {"type": "indicator", "id": "indicator--3", "pattern": "[ipv4-addr:value = '198.51.100.300']"},
	  {"type": "indicator", "id": "indicator--4", "pattern": "[ipv4-addr:value = '198.51.100.1'"},
	  {"type": "indicator", "id": "indicator--5", "pattern": "[ipv4-addr:value = '198.51.100.2']", "labels": 5},
	  {"type": "indicator", "id": "indicator--6", "pattern": "[ipv4-addr:value IN ('198.51.100.7', '198.51.100.8') AND domain-name:value NOT = 'not.example'] OR [domain-name:value MATCHES 'x']"},
	  {"type": "autonomous-system", "id": "autonomous-system--1", "number": 64500},
	  {"type": "domain-name", "id": "domain-name--1", "value": "Evil.Example",
	   "object_marking_refs": ["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]}
	]}`
	var c observabletest.Collected
	if err := Parse(strings.NewReader(bundle), c.Sink, c.Reject, nil); err != nil {
		t.Fatal(err)
	}
	if want := []string{"url https://evil.example/login", "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"ipv4 198.51.100.7", "ipv4 198.51.100.8", "asn AS64500", "domain evil.example"}; !slices.Equal(c.Values(), want) {
		t.Fatalf("values %v", c.Values())
	}
	if c.Recs[0].TLP != "RED" || c.Recs[5].TLP != "CLEAR" || c.Recs[4].TLP != "" {
		t.Fatalf("markings %q %q %q", c.Recs[0].TLP, c.Recs[5].TLP, c.Recs[4].TLP)
	}
	if !slices.Contains(c.Recs[0].Tags, "type:malicious-activity") || c.Recs[0].Time.IsZero() {
		t.Fatalf("first record %+v", c.Recs[0])
	}
	if len(c.Rej) != 3 || c.Rej[0].Line != 3 || c.Rej[1].Line != 4 || c.Rej[1].Message != "indicator--4: pattern: at character 34: expected ] closing the observation expression, found the end of the pattern" || c.Rej[2].Line != 5 {
		t.Fatalf("rejections %+v", c.Rej)
	}
	// Kept as received: a well-formed indicator, but not one whose pattern
	// breaks the grammar (nor, then, its observables).
	kept := []string{}
	var k observabletest.Collected
	good := `{"type": "indicator", "id": "indicator--6b6a8d4e-92a8-4a46-a3d5-2c4e4f1a0001", "created": "2026-11-20T10:00:00Z", "pattern": "[ipv4-addr:value = '198.51.100.9']"}`
	bad := `{"type": "indicator", "id": "indicator--6b6a8d4e-92a8-4a46-a3d5-2c4e4f1a0002", "created": "2026-11-20T10:00:00Z", "pattern": "[ipv4-addr:value = '198.51.100.10'] AND"}`
	if err := Parse(strings.NewReader(`{"objects": [`+good+`, `+bad+`]}`), k.Sink, k.Reject,
		func(o observable.Object) error { kept = append(kept, o.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(kept, []string{"indicator--6b6a8d4e-92a8-4a46-a3d5-2c4e4f1a0001"}) || !slices.Equal(k.Values(), []string{"ipv4 198.51.100.9"}) ||
		len(k.Rej) != 1 || !strings.Contains(k.Rej[0].Message, "pattern: at character 40: expected an observation expression") {
		t.Fatalf("kept %v, values %v, rejections %+v", kept, k.Values(), k.Rej)
	}
	if err := Parse(strings.NewReader(`[1, 2]`), c.Sink, c.Reject, nil); err == nil {
		t.Fatal("a list is not a bundle")
	}
	if err := Parse(strings.NewReader(`{"objects": [{"type": "indicator",`), c.Sink, c.Reject, nil); err == nil {
		t.Fatal("a truncated bundle was read")
	}
}
