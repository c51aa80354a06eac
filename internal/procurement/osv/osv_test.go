package osv_test

import (
	"slices"
	"testing"

	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/procurement/osv"
)

// log4shell is GHSA-jfh8-c2jp-5v3q as OSV publishes it, shortened.
const log4shell = `{
  "schema_version": "1.4.0",
  "id": "GHSA-jfh8-c2jp-5v3q",
  "modified": "2024-02-01T00:00:00Z",
  "published": "2021-12-10T00:00:00Z",
  "aliases": ["CVE-2021-44228"],
  "summary": "Remote code injection in Log4j",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],
  "affected": [
    {"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.13.0"}, {"fixed": "2.15.0"}]},
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "2.3.0"}]}]}
  ],
  "unknown_field": {"ignored": true}
}`

func TestParseAndAffects(t *testing.T) {
	t.Parallel()
	recs, err := osv.Parse([]byte(log4shell))
	if err != nil || len(recs) != 1 {
		t.Fatalf("parse: %v", err)
	}
	r := recs[0]
	if r.ID != "GHSA-jfh8-c2jp-5v3q" || !slices.Equal(r.Aliases, []string{"CVE-2021-44228"}) || r.Severity == "" || len(r.Affected) != 1 ||
		r.Affected[0].Name != "org.apache.logging.log4j:log4j-core" || r.Modified.Year() != 2024 {
		t.Fatalf("record: %+v", r)
	}
	for _, tt := range []struct {
		version string
		want    bool
	}{
		{"2.14.1", true}, {"2.13.0", true}, {"2.15.0", false}, {"2.17.1", false}, {"2.12.4", false},
		{"2.3.0", true}, {"2.0-beta9", true}, {"2.3.1", false},
	} {
		got, err := r.Affected[0].Affects(tt.version)
		if err != nil || got != tt.want {
			t.Errorf("log4j-core %s: %v (%v), want %v", tt.version, got, err, tt.want)
		}
	}
	npm := osv.Affected{Ecosystem: "npm", Name: "lodash", Ranges: []osv.Range{{Type: "SEMVER", Events: []osv.Event{{Introduced: "0"}, {Fixed: "4.17.21"}}}},
		Versions: []string{"5.0.0-rc.1"}}
	for v, want := range map[string]bool{"4.17.20": true, "4.17.21": false, "1.0.0": true, "5.0.0-rc.1": true, "5.0.0": false} {
		if got, err := npm.Affects(v); err != nil || got != want {
			t.Errorf("lodash %s: %v (%v), want %v", v, got, err, want)
		}
	}
	pypi := osv.Affected{Ecosystem: "PyPI", Name: "django", Ranges: []osv.Range{{Type: "ECOSYSTEM", Events: []osv.Event{{Introduced: "4.0"}, {Fixed: "4.0.2"}}}}}
	for v, want := range map[string]bool{"4.0.1": true, "4.0rc1": false, "4.0": true, "4.0.2": false, "4.0.10": false} {
		if got, err := pypi.Affects(v); err != nil || got != want {
			t.Errorf("django %s: %v (%v), want %v", v, got, err, want)
		}
	}
	for _, bad := range []string{"???", "", "latest", "v"} {
		if got, err := npm.Affects(bad); got || err == nil {
			t.Errorf("%q read as a version: %v %v", bad, got, err)
		}
	}
	git := osv.Affected{Ecosystem: "Go", Name: "example.org/m", Ranges: []osv.Range{{Type: "GIT", Events: []osv.Event{{Introduced: "0"}}}}}
	if got, _ := git.Affects("1.0.0"); got {
		t.Error("a GIT range was read as versions")
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`nonsense`, `{"summary": "no id", "modified": "2024-01-01T00:00:00Z"}`, `{"id": "X-1"}`,
		`[{"id": "X-1", "modified": "2024-01-01T00:00:00Z"}, {"id": "X 2", "modified": "2024-01-01T00:00:00Z"}]`, `{"id": "X-1", "modified": "yesterday"}`} {
		if _, err := osv.Parse([]byte(in)); errs.KindOf(err) != errs.KindInvalid || !errs.Fields(errs.As(err).Fields).Has("osv") {
			t.Errorf("%s: %v", in, err)
		}
	}
	recs, err := osv.Parse([]byte(`[{"id": "X-1", "modified": "2024-01-01T00:00:00Z"}, {"id": "X-2", "modified": "2024-01-02T00:00:00Z", "withdrawn": "2024-02-01T00:00:00Z"}]`))
	if err != nil || len(recs) != 2 || recs[0].Withdrawn || !recs[1].Withdrawn {
		t.Errorf("an array: %+v %v", recs, err)
	}
}

func TestCoordinates(t *testing.T) {
	t.Parallel()
	for purl, want := range map[string][3]string{
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1": {"Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"},
		"pkg:pypi/Django_REST.framework@3.14.0":                {"PyPI", "django-rest-framework", "3.14.0"},
		"pkg:npm/%40angular/core@16.0.0":                       {"npm", "@angular/core", "16.0.0"},
		"pkg:golang/github.com/gin-gonic/gin@v1.9.0":           {"Go", "github.com/gin-gonic/gin", "v1.9.0"},
	} {
		e, n, v, ok := osv.Coordinates(purl)
		if !ok || [3]string{e, n, v} != want {
			t.Errorf("%s: %s %s %s %v, want %v", purl, e, n, v, ok, want)
		}
	}
	if _, _, _, ok := osv.Coordinates("pkg:generic/openssl@3.0.0"); ok {
		t.Error("a generic package has no OSV ecosystem")
	}
}

// FuzzParse: any input is read or refused with a field error.
func FuzzParse(f *testing.F) {
	f.Add([]byte(log4shell))
	f.Add([]byte(`[{"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"purl": "pkg:npm/a"}, "versions": ["1"]}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := osv.Parse(data)
		if err != nil {
			if e := errs.As(err); e == nil || !errs.Fields(e.Fields).Has("osv") {
				t.Fatalf("refused without saying why: %v", err)
			}
			return
		}
		for _, r := range recs {
			for _, a := range r.Affected {
				_, _ = a.Affects("1.0.0")
			}
		}
	})
}
