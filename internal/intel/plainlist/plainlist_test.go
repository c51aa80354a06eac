package plainlist

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/observable/observabletest"
)

func TestParse(t *testing.T) {
	in := "# a list\n198.51.100.7\n\n  evil[.]example  \nhxxp://evil.example/x # the dropper\n; old\n" +
		"not a value at all!\n198.51.100.8,seen twice\nd41d8cd98f00b204e9800998ecf8427e\tmd5 of nothing\nevil dot example\n"
	var c observabletest.Collected
	if err := Parse(strings.NewReader(in), c.Sink, c.Reject); err != nil {
		t.Fatal(err)
	}
	want := []string{"ipv4 198.51.100.7", "domain evil.example", "url http://evil.example/x", "ipv4 198.51.100.8",
		"md5 d41d8cd98f00b204e9800998ecf8427e", "domain evil.example"}
	if !slices.Equal(c.Values(), want) {
		t.Fatalf("got %v\nwant %v", c.Values(), want)
	}
	if len(c.Rej) != 1 || c.Rej[0].Line != 7 || !strings.Contains(c.Rej[0].Message, "not") {
		t.Fatalf("rejections %+v", c.Rej)
	}
	if c.Recs[2].Line != 5 {
		t.Fatalf("line numbers: %+v", c.Recs[2])
	}
	long := strings.Repeat("a", maxLine+10)
	if err := Parse(strings.NewReader("192.0.2.1\n"+long), c.Sink, c.Reject); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("an overlong line: %v", err)
	}
}

// BenchmarkParse: a plain list of addresses and domains, per line.
func BenchmarkParse(b *testing.B) {
	var buf bytes.Buffer
	for i := range 100_000 {
		if i%2 == 0 {
			fmt.Fprintf(&buf, "10.%d.%d.%d\n", i>>16&255, i>>8&255, i&255)
		} else {
			fmt.Fprintf(&buf, "host%d.evil[.]example\n", i)
		}
	}
	data := buf.Bytes()
	n := 0
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if err := Parse(bytes.NewReader(data), func(observable.Record) error { n++; return nil }, func(observable.Rejection) {}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
}
