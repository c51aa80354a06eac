package reports

import (
	"context"
	"fmt"
	"io"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
)

// maxAttachments is how many files a report takes.
const maxAttachments = 10

// record adds a staged file to a report: a few rows in the caller's short
// transaction.
func (s *Service) record(ctx context.Context, tx *db.Tx, r model.Report, f files.Staged, by string) (model.Attachment, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM vdp_attachments WHERE report_id = $1`, r.ID).Scan(&n); err != nil {
		return model.Attachment{}, err
	}
	if n >= maxAttachments {
		return model.Attachment{}, errs.InvalidField("file", "a report takes at most %d files", maxAttachments)
	}
	a := model.Attachment{ID: db.NewID(), ReportID: r.ID, Filename: f.Filename, ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256, CreatedAt: s.now()}
	if _, err := tx.Exec(ctx, `INSERT INTO vdp_attachments (id, report_id, filename, content_type, size, sha256, uploaded_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.ID, r.ID, a.Filename, a.ContentType, a.Size, a.SHA256, by, a.CreatedAt); err != nil {
		return model.Attachment{}, fmt.Errorf("vdp: attachments: %w", err)
	}
	return a, audit.Record(ctx, tx, a.CreatedAt, audit.Event{Action: "report.attach", ObjectType: "report", ObjectID: r.ID,
		OrgID: deref(r.AssignedOrgID), Summary: fmt.Sprintf("%s: attached %s (%s, %d bytes)", r.TrackingID, a.Filename, a.ContentType, a.Size)})
}

// Attach adds a file to a report (its triagers and its submitting organisation).
func (s *Service) Attach(ctx context.Context, id *auth.Identity, reportID, filename string, body io.Reader) (model.Attachment, error) {
	// Who may attach is checked before the body is read, and again in the
	// transaction that records it.
	if _, err := s.Get(ctx, id, reportID); err != nil {
		return model.Attachment{}, err
	}
	f, err := s.files.Stage(ctx, filename, body)
	if err != nil {
		return model.Attachment{}, err
	}
	var a model.Attachment
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		r, err := store.GetReport(ctx, tx, "id = $1", reportID)
		if err != nil {
			return err
		}
		if see, _ := reportAccess(id, &r); !see {
			return errs.NotFound("report not found")
		}
		a, err = s.record(ctx, tx, r, f, id.User.Email)
		return err
	})
	return a, err
}

// AttachByKey adds a file through the reporter's follow link.
func (s *Service) AttachByKey(ctx context.Context, key, filename string, body io.Reader, ip string) (model.Attachment, error) {
	// The link is checked (and rate limited) before the body is read.
	linked, err := s.byKey(ctx, s.db, key, ip)
	if err != nil {
		return model.Attachment{}, err
	}
	f, err := s.files.Stage(ctx, filename, body)
	if err != nil {
		return model.Attachment{}, err
	}
	var a model.Attachment
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		r, err := store.GetReport(ctx, tx, "id = $1", linked.ID)
		if err != nil {
			return err
		}
		a, err = s.record(audit.WithActor(ctx, audit.Actor{Email: "reporter", IP: ip}), tx, r, f, "reporter")
		return err
	})
	return a, err
}

// Attachments lists a report's files.
func (s *Service) Attachments(ctx context.Context, id *auth.Identity, reportID string) ([]model.Attachment, error) {
	if _, err := s.Get(ctx, id, reportID); err != nil {
		return nil, err
	}
	return s.listAttachments(ctx, s.db, reportID)
}

func (s *Service) listAttachments(ctx context.Context, q db.Querier, reportID string) ([]model.Attachment, error) {
	rows, err := q.Query(ctx, `SELECT id, report_id, filename, content_type, size, sha256, created_at FROM vdp_attachments
		WHERE report_id = $1 ORDER BY created_at, id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("vdp: attachments: %w", err)
	}
	defer rows.Close()
	out := []model.Attachment{}
	for rows.Next() {
		var a model.Attachment
		if err := rows.Scan(&a.ID, &a.ReportID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// OpenAttachment returns a report's file for those who may see the report.
func (s *Service) OpenAttachment(ctx context.Context, id *auth.Identity, reportID, attachmentID string) (model.Attachment, io.ReadCloser, error) {
	atts, err := s.Attachments(ctx, id, reportID)
	if err != nil {
		return model.Attachment{}, nil, err
	}
	for _, a := range atts {
		if a.ID == attachmentID {
			f, err := s.files.Open(ctx, a.SHA256)
			if err != nil {
				return a, nil, fmt.Errorf("vdp: attachment %s: %w", a.ID, err)
			}
			return a, f, nil
		}
	}
	return model.Attachment{}, nil, errs.NotFound("attachment not found")
}

// AttachmentDigests lists the SHA-256 of every stored file the database
// names, for backups to check that each is on disk (the system's only).
func (s *Service) AttachmentDigests(ctx context.Context, id *auth.Identity) ([]string, error) {
	if !id.IsSystem() {
		return nil, errs.Forbidden("only the system lists every stored file")
	}
	rows, err := s.db.Query(ctx, `SELECT DISTINCT sha256 FROM vdp_attachments ORDER BY sha256`)
	if err != nil {
		return nil, fmt.Errorf("vdp: attachment digests: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var sum string
		if err := rows.Scan(&sum); err != nil {
			return nil, err
		}
		out = append(out, sum)
	}
	return out, rows.Err()
}
