package actions_test

import (
	"context"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

// An action is added, listed soonest first (undated last), overdue once
// its day has passed, done, reopened, dropped only with a reason, and
// the overdue list is limited to the owners asked for.
func TestActions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, db.TranslateDDL(d.Engine(), `CREATE TABLE t_actions (id TEXT PRIMARY KEY, parent_id TEXT NOT NULL,
			title TEXT NOT NULL, owner_org_id TEXT NOT NULL, due_on TEXT NOT NULL, status TEXT NOT NULL, note TEXT NOT NULL, done_at TIMESTAMPTZ,
			done_by TEXT NOT NULL, created_by TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, reminded_at TIMESTAMPTZ)`)); err != nil {
			t.Fatal(err)
		}
		tb := actions.Table("t_actions")
		now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		bad := actions.Input{Title: " ", DueOn: "31/12/2026"}
		if err := bad.Check(); errs.As(err) == nil || len(errs.As(err).Fields) != 3 {
			t.Fatalf("bad input: %v", err)
		}
		var added []actions.Action
		err := d.Write(ctx, func(tx *db.Tx) error {
			for _, in := range []actions.Input{{Title: "Undated", OwnerOrgID: "a"}, {Title: "Later", OwnerOrgID: "b", DueOn: "2027-01-10"},
				{Title: "Past", OwnerOrgID: "a", DueOn: "2026-12-01"}} {
				if err := in.Check(); err != nil {
					return err
				}
				a, err := tb.Add(ctx, tx, "p1", in, "me", now)
				if err != nil {
					return err
				}
				added = append(added, a)
			}
			_, err := tb.Add(ctx, tx, "p2", actions.Input{Title: "Elsewhere", OwnerOrgID: "b", DueOn: "2026-11-01"}, "me", now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		list, err := tb.Of(ctx, d, "p1", now)
		if err != nil || len(list) != 3 || list[0].Title != "Past" || list[1].Title != "Later" || list[2].Title != "Undated" {
			t.Fatalf("order: %+v %v", list, err)
		}
		if !list[0].Overdue || list[1].Overdue || list[2].Overdue {
			t.Errorf("overdue: %v %v %v", list[0].Overdue, list[1].Overdue, list[2].Overdue)
		}
		if _, err := tb.Get(ctx, d, "p2", added[0].ID, now); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("an action of another parent: %v", err)
		}
		move := func(a actions.Action, c actions.Change) (actions.Action, error) {
			var out actions.Action
			err := d.Write(ctx, func(tx *db.Tx) (err error) { out, err = tb.Move(ctx, tx, a, c, "me", now); return err })
			return out, err
		}
		done, err := move(list[0], actions.Change{Status: actions.Done})
		if err != nil || done.Status != actions.Done || done.DoneAt == nil || done.Overdue {
			t.Fatalf("done: %+v %v", done, err)
		}
		if _, err := move(done, actions.Change{Status: actions.Done}); errs.KindOf(err) != errs.KindConflict {
			t.Errorf("done twice: %v", err)
		}
		if _, err := move(list[1], actions.Change{Status: actions.Dropped}); errs.As(err) == nil || !errs.Fields(errs.As(err).Fields).Has("note") {
			t.Errorf("dropped without a reason: %v", err)
		}
		again, err := move(done, actions.Change{Status: actions.Open})
		if err != nil || again.DoneAt != nil || !again.Overdue {
			t.Errorf("reopened: %+v %v", again, err)
		}
		over, err := tb.Overdue(ctx, d, nil, now, 10)
		if err != nil || len(over) != 2 || over[0].Title != "Elsewhere" {
			t.Errorf("overdue of all: %+v %v", over, err)
		}
		if over, _ := tb.Overdue(ctx, d, []string{"a"}, now, 10); len(over) != 1 || over[0].Title != "Past" {
			t.Errorf("overdue of a: %+v", over)
		}
		if over, _ := tb.Overdue(ctx, d, []string{}, now, 10); len(over) != 0 {
			t.Errorf("overdue of nobody: %+v", over)
		}

		// Reminders: the open ones due within three days (and overdue),
		// once a week.
		due, err := tb.ToRemind(ctx, d, now, 72*time.Hour, 7*24*time.Hour, 10)
		if err != nil || len(due) != 2 || due[0].Title != "Elsewhere" || due[1].Title != "Past" {
			t.Fatalf("to remind: %+v %v", due, err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { return tb.Reminded(ctx, tx, []string{due[0].ID, due[1].ID}, now) }); err != nil {
			t.Fatal(err)
		}
		if due, _ := tb.ToRemind(ctx, d, now.Add(24*time.Hour), 72*time.Hour, 7*24*time.Hour, 10); len(due) != 0 {
			t.Errorf("reminded again the next day: %+v", due)
		}
		if due, _ := tb.ToRemind(ctx, d, now.AddDate(0, 0, 8), 72*time.Hour, 7*24*time.Hour, 10); len(due) != 2 {
			t.Errorf("a week later: %+v", due) // Later (due 2027-01-10) is not yet within three days
		}
	})
}
