package threads

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	pthreads "github.com/certhub/certhub/internal/platform/threads"
)

// Insert writes a new thread, in the caller's transaction.
func Insert(ctx context.Context, tx *db.Tx, t Thread) error {
	_, err := tx.Exec(ctx, `INSERT INTO vdp_threads (id, case_id, title, visibility, vendor_org_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, t.CaseID, t.Title, t.Visibility, t.VendorOrgID, t.CreatedAt)
	if err != nil {
		return fmt.Errorf("vdp: thread: %w", err)
	}
	return nil
}

// OpenDefaults opens the threads every new case has: the coordination
// thread of all participants and the center's internal notes.
func OpenDefaults(ctx context.Context, tx *db.Tx, caseID string, now time.Time) error {
	for _, t := range []Thread{{Title: "Coordination", Visibility: Participants}, {Title: "Internal notes", Visibility: Internal}} {
		t.ID, t.CaseID, t.CreatedAt = db.NewID(), caseID, now
		if err := Insert(ctx, tx, t); err != nil {
			return err
		}
	}
	return nil
}

// EnsureVendor opens the thread between the center and a vendor of the
// case ("With" the vendor's name) unless the vendor has one.
func EnsureVendor(ctx context.Context, tx *db.Tx, caseID, orgID, orgName string, now time.Time) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM vdp_threads WHERE case_id = $1 AND vendor_org_id = $2`, caseID, orgID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return Insert(ctx, tx, Thread{ID: db.NewID(), CaseID: caseID, Title: "With " + orgName, Visibility: Vendor, VendorOrgID: &orgID, CreatedAt: now})
}

// List returns a case's threads, oldest first, with their post counts.
func List(ctx context.Context, q db.Querier, caseID string) ([]Thread, error) {
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

// Get returns a thread of the case; not found when the case has no such
// thread.
func Get(ctx context.Context, q db.Querier, caseID, threadID string) (Thread, error) {
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

// tables are the case threads' tables for the platform's thread
// mechanism: each post repeats its thread's case_id.
var tables = pthreads.Tables{Threads: "vdp_threads", Posts: "vdp_posts", Copy: []string{"case_id"}}

// Posts returns the latest limit posts of t (those before seq before, when
// it is not 0), oldest first; posts after readSeq are marked unread.
func Posts(ctx context.Context, q db.Querier, t Thread, before int64, limit int, readSeq int64) (Page, error) {
	pg, err := tables.List(ctx, q, t.ID, before, limit, readSeq)
	return Page{Thread: t, Posts: pg.Posts, Older: pg.Older}, err
}

// AddPost writes p in its thread, in the caller's transaction, and sets
// its seq. authorUserID is "" for the system.
func AddPost(ctx context.Context, tx *db.Tx, authorUserID string, p *Post) error {
	return tables.Add(ctx, tx, authorUserID, p)
}

// Unread counts, per thread of the case, the posts after seq.
func Unread(ctx context.Context, q db.Querier, caseID string, seq int64) (map[string]int, error) {
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
