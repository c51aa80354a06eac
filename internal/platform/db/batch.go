package db

import "context"

// Tally counts what a load did to the rows it saved.
type Tally struct{ New, Updated, Unchanged int }

// Add counts one row by the status its save answered: "new", "updated",
// or anything else as unchanged.
func (t *Tally) Add(status string) {
	switch status {
	case "new":
		t.New++
	case "updated":
		t.Updated++
	default:
		t.Unchanged++
	}
}

func (t Tally) plus(u Tally) Tally {
	return Tally{New: t.New + u.New, Updated: t.Updated + u.Updated, Unchanged: t.Unchanged + u.Unchanged}
}

// BatchSize is how many rows SaveInBatches writes a transaction: small
// enough that other writers wait little, large enough that a load of a
// hundred thousand rows is a few hundred commits.
const BatchSize = 500

// SaveInBatches saves items BatchSize to a transaction, each by save
// (which answers "new", "updated" or "unchanged"); done runs in the last
// transaction with the whole tally (the load's audit event). A failed
// batch is rolled back and ends the load: the batches before it stay, and
// the tally answered is theirs.
func SaveInBatches[T any](ctx context.Context, d *DB, items []T, save func(context.Context, *Tx, T) (string, error),
	done func(*Tx, Tally) error) (Tally, error) {
	var total Tally
	for start := 0; start < len(items); start += BatchSize {
		part := items[start:min(start+BatchSize, len(items))]
		last := start+BatchSize >= len(items)
		var n Tally
		err := d.Write(ctx, func(tx *Tx) error {
			n = Tally{}
			for _, it := range part {
				status, err := save(ctx, tx, it)
				if err != nil {
					return err
				}
				n.Add(status)
			}
			if !last {
				return nil
			}
			return done(tx, total.plus(n))
		})
		if err != nil {
			return total, err
		}
		total = total.plus(n)
	}
	return total, nil
}
