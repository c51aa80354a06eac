package thread

import (
	"context"
	"errors"
	"fmt"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

func insertThread(ctx context.Context, tx *db.Tx, t Thread) error {
	if _, err := tx.Exec(ctx, `INSERT INTO coordination_threads (id, title, tlp, created_by, created_org_id, created_at, last_post_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.ID, t.Title, t.TLP, t.CreatedBy, t.CreatedOrgID, t.CreatedAt, t.LastPostAt); err != nil {
		return fmt.Errorf("thread: insert: %w", err)
	}
	for _, m := range t.Orgs {
		if err := insertMember(ctx, tx, t.ID, m); err != nil {
			return err
		}
	}
	return nil
}

func insertMember(ctx context.Context, tx *db.Tx, threadID string, m Member) error {
	_, err := tx.Exec(ctx, `INSERT INTO coordination_thread_orgs (thread_id, org_id, added_by, added_at) VALUES ($1, $2, $3, $4)`,
		threadID, m.OrgID, m.AddedBy, m.AddedAt)
	if err != nil {
		return fmt.Errorf("thread: member: %w", err)
	}
	return nil
}

// getThread answers a thread with its organisations (without their names).
func getThread(ctx context.Context, q db.Querier, id string) (Thread, error) {
	var t Thread
	err := q.QueryRow(ctx, `SELECT t.id, t.title, t.tlp, t.created_by, t.created_org_id, t.created_at, t.last_post_at,
		(SELECT COUNT(*) FROM coordination_posts p WHERE p.thread_id = t.id)
		FROM coordination_threads t WHERE t.id = $1`, id).Scan(&t.ID, &t.Title, &t.TLP, &t.CreatedBy, &t.CreatedOrgID, &t.CreatedAt, &t.LastPostAt, &t.Posts)
	if errors.Is(err, db.ErrNoRows) {
		return t, errs.NotFound("no such thread")
	}
	if err != nil {
		return t, fmt.Errorf("thread: get: %w", err)
	}
	t.Orgs, err = db.QueryAll(ctx, q, func(r db.Row) (Member, error) {
		var m Member
		err := r.Scan(&m.OrgID, &m.AddedBy, &m.AddedAt)
		return m, err
	}, `SELECT org_id, added_by, added_at FROM coordination_thread_orgs WHERE thread_id = $1 ORDER BY added_at, org_id`, id)
	return t, err
}

// listThreads answers the threads of orgs, the latest active first, a page
// after cursor, with the posts each has and those userID has not read.
func listThreads(ctx context.Context, q db.Querier, orgs []string, userID string, limit int, cursor string) ([]Thread, string, error) {
	if len(orgs) == 0 {
		return []Thread{}, "", nil
	}
	args := db.Args{}
	where := `t.id IN (SELECT thread_id FROM coordination_thread_orgs WHERE org_id IN (` + db.In(&args, orgs) + `))`
	if after, err := db.Keyset(&args, cursor, "t.last_post_at", "t.id", true); err != nil {
		return nil, "", err
	} else if after != "" {
		where += ` AND ` + after
	}
	user := args.Add(userID)
	list, err := db.QueryAll(ctx, q, func(r db.Row) (Thread, error) {
		var t Thread
		err := r.Scan(&t.ID, &t.Title, &t.TLP, &t.CreatedBy, &t.CreatedOrgID, &t.CreatedAt, &t.LastPostAt, &t.Posts, &t.Unread)
		return t, err
	}, `SELECT t.id, t.title, t.tlp, t.created_by, t.created_org_id, t.created_at, t.last_post_at,
		(SELECT COUNT(*) FROM coordination_posts p WHERE p.thread_id = t.id),
		(SELECT COUNT(*) FROM coordination_posts p WHERE p.thread_id = t.id AND p.seq > COALESCE(
			(SELECT r.seq FROM coordination_thread_reads r WHERE r.thread_id = t.id AND r.user_id = `+user+`), 0))
		FROM coordination_threads t WHERE `+where+` ORDER BY t.last_post_at DESC, t.id DESC LIMIT `+args.Add(limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("thread: list: %w", err)
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = db.TimeCursor(last.LastPostAt, last.ID)
	}
	for i := range list {
		list[i].Orgs, err = db.QueryAll(ctx, q, func(r db.Row) (Member, error) {
			var m Member
			err := r.Scan(&m.OrgID, &m.AddedBy, &m.AddedAt)
			return m, err
		}, `SELECT org_id, added_by, added_at FROM coordination_thread_orgs WHERE thread_id = $1 ORDER BY added_at, org_id`, list[i].ID)
		if err != nil {
			return nil, "", err
		}
	}
	return list, next, nil
}

func readSeq(ctx context.Context, q db.Querier, threadID, userID string) (int64, error) {
	var seq int64
	err := q.QueryRow(ctx, `SELECT seq FROM coordination_thread_reads WHERE thread_id = $1 AND user_id = $2`, threadID, userID).Scan(&seq)
	if errors.Is(err, db.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

// markRead records that userID has read the thread up to seq (never back).
func markRead(ctx context.Context, tx *db.Tx, threadID, userID string, seq int64) error {
	if userID == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO coordination_thread_reads (thread_id, user_id, seq) VALUES ($1, $2, $3)
		ON CONFLICT (thread_id, user_id) DO UPDATE SET seq = excluded.seq WHERE coordination_thread_reads.seq < excluded.seq`, threadID, userID, seq)
	return err
}
