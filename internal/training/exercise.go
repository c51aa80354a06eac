package training

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Exercise kinds.
const (
	Tabletop  = "tabletop"
	Technical = "technical"
)

// ExerciseKinds lists the kinds.
var ExerciseKinds = []string{Tabletop, Technical}

// Kinds of what an exercise showed.
const (
	Outcome = "outcome" // what happened against the objectives
	Lesson  = "lesson"  // a lesson learned
)

// Exercise is a tabletop or technical exercise with the organisations
// taking part.
type Exercise struct {
	ID         string        `json:"id"`
	Title      string        `json:"title"`
	Kind       string        `json:"kind"`
	Scenario   string        `json:"scenario"`
	Objectives string        `json:"objectives"`
	StartsAt   time.Time     `json:"starts_at"`
	EndsAt     time.Time     `json:"ends_at"`
	Orgs       []Participant `json:"orgs"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
}

// Participant is an organisation taking part.
type Participant struct {
	OrgID string `json:"org_id"`
	Name  string `json:"name"`
}

// Inject is one event the players are told of, Minute minutes from the start.
type Inject struct {
	ID     string    `json:"id"`
	Minute int       `json:"minute"`
	At     time.Time `json:"at"`
	Title  string    `json:"title"`
	Body   string    `json:"body"`
}

// Note is an outcome or a lesson learned.
type Note struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Body      string    `json:"body"`
	OrgID     *string   `json:"org_id"`
	Org       string    `json:"org,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// ExerciseView is an exercise with what the reader may see of it: the
// injects whose time has come (every inject, for the center), the
// outcomes, lessons and follow-up actions.
type ExerciseView struct {
	Exercise
	Injects []Inject `json:"injects"`
	// Hidden counts the injects still to come, not shown to players.
	Hidden  int              `json:"hidden_injects"`
	Notes   []Note           `json:"notes"`
	Actions []actions.Action `json:"actions"`
	// Keeps: the reader runs the exercise (the center); Writes: the
	// reader may add outcomes and lessons.
	Keeps  bool `json:"can_keep"`
	Writes bool `json:"can_write"`
}

// ExerciseInput creates or changes an exercise.
type ExerciseInput struct {
	Title      string   `json:"title"`
	Kind       string   `json:"kind"`
	Scenario   string   `json:"scenario"`
	Objectives string   `json:"objectives"`
	StartsAt   string   `json:"starts_at"`
	EndsAt     string   `json:"ends_at"`
	Orgs       []string `json:"orgs"`
}

// InjectInput adds an inject.
type InjectInput struct {
	Minute int    `json:"minute"`
	Title  string `json:"title"`
	Body   string `json:"body"`
}

// NoteInput adds an outcome or a lesson.
type NoteInput struct {
	Kind  string `json:"kind"`
	Body  string `json:"body"`
	OrgID string `json:"org_id"`
}

// exerciseActions is the table of the exercises' follow-up actions.
const exerciseActions = actions.Table("training_exercise_actions")

// The access rule of exercises: the center runs them and reads them all;
// the members of the organisations taking part read them (the injects
// once their time has come) and, above viewer, add outcomes and lessons
// and move their own organisation's actions; nobody else learns of them.
func exerciseReads(id *auth.Identity, e Exercise) bool {
	return id.IsStaff() || id.IsSystem() || slices.ContainsFunc(e.Orgs, func(p Participant) bool { return id.RoleIn(p.OrgID) != "" })
}

func exerciseWrites(id *auth.Identity, e Exercise) bool {
	return id.IsStaff() || id.IsSystem() || slices.ContainsFunc(e.Orgs, func(p Participant) bool { return id.RoleIn(p.OrgID).AtLeast(auth.RoleMember) })
}

func (in *ExerciseInput) check(loc *time.Location) (start, end time.Time, err error) {
	var f errs.Fields
	in.Title, in.Kind, in.Scenario, in.Objectives = strings.TrimSpace(in.Title), strings.TrimSpace(in.Kind), strings.TrimSpace(in.Scenario), strings.TrimSpace(in.Objectives)
	f.Text("title", in.Title, true, maxTitle)
	if !slices.Contains(ExerciseKinds, in.Kind) {
		f.Add("kind", "tabletop or technical")
	}
	f.Text("scenario", in.Scenario, true, maxText)
	f.Text("objectives", in.Objectives, false, maxText)
	start, end = period(&f, in.StartsAt, in.EndsAt, loc, 30*24*time.Hour)
	var orgs []string
	for _, o := range in.Orgs {
		if o = strings.TrimSpace(o); o != "" && !slices.Contains(orgs, o) {
			orgs = append(orgs, o)
		}
	}
	if len(orgs) == 0 {
		f.Add("orgs", "the organisations taking part")
	}
	in.Orgs = orgs
	return start.UTC(), end.UTC(), f.Err()
}

// Exercises lists the exercises id may read, the latest first.
func (s *Service) Exercises(ctx context.Context, id *auth.Identity, limit int, cursor string) ([]Exercise, string, error) {
	if err := signedIn(id); err != nil {
		return nil, "", err
	}
	var a db.Args
	where := "1 = 1"
	if !id.IsStaff() && !id.IsSystem() {
		mine := id.OrgIDs()
		if len(mine) == 0 {
			return []Exercise{}, "", nil
		}
		where = `x.id IN (SELECT exercise_id FROM training_exercise_orgs WHERE org_id IN (` + db.In(&a, mine) + `))`
	}
	after, err := db.Keyset(&a, cursor, "x.starts_at", "x.id", true)
	if err != nil {
		return nil, "", err
	}
	if after != "" {
		where += " AND " + after
	}
	var out []Exercise
	err = s.db.Read(ctx, func(q db.Querier) error {
		var err error
		out, err = db.QueryAll(ctx, q, scanExercise, `SELECT `+exerciseCols+` FROM training_exercises x WHERE `+where+
			` ORDER BY x.starts_at DESC, x.id DESC LIMIT `+a.Add(limit+1), a...)
		if err != nil {
			return fmt.Errorf("training: exercises: %w", err)
		}
		return s.participants(ctx, q, out)
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = db.TimeCursor(out[limit-1].StartsAt, out[limit-1].ID)
	}
	return out, next, nil
}

const exerciseCols = `x.id, x.title, x.kind, x.scenario, x.objectives, x.starts_at, x.ends_at, x.created_at, x.updated_at`

func scanExercise(r db.Row) (Exercise, error) {
	e := Exercise{Orgs: []Participant{}}
	err := r.Scan(&e.ID, &e.Title, &e.Kind, &e.Scenario, &e.Objectives, &e.StartsAt, &e.EndsAt, &e.CreatedAt, &e.UpdatedAt)
	return e, err
}

// participants fills in the organisations of each exercise, by name.
func (s *Service) participants(ctx context.Context, q db.Querier, list []Exercise) error {
	if len(list) == 0 {
		return nil
	}
	var a db.Args
	ids := make([]string, len(list))
	for i, e := range list {
		ids[i] = e.ID
	}
	pairs, err := db.QueryAll(ctx, q, func(r db.Row) ([2]string, error) {
		var p [2]string
		return p, r.Scan(&p[0], &p[1])
	}, `SELECT exercise_id, org_id FROM training_exercise_orgs WHERE exercise_id IN (`+db.In(&a, ids)+`)`, a...)
	if err != nil {
		return fmt.Errorf("training: participants: %w", err)
	}
	var orgIDs []string
	for _, p := range pairs {
		orgIDs = append(orgIDs, p[1])
	}
	names, err := s.orgNames(ctx, orgIDs)
	if err != nil {
		return err
	}
	for i := range list {
		for _, p := range pairs {
			if p[0] == list[i].ID {
				list[i].Orgs = append(list[i].Orgs, Participant{OrgID: p[1], Name: names[p[1]]})
			}
		}
		slices.SortFunc(list[i].Orgs, func(a, b Participant) int { return strings.Compare(a.Name, b.Name) })
	}
	return nil
}

// orgNames answers the directory's names of organisations.
func (s *Service) orgNames(ctx context.Context, ids []string) (map[string]string, error) {
	return directory.Names(ctx, s.orgs, system, ids)
}

// getExercise reads one exercise with its organisations.
func (s *Service) getExercise(ctx context.Context, q db.Querier, exerciseID string) (Exercise, error) {
	e, err := scanExercise(q.QueryRow(ctx, `SELECT `+exerciseCols+` FROM training_exercises x WHERE x.id = $1`, exerciseID))
	if errors.Is(err, db.ErrNoRows) {
		return Exercise{}, errs.NotFound("no such exercise")
	}
	if err != nil {
		return Exercise{}, fmt.Errorf("training: exercise: %w", err)
	}
	list := []Exercise{e}
	if err := s.participants(ctx, q, list); err != nil {
		return Exercise{}, err
	}
	return list[0], nil
}

// ExerciseView answers an exercise as id may see it (404 to anyone not
// taking part).
func (s *Service) ExerciseView(ctx context.Context, id *auth.Identity, exerciseID string) (ExerciseView, error) {
	if err := signedIn(id); err != nil {
		return ExerciseView{}, err
	}
	now := s.now().UTC()
	var v ExerciseView
	err := s.db.Read(ctx, func(q db.Querier) error {
		e, err := s.getExercise(ctx, q, exerciseID)
		if err != nil {
			return err
		}
		if !exerciseReads(id, e) {
			return errs.NotFound("no such exercise")
		}
		v = ExerciseView{Exercise: e, Keeps: id.IsStaff() || id.IsSystem(), Writes: exerciseWrites(id, e), Injects: []Inject{}}
		injects, err := db.QueryAll(ctx, q, func(r db.Row) (Inject, error) {
			var i Inject
			return i, r.Scan(&i.ID, &i.Minute, &i.Title, &i.Body)
		}, `SELECT id, at_minute, title, body FROM training_injects WHERE exercise_id = $1 ORDER BY at_minute, created_at, id`, e.ID)
		if err != nil {
			return fmt.Errorf("training: injects: %w", err)
		}
		for _, i := range injects {
			i.At = e.StartsAt.Add(time.Duration(i.Minute) * time.Minute)
			if v.Keeps || !now.Before(i.At) {
				v.Injects = append(v.Injects, i)
			} else {
				v.Hidden++
			}
		}
		if v.Notes, err = db.QueryAll(ctx, q, func(r db.Row) (Note, error) {
			var n Note
			return n, r.Scan(&n.ID, &n.Kind, &n.Body, &n.OrgID, &n.CreatedBy, &n.CreatedAt)
		}, `SELECT id, kind, body, org_id, created_by, created_at FROM training_exercise_notes WHERE exercise_id = $1 ORDER BY created_at, id`, e.ID); err != nil {
			return fmt.Errorf("training: exercise notes: %w", err)
		}
		v.Actions, err = exerciseActions.Of(ctx, q, e.ID, now)
		return err
	})
	if err != nil {
		return ExerciseView{}, err
	}
	names := map[string]string{}
	for _, p := range v.Orgs {
		names[p.OrgID] = p.Name
	}
	for i, n := range v.Notes {
		if n.OrgID != nil {
			v.Notes[i].Org = names[*n.OrgID]
		}
	}
	for i, a := range v.Actions {
		v.Actions[i].OwnerOrg = names[a.OwnerOrgID]
	}
	return v, nil
}

// CreateExercise plans an exercise (staff). Audited.
func (s *Service) CreateExercise(ctx context.Context, id *auth.Identity, in ExerciseInput, loc *time.Location) (Exercise, error) {
	return s.saveExercise(ctx, id, "", in, loc)
}

// UpdateExercise changes an exercise (staff). Audited.
func (s *Service) UpdateExercise(ctx context.Context, id *auth.Identity, exerciseID string, in ExerciseInput, loc *time.Location) (Exercise, error) {
	if exerciseID == "" {
		return Exercise{}, errs.NotFound("no such exercise")
	}
	return s.saveExercise(ctx, id, exerciseID, in, loc)
}

func (s *Service) saveExercise(ctx context.Context, id *auth.Identity, exerciseID string, in ExerciseInput, loc *time.Location) (Exercise, error) {
	if err := mayKeep(id); err != nil {
		return Exercise{}, err
	}
	start, end, err := in.check(loc)
	var f errs.Fields
	if e := errs.As(err); e != nil {
		f = e.Fields
	}
	if len(in.Orgs) > 0 {
		known, err := s.orgNames(ctx, in.Orgs)
		if err != nil {
			return Exercise{}, err
		}
		for _, o := range in.Orgs {
			if _, ok := known[o]; !ok {
				f.Add("orgs", "no organisation %s", o)
			}
		}
	}
	if err := f.Err(); err != nil {
		return Exercise{}, err
	}
	now := s.now().UTC()
	var out Exercise
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var before *Exercise
		if exerciseID == "" {
			exerciseID = db.NewID()
			if _, err := tx.Exec(ctx, `INSERT INTO training_exercises (id, title, kind, scenario, objectives, starts_at, ends_at, created_by,
				created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`, exerciseID, in.Title, in.Kind, in.Scenario, in.Objectives,
				start, end, id.Label(), now); err != nil {
				return fmt.Errorf("training: add exercise: %w", err)
			}
		} else {
			old, err := s.getExercise(ctx, tx, exerciseID)
			if err != nil {
				return err
			}
			before = &old
			if _, err := tx.Exec(ctx, `UPDATE training_exercises SET title = $2, kind = $3, scenario = $4, objectives = $5, starts_at = $6,
				ends_at = $7, updated_at = $8 WHERE id = $1`, exerciseID, in.Title, in.Kind, in.Scenario, in.Objectives, start, end, now); err != nil {
				return fmt.Errorf("training: change exercise: %w", err)
			}
			if _, err := tx.Exec(ctx, `DELETE FROM training_exercise_orgs WHERE exercise_id = $1`, exerciseID); err != nil {
				return fmt.Errorf("training: exercise organisations: %w", err)
			}
		}
		for _, o := range in.Orgs {
			if _, err := tx.Exec(ctx, `INSERT INTO training_exercise_orgs (exercise_id, org_id) VALUES ($1, $2)`, exerciseID, o); err != nil {
				return fmt.Errorf("training: exercise organisations: %w", err)
			}
		}
		var err error
		if out, err = s.getExercise(ctx, tx, exerciseID); err != nil {
			return err
		}
		action, summary := "training.exercise.create", "planned exercise "+out.Title
		if before != nil {
			action, summary = "training.exercise.update", "changed exercise "+out.Title
		}
		ev := audit.Event{Action: action, ObjectType: "exercise", ObjectID: out.ID, Summary: summary, After: out}
		if before != nil {
			ev.Before = *before
		}
		return audit.Record(ctx, tx, now, ev)
	})
	return out, err
}

// AddInject adds an inject to an exercise (staff). Audited.
func (s *Service) AddInject(ctx context.Context, id *auth.Identity, exerciseID string, in InjectInput) (Inject, error) {
	if err := mayKeep(id); err != nil {
		return Inject{}, err
	}
	var f errs.Fields
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	f.Text("title", in.Title, true, maxTitle)
	f.Text("body", in.Body, true, maxText)
	if in.Minute < 0 || in.Minute > 60*24*14 {
		f.Add("minute", "minutes from the start, 0 to %d", 60*24*14)
	}
	if err := f.Err(); err != nil {
		return Inject{}, err
	}
	now := s.now().UTC()
	i := Inject{ID: db.NewID(), Minute: in.Minute, Title: in.Title, Body: in.Body}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		e, err := s.getExercise(ctx, tx, exerciseID)
		if err != nil {
			return err
		}
		i.At = e.StartsAt.Add(time.Duration(i.Minute) * time.Minute)
		if _, err := tx.Exec(ctx, `INSERT INTO training_injects (id, exercise_id, at_minute, title, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			i.ID, e.ID, i.Minute, i.Title, i.Body, now); err != nil {
			return fmt.Errorf("training: add inject: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "training.exercise.inject", ObjectType: "exercise", ObjectID: e.ID,
			Summary: fmt.Sprintf("added inject +%d min to %s: %s", i.Minute, e.Title, i.Title), After: i})
	})
	return i, err
}

// AddNote records an outcome or a lesson (the center, or a member above
// viewer of an organisation taking part). Audited.
func (s *Service) AddNote(ctx context.Context, id *auth.Identity, exerciseID string, in NoteInput) (Note, error) {
	if err := signedIn(id); err != nil {
		return Note{}, err
	}
	var f errs.Fields
	in.Kind, in.Body, in.OrgID = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Body), strings.TrimSpace(in.OrgID)
	if in.Kind != Outcome && in.Kind != Lesson {
		f.Add("kind", "outcome or lesson")
	}
	f.Text("body", in.Body, true, maxText)
	now := s.now().UTC()
	n := Note{ID: db.NewID(), Kind: in.Kind, Body: in.Body, CreatedBy: id.DisplayName(), CreatedAt: now}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		e, err := s.getExercise(ctx, tx, exerciseID)
		if err != nil {
			return err
		}
		if !exerciseReads(id, e) {
			return errs.NotFound("no such exercise")
		}
		if !exerciseWrites(id, e) {
			return errs.Forbidden("viewers read exercises; members record outcomes and lessons")
		}
		if in.OrgID != "" {
			if !slices.ContainsFunc(e.Orgs, func(p Participant) bool { return p.OrgID == in.OrgID }) {
				f.Add("org_id", "an organisation taking part")
			}
			n.OrgID = &in.OrgID
		}
		if err := f.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO training_exercise_notes (id, exercise_id, kind, body, org_id, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, n.ID, e.ID, n.Kind, n.Body, n.OrgID, n.CreatedBy, n.CreatedAt); err != nil {
			return fmt.Errorf("training: exercise note: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "training.exercise.note", ObjectType: "exercise", ObjectID: e.ID,
			Summary: "recorded a " + n.Kind + " of " + e.Title, After: n})
	})
	return n, err
}

// AddAction gives an organisation taking part a follow-up action (staff).
// Audited; the organisation is told.
func (s *Service) AddAction(ctx context.Context, id *auth.Identity, exerciseID string, in actions.Input) (actions.Action, error) {
	if err := mayKeep(id); err != nil {
		return actions.Action{}, err
	}
	check := in.Check()
	var f errs.Fields
	if e := errs.As(check); e != nil {
		f = e.Fields
	}
	now := s.now().UTC()
	var a actions.Action
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		e, err := s.getExercise(ctx, tx, exerciseID)
		if err != nil {
			return err
		}
		if in.OwnerOrgID != "" && !slices.ContainsFunc(e.Orgs, func(p Participant) bool { return p.OrgID == in.OwnerOrgID }) {
			f.Add("owner_org_id", "an organisation taking part")
		}
		if err := f.Err(); err != nil {
			return err
		}
		if a, err = exerciseActions.Add(ctx, tx, e.ID, in, id.Label(), now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "training.exercise.action", ObjectType: "exercise", ObjectID: e.ID,
			OrgID: a.OwnerOrgID, Summary: "follow-up action of " + e.Title + ": " + a.Title, After: a}); err != nil {
			return err
		}
		members, err := s.orgs.Members(ctx, system, a.OwnerOrgID)
		if err != nil {
			return err
		}
		to := auth.Handlers(members)
		due := ""
		if a.DueOn != "" {
			due = "\nDue: " + a.DueOn
		}
		return s.mail(ctx, tx, to, "training.exercise.action", "Follow-up action: "+e.Title,
			fmt.Sprintf("The exercise %s left your organisation an action:\n\n%s%s\n\n%s/console/training/exercises/%s#actions", e.Title, a.Title, due, s.baseURL, e.ID))
	})
	return a, err
}

// MoveAction marks an action done, dropped or open again: the center, or
// a member above viewer of the organisation that owns it. Audited.
func (s *Service) MoveAction(ctx context.Context, id *auth.Identity, exerciseID, actionID string, c actions.Change) (actions.Action, error) {
	if err := signedIn(id); err != nil {
		return actions.Action{}, err
	}
	now := s.now().UTC()
	var out actions.Action
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		e, err := s.getExercise(ctx, tx, exerciseID)
		if err != nil {
			return err
		}
		if !exerciseReads(id, e) {
			return errs.NotFound("no such exercise")
		}
		a, err := exerciseActions.Get(ctx, tx, e.ID, actionID, now)
		if err != nil {
			return err
		}
		if !id.IsStaff() && !id.IsSystem() && !id.RoleIn(a.OwnerOrgID).AtLeast(auth.RoleMember) {
			return errs.Forbidden("the organisation that owns the action, or the center, moves it")
		}
		if out, err = exerciseActions.Move(ctx, tx, a, c, id.Label(), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "training.exercise.action." + out.Status, ObjectType: "exercise", ObjectID: e.ID,
			OrgID: a.OwnerOrgID, Summary: "action of " + e.Title + " " + out.Status + ": " + a.Title, Before: a, After: out})
	})
	return out, err
}
