package lookup

import (
	"testing"
	"time"

	"github.com/certhub/certhub/internal/intel/observable"
)

// TestScoreDecays: a score starts at the confidence, rises with the
// sources that report it and halves with age at the type's pace (an
// address fast, a domain slower, a file hash never).
func TestScoreDecays(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		typ     observable.Type
		conf, n int
		age     time.Duration
		want    int
	}{
		{observable.IPv4, 80, 1, 0, 80},
		{observable.IPv4, 80, 1, 30 * 24 * time.Hour, 40},
		{observable.Domain, 80, 1, 30 * 24 * time.Hour, 67},
		{observable.SHA256, 80, 1, 3 * 365 * 24 * time.Hour, 80},
		{observable.IPv4, 80, 3, 0, 96},
		{observable.IPv4, 100, 5, 0, 100},
		{observable.IPv4, 50, 0, 0, 50}, // routed to the caller, no visible source
	} {
		if got := Score(tt.typ, tt.conf, tt.n, now.Add(-tt.age), now); got != tt.want {
			t.Errorf("Score(%s, %d, %d sources, %v old) = %d, want %d", tt.typ, tt.conf, tt.n, tt.age, got, tt.want)
		}
	}
}

// BenchmarkLookupIndex: a bulk lookup of 100,000 values, half of them
// known, among a million indexed observables (`certhub bench` runs it at
// ten million), normalising each first, as the lookup API does.
