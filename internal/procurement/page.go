package procurement

import (
	"context"

	"github.com/certhub/certhub/internal/platform/db"
)

// tally counts what a load did to the rows it saved.
type tally struct{ New, Updated, Unchanged int }

func (t *tally) add(status string) {
	switch status {
	case "new":
		t.New++
	case "updated":
		t.Updated++
	default:
		t.Unchanged++
	}
}

// saveInBatches saves items 500 to a transaction, each by save (which
// answers "new", "updated" or "unchanged"); done runs in the last
// transaction with the whole tally (the load's audit event).
func saveInBatches[T any](ctx context.Context, d *db.DB, items []T, save func(context.Context, *db.Tx, T) (string, error),
	done func(*db.Tx, tally) error) (tally, error) {
	var total tally
	for start := 0; start < len(items); start += 500 {
		part := items[start:min(start+500, len(items))]
		last := start+500 >= len(items)
		var n tally
		err := d.Write(ctx, func(tx *db.Tx) error {
			n = tally{}
			for _, it := range part {
				status, err := save(ctx, tx, it)
				if err != nil {
					return err
				}
				n.add(status)
			}
			if !last {
				return nil
			}
			return done(tx, tally{New: total.New + n.New, Updated: total.Updated + n.Updated, Unchanged: total.Unchanged + n.Unchanged})
		})
		if err != nil {
			return total, err
		}
		total = tally{New: total.New + n.New, Updated: total.Updated + n.Updated, Unchanged: total.Unchanged + n.Unchanged}
	}
	return total, nil
}

// onePage cuts a list read with one row more than want to a page, and
// answers the cursor of the next one ("" on the last page).
func onePage[T any](list []T, want int, cursor func(T) string) ([]T, string) {
	if len(list) <= want {
		return list, ""
	}
	list = list[:want]
	return list, cursor(list[want-1])
}
