package training_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/training"
)

// An exercise is read by the organisations taking part only; players see
// an inject once its time has come; members record lessons; the center
// gives follow-up actions to a participant, which the participant (not
// another) marks done.
func TestExercise(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		start := f.now.Add(24 * time.Hour)
		in := training.ExerciseInput{Title: "Ransomware tabletop", Kind: training.Tabletop, Scenario: "A bank is encrypted.",
			StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(4 * time.Hour).Format(time.RFC3339), Orgs: []string{"bank1", "bankcert"}}
		_, err := f.s.CreateExercise(ctx, person("a", "bank1"), in, time.UTC)
		wantKind(t, err, errs.KindForbidden, "a bank plans an exercise")
		_, err = f.s.CreateExercise(ctx, staff, training.ExerciseInput{Kind: "game", Orgs: []string{"nowhere"}}, time.UTC)
		for _, field := range []string{"title", "kind", "scenario", "starts_at", "ends_at", "orgs"} {
			wantField(t, err, field)
		}
		x := must(f.s.CreateExercise(ctx, staff, in, time.UTC))
		if len(x.Orgs) != 2 || x.Orgs[0].Name != "Banking CERT" {
			t.Fatalf("participants: %+v", x.Orgs)
		}
		for _, m := range []int{0, 60} {
			must(f.s.AddInject(ctx, staff, x.ID, training.InjectInput{Minute: m, Title: "Inject", Body: "Something happens."}))
		}
		_, err = f.s.AddInject(ctx, staff, x.ID, training.InjectInput{Minute: -1})
		wantField(t, err, "minute")

		_, err = f.s.ExerciseView(ctx, person("a", "telco"), x.ID)
		wantKind(t, err, errs.KindNotFound, "an outsider reads the exercise")
		if l, _, _ := f.s.Exercises(ctx, person("a", "telco"), 10, ""); len(l) != 0 {
			t.Errorf("an outsider lists %d exercises", len(l))
		}
		if l, _, _ := f.s.Exercises(ctx, person("n", "bank1"), 10, ""); len(l) != 1 {
			t.Errorf("a participant lists %d exercises", len(l))
		}
		if v := must(f.s.ExerciseView(ctx, person("n", "bank1"), x.ID)); len(v.Injects) != 0 || v.Hidden != 2 || v.Writes {
			t.Errorf("a viewer before the start: %d injects shown, %d hidden, writes %v", len(v.Injects), v.Hidden, v.Writes)
		}
		if v := must(f.s.ExerciseView(ctx, staff, x.ID)); len(v.Injects) != 2 || !v.Keeps {
			t.Errorf("the center sees %d injects", len(v.Injects))
		}
		*f.now = start.Add(30 * time.Minute)
		if v := must(f.s.ExerciseView(ctx, person("m", "bank1"), x.ID)); len(v.Injects) != 1 || v.Hidden != 1 || !v.Writes {
			t.Errorf("a member half an hour in: %d shown, %d hidden", len(v.Injects), v.Hidden)
		}

		_, err = f.s.AddNote(ctx, person("n", "bank1"), x.ID, training.NoteInput{Kind: training.Lesson, Body: "x"})
		wantKind(t, err, errs.KindForbidden, "a viewer records a lesson")
		_, err = f.s.AddNote(ctx, person("m", "bank1"), x.ID, training.NoteInput{Kind: training.Lesson, Body: "x", OrgID: "telco"})
		wantField(t, err, "org_id")
		must(f.s.AddNote(ctx, person("m", "bank1"), x.ID, training.NoteInput{Kind: training.Lesson, Body: "The contact sheet was out of date.", OrgID: "bank1"}))

		_, err = f.s.AddAction(ctx, staff, x.ID, actions.Input{Title: "Update it", OwnerOrgID: "telco"})
		wantField(t, err, "owner_org_id")
		f.out.take()
		a := must(f.s.AddAction(ctx, staff, x.ID, actions.Input{Title: "Update the contact sheet", OwnerOrgID: "bank1", DueOn: "2026-12-20"}))
		if got := f.out.take(); len(got) != 1 || !strings.HasPrefix(got[0], "a@bank1.example: Follow-up action") {
			t.Errorf("mail of the action: %q", got)
		}
		_, err = f.s.MoveAction(ctx, person("a", "bankcert"), x.ID, a.ID, actions.Change{Status: actions.Done})
		wantKind(t, err, errs.KindForbidden, "another participant closes the bank's action")
		*f.now = time.Date(2026, 12, 21, 9, 0, 0, 0, time.UTC)
		if v := must(f.s.ExerciseView(ctx, person("m", "bank1"), x.ID)); len(v.Actions) != 1 || !v.Actions[0].Overdue || v.Actions[0].OwnerOrg != "First Bank" ||
			len(v.Notes) != 1 || v.Notes[0].Org != "First Bank" {
			t.Errorf("the view after the due date: %+v %+v", v.Actions, v.Notes)
		}
		done := must(f.s.MoveAction(ctx, person("m", "bank1"), x.ID, a.ID, actions.Change{Status: actions.Done}))
		if done.Status != actions.Done || done.Overdue {
			t.Errorf("done: %+v", done)
		}
	})
}
