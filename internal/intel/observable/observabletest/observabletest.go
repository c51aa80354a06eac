package observabletest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/intel/observable"
)

// Collected keeps the records and rejections a reader hands on.
type Collected struct {
	Recs []observable.Record
	Rej  []observable.Rejection
}

// Sink keeps a record.
func (c *Collected) Sink(r observable.Record) error { c.Recs = append(c.Recs, r); return nil }

// Reject keeps a rejection.
func (c *Collected) Reject(r observable.Rejection) { c.Rej = append(c.Rej, r) }

// Values are the records' observables as "type value", in order.
func (c *Collected) Values() []string {
	var out []string
	for _, r := range c.Recs {
		out = append(out, string(r.Observable.Type)+" "+r.Observable.Value)
	}
	return out
}

// CheckCanonical fails t unless o is an observable in its one canonical
// form: normalising its value again, as its type or (detected) by itself,
// gives it back. Lookups and de-duplication rest on that.
func CheckCanonical(t testing.TB, o observable.Observable, detected bool) {
	t.Helper()
	if !o.Type.Valid() || o.Value == "" || !utf8.ValidString(o.Value) || len(o.Value) > observable.MaxLength+16 {
		t.Fatalf("not an observable: %+v", o)
	}
	again, err := observable.NormalizeAs(o.Type, o.Value)
	if err != nil || again != o {
		t.Fatalf("%+v normalised as its type gives %+v, %v", o, again, err)
	}
	if detected {
		if again, err := observable.Normalize(o.Value); err != nil || again != o {
			t.Fatalf("%+v normalised again gives %+v, %v", o, again, err)
		}
	}
}

// CheckRejections fails t unless every rejection names a line of the
// input (first to lines) and says why.
func CheckRejections(t testing.TB, rejs []observable.Rejection, first, lines int) {
	t.Helper()
	for _, r := range rejs {
		if r.Line < first || r.Line > lines || strings.TrimSpace(r.Message) == "" {
			t.Fatalf("rejection %+v: want a line from %d to %d and a reason", r, first, lines)
		}
	}
}

// AddFiles seeds f with the files matching pattern that are at most
// maxSize bytes.
func AddFiles(f *testing.F, pattern string, maxSize int) {
	f.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files %s: %v", pattern, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) <= maxSize {
			f.Add(b)
		}
	}
}
