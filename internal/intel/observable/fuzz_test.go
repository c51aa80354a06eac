package observable_test

import (
	"errors"
	"testing"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/observable/observabletest"
)

// The fuzz target of normalisation, which every reader of outside input
// shares.

// FuzzNormalize: a value recognised (or read as a given type) is in its
// canonical form, and a value refused says why.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"198.51.100.7", "hxxps://Evil[.]Example:443/a#x", "evil[.]example", "2001:DB8::1", "::ffff:192.0.2.1",
		"192.0.2.0/24", "10.0.0.1/32", "soc@Bank-CERT.example", "AS64500", "cve-2024-3094", "Bücher.example",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "http://[::1]:8080", "evil.example/path?q=1",
		"not an indicator!", "",
	} {
		f.Add(s, uint8(0))
	}
	f.Add("xn--bcher-kva.example", uint8(4))
	f.Add("203.0.113.9", uint8(4))
	f.Add("::ffff:192.0.2.0/120", uint8(3))
	f.Fuzz(func(t *testing.T, raw string, as uint8) {
		var o observable.Observable
		var err error
		detected := int(as)%(len(observable.Types)+1) == 0
		if detected {
			o, err = observable.Normalize(raw)
		} else {
			o, err = observable.NormalizeAs(observable.Types[int(as)%(len(observable.Types)+1)-1], raw)
		}
		if err != nil {
			var e *observable.Error
			if !errors.As(err, &e) || e.Reason == "" {
				t.Fatalf("%q: error %v does not say why", raw, err)
			}
			return
		}
		observabletest.CheckCanonical(t, o, detected)
	})
}
