package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

const (
	cvss31Critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
	cvss40Critical = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
)

func TestCVSSArguments(t *testing.T) {
	code, out, errOut := run(t, nil, "", "cvss", cvss31Critical, cvss40Critical+"/E:U", "CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	want := "9.8 Critical  " + cvss31Critical + "\n" +
		"8.1 High      " + cvss40Critical + "/E:U\n" +
		"0.0 None      CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N\n"
	if out != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out, want)
	}
}

func TestCVSSInvalidVectorsKeepGoing(t *testing.T) {
	code, out, errOut := run(t, nil, "", "cvss", "CVSS:3.1/AV:N", cvss31Critical, "AV:N/AC:L/Au:N/C:P/I:P/A:P")
	if code != 1 || !strings.Contains(errOut, "2 of 3 vectors are invalid") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 ||
		!strings.HasPrefix(lines[0], `error: "CVSS:3.1/AV:N": mandatory base metric AC (Attack Complexity) is missing`) ||
		lines[1] != "9.8 Critical  "+cvss31Critical ||
		!strings.HasPrefix(lines[2], "error: ") || !strings.Contains(lines[2], "CVSS 2.0 is not supported") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestCVSSJSON(t *testing.T) {
	stdin := "# vectors to score\n" + cvss31Critical + "/E:U/RL:O\r\n\n  " + cvss40Critical + "/CR:L/IR:L/AR:L  \nCVSS:4.0/AV:N/AV:N\n"
	code, out, errOut := run(t, nil, stdin, "cvss", "--json")
	if code != 1 || !strings.Contains(errOut, "1 of 3 vectors are invalid") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("output:\n%s", out)
	}
	var got []map[string]any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got = append(got, m)
	}
	want := []map[string]any{
		{"vector": cvss31Critical + "/E:U/RL:O", "version": "3.1", "base_score": 9.8, "score": 8.5, "severity": "High",
			"temporal_score": 8.5, "environmental_score": 8.5},
		{"vector": cvss40Critical + "/CR:L/IR:L/AR:L", "version": "4.0", "base_score": 9.3, "score": 8.9, "severity": "High",
			"nomenclature": "CVSS-BE"},
		{"vector": "CVSS:4.0/AV:N/AV:N", "error": "metric AV (Attack Vector) appears more than once"},
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Errorf("line %d: %v, want %v", i+1, got[i], want[i])
		}
		for k, v := range want[i] {
			if got[i][k] != v {
				t.Errorf("line %d: %s = %v, want %v", i+1, k, got[i][k], v)
			}
		}
	}
}

func TestCVSSStdinAndUsage(t *testing.T) {
	if code, out, errOut := run(t, nil, cvss40Critical, "cvss"); code != 0 || out != "9.3 Critical  "+cvss40Critical+"\n" || errOut != "" {
		t.Fatalf("stdin without a final newline: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := run(t, nil, "", "cvss"); code != 0 || out != "" || errOut != "" {
		t.Fatalf("no input: %d %q %q", code, out, errOut)
	}
	if code, out, _ := run(t, map[string]string{"CERTHUB_JSON": "true"}, "", "cvss", cvss31Critical); code != 0 || !strings.HasPrefix(out, `{"vector":`) {
		t.Fatalf("CERTHUB_JSON: %d %q", code, out)
	}
	if code, _, errOut := run(t, nil, "", "cvss", "--help"); code != 0 ||
		!strings.Contains(errOut, "certhub cvss [--json] [VECTOR ...]") || !strings.Contains(errOut, "standard input") ||
		!strings.Contains(errOut, "-json") || !strings.Contains(errOut, "exits with status 1") {
		t.Fatalf("help: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, nil, "", "cvss", cvss31Critical, "--json"); code != 2 || !strings.Contains(errOut, "put flags before the vectors") {
		t.Fatalf("flag after a vector: %d %s", code, errOut)
	}
	if code, out, _ := run(t, nil, "", "--help"); code != 0 || !strings.Contains(out, "cvss") {
		t.Fatalf("cvss missing from the command list: %s", out)
	}
}
