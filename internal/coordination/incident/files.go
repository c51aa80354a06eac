package incident

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
)

// File is a file attached to an incident: every party that reads the
// incident reads its files.
type File struct {
	ID          string    `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// MaxFiles bounds the files of one incident.
const MaxFiles = 100

// Stage streams an upload into the file store, before any transaction;
// Attach then records it.
func (s *Service) Stage(ctx context.Context, filename string, body io.Reader) (files.Staged, error) {
	if s.files == nil {
		return files.Staged{}, errs.Conflict("this server keeps no files")
	}
	return s.files.Stage(ctx, filename, body)
}

// attacher: the parties that write on an incident attach files to it.
func attacher(st standing) error {
	if !st.writes && !st.handles {
		return errs.Forbidden("viewers read incidents; members attach files")
	}
	return nil
}

// MayAttach answers whether id may attach a file to the incident: asked
// before an upload is stored.
func (s *Service) MayAttach(ctx context.Context, id *auth.Identity, ref string) error {
	return s.db.Read(ctx, func(q db.Querier) error {
		_, _, st, err := s.load(ctx, q, id, ref)
		if err != nil {
			return err
		}
		return attacher(st)
	})
}

// Attach records a staged file on an incident (a party that writes on
// it: the owning CERT, an involved CERT, the reporter). Audited.
func (s *Service) Attach(ctx context.Context, id *auth.Identity, ref string, st files.Staged) (File, error) {
	f := File{ID: db.NewID(), Filename: st.Filename, ContentType: st.ContentType, Size: st.Size, SHA256: st.SHA256}
	_, err := s.change(ctx, id, ref, "attach", attacher, func(tx *db.Tx, inc *Incident, _ []Involved, _ standing, _ directoryOf, now time.Time) ([]Event, error) {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM coordination_incident_files WHERE incident_id = $1`, inc.ID).Scan(&n); err != nil {
			return nil, err
		}
		if n >= MaxFiles {
			return nil, errs.InvalidField("file", "an incident holds at most %d files", MaxFiles)
		}
		f.UploadedBy, f.CreatedAt = id.DisplayName(), now
		if _, err := tx.Exec(ctx, `INSERT INTO coordination_incident_files (id, incident_id, filename, content_type, size, sha256, uploaded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, f.ID, inc.ID, f.Filename, f.ContentType, f.Size, f.SHA256, f.UploadedBy, now); err != nil {
			return nil, fmt.Errorf("incident: file: %w", err)
		}
		return []Event{{Kind: "file", Visibility: Reporter, Summary: fmt.Sprintf("file attached: %s (%d bytes)", f.Filename, f.Size)}}, nil
	})
	return f, err
}

func listFiles(ctx context.Context, q db.Querier, incidentID string) ([]File, error) {
	return db.QueryAll(ctx, q, func(r db.Row) (File, error) {
		var f File
		err := r.Scan(&f.ID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &f.CreatedAt)
		return f, err
	}, `SELECT id, filename, content_type, size, sha256, uploaded_by, created_at FROM coordination_incident_files
		WHERE incident_id = $1 ORDER BY created_at, id`, incidentID)
}

// OpenFile answers a file of an incident the reader may see, and its
// content (closed by the caller).
func (s *Service) OpenFile(ctx context.Context, id *auth.Identity, ref, fileID string) (File, io.ReadCloser, error) {
	var f File
	err := s.db.Read(ctx, func(q db.Querier) error {
		in, _, _, err := s.load(ctx, q, id, ref)
		if err != nil {
			return err
		}
		err = q.QueryRow(ctx, `SELECT id, filename, content_type, size, sha256, uploaded_by, created_at FROM coordination_incident_files
			WHERE id = $1 AND incident_id = $2`, fileID, in.ID).Scan(&f.ID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &f.CreatedAt)
		if errors.Is(err, db.ErrNoRows) {
			return errs.NotFound("no such file")
		}
		return err
	})
	if err != nil {
		return File{}, nil, err
	}
	if s.files == nil {
		return File{}, nil, errs.NotFound("no such file")
	}
	r, err := s.files.Open(ctx, f.SHA256)
	if err != nil {
		return File{}, nil, fmt.Errorf("incident: open file %s: %w", f.ID, err)
	}
	return f, r, nil
}
