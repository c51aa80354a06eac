package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
)

// Actor is who caused a change. The zero Actor is the system itself.
type Actor struct {
	UserID string
	Email  string
	IP     string
}

type actorKey struct{}

// WithActor returns ctx carrying the actor that changes made under it are attributed to.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or the system actor.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// Event describes one change.
type Event struct {
	Action     string // verb phrase, dotted: "org.create", "user.password.change"
	ObjectType string // "org", "user", "token"
	ObjectID   string
	OrgID      string // the organisation the change concerns, if any
	Summary    string // one line for people: "created organisation Banking CERT"
	Before     any    // the object before (nil on create); marshalled as JSON
	After      any    // the object after (nil on delete)
}

// Entry is a stored audit record.
type Entry struct {
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	ActorID    string          `json:"actor_id"`
	ActorEmail string          `json:"actor_email"`
	ActorIP    string          `json:"actor_ip"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	OrgID      string          `json:"org_id,omitempty"`
	Summary    string          `json:"summary"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// Record appends ev to the log inside tx, attributed to the actor in ctx.
func Record(ctx context.Context, tx *db.Tx, at time.Time, ev Event) error {
	if ev.Action == "" || ev.ObjectType == "" {
		return fmt.Errorf("audit: event needs an action and an object type")
	}
	actor := ActorFrom(ctx)
	before, err := marshal(ev.Before)
	if err != nil {
		return fmt.Errorf("audit: %s: before: %w", ev.Action, err)
	}
	after, err := marshal(ev.After)
	if err != nil {
		return fmt.Errorf("audit: %s: after: %w", ev.Action, err)
	}
	e := Entry{
		At: at.UTC().Truncate(time.Microsecond), ActorID: actor.UserID, ActorEmail: actor.Email, ActorIP: actor.IP,
		Action: ev.Action, ObjectType: ev.ObjectType, ObjectID: ev.ObjectID, OrgID: ev.OrgID, Summary: ev.Summary,
		Before: before, After: after,
	}
	// Taking the next number locks the head row until commit (PostgreSQL) or
	// runs under the single writer (SQLite): the chain is never forked.
	if err := tx.QueryRow(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&e.Seq, &e.PrevHash); err != nil {
		return fmt.Errorf("audit: advance head: %w", err)
	}
	e.Hash = e.computeHash()
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (seq, at, actor_id, actor_email, actor_ip, action, object_type,
		object_id, org_id, summary, before_json, after_json, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		e.Seq, e.At, e.ActorID, e.ActorEmail, e.ActorIP, e.Action, e.ObjectType, e.ObjectID, e.OrgID, e.Summary,
		string(e.Before), string(e.After), e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, e.Hash); err != nil {
		return fmt.Errorf("audit: update head: %w", err)
	}
	return nil
}

func marshal(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return nil, nil
	}
	return b, nil
}

// computeHash is SHA-256 over the previous hash and the row's content as a
// JSON array in a fixed order (json.Marshal of strings is deterministic).
func (e *Entry) computeHash() string {
	content, _ := json.Marshal([]any{
		e.Seq, e.At.UTC().Format(time.RFC3339Nano), e.ActorID, e.ActorEmail, e.ActorIP, e.Action,
		e.ObjectType, e.ObjectID, e.OrgID, e.Summary, string(e.Before), string(e.After),
	})
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write([]byte{'\n'})
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

const entryColumns = `seq, at, actor_id, actor_email, actor_ip, action, object_type, object_id, org_id,
	summary, before_json, after_json, prev_hash, hash`

func scanEntry(r db.Row) (Entry, error) {
	var e Entry
	var before, after string
	err := r.Scan(&e.Seq, &e.At, &e.ActorID, &e.ActorEmail, &e.ActorIP, &e.Action, &e.ObjectType, &e.ObjectID,
		&e.OrgID, &e.Summary, &before, &after, &e.PrevHash, &e.Hash)
	if before != "" {
		e.Before = json.RawMessage(before)
	}
	if after != "" {
		e.After = json.RawMessage(after)
	}
	return e, err
}

// Problem is the first break Verify found in the chain.
type Problem struct {
	Seq    int64
	Reason string
}

func (p *Problem) Error() string { return fmt.Sprintf("audit log row %d: %s", p.Seq, p.Reason) }

// Report is the outcome of Verify.
type Report struct {
	Rows     int64    // rows checked
	HeadSeq  int64    // the newest sequence number recorded in the head
	HeadHash string   // the newest hash: anchor it elsewhere to detect a rewrite of the whole chain
	Problem  *Problem // nil when the chain is intact
}

// Rows is how many rows the log holds (its head's sequence number).
func Rows(ctx context.Context, q db.Querier) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&n)
	if errors.Is(err, db.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("audit: rows: %w", err)
	}
	return n, nil
}

// Verify walks the whole log in order and reports the first row that does not
// fit the chain: content changed (hash mismatch), a row missing (gap), or rows
// removed from the end (the head is ahead of the last row).
func Verify(ctx context.Context, d *db.DB) (Report, error) {
	var rep Report
	err := d.Read(ctx, func(q db.Querier) error {
		if err := q.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&rep.HeadSeq, &rep.HeadHash); err != nil {
			return fmt.Errorf("audit: read head: %w", err)
		}
		rows, err := q.Query(ctx, `SELECT `+entryColumns+` FROM audit_log ORDER BY seq`)
		if err != nil {
			return fmt.Errorf("audit: read log: %w", err)
		}
		defer rows.Close()
		var prev = ""
		var want int64 = 1
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				return fmt.Errorf("audit: read row: %w", err)
			}
			rep.Rows++
			switch {
			case e.Seq != want:
				rep.Problem = &Problem{Seq: want, Reason: fmt.Sprintf("missing: the log jumps from row %d to row %d (rows deleted)", want-1, e.Seq)}
			case e.PrevHash != prev:
				rep.Problem = &Problem{Seq: e.Seq, Reason: "its link to the previous row is broken (rows deleted, reordered or edited)"}
			case e.computeHash() != e.Hash:
				rep.Problem = &Problem{Seq: e.Seq, Reason: "its content does not match its hash (the row was edited)"}
			}
			if rep.Problem != nil {
				return nil
			}
			prev = e.Hash
			want++
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("audit: read log: %w", err)
		}
		last := want - 1
		switch {
		case last != rep.HeadSeq:
			rep.Problem = &Problem{Seq: last + 1, Reason: fmt.Sprintf("missing: the log ends at row %d but %d rows were written (rows deleted from the end)", last, rep.HeadSeq)}
		case prev != rep.HeadHash:
			rep.Problem = &Problem{Seq: last, Reason: "the newest row does not match the recorded head (the row was edited or replaced)"}
		}
		return nil
	})
	return rep, err
}

// Filter narrows List.
type Filter struct {
	ActorID    string
	Action     string // exact, or a prefix ending in "." ("org.")
	ObjectType string
	ObjectID   string
	OrgID      string
	Before     int64 // only rows with seq < Before (paging backwards from the newest)
	Limit      int
}

// List returns entries newest first, and the Before value of the next page (0 on the last).
func List(ctx context.Context, q db.Querier, f Filter) ([]Entry, int64, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.ActorID != "" {
		add("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			add(`action LIKE ? ESCAPE '\'`, db.EscapeLike(f.Action)+"%")
		} else {
			add("action = ?", f.Action)
		}
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if f.OrgID != "" {
		add("org_id = ?", f.OrgID)
	}
	if f.Before > 0 {
		add("seq < ?", f.Before)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	query := `SELECT ` + entryColumns + ` FROM audit_log`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += fmt.Sprintf(` ORDER BY seq DESC LIMIT %d`, limit+1)
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("audit: list: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("audit: list: %w", err)
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].Seq
	}
	return out, next, nil
}
