package vdp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

func listThreads(ctx context.Context, q db.Querier, caseID string) ([]Thread, error) {
	rows, err := q.Query(ctx, `SELECT t.id, t.case_id, t.title, t.visibility, t.vendor_org_id, t.created_at,
		COUNT(p.seq), MAX(p.created_at)
		FROM vdp_threads t LEFT JOIN vdp_posts p ON p.thread_id = t.id
		WHERE t.case_id = $1 GROUP BY t.id, t.case_id, t.title, t.visibility, t.vendor_org_id, t.created_at
		ORDER BY t.created_at, t.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("vdp: threads: %w", err)
	}
	defer rows.Close()
	out := []Thread{}
	for rows.Next() {
		var t Thread
		var last *time.Time
		if err := rows.Scan(&t.ID, &t.CaseID, &t.Title, &t.Visibility, &t.VendorOrgID, &t.CreatedAt, &t.Posts, &last); err != nil {
			return nil, err
		}
		if last != nil {
			t.LastPostAt = *last
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func getThread(ctx context.Context, q db.Querier, caseID, threadID string) (Thread, error) {
	var t Thread
	err := q.QueryRow(ctx, `SELECT id, case_id, title, visibility, vendor_org_id, created_at FROM vdp_threads
		WHERE id = $1 AND case_id = $2`, threadID, caseID).Scan(&t.ID, &t.CaseID, &t.Title, &t.Visibility, &t.VendorOrgID, &t.CreatedAt)
	if errors.Is(err, db.ErrNoRows) {
		return t, errs.NotFound("thread not found")
	}
	if err != nil {
		return t, fmt.Errorf("vdp: thread: %w", err)
	}
	return t, nil
}

// unreadPosts counts, per thread, the posts after seq.
func unreadPosts(ctx context.Context, q db.Querier, caseID string, seq int64) (map[string]int, error) {
	rows, err := q.Query(ctx, `SELECT thread_id, COUNT(*) FROM vdp_posts WHERE case_id = $1 AND seq > $2 GROUP BY thread_id`, caseID, seq)
	if err != nil {
		return nil, fmt.Errorf("vdp: unread: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}
