package telemetry

import (
	"bytes"
	"testing"
	"time"
)

var fuzzNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// FuzzParseLine: any line a gateway sends is kept or refused with a
// reason, never a panic; a kept summary has no negative counter and a
// start within the window.
func FuzzParseLine(f *testing.F) {
	f.Add([]byte(`{"interval_start":"2026-12-07T11:00:00Z","interval_seconds":300,"bytes_in":1000000,"bytes_out":50000,"packets_in":900,"packets_out":100,"flows":12,"drops":0,"capacity_bps":1000000000,"top_ports":[{"port":443,"bytes":900000}],"top_peers":[{"ip":"203.0.113.66","bytes":1000}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, reason, _ := ParseLine(b, fuzzNow)
		if reason != "" {
			return
		}
		if s.BytesIn < 0 || s.BytesOut < 0 || s.Drops < 0 || s.IntervalStart.After(fuzzNow.Add(skew)) || s.IntervalSeconds < 60 {
			t.Fatalf("kept %+v", s)
		}
	})
}

// FuzzParseBody: any body is read line by line; every non-blank line is
// either kept or refused, counted once.
func FuzzParseBody(f *testing.F) {
	f.Add([]byte("{\"interval_start\":\"2026-12-07T11:00:00Z\",\"interval_seconds\":3600}\nnot json\n\n{}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseBody(bytes.NewReader(b), fuzzNow)
		if err != nil {
			t.Fatal(err)
		}
		lines := 0
		for _, l := range bytes.Split(b, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				lines++
			}
		}
		if got := len(p.list) + p.res.Rejected; got != lines {
			t.Fatalf("%d lines, %d kept or refused", lines, got)
		}
	})
}
