package plainlist

import (
	"bytes"
	"testing"

	"github.com/certhub/certhub/internal/intel/observable/observabletest"
)

// FuzzParseText: a plain list gives, for each line, at most one indicator
// or one rejection naming the line; every indicator is canonical.
func FuzzParseText(f *testing.F) {
	f.Add([]byte("198.51.100.7\nevil[.]example\nnot an indicator!\n# comment\n\n198.51.100.7 seen twice\n"))
	f.Add([]byte("hxxp://evil[.]example/login\tphishing\r\nsoc@bank.example;\nAS64500,transit\n"))
	f.Add([]byte("evil dot example\n  \t\n;x\n"))
	observabletest.AddFiles(f, "testdata/README.md", 1<<20) // prose: many refusals
	f.Fuzz(func(t *testing.T, data []byte) {
		var c observabletest.Collected
		err := Parse(bytes.NewReader(data), c.Sink, c.Reject)
		if err != nil {
			t.Fatalf("a list of %d bytes: %v", len(data), err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		observabletest.CheckRejections(t, c.Rej, 1, lines)
		seen := map[int]bool{}
		for _, r := range c.Recs {
			observabletest.CheckCanonical(t, r.Observable, true)
			seen[r.Line] = true
		}
		for _, r := range c.Rej {
			if seen[r.Line] {
				t.Fatalf("line %d gave an indicator and a rejection", r.Line)
			}
			seen[r.Line] = true
		}
		if len(seen) != len(c.Recs)+len(c.Rej) {
			t.Fatalf("%d indicators and %d rejections on %d lines: a line gave two", len(c.Recs), len(c.Rej), len(seen))
		}
		for _, r := range c.Recs {
			if r.Line < 1 || r.Line > lines {
				t.Fatalf("record %+v of line %d; the input has %d", r.Observable, r.Line, lines)
			}
		}
	})
}
