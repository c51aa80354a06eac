package timeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
)

// Event is one entry of a case's timeline.
type Event struct {
	Seq       int64     `json:"seq"`
	Kind      string    `json:"kind"`
	Summary   string    `json:"summary"`
	Actor     string    `json:"actor"`
	Anchor    string    `json:"anchor,omitempty"`
	Unread    bool      `json:"unread"`
	CreatedAt time.Time `json:"created_at"`
}

// Entry is an event with who may see it, as stored.
type Entry struct {
	Event
	Visibility string  // one of vdp's visibilities
	OrgID      *string // the organisation an entry about a vendor concerns
}

// Add appends to the case's timeline, in the caller's transaction.
func Add(ctx context.Context, tx *db.Tx, caseID, kind, summary, visibility string, orgID *string, actor, anchor string, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO vdp_events (case_id, kind, summary, visibility, org_id, actor, anchor, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, caseID, kind, summary, visibility, orgID, actor, anchor, at)
	if err != nil {
		return fmt.Errorf("vdp: event: %w", err)
	}
	return nil
}

// List returns the case's latest limit entries, newest first.
func List(ctx context.Context, q db.Querier, caseID string, limit int) ([]Entry, error) {
	rows, err := q.Query(ctx, fmt.Sprintf(`SELECT seq, kind, summary, visibility, org_id, actor, anchor, created_at
		FROM vdp_events WHERE case_id = $1 ORDER BY seq DESC LIMIT %d`, limit), caseID)
	if err != nil {
		return nil, fmt.Errorf("vdp: events: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Seq, &e.Kind, &e.Summary, &e.Visibility, &e.OrgID, &e.Actor, &e.Anchor, &e.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// LastRead returns what userID had seen of caseID: the last timeline entry
// and the last post.
func LastRead(ctx context.Context, q db.Querier, userID, caseID string) (eventSeq, postSeq int64, err error) {
	err = q.QueryRow(ctx, `SELECT event_seq, post_seq FROM vdp_reads WHERE user_id = $1 AND case_id = $2`, userID, caseID).Scan(&eventSeq, &postSeq)
	if errors.Is(err, db.ErrNoRows) {
		return 0, 0, nil
	}
	return eventSeq, postSeq, err
}

// MarkRead records that userID has seen caseID up to the given sequences
// (a mark never goes back); nothing for the system ("").
func MarkRead(ctx context.Context, q db.Querier, userID, caseID string, eventSeq, postSeq int64, now time.Time) error {
	if userID == "" {
		return nil
	}
	_, err := q.Exec(ctx, `INSERT INTO vdp_reads (user_id, case_id, event_seq, post_seq, seen_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id, case_id) DO UPDATE SET
		event_seq = CASE WHEN excluded.event_seq > vdp_reads.event_seq THEN excluded.event_seq ELSE vdp_reads.event_seq END,
		post_seq = CASE WHEN excluded.post_seq > vdp_reads.post_seq THEN excluded.post_seq ELSE vdp_reads.post_seq END,
		seen_at = excluded.seen_at`, userID, caseID, eventSeq, postSeq, now)
	return err
}
