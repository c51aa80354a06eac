package actors

import (
	"cmp"
	"slices"
)

// Member is a claim as merging sees it: its number, the profile it is in
// now ("" when new), its family and its name keys.
type Member struct {
	Num     int64
	ActorID string
	Family  string
	Keys    []string
}

// Merged is how Merge leaves the profiles.
type Merged struct {
	// Assign is the profile of each claim.
	Assign map[int64]string
	// Into says, of each profile merged away, the profile it is now part
	// of (its attributions follow it there).
	Into map[string]string
}

// Merge groups claims sharing a name key within a family into profiles.
// A group keeps the profile most of its claims were in (ties: the
// smallest id), so profiles keep their addresses as sources come and go;
// a group none of whose profiles is left to it gets newID().
func Merge(ms []Member, newID func() string) Merged {
	parent := make([]int, len(ms))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	first := map[string]int{} // family + key → first member with it
	for i, m := range ms {
		for _, k := range m.Keys {
			fk := m.Family + "\x00" + k
			if j, ok := first[fk]; ok {
				if a, b := find(i), find(j); a != b {
					parent[max(a, b)] = min(a, b)
				}
			} else {
				first[fk] = i
			}
		}
	}
	groups := map[int][]int{}
	for i := range ms {
		r := find(i)
		groups[r] = append(groups[r], i)
	}
	roots := make([]int, 0, len(groups))
	for r := range groups {
		roots = append(roots, r)
	}
	// Larger groups choose first, so a split leaves the old id with the
	// larger part.
	slices.SortFunc(roots, func(a, b int) int { return cmp.Or(cmp.Compare(len(groups[b]), len(groups[a])), cmp.Compare(a, b)) })
	out := Merged{Assign: make(map[int64]string, len(ms)), Into: map[string]string{}}
	taken := map[string]bool{}
	for _, r := range roots {
		votes := map[string]int{}
		for _, i := range groups[r] {
			if id := ms[i].ActorID; id != "" {
				votes[id]++
			}
		}
		ids := make([]string, 0, len(votes))
		for id := range votes {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b string) int { return cmp.Or(cmp.Compare(votes[b], votes[a]), cmp.Compare(a, b)) })
		chosen := ""
		for _, id := range ids {
			if !taken[id] {
				chosen = id
				break
			}
		}
		if chosen == "" {
			chosen = newID()
		}
		taken[chosen] = true
		for _, i := range groups[r] {
			out.Assign[ms[i].Num] = chosen
		}
		for _, id := range ids {
			if id != chosen {
				out.Into[id] = chosen
			}
		}
	}
	// An id that lives on elsewhere (a split) was not merged away.
	for id := range out.Into {
		if taken[id] {
			delete(out.Into, id)
		}
	}
	return out
}
