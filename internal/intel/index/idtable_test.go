package index

import (
	"math/rand/v2"
	"testing"
)

// TestIDTable: every key put is found with its latest id through several
// doublings, absent keys are not, and zero (the empty mark) is a key too.
func TestIDTable(t *testing.T) {
	tab := newIDTable()
	rng := rand.New(rand.NewPCG(3, 4))
	keys := make([]uint64, 50_000)
	for i := range keys {
		keys[i] = rng.Uint64()
	}
	keys[0], keys[1] = 0, 1 // 0 and 1 share a slot key; the last put wins
	for i, k := range keys {
		tab.put(k, int64(i+1))
	}
	for i, k := range keys[2:] {
		tab.put(k, int64(i+3)*10) // replaced, not added
	}
	if tab.n != len(keys)-1 {
		t.Fatalf("%d entries, want %d", tab.n, len(keys)-1)
	}
	if len(tab.slots) < tab.n*4/3 {
		t.Fatalf("%d slots for %d entries: over three-quarters full", len(tab.slots), tab.n)
	}
	for i, k := range keys[2:] {
		if id, ok := tab.get(k); !ok || id != int64(i+3)*10 {
			t.Fatalf("key %x: %d %v, want %d", k, id, ok, int64(i+3)*10)
		}
	}
	if id, ok := tab.get(0); !ok || id != 2 {
		t.Fatalf("key 0: %d %v", id, ok)
	}
	for range 10_000 {
		k := rng.Uint64()
		if id, ok := tab.get(k); ok {
			t.Fatalf("absent key %x found as %d", k, id)
		}
	}
}
