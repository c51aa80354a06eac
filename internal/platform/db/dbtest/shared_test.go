package dbtest

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// Shared builds a directory once per name and key, whoever asks and
// however many ask at once; a failed build leaves nothing to find.
func TestSharedBuildsOnceAndWhole(t *testing.T) {
	t.Setenv(CacheEnv, t.TempDir())
	var builds atomic.Int32
	build := func(dir string) error {
		builds.Add(1)
		return os.WriteFile(filepath.Join(dir, "made"), []byte("once"), 0o600)
	}
	var wg sync.WaitGroup
	dirs := make([]string, 4)
	for i := range dirs {
		wg.Go(func() {
			d, err := Shared("thing", "k1", build)
			if err != nil {
				t.Error(err)
			}
			dirs[i] = d
		})
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Fatalf("built %d times, want once", n)
	}
	for _, d := range dirs {
		if d != dirs[0] || d == "" {
			t.Fatalf("dirs %q differ", dirs)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dirs[0], "made")); err != nil || string(b) != "once" {
		t.Fatalf("the built file: %q %v", b, err)
	}
	other, err := Shared("thing", "k2", build)
	if err != nil || other == dirs[0] || builds.Load() != 2 {
		t.Fatalf("another key: %q %v, %d builds", other, err, builds.Load())
	}

	boom := errors.New("boom")
	if _, err := Shared("broken", "k1", func(string) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("a failed build: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(os.Getenv(CacheEnv), "broken*"))
	if len(left) != 0 {
		t.Fatalf("a failed build left %q", left)
	}
}

// Without the variable nothing is shared: the caller builds its own.
func TestSharedNeedsTheVariable(t *testing.T) {
	t.Setenv(CacheEnv, "")
	d, err := Shared("thing", "k", func(string) error { t.Fatal("built"); return nil })
	if d != "" || err != nil {
		t.Fatalf("got %q %v", d, err)
	}
}

// The source digest is stable and names the module's code.
func TestSourceDigest(t *testing.T) {
	a, err := SourceDigest()
	if err != nil || len(a) != 16 {
		t.Fatalf("digest %q %v", a, err)
	}
	b, err := digestSources()
	if err != nil || a != b {
		t.Fatalf("digests differ: %q %q %v", a, b, err)
	}
}
