package intel

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

type collected struct {
	recs []Record
	rej  []Rejection
}

func (c *collected) sink(r Record) error { c.recs = append(c.recs, r); return nil }
func (c *collected) reject(r Rejection)  { c.rej = append(c.rej, r) }

func (c *collected) values() []string {
	var out []string
	for _, r := range c.recs {
		out = append(out, string(r.Observable.Type)+" "+r.Observable.Value)
	}
	return out
}

func TestParseText(t *testing.T) {
	in := "# a list\n198.51.100.7\n\n  evil[.]example  \nhxxp://evil.example/x # the dropper\n; old\n" +
		"not a value at all!\n198.51.100.8,seen twice\nd41d8cd98f00b204e9800998ecf8427e\tmd5 of nothing\nevil dot example\n"
	var c collected
	if err := ParseText(strings.NewReader(in), c.sink, c.reject); err != nil {
		t.Fatal(err)
	}
	want := []string{"ipv4 198.51.100.7", "domain evil.example", "url http://evil.example/x", "ipv4 198.51.100.8",
		"md5 d41d8cd98f00b204e9800998ecf8427e", "domain evil.example"}
	if !slices.Equal(c.values(), want) {
		t.Fatalf("got %v\nwant %v", c.values(), want)
	}
	if len(c.rej) != 1 || c.rej[0].Line != 7 || !strings.Contains(c.rej[0].Message, "not") {
		t.Fatalf("rejections %+v", c.rej)
	}
	if c.recs[2].Line != 5 {
		t.Fatalf("line numbers: %+v", c.recs[2])
	}
	long := strings.Repeat("a", maxLine+10)
	if err := ParseText(strings.NewReader("192.0.2.1\n"+long), c.sink, c.reject); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("an overlong line: %v", err)
	}
}

func TestParseCSV(t *testing.T) {
	in := "first_seen;indicator;kind;family\n" +
		"2026-11-20 10:00:00;198.51.100.9;c2;mirai\n" +
		"2026-11-21T08:00:00Z;hxxps://evil[.]example/login;phish;\n" +
		"yesterday;198.51.100.10;c2;\n" +
		"2026-11-22;not valid;;\n" +
		"2026-11-22;;;\n"
	var c collected
	m := CSVMapping{Columns: map[string]Type{"indicator": ""}, Time: "first_seen", Tags: []string{"kind", "family"}, Comma: ';'}
	if err := ParseCSV(strings.NewReader(in), m, c.sink, c.reject); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.values(), []string{"ipv4 198.51.100.9", "url https://evil.example/login"}) {
		t.Fatalf("values %v", c.values())
	}
	if got := c.recs[0]; !got.Time.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) || !slices.Equal(got.Tags, []string{"kind:c2", "family:mirai"}) {
		t.Fatalf("first record %+v", got)
	}
	if len(c.rej) != 2 || c.rej[0].Line != 4 || !strings.Contains(c.rej[0].Message, "time") || c.rej[1].Line != 5 {
		t.Fatalf("rejections %+v", c.rej)
	}
	if err := ParseCSV(strings.NewReader(in), CSVMapping{Columns: map[string]Type{"ip": ""}, Comma: ';'}, c.sink, c.reject); err == nil ||
		!strings.Contains(err.Error(), `no column "ip"`) {
		t.Fatalf("a mapping to a missing column: %v", err)
	}
	if err := ParseCSV(strings.NewReader(in), CSVMapping{Columns: map[string]Type{"indicator": "ipv5"}, Comma: ';'}, c.sink, c.reject); err == nil {
		t.Fatal("an unknown type was accepted")
	}
}

// TestShadowserverReports reads every Shadowserver sample report (IntelMQ's
// test data): each parses, and the indicator columns give
// records.
func TestShadowserverReports(t *testing.T) {
	files, _ := filepath.Glob(official + "/intelmq/shadowserver/*.csv")
	if len(files) < 20 {
		t.Fatalf("only %d sample reports found", len(files))
	}
	total := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		header, err := csv.NewReader(bytes.NewReader(b)).Read()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		report := strings.TrimSuffix(filepath.Base(f), ".csv")
		m := ShadowserverMapping(header, report)
		if len(m.Columns) == 0 {
			continue // a report without indicator columns (none in the samples so far)
		}
		var c collected
		if err := ParseCSV(bytes.NewReader(b), m, c.sink, c.reject); err != nil {
			t.Errorf("%s: %v", report, err)
			continue
		}
		for _, r := range c.recs {
			if r.Time.IsZero() || !slices.Contains(r.Tags, "shadowserver:"+report) {
				t.Errorf("%s line %d: %+v", report, r.Line, r)
				break
			}
		}
		total += len(c.recs)
	}
	if total < 100 {
		t.Fatalf("the sample reports gave %d records", total)
	}
	b, err := os.ReadFile(official + "/intelmq/shadowserver/scan_adb.csv")
	if err != nil {
		t.Fatal(err)
	}
	header, _ := csv.NewReader(bytes.NewReader(b)).Read()
	var c collected
	if err := ParseCSV(bytes.NewReader(b), ShadowserverMapping(header, "scan_adb"), c.sink, c.reject); err != nil {
		t.Fatal(err)
	}
	first := c.recs[0]
	if first.Observable != (Observable{IPv4, "36.239.124.210"}) || !first.Time.Equal(time.Date(2018, 7, 26, 2, 7, 16, 0, time.UTC)) ||
		!slices.Contains(first.Tags, "port:5555") || !slices.Contains(first.Tags, "tag:adb") {
		t.Fatalf("first scan_adb record %+v", first)
	}
}

// BenchmarkParseText: a plain list of addresses and domains, per line.
func BenchmarkParseText(b *testing.B) {
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
		if err := ParseText(bytes.NewReader(data), func(Record) error { n++; return nil }, func(Rejection) {}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
}
