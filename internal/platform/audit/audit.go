package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
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
	Seq        int64           `json:"seq"`      // orders the whole log
	Lane       int             `json:"lane"`     // the chain it is in (0: rows written before lanes)
	LaneSeq    int64           `json:"lane_seq"` // its place in that chain
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
	// Taking the lane's next number locks its head row until commit
	// (PostgreSQL) or runs under the single writer (SQLite): the lane's
	// chain is never forked.
	if e.Lane, e.LaneSeq, e.PrevHash, e.Seq, err = takeLane(ctx, tx); err != nil {
		return err
	}
	e.Hash = e.computeHash()
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (seq, lane, lane_seq, at, actor_id, actor_email, actor_ip, action, object_type,
		object_id, org_id, summary, before_json, after_json, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		e.Seq, e.Lane, e.LaneSeq, e.At, e.ActorID, e.ActorEmail, e.ActorIP, e.Action, e.ObjectType, e.ObjectID, e.OrgID, e.Summary,
		string(e.Before), string(e.After), e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_lanes SET hash = $1 WHERE lane = $2`, e.Hash, e.Lane); err != nil {
		return fmt.Errorf("audit: update head: %w", err)
	}
	return nil
}

// Lanes is how many chains the log is written in: as many transactions
// as this may be writing audit rows at once without waiting for another.
const Lanes = 16

type laneKey struct{}

// takeLane advances the head of a lane for tx and answers the lane, the
// new row's place in it, the previous row's hash and the row's number in
// the whole log. A transaction keeps the lane it took (its head row stays
// locked until the commit) and so never waits for a second one; a new one
// takes the lowest lane no other transaction holds, or waits for one only
// when all are held.
func takeLane(ctx context.Context, tx *db.Tx) (lane int, laneSeq int64, prev string, seq int64, err error) {
	if tx.Serialized() {
		// SQLite: no other writer, one chain; the next number after the largest.
		err = tx.QueryRow(ctx, `UPDATE audit_lanes SET seq = seq + 1 WHERE lane = 1
			RETURNING lane, seq, hash, (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log)`).Scan(&lane, &laneSeq, &prev, &seq)
		if err != nil {
			return 0, 0, "", 0, fmt.Errorf("audit: advance head: %w", err)
		}
		return lane, laneSeq, prev, seq, nil
	}
	const returning = ` RETURNING a.lane, a.seq, a.hash, nextval('audit_seq')`
	held, _ := tx.Memo(laneKey{}).(int)
	if held > 0 {
		err = tx.QueryRow(ctx, `UPDATE audit_lanes a SET seq = a.seq + 1 WHERE a.lane = $1`+returning, held).Scan(&lane, &laneSeq, &prev, &seq)
	} else {
		err = tx.QueryRow(ctx, `UPDATE audit_lanes a SET seq = a.seq + 1
			FROM (SELECT lane FROM audit_lanes ORDER BY lane LIMIT 1 FOR UPDATE SKIP LOCKED) free
			WHERE a.lane = free.lane`+returning).Scan(&lane, &laneSeq, &prev, &seq)
		if errors.Is(err, db.ErrNoRows) {
			err = tx.QueryRow(ctx, `UPDATE audit_lanes a SET seq = a.seq + 1 WHERE a.lane = $1`+returning,
				1+rand.IntN(Lanes)).Scan(&lane, &laneSeq, &prev, &seq)
		}
	}
	if err != nil {
		return 0, 0, "", 0, fmt.Errorf("audit: advance head: %w", err)
	}
	tx.SetMemo(laneKey{}, lane)
	return lane, laneSeq, prev, seq, nil
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
// A lane's rows also cover the lane, their place in it and the row's
// number in the whole log; rows of lane 0 keep the form they were written
// in.
func (e *Entry) computeHash() string {
	fields := []any{e.Seq, e.At.UTC().Format(time.RFC3339Nano), e.ActorID, e.ActorEmail, e.ActorIP, e.Action,
		e.ObjectType, e.ObjectID, e.OrgID, e.Summary, string(e.Before), string(e.After)}
	if e.Lane > 0 {
		fields = append([]any{"lane", e.Lane, e.LaneSeq}, fields...)
	}
	content, _ := json.Marshal(fields)
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write([]byte{'\n'})
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

const entryColumns = `seq, lane, lane_seq, at, actor_id, actor_email, actor_ip, action, object_type, object_id, org_id,
	summary, before_json, after_json, prev_hash, hash`

func scanEntry(r db.Row) (Entry, error) {
	var e Entry
	var before, after string
	err := r.Scan(&e.Seq, &e.Lane, &e.LaneSeq, &e.At, &e.ActorID, &e.ActorEmail, &e.ActorIP, &e.Action, &e.ObjectType, &e.ObjectID,
		&e.OrgID, &e.Summary, &before, &after, &e.PrevHash, &e.Hash)
	if before != "" {
		e.Before = json.RawMessage(before)
	}
	if after != "" {
		e.After = json.RawMessage(after)
	}
	return e, err
}

// Problem is the first break Verify found in a chain: the lane and the
// place in it (for lane 0, the rows written before lanes, that is the
// row's seq).
type Problem struct {
	Lane   int
	Seq    int64
	Reason string
}

func (p *Problem) Error() string {
	return fmt.Sprintf("audit log lane %d, row %d: %s", p.Lane, p.Seq, p.Reason)
}

// Report is the outcome of Verify.
type Report struct {
	Rows    int64 // rows checked
	HeadSeq int64 // how many rows the heads say were written, in every lane
	// HeadHash is SHA-256 over every lane's head (its number, its count
	// and its newest hash): anchor it elsewhere to detect a rewrite of
	// the whole log.
	HeadHash string
	Problem  *Problem // nil when every chain is intact
}

type head struct {
	seq  int64
	hash string
}

// heads reads every lane's head; lane 0 is the chain written before lanes.
func heads(ctx context.Context, q db.Querier) (map[int]head, error) {
	out := map[int]head{}
	var h head
	switch err := q.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&h.seq, &h.hash); {
	case errors.Is(err, db.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("audit: read head: %w", err)
	default:
		out[0] = h
	}
	rows, err := q.Query(ctx, `SELECT lane, seq, hash FROM audit_lanes`)
	if err != nil {
		return nil, fmt.Errorf("audit: read heads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var lane int
		if err := rows.Scan(&lane, &h.seq, &h.hash); err != nil {
			return nil, fmt.Errorf("audit: read heads: %w", err)
		}
		out[lane] = h
	}
	return out, rows.Err()
}

// Rows is how many rows the log holds (its heads' counts).
func Rows(ctx context.Context, q db.Querier) (int64, error) {
	hs, err := heads(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("audit: rows: %w", err)
	}
	var n int64
	for _, h := range hs {
		n += h.seq
	}
	return n, nil
}

// Verify walks every lane in order and reports the first row that does
// not fit its chain: content changed (hash mismatch), a row missing (gap),
// rows removed from the end (the head is ahead of the last row), or rows
// in a lane that has no head.
func Verify(ctx context.Context, d *db.DB) (Report, error) {
	var rep Report
	err := d.Read(ctx, func(q db.Querier) error {
		hs, err := heads(ctx, q)
		if err != nil {
			return err
		}
		lanes := slices.Sorted(maps.Keys(hs))
		sum := sha256.New()
		for _, l := range lanes {
			rep.HeadSeq += hs[l].seq
			fmt.Fprintf(sum, "%d %d %s\n", l, hs[l].seq, hs[l].hash)
		}
		rep.HeadHash = hex.EncodeToString(sum.Sum(nil))
		rows, err := q.Query(ctx, `SELECT `+entryColumns+` FROM audit_log ORDER BY lane, lane_seq`)
		if err != nil {
			return fmt.Errorf("audit: read log: %w", err)
		}
		defer rows.Close()
		lane, prev, want := -1, "", int64(1)
		// end checks that lane's chain reached its head.
		end := func() {
			if lane < 0 || rep.Problem != nil {
				return
			}
			h, last := hs[lane], want-1
			switch {
			case last != h.seq:
				rep.Problem = &Problem{Lane: lane, Seq: last + 1, Reason: fmt.Sprintf("missing: the lane ends at row %d but %d rows were written (rows deleted from the end)", last, h.seq)}
			case prev != h.hash:
				rep.Problem = &Problem{Lane: lane, Seq: last, Reason: "the newest row does not match the recorded head (the row was edited or replaced)"}
			}
		}
		seen := map[int]bool{}
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				return fmt.Errorf("audit: read row: %w", err)
			}
			if e.Lane != lane {
				end()
				if rep.Problem != nil {
					return nil
				}
				lane, prev, want = e.Lane, "", 1
				seen[lane] = true
				if _, ok := hs[lane]; !ok {
					rep.Problem = &Problem{Lane: lane, Seq: e.LaneSeq, Reason: "its lane has no head (the head was deleted)"}
					return nil
				}
			}
			rep.Rows++
			switch {
			case e.LaneSeq != want:
				rep.Problem = &Problem{Lane: lane, Seq: want, Reason: fmt.Sprintf("missing: the lane jumps from row %d to row %d (rows deleted)", want-1, e.LaneSeq)}
			case e.PrevHash != prev:
				rep.Problem = &Problem{Lane: lane, Seq: e.LaneSeq, Reason: "its link to the previous row is broken (rows deleted, reordered or edited)"}
			case e.computeHash() != e.Hash:
				rep.Problem = &Problem{Lane: lane, Seq: e.LaneSeq, Reason: "its content does not match its hash (the row was edited)"}
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
		end()
		for _, l := range lanes {
			if rep.Problem == nil && !seen[l] && hs[l].seq > 0 {
				rep.Problem = &Problem{Lane: l, Seq: 1, Reason: fmt.Sprintf("missing: the lane has no rows but %d were written (rows deleted from the end)", hs[l].seq)}
			}
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
