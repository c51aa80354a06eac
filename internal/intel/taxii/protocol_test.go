package taxii

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certhub/certhub/internal/intel/sharing"
	"github.com/certhub/certhub/internal/platform/db"
)

func TestAcceptable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		accept string
		want   bool
	}{
		{"", true},
		{"*/*", true},
		{"application/*", true},
		{MediaTAXII, true},
		{"application/taxii+json", true},
		{"application/taxii+json; version=2.1", true},
		{"text/html, application/taxii+json;version=2.1;q=0.9", true},
		{"application/taxii+json;version=2.0", false},
		{"application/json", false},
		{"text/html", false},
		{"application/stix+json;version=2.1", false},
		{"garbage;;;", false},
	}
	for _, tt := range tests {
		if got := acceptable(tt.accept); got != tt.want {
			t.Errorf("acceptable(%q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}

func TestFilterReadsTheQuery(t *testing.T) {
	t.Parallel()
	after := time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)
	later := after.Add(time.Hour).UnixMicro()
	tests := []struct {
		name  string
		query string
		want  sharing.Filter
	}{
		{"nothing", "", sharing.Filter{}},
		{"added_after", "added_after=2026-03-01T12:00:00.123456Z", sharing.Filter{After: after.UnixMicro()}},
		// The later of added_after and next wins: a cursor never goes back.
		{"next after added_after", "added_after=2026-03-01T12:00:00.123456Z&next=" + db.EncodeCursor("9999999999999999"),
			sharing.Filter{After: 9999999999999999}},
		{"added_after after next", "next=" + db.EncodeCursor("5") + "&added_after=2026-03-01T13:00:00.123456Z", sharing.Filter{After: later}},
		{"limit", "limit=10", sharing.Filter{Limit: 10}},
		{"limit capped", "limit=1000000", sharing.Filter{Limit: sharing.MaxPage}},
		{"matches, repeated and comma-separated", "match[type]=indicator,malware&match[type]=%20report%20&match[id]=indicator--1&match[version]=all&match[spec_version]=2.1,",
			sharing.Filter{Types: []string{"indicator", "malware", "report"}, IDs: []string{"indicator--1"}, Versions: []string{"all"}, Specs: []string{"2.1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := filter(httptest.NewRequest("GET", "/taxii2/api/collections/c/objects/?"+tt.query, nil))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("filter (-want +got):\n%s", d)
			}
		})
	}
}

func TestFilterRefusesBadValuesWithATAXIIError(t *testing.T) {
	t.Parallel()
	for _, query := range []string{
		"added_after=yesterday",
		"added_after=2026-03-01",
		"next=not-a-cursor",
		"next=" + db.EncodeCursor("abc"),
		"next=" + db.EncodeCursor("1", "2"),
		"limit=0",
		"limit=-5",
		"limit=ten",
	} {
		_, err := filter(httptest.NewRequest("GET", "/taxii2/api/collections/c/objects/?"+query, nil))
		var e *Error
		if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.HTTPStatus != "400" || e.Title != "Bad Request" || e.Description == "" {
			t.Errorf("%s: %#v", query, err)
		}
	}
}
