package failtest

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRunRecordsAndStopsWhereTestingWould(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fn        func(testing.TB)
		want      Outcome
		goesOnTil string // the last step fn reaches
	}{
		{"passes", func(tb testing.TB) { tb.Log("fine") }, Outcome{}, "end"},
		{"Fatalf", func(tb testing.TB) { tb.Fatalf("no message to %s", "lina") }, Outcome{Failed: "no message to lina"}, "call"},
		{"Fatal", func(tb testing.TB) { tb.Fatal("broke", 2) }, Outcome{Failed: "broke 2\n"}, "call"},
		{"FailNow", func(tb testing.TB) { tb.FailNow() }, Outcome{Failed: "FailNow"}, "call"},
		{"Errorf goes on", func(tb testing.TB) { tb.Errorf("first %d", 1); tb.Error("second") }, Outcome{Failed: "first 1"}, "end"},
		{"Skip", func(tb testing.TB) { tb.Skip("no server") }, Outcome{Skipped: "no server\n"}, "call"},
		{"Skipf", func(tb testing.TB) { tb.Skipf("no %s", "browser") }, Outcome{Skipped: "no browser"}, "call"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reached := ""
			got := Run(t, func(tb testing.TB) {
				reached = "call"
				tt.fn(tb)
				reached = "end"
			})
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("outcome (-want +got):\n%s", d)
			}
			if reached != tt.goesOnTil {
				t.Errorf("fn reached %q, want %q", reached, tt.goesOnTil)
			}
		})
	}
}

// The stand-in answers Failed and Skipped as a test does, and hands the
// rest to the real test.
func TestRunPassesTheRestToTheTest(t *testing.T) {
	t.Parallel()
	var dir string
	var failedBefore, failedAfter bool
	got := Run(t, func(tb testing.TB) {
		dir = tb.TempDir()
		failedBefore = tb.Failed()
		tb.Error("x")
		failedAfter = tb.Failed()
	})
	if filepath.Dir(dir) != filepath.Dir(t.TempDir()) {
		t.Errorf("TempDir %q is not the test's", dir)
	}
	if failedBefore || !failedAfter || got.Failed != "x\n" {
		t.Errorf("Failed() before %v, after %v; outcome %+v", failedBefore, failedAfter, got)
	}
	if t.Failed() {
		t.Fatal("the real test failed")
	}
}
