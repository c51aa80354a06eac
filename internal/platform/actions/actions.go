// Package actions keeps follow-up actions: what an organisation was asked
// to do, by when, and whether it was done. A council's decisions, an
// exercise's lessons and an assessment's findings each end in actions;
// each domain keeps them in a table of its own (Table names it) and this
// package reads and writes them the one way, with the overdue rule in one
// place.
package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Statuses of an action.
const (
	Open    = "open"
	Done    = "done"
	Dropped = "dropped" // no longer needed, with the reason in its note
)

// Action is one follow-up action.
type Action struct {
	ID         string `json:"id"`
	ParentID   string `json:"parent_id"` // the record it follows from (a meeting, an exercise)
	Title      string `json:"title"`
	OwnerOrgID string `json:"owner_org_id"`
	OwnerOrg   string `json:"owner_org,omitempty"` // the owner's name, filled in by the domain
	// DueOn is the day it is due (YYYY-MM-DD); "" when it has no date.
	DueOn     string     `json:"due_on,omitempty"`
	Status    string     `json:"status"`
	Note      string     `json:"note,omitempty"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
	DoneBy    string     `json:"done_by,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	// Overdue: open past its day.
	Overdue bool `json:"overdue"`
}

// Input is a new action.
type Input struct {
	Title      string `json:"title"`
	OwnerOrgID string `json:"owner_org_id"`
	DueOn      string `json:"due_on"`
}

// Change moves an action on: done, dropped (a note says why) or open again.
type Change struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

// Check tidies and checks a new action.
func (in *Input) Check() error {
	var f errs.Fields
	in.Title, in.OwnerOrgID, in.DueOn = strings.TrimSpace(in.Title), strings.TrimSpace(in.OwnerOrgID), strings.TrimSpace(in.DueOn)
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 1000 || strings.ContainsRune(in.Title, 0) {
		f.Add("title", "what is to be done, 1 to 1000 characters")
	}
	if in.OwnerOrgID == "" {
		f.Add("owner_org_id", "the organisation that owns it")
	}
	if in.DueOn != "" {
		if _, err := time.Parse("2006-01-02", in.DueOn); err != nil {
			f.Add("due_on", "a date, such as 2027-03-31")
		}
	}
	return f.Err()
}

// Table is a domain's actions table, with the columns id, parent_id,
// title, owner_org_id, due_on (TEXT, YYYY-MM-DD or empty), status, note,
// done_at, done_by, created_by and created_at.
type Table string

const cols = `id, parent_id, title, owner_org_id, due_on, status, note, done_at, done_by, created_by, created_at`

func scan(today string) func(db.Row) (Action, error) {
	return func(r db.Row) (Action, error) {
		var a Action
		err := r.Scan(&a.ID, &a.ParentID, &a.Title, &a.OwnerOrgID, &a.DueOn, &a.Status, &a.Note, &a.DoneAt, &a.DoneBy, &a.CreatedBy, &a.CreatedAt)
		a.Overdue = a.Status == Open && a.DueOn != "" && a.DueOn < today
		return a, err
	}
}

// Today is the day an action's due date is compared with.
func Today(now time.Time) string { return now.UTC().Format("2006-01-02") }

// Add writes a checked action of parentID.
func (t Table) Add(ctx context.Context, tx *db.Tx, parentID string, in Input, by string, now time.Time) (Action, error) {
	a := Action{ID: db.NewID(), ParentID: parentID, Title: in.Title, OwnerOrgID: in.OwnerOrgID, DueOn: in.DueOn, Status: Open,
		CreatedBy: by, CreatedAt: now.UTC()}
	_, err := tx.Exec(ctx, `INSERT INTO `+string(t)+` (`+cols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		a.ID, a.ParentID, a.Title, a.OwnerOrgID, a.DueOn, a.Status, a.Note, a.DoneAt, a.DoneBy, a.CreatedBy, a.CreatedAt)
	if err != nil {
		return Action{}, fmt.Errorf("actions: add: %w", err)
	}
	a.Overdue = a.DueOn != "" && a.DueOn < Today(now)
	return a, nil
}

// Of answers the actions of parentID, the soonest due first (those
// without a date last).
func (t Table) Of(ctx context.Context, q db.Querier, parentID string, now time.Time) ([]Action, error) {
	out, err := db.QueryAll(ctx, q, scan(Today(now)), `SELECT `+cols+` FROM `+string(t)+` WHERE parent_id = $1
		ORDER BY CASE WHEN due_on = '' THEN 1 ELSE 0 END, due_on, created_at, id`, parentID)
	if err != nil {
		return nil, fmt.Errorf("actions: list: %w", err)
	}
	return out, nil
}

// Get answers one action of parentID.
func (t Table) Get(ctx context.Context, q db.Querier, parentID, id string, now time.Time) (Action, error) {
	a, err := scan(Today(now))(q.QueryRow(ctx, `SELECT `+cols+` FROM `+string(t)+` WHERE id = $1 AND parent_id = $2`, id, parentID))
	if errors.Is(err, db.ErrNoRows) {
		return Action{}, errs.NotFound("no such action")
	}
	if err != nil {
		return Action{}, fmt.Errorf("actions: get: %w", err)
	}
	return a, nil
}

// Move applies a change to an action: done (when), dropped (the note
// says why) or open again. It answers the action as it now is.
func (t Table) Move(ctx context.Context, tx *db.Tx, a Action, c Change, by string, now time.Time) (Action, error) {
	c.Status, c.Note = strings.TrimSpace(c.Status), strings.TrimSpace(c.Note)
	var f errs.Fields
	switch c.Status {
	case Done, Open:
	case Dropped:
		if c.Note == "" {
			f.Add("note", "say why it is no longer needed")
		}
	default:
		f.Add("status", "done, dropped or open")
	}
	if utf8.RuneCountInString(c.Note) > 2000 || strings.ContainsRune(c.Note, 0) {
		f.Add("note", "at most 2000 characters")
	}
	if err := f.Err(); err != nil {
		return Action{}, err
	}
	if c.Status == a.Status {
		return Action{}, errs.Conflict("the action is %s already", a.Status)
	}
	a.Status, a.Note, a.DoneAt, a.DoneBy = c.Status, c.Note, nil, ""
	if c.Status != Open {
		at := now.UTC()
		a.DoneAt, a.DoneBy = &at, by
	}
	if _, err := tx.Exec(ctx, `UPDATE `+string(t)+` SET status = $2, note = $3, done_at = $4, done_by = $5 WHERE id = $1`,
		a.ID, a.Status, a.Note, a.DoneAt, a.DoneBy); err != nil {
		return Action{}, fmt.Errorf("actions: move: %w", err)
	}
	a.Overdue = a.Status == Open && a.DueOn != "" && a.DueOn < Today(now)
	return a, nil
}

// Overdue answers the open actions past their day, the longest overdue
// first, of the owners given (every owner when owners is nil).
func (t Table) Overdue(ctx context.Context, q db.Querier, owners []string, now time.Time, limit int) ([]Action, error) {
	var a db.Args
	where := `status = 'open' AND due_on <> '' AND due_on < ` + a.Add(Today(now))
	if owners != nil {
		if len(owners) == 0 {
			return []Action{}, nil
		}
		where += ` AND owner_org_id IN (` + db.In(&a, owners) + `)`
	}
	out, err := db.QueryAll(ctx, q, scan(Today(now)), `SELECT `+cols+` FROM `+string(t)+` WHERE `+where+` ORDER BY due_on, id LIMIT `+a.Add(limit), a...)
	if err != nil {
		return nil, fmt.Errorf("actions: overdue: %w", err)
	}
	return out, nil
}

// ToRemind answers the open actions due within ahead of now (those
// overdue too) whose owners were not reminded in the last every: for a
// table that also has reminded_at (TIMESTAMPTZ, NULL until the first
// reminder).
func (t Table) ToRemind(ctx context.Context, q db.Querier, now time.Time, ahead, every time.Duration, limit int) ([]Action, error) {
	out, err := db.QueryAll(ctx, q, scan(Today(now)), `SELECT `+cols+` FROM `+string(t)+`
		WHERE status = 'open' AND due_on <> '' AND due_on <= $1 AND (reminded_at IS NULL OR reminded_at < $2)
		ORDER BY due_on, id LIMIT $3`, Today(now.Add(ahead)), now.Add(-every), limit)
	if err != nil {
		return nil, fmt.Errorf("actions: to remind: %w", err)
	}
	return out, nil
}

// Reminded records that the owners of ids were reminded at now.
func (t Table) Reminded(ctx context.Context, tx *db.Tx, ids []string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	var a db.Args
	at := a.Add(now.UTC())
	if _, err := tx.Exec(ctx, `UPDATE `+string(t)+` SET reminded_at = `+at+` WHERE id IN (`+db.In(&a, ids)+`)`, a...); err != nil {
		return fmt.Errorf("actions: reminded: %w", err)
	}
	return nil
}

// All answers the actions of the owners given (every owner when owners is
// nil): open ones first, the soonest due first, then the rest, the latest
// closed first.
func (t Table) All(ctx context.Context, q db.Querier, owners []string, now time.Time, limit int) ([]Action, error) {
	var a db.Args
	where := "1 = 1"
	if owners != nil {
		if len(owners) == 0 {
			return []Action{}, nil
		}
		where = `owner_org_id IN (` + db.In(&a, owners) + `)`
	}
	out, err := db.QueryAll(ctx, q, scan(Today(now)), `SELECT `+cols+` FROM `+string(t)+` WHERE `+where+`
		ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, CASE WHEN due_on = '' THEN 1 ELSE 0 END, due_on, created_at, id LIMIT `+a.Add(limit), a...)
	if err != nil {
		return nil, fmt.Errorf("actions: all: %w", err)
	}
	return out, nil
}
