package csvfeed

import (
	"bufio"
	"bytes"
	"slices"
	"testing"

	"github.com/certhub/certhub/internal/intel/observable/observabletest"
	"github.com/certhub/certhub/internal/platform/errs"
)

// FuzzParseCSV reads a CSV as an upload does: the mapping settled from
// the header (a Shadowserver report's, or one guessed from
// the column names), then the records. A line gives indicators or one
// rejection, never both; a header that cannot be used is refused as the
// client's mistake, never as the server's.
func FuzzParseCSV(f *testing.F) {
	observabletest.AddFiles(f, "testdata/intelmq/shadowserver/*.csv", 64<<10)
	f.Add([]byte("indicator,type,first_seen\n198.51.100.7,c2,2024-01-02\nevil[.]example,phishing,bad time\n,,\n"))
	f.Add([]byte("ip;domain;port\n192.0.2.1;evil.example;443\n\"x\"y;;\n"))
	f.Add([]byte("\ufefftimestamp,ip,url,tag\n2024-01-01 00:00:00,203.0.113.5,hxxp://x[.]example/,mirai\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		m, shadowserver, err := MappingFor(firstLine(data), nil, "fuzz", false)
		if err != nil {
			if errs.KindOf(err) != errs.KindInvalid {
				t.Fatalf("the header is refused as a server error: %v", err)
			}
			return
		}
		var c observabletest.Collected
		if err := Parse(br, *m, c.Sink, c.Reject); err != nil {
			t.Fatalf("mapping %+v: %v", m, err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		observabletest.CheckRejections(t, c.Rej, 2, lines)
		recordLines := map[int]bool{}
		last := 0
		for _, r := range c.Recs {
			observabletest.CheckCanonical(t, r.Observable, false)
			if r.Line < 2 || r.Line > lines || r.Line < last {
				t.Fatalf("record %+v of line %d after line %d (the input has %d)", r.Observable, r.Line, last, lines)
			}
			if shadowserver && !slices.Contains(r.Tags, "shadowserver:fuzz") {
				t.Fatalf("a Shadowserver record without its report's tag: %v", r.Tags)
			}
			last = r.Line
			recordLines[r.Line] = true
		}
		for _, r := range c.Rej {
			if recordLines[r.Line] {
				t.Fatalf("line %d gave indicators and a rejection (%s)", r.Line, r.Message)
			}
		}
	})
}

// firstLine is the input's first line, as ingest hands it to MappingFor.
func firstLine(data []byte) []byte {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return data[:i]
	}
	return data
}
