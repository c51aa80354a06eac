package stix

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/observable/observabletest"
)

// FuzzParseSTIX: every object kept has an identifier of its type and a
// version in the one form versions take; its body is the object as it
// came; records and rejections name an object of the bundle.
func FuzzParseSTIX(f *testing.F) {
	observabletest.AddFiles(f, "testdata/stix/examples/*.json", 64<<10)
	observabletest.AddFiles(f, "testdata/stix/examples/threat-reports/*.json", 128<<10)
	f.Add([]byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` +
		`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48Z",` +
		`"pattern":"[ipv4-addr:value = '198.51.100.1/32' OR domain-name:value IN ('evil.example', 'x[.]example')]","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z",` +
		`"object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]},` +
		`{"type":"file","id":"file--6d7a6c6b-e1c4-4e4a-9a7a-2d5e3c1f0a11","hashes":{"SHA-256":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855","md5":"x"}},` +
		`{"type":"autonomous-system","id":"autonomous-system--f720c34b-98ae-597f-ade5-27ef2fa0b1a3","number":64500},` +
		`{"type":"url","id":"url--x","value":"http://evil.example/"},5,[],{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":17}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c observabletest.Collected
		var kept []observable.Object
		keep := func(o observable.Object) error { kept = append(kept, o); return nil }
		err := Parse(bytes.NewReader(data), c.Sink, c.Reject, keep)
		if err != nil && !strings.HasPrefix(err.Error(), "intel: STIX") {
			t.Fatalf("an error that does not say it is the bundle's: %v", err)
		}
		n := 0 // objects handed on by number
		for _, o := range kept {
			m := idPattern.FindStringSubmatch(o.ID)
			if m == nil || m[1] != o.Type || o.Line <= n {
				t.Fatalf("kept object %d %q of type %q (after object %d)", o.Line, o.ID, o.Type, n)
			}
			n = o.Line
			if o.Version != "" {
				if _, err := parseVersion(o.Version); err != nil {
					t.Fatalf("%s: version %q is not in the one form: %v", o.ID, o.Version, err)
				}
			}
			var again observabletest.Collected
			if err := Parse(strings.NewReader(`{"objects":[`+string(o.Body)+`]}`), again.Sink, again.Reject, func(observable.Object) error { return nil }); err != nil {
				t.Fatalf("%s: the kept body does not read again: %v", o.ID, err)
			}
		}
		for _, r := range c.Recs {
			observabletest.CheckCanonical(t, r.Observable, false)
			if r.Line < 1 || r.FromObject && !slices.ContainsFunc(kept, func(o observable.Object) bool { return o.Line == r.Line }) {
				t.Fatalf("record %+v of object %d, which was not kept", r.Observable, r.Line)
			}
		}
		for _, r := range c.Rej {
			if r.Line < 1 || r.Message == "" {
				t.Fatalf("rejection %+v", r)
			}
		}
	})
}

// parseVersion reads a version as VersionString writes it, and only so.
func parseVersion(v string) (time.Time, error) {
	t, err := time.Parse("2006-01-02T15:04:05.000000Z", v)
	if err == nil && observable.VersionString(t) != v {
		err = errors.New("not written as VersionString writes it")
	}
	return t, err
}
