package thread

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	pthreads "github.com/certhub/certhub/internal/platform/threads"
)

// File is a file a post of a thread carries: the thread's members read it.
type File struct {
	ID          string    `json:"id"`
	PostID      string    `json:"post_id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// Attach stages an upload (before any transaction) and posts it in the
// thread, as a post of its own that the others are told of. The writer
// is checked before the upload is stored.
func (s *Service) Attach(ctx context.Context, id *auth.Identity, threadID, asOrg, filename string, body io.Reader) (Post, error) {
	if s.o.Files == nil {
		return Post{}, errs.Conflict("this server keeps no files")
	}
	var t Thread
	if err := s.o.DB.Read(ctx, func(q db.Querier) error {
		var err error
		t, err = s.load(ctx, q, id, threadID)
		return err
	}); err != nil {
		return Post{}, err
	}
	if len(writesFor(id, orgIDs(t.Orgs))) == 0 {
		return Post{}, errs.Forbidden("viewers read threads; members attach files")
	}
	st, err := s.o.Files.Stage(ctx, filename, body)
	if err != nil {
		return Post{}, err
	}
	return s.post(ctx, id, threadID, asOrg, fmt.Sprintf("Attached %s (%d bytes).", st.Filename, st.Size), pthreads.ViaWeb, &st)
}

func insertFile(ctx context.Context, tx *db.Tx, threadID, postID string, st files.Staged, by string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO coordination_thread_files (id, thread_id, post_id, filename, content_type, size, sha256, uploaded_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, db.NewID(), threadID, postID, st.Filename, st.ContentType, st.Size, st.SHA256, by, now)
	if err != nil {
		return fmt.Errorf("thread: file: %w", err)
	}
	return nil
}

// filesOf answers the files the posts carry.
func filesOf(ctx context.Context, q db.Querier, threadID string, posts []Post) ([]File, error) {
	out := []File{}
	if len(posts) == 0 {
		return out, nil
	}
	ids := make([]string, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	args := db.Args{}
	cond := `thread_id = ` + args.Add(threadID) + ` AND post_id IN (` + db.In(&args, ids) + `)`
	list, err := db.QueryAll(ctx, q, func(r db.Row) (File, error) {
		var f File
		err := r.Scan(&f.ID, &f.PostID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &f.CreatedAt)
		return f, err
	}, `SELECT id, post_id, filename, content_type, size, sha256, uploaded_by, created_at FROM coordination_thread_files WHERE `+cond+
		` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	return append(out, list...), nil
}

// OpenFile answers a file of a thread the reader may see, and its
// content (closed by the caller).
func (s *Service) OpenFile(ctx context.Context, id *auth.Identity, threadID, fileID string) (File, io.ReadCloser, error) {
	var f File
	err := s.o.DB.Read(ctx, func(q db.Querier) error {
		t, err := s.load(ctx, q, id, threadID)
		if err != nil {
			return err
		}
		err = q.QueryRow(ctx, `SELECT id, post_id, filename, content_type, size, sha256, uploaded_by, created_at FROM coordination_thread_files
			WHERE id = $1 AND thread_id = $2`, strings.TrimSpace(fileID), t.ID).Scan(&f.ID, &f.PostID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &f.CreatedAt)
		if errors.Is(err, db.ErrNoRows) {
			return errs.NotFound("no such file")
		}
		return err
	})
	if err != nil {
		return File{}, nil, err
	}
	r, err := s.o.Files.Open(ctx, f.SHA256)
	if err != nil {
		return File{}, nil, fmt.Errorf("thread: open file %s: %w", f.ID, err)
	}
	return f, r, nil
}
