package observabletest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certhub/certhub/internal/failtest"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/observable/observabletest"
)

// TestCollected: the sink keeps records and rejections in order.
func TestCollected(t *testing.T) {
	var c observabletest.Collected
	for _, v := range []string{"192.0.2.1", "example.com"} {
		o, err := observable.Normalize(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Sink(observable.Record{Observable: o}); err != nil {
			t.Fatal(err)
		}
	}
	c.Reject(observable.Rejection{Line: 3, Message: "not an indicator"})
	if diff := cmp.Diff([]string{"ipv4 192.0.2.1", "domain example.com"}, c.Values()); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if len(c.Rej) != 1 || c.Rej[0].Line != 3 {
		t.Errorf("rejections %+v", c.Rej)
	}
}

// TestChecksFailWhenTheyShould: the fuzz targets' checks pass canonical
// observables and well-placed rejections, and fail the test otherwise.
func TestChecksFailWhenTheyShould(t *testing.T) {
	canonical, err := observable.Normalize("Example.COM")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		fn   func(testing.TB)
		fail bool
	}{
		{"canonical", func(t testing.TB) { observabletest.CheckCanonical(t, canonical, true) }, false},
		{"not canonical", func(t testing.TB) {
			observabletest.CheckCanonical(t, observable.Observable{Type: canonical.Type, Value: "Example.COM"}, false)
		}, true},
		{"no type", func(t testing.TB) { observabletest.CheckCanonical(t, observable.Observable{Value: "x"}, false) }, true},
		{"rejections in range", func(t testing.TB) {
			observabletest.CheckRejections(t, []observable.Rejection{{Line: 2, Message: "why"}}, 1, 3)
		}, false},
		{"rejection past the end", func(t testing.TB) {
			observabletest.CheckRejections(t, []observable.Rejection{{Line: 4, Message: "why"}}, 1, 3)
		}, true},
		{"rejection without a reason", func(t testing.TB) {
			observabletest.CheckRejections(t, []observable.Rejection{{Line: 2, Message: " "}}, 1, 3)
		}, true},
	} {
		if got := failtest.Run(t, tc.fn).Failed != ""; got != tc.fail {
			t.Errorf("%s: failed %v, want %v", tc.name, got, tc.fail)
		}
	}
}
