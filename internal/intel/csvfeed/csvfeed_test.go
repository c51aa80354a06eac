package csvfeed

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/observable/observabletest"
)

func TestParse(t *testing.T) {
	in := "first_seen;indicator;kind;family\n" +
		"2026-11-20 10:00:00;198.51.100.9;c2;mirai\n" +
		"2026-11-21T08:00:00Z;hxxps://evil[.]example/login;phish;\n" +
		"yesterday;198.51.100.10;c2;\n" +
		"2026-11-22;not valid;;\n" +
		"2026-11-22;;;\n"
	var c observabletest.Collected
	m := Mapping{Columns: map[string]observable.Type{"indicator": ""}, Time: "first_seen", Tags: []string{"kind", "family"}, Comma: ';'}
	if err := Parse(strings.NewReader(in), m, c.Sink, c.Reject); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Values(), []string{"ipv4 198.51.100.9", "url https://evil.example/login"}) {
		t.Fatalf("values %v", c.Values())
	}
	if got := c.Recs[0]; !got.Time.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) || !slices.Equal(got.Tags, []string{"kind:c2", "family:mirai"}) {
		t.Fatalf("first record %+v", got)
	}
	if len(c.Rej) != 2 || c.Rej[0].Line != 4 || !strings.Contains(c.Rej[0].Message, "time") || c.Rej[1].Line != 5 {
		t.Fatalf("rejections %+v", c.Rej)
	}
	if err := Parse(strings.NewReader(in), Mapping{Columns: map[string]observable.Type{"ip": ""}, Comma: ';'}, c.Sink, c.Reject); err == nil ||
		!strings.Contains(err.Error(), `no column "ip"`) {
		t.Fatalf("a mapping to a missing column: %v", err)
	}
	if err := Parse(strings.NewReader(in), Mapping{Columns: map[string]observable.Type{"indicator": "ipv5"}, Comma: ';'}, c.Sink, c.Reject); err == nil {
		t.Fatal("an unknown type was accepted")
	}
}

// TestShadowserverReports reads every Shadowserver sample report (IntelMQ's
// test data): each parses, and the indicator columns give
// records.
func TestShadowserverReports(t *testing.T) {
	files, _ := filepath.Glob("testdata/intelmq/shadowserver/*.csv")
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
		m := Shadowserver(header, report)
		if len(m.Columns) == 0 {
			continue // a report without indicator columns (none in the samples so far)
		}
		var c observabletest.Collected
		if err := Parse(bytes.NewReader(b), m, c.Sink, c.Reject); err != nil {
			t.Errorf("%s: %v", report, err)
			continue
		}
		for _, r := range c.Recs {
			if r.Time.IsZero() || !slices.Contains(r.Tags, "shadowserver:"+report) {
				t.Errorf("%s line %d: %+v", report, r.Line, r)
				break
			}
		}
		total += len(c.Recs)
	}
	if total < 100 {
		t.Fatalf("the sample reports gave %d records", total)
	}
	b, err := os.ReadFile("testdata/intelmq/shadowserver/scan_adb.csv")
	if err != nil {
		t.Fatal(err)
	}
	header, _ := csv.NewReader(bytes.NewReader(b)).Read()
	var c observabletest.Collected
	if err := Parse(bytes.NewReader(b), Shadowserver(header, "scan_adb"), c.Sink, c.Reject); err != nil {
		t.Fatal(err)
	}
	first := c.Recs[0]
	if first.Observable != (observable.Observable{Type: observable.IPv4, Value: "36.239.124.210"}) || !first.Time.Equal(time.Date(2018, 7, 26, 2, 7, 16, 0, time.UTC)) ||
		!slices.Contains(first.Tags, "port:5555") || !slices.Contains(first.Tags, "tag:adb") {
		t.Fatalf("first scan_adb record %+v", first)
	}
}
