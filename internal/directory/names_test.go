package directory_test

import (
	"context"
	"slices"
	"testing"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
)

// getter answers the organisations asked for and remembers the asking.
type getter struct{ asked [][]string }

func (g *getter) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	g.asked = append(g.asked, ids)
	var out []directory.Org
	for _, id := range ids {
		if id != "gone" {
			out = append(out, directory.Org{ID: id, Name: "Org " + id})
		}
	}
	return out, nil
}

// Names asks once, for each organisation once, and names none it does
// not find; no IDs, no asking.
func TestNames(t *testing.T) {
	g := &getter{}
	ids := []string{"b", "a", "b", "gone"}
	names, err := directory.Names(context.Background(), g, auth.System("test"), ids)
	if err != nil || len(names) != 2 || names["a"] != "Org a" || names["b"] != "Org b" {
		t.Fatalf("names: %v %v", names, err)
	}
	if len(g.asked) != 1 || !slices.Equal(g.asked[0], []string{"a", "b", "gone"}) || !slices.Equal(ids, []string{"b", "a", "b", "gone"}) {
		t.Errorf("asked %v; the caller's IDs now %v", g.asked, ids)
	}
	if names, err := directory.Names(context.Background(), g, auth.System("test"), nil); err != nil || len(names) != 0 || len(g.asked) != 1 {
		t.Errorf("no IDs: %v %v, asked %d times", names, err, len(g.asked))
	}
}
