package index

import (
	"hash/maphash"
	"net/netip"
	"sync"

	"github.com/gaissmai/bart"

	"github.com/certhub/certhub/internal/intel/observable"
)

// Index answers, in memory, which observable a value is: a hash of type
// and value to the observable's id (16 bytes an entry, so ten million fit
// in a few hundred megabytes), and the reported networks in a prefix table
// so an address finds the networks that contain it. A hash can collide;
// the database rows of the matches are compared with the values before
// anything is answered.
type Index struct {
	mu    sync.RWMutex
	seed  maphash.Seed
	ids   *idTable
	nets  *bart.Table[[]int64]
	maxID int64 // the newest observable indexed
}

// New makes an empty index.
func New() *Index {
	return &Index{seed: maphash.MakeSeed(), ids: newIDTable(), nets: &bart.Table[[]int64]{}}
}

func (x *Index) key(o observable.Observable) uint64 {
	var h maphash.Hash
	h.SetSeed(x.seed)
	h.WriteString(string(o.Type))
	h.WriteByte(0)
	h.WriteString(o.Value)
	return h.Sum64()
}

// Add indexes an observable.
func (x *Index) Add(id int64, o observable.Observable) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.add(id, o)
}

func (x *Index) add(id int64, o observable.Observable) {
	x.ids.put(x.key(o), id)
	if o.Type == observable.CIDR {
		if p, err := netip.ParsePrefix(o.Value); err == nil {
			x.nets.Modify(p.Masked(), func(ids []int64, _ bool) ([]int64, bool) { return append(ids, id), false })
		}
	}
	x.maxID = max(x.maxID, id)
}

// Len is how many observables the index holds.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.ids.n
}

// FindAll finds many observables at once, calling found for each id
// obs[i] may be: itself, and for an address the reported networks that
// contain it. The table is probed for all of them in one tight loop, so the
// processor overlaps the memory stalls of many probes: at ten million
// entries a probe is a cache and TLB miss, and one at a time between
// normalising values they cost several times more.
func (x *Index) FindAll(obs []observable.Observable, found func(i int, id int64)) {
	ids := make([]int64, len(obs))
	keys := make([]uint64, len(obs))
	for i, o := range obs {
		keys[i] = x.key(o)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i, k := range keys {
		ids[i], _ = x.ids.get(k)
	}
	nets := x.nets.Size() > 0
	for i, o := range obs {
		if ids[i] != 0 {
			found(i, ids[i])
		}
		if nets && (o.Type == observable.IPv4 || o.Type == observable.IPv6) {
			if a, err := netip.ParseAddr(o.Value); err == nil {
				for _, ns := range x.nets.Supernets(netip.PrefixFrom(a, a.BitLen())) {
					for _, id := range ns {
						found(i, id)
					}
				}
			}
		}
	}
}

// Newest is the id of the newest observable indexed: a refresh reads the
// store on from there.
func (x *Index) Newest() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.maxID
}

// Batch adds many observables under one lock: fill is handed the add and
// answers the batch's error (what was added before it stays).
func (x *Index) Batch(fill func(add func(id int64, o observable.Observable)) error) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return fill(x.add)
}
