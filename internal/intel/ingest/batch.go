package ingest

import (
	"cmp"
	"slices"
	"strings"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// BatchSize is how many indicators one write transaction takes.
const BatchSize = 20_000

// Batch is what one write transaction stores: the records read and the
// STIX objects kept.
type Batch struct {
	Recs []observable.Record
	Objs []observable.Object
}

// Size counts the batch's records and objects.
func (b *Batch) Size() int { return len(b.Recs) + len(b.Objs) }

// Agg is one observable of a batch with what the batch says of it; the
// writer fills in ID and NewObservable.
type Agg struct {
	Type          observable.Type
	Value         string
	First, Last   int64 // Unix seconds
	Count         int64
	Tags          []string
	TLP           string // the most restrictive marking the batch's records give it
	FromObject    bool   // every record of it came from a kept STIX object
	Events        []*observable.EventRef
	ID            int64
	NewObservable bool
}

// Aggregated is a batch made ready to write: one Agg per observable of
// its records, in key order, and its kept STIX objects. The reading
// goroutine makes it, so the writer only writes.
type Aggregated struct {
	Aggs  []*Agg
	ByKey map[observable.Observable]*Agg
	Objs  []observable.Object
	Now   int64 // Unix seconds: when a record that says no time was seen
}

// Aggregate folds a batch's records into one Agg per observable: the span
// of times, how often, its tags and events, and the most restrictive
// marking the records give it (label where none does).
func Aggregate(b *Batch, label string, now int64) *Aggregated {
	byKey := make(map[observable.Observable]*Agg, len(b.Recs))
	for _, r := range b.Recs {
		key := r.Observable
		at := now
		if !r.Time.IsZero() {
			at = r.Time.Unix()
		}
		a := byKey[key]
		if a == nil {
			a = &Agg{Type: r.Observable.Type, Value: r.Observable.Value, First: at, Last: at, FromObject: true}
			byKey[key] = a
		}
		a.Count++
		a.FromObject = a.FromObject && r.FromObject
		if r.TLP != "" {
			if l := tlp.Label(r.TLP); a.TLP == "" || l.MoreRestrictive(tlp.Label(a.TLP)) {
				a.TLP = r.TLP
			}
		}
		a.First, a.Last = min(a.First, at), max(a.Last, at)
		if r.Event != nil && !slices.Contains(a.Events, r.Event) {
			a.Events = append(a.Events, r.Event)
		}
		for _, t := range r.Tags {
			t = strings.ReplaceAll(t, " ", "_")
			if len(a.Tags) < 20 && !slices.Contains(a.Tags, t) {
				a.Tags = append(a.Tags, t)
			}
		}
	}
	aggs := make([]*Agg, 0, len(byKey))
	for _, a := range byKey {
		if a.TLP == "" {
			a.TLP = label
		}
		aggs = append(aggs, a)
	}
	// A fixed order, so concurrent ingests on PostgreSQL lock rows in the
	// same order and never deadlock, and neighbours in the unique index
	// are written together.
	slices.SortFunc(aggs, func(x, y *Agg) int {
		return cmp.Or(cmp.Compare(x.Type, y.Type), cmp.Compare(x.Value, y.Value))
	})
	return &Aggregated{Aggs: aggs, ByKey: byKey, Objs: b.Objs, Now: now}
}
