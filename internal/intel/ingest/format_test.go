package ingest

import (
	"bufio"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/csvfeed"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/errs"
)

// TestDetect: the format is recognised from the first bytes when not
// given; a CSV's mapping comes from its header (Shadowserver's, or guessed
// from the column names, or the one given); what cannot be read so is the
// client's mistake.
func TestDetect(t *testing.T) {
	given := &csvfeed.Mapping{Columns: map[string]observable.Type{"x": ""}}
	for _, tc := range []struct {
		name    string
		in      string
		format  Format
		mapping *csvfeed.Mapping
		want    Format
		columns string // a column the mapping maps
	}{
		{"list", "198.51.100.7\nevil[.]example\n", "", nil, Text, ""},
		{"bundle", `{"type": "bundle", "objects": []}`, Auto, nil, STIX, ""},
		{"spec_version", `{"objects": [{"spec_version": "2.1"}]}`, "", nil, STIX, ""},
		{"misp", `{"Event": {"info": "x"}}`, "", nil, MISP, ""},
		{"csv by names", "first_seen,indicator,family\n2026-01-01,198.51.100.7,x\n", "", nil, CSV, "indicator"},
		{"shadowserver", "\"timestamp\",\"ip\",\"port\"\n\"2026-01-01 00:00:00\",\"198.51.100.7\",\"5555\"\n", "", nil, Shadowserver, "ip"},
		{"mapping given", "x,y\n198.51.100.7,1\n", CSV, given, CSV, "x"},
		{"text asked", "a,b\n", Text, nil, Text, ""},
	} {
		br := bufio.NewReader(strings.NewReader(tc.in))
		got, m, err := Detect(br, tc.format, tc.mapping, "scan_adb")
		if err != nil || got != tc.want {
			t.Errorf("%s: %s %v, want %s", tc.name, got, err, tc.want)
			continue
		}
		if tc.columns != "" && (m == nil || !hasColumn(m, tc.columns)) {
			t.Errorf("%s: mapping %+v lacks %q", tc.name, m, tc.columns)
		}
		if b, _ := br.Peek(1); len(tc.in) > 0 && len(b) == 0 {
			t.Errorf("%s: the input was consumed", tc.name)
		}
	}
	for _, tc := range []struct{ in, format string }{
		{"a,b\n1,2\n", "csv"},               // no column of indicators
		{"tag,port\nx,1\n", "shadowserver"}, // a report without indicators
		{"198.51.100.7\n", "yaml"},          // no such format
		{"\"unterminated,b\n", "csv"},       // a header that cannot be read
	} {
		_, _, err := Detect(bufio.NewReader(strings.NewReader(tc.in)), Format(tc.format), nil, "")
		if errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("%q as %s: %v, want invalid", tc.in, tc.format, err)
		}
	}
}

func hasColumn(m *csvfeed.Mapping, name string) bool {
	_, ok := m.Columns[name]
	return ok
}
