package index

// idTable maps 64-bit hashes to observable ids: one flat array of
// (hash, id) slots, open addressing with linear probing, the slot chosen by
// the hash's top bits. Against Go's map it is smaller (16 bytes a slot at
// most three-quarters full: 21–32 bytes an entry, no per-group metadata)
// and a lookup touches one cache line where the map touches two or three.
// At ten million entries a probe is a cache and TLB miss: Index.FindAll
// probes a whole batch in one loop so that the misses overlap.
type idTable struct {
	slots []idSlot
	n     int
	shift uint // 64 - log2(len(slots))
}

type idSlot struct {
	key uint64 // 0: empty
	id  int64
}

// minTableBits sizes an empty table: 4,096 slots, 64 KB.
const minTableBits = 12

func newIDTable() *idTable {
	return &idTable{slots: make([]idSlot, 1<<minTableBits), shift: 64 - minTableBits}
}

// fixKey keeps 0 free to mark empty slots.
func fixKey(k uint64) uint64 {
	if k == 0 {
		return 1
	}
	return k
}

// put sets key's id, replacing the one it had.
func (t *idTable) put(key uint64, id int64) {
	key = fixKey(key)
	if (t.n+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	if t.insert(key, id) {
		t.n++
	}
}

// insert places key and says whether it was new.
func (t *idTable) insert(key uint64, id int64) bool {
	mask := len(t.slots) - 1
	for i := int(key >> t.shift); ; i = (i + 1) & mask {
		s := &t.slots[i]
		switch s.key {
		case 0:
			*s = idSlot{key, id}
			return true
		case key:
			s.id = id
			return false
		}
	}
}

func (t *idTable) grow() {
	old := t.slots
	t.slots = make([]idSlot, len(old)*2)
	t.shift--
	for _, s := range old {
		if s.key != 0 {
			t.insert(s.key, s.id)
		}
	}
}

// get answers key's id.
func (t *idTable) get(key uint64) (int64, bool) {
	key = fixKey(key)
	mask := len(t.slots) - 1
	for i := int(key >> t.shift); ; i = (i + 1) & mask {
		switch t.slots[i].key {
		case 0:
			return 0, false
		case key:
			return t.slots[i].id, true
		}
	}
}
