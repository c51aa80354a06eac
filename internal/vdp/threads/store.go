package threads

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
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

// Posts returns the latest limit posts of t (those before seq before, when
// it is not 0), oldest first; posts after readSeq are marked unread.
func Posts(ctx context.Context, q db.Querier, t Thread, before int64, limit int, readSeq int64) (Page, error) {
	pg := Page{Thread: t}
	cond, args := `thread_id = $1`, []any{t.ID}
	if before > 0 {
		cond += ` AND seq < $2`
		args = append(args, before)
	}
	rows, err := q.Query(ctx, fmt.Sprintf(`SELECT seq, id, thread_id, author_name, author_org_id, body, created_at
		FROM vdp_posts WHERE %s ORDER BY seq DESC LIMIT %d`, cond, limit+1), args...)
	if err != nil {
		return pg, fmt.Errorf("vdp: posts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Post
		if err := rows.Scan(&p.Seq, &p.ID, &p.ThreadID, &p.AuthorName, &p.AuthorOrg, &p.Body, &p.CreatedAt); err != nil {
			return pg, err
		}
		p.Unread = p.Seq > readSeq
		pg.Posts = append(pg.Posts, p)
	}
	if err := rows.Err(); err != nil {
		return pg, err
	}
	if len(pg.Posts) > limit {
		pg.Posts = pg.Posts[:limit]
		pg.Older = pg.Posts[limit-1].Seq
	}
	// Oldest first on the page.
	for i, j := 0, len(pg.Posts)-1; i < j; i, j = i+1, j-1 {
		pg.Posts[i], pg.Posts[j] = pg.Posts[j], pg.Posts[i]
	}
	if pg.Posts == nil {
		pg.Posts = []Post{}
	}
	return pg, nil
}

// AddPost writes p in its thread of caseID, in the caller's transaction,
// and sets its seq. authorUserID is "" for the system.
func AddPost(ctx context.Context, tx *db.Tx, caseID, authorUserID string, p *Post) error {
	var user *string
	if authorUserID != "" {
		user = &authorUserID
	}
	if err := tx.QueryRow(ctx, `INSERT INTO vdp_posts (id, thread_id, case_id, author_user_id, author_org_id, author_name, body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`, p.ID, p.ThreadID, caseID, user, p.AuthorOrg, p.AuthorName, p.Body, p.CreatedAt).Scan(&p.Seq); err != nil {
		return fmt.Errorf("vdp: post: %w", err)
	}
	return nil
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
