package council

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
)

// Paper is a file of a meeting's papers, of one agenda item (ItemID) or
// of the meeting as a whole.
type Paper struct {
	ID          string    `json:"id"`
	ItemID      *string   `json:"item_id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// maxPapers bounds the papers of one meeting.
const maxPapers = 200

const paperCols = `id, item_id, filename, content_type, size, sha256, uploaded_by, created_at`

func scanPaper(r db.Row) (Paper, error) {
	var p Paper
	err := r.Scan(&p.ID, &p.ItemID, &p.Filename, &p.ContentType, &p.Size, &p.SHA256, &p.UploadedBy, &p.CreatedAt)
	return p, err
}

func listPapers(ctx context.Context, q db.Querier, meetingID string) ([]Paper, error) {
	out, err := db.QueryAll(ctx, q, scanPaper, `SELECT `+paperCols+` FROM governance_papers WHERE meeting_id = $1 ORDER BY created_at, id`, meetingID)
	if err != nil {
		return nil, fmt.Errorf("council: papers: %w", err)
	}
	return out, nil
}

// MayAttach answers whether id may add papers to the meeting: asked
// before an upload is stored.
func (s *Service) MayAttach(ctx context.Context, id *auth.Identity, meetingID string) error {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return err
	}
	if err := rd.mustRead("meeting"); err != nil {
		return err
	}
	if err := rd.mustKeep(); err != nil {
		return err
	}
	return s.db.Read(ctx, func(q db.Querier) error {
		_, _, _, err := getMeeting(ctx, q, meetingID)
		return err
	})
}

// Stage streams an upload into the file store, before any transaction;
// AttachPaper then records it.
func (s *Service) Stage(ctx context.Context, filename string, body io.Reader) (files.Staged, error) {
	if s.files == nil {
		return files.Staged{}, errs.Conflict("this server keeps no files")
	}
	return s.files.Stage(ctx, filename, body)
}

// AttachPaper records a staged file as a paper of the meeting (of one of
// its agenda items, when itemID is given), until its minutes are
// approved. Audited.
func (s *Service) AttachPaper(ctx context.Context, id *auth.Identity, meetingID, itemID string, st files.Staged) (Paper, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Paper{}, err
	}
	if err := rd.mustKeep(); err != nil {
		return Paper{}, err
	}
	now := s.now().UTC()
	p := Paper{ID: db.NewID(), Filename: st.Filename, ContentType: st.ContentType, Size: st.Size, SHA256: st.SHA256, UploadedBy: id.DisplayName(), CreatedAt: now}
	if itemID = strings.TrimSpace(itemID); itemID != "" {
		p.ItemID = &itemID
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		m, _, _, err := getMeeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		if m.MinutesStatus == Approved {
			return errs.Conflict("the minutes are approved: the papers are closed")
		}
		if p.ItemID != nil {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM governance_agenda_items WHERE id = $1 AND meeting_id = $2`, *p.ItemID, m.ID).Scan(&n); err != nil {
				return fmt.Errorf("council: agenda item: %w", err)
			}
			if n == 0 {
				return errs.InvalidField("item_id", "not an agenda item of this meeting")
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM governance_papers WHERE meeting_id = $1`, m.ID).Scan(&n); err != nil {
			return fmt.Errorf("council: papers: %w", err)
		}
		if n >= maxPapers {
			return errs.InvalidField("file", "a meeting holds at most %d papers", maxPapers)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO governance_papers (`+paperCols+`, meeting_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			p.ID, p.ItemID, p.Filename, p.ContentType, p.Size, p.SHA256, p.UploadedBy, p.CreatedAt, m.ID); err != nil {
			return fmt.Errorf("council: paper: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.paper", ObjectType: "meeting", ObjectID: m.ID,
			Summary: fmt.Sprintf("paper %s (%d bytes) for %s", p.Filename, p.Size, m.Title), After: p})
	})
	return p, err
}

// OpenPaper answers a paper of a meeting and its content (closed by the
// caller): the council's members and staff only.
func (s *Service) OpenPaper(ctx context.Context, id *auth.Identity, meetingID, paperID string) (Paper, io.ReadCloser, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Paper{}, nil, err
	}
	if err := rd.mustRead("paper"); err != nil {
		return Paper{}, nil, err
	}
	var p Paper
	err = s.db.Read(ctx, func(q db.Querier) (err error) {
		p, err = scanPaper(q.QueryRow(ctx, `SELECT `+paperCols+` FROM governance_papers WHERE id = $1 AND meeting_id = $2`, paperID, meetingID))
		if errors.Is(err, db.ErrNoRows) {
			return errs.NotFound("no such paper")
		}
		return err
	})
	if err != nil {
		return Paper{}, nil, err
	}
	if s.files == nil {
		return Paper{}, nil, errs.NotFound("no such paper")
	}
	r, err := s.files.Open(ctx, p.SHA256)
	if err != nil {
		return Paper{}, nil, fmt.Errorf("council: open paper %s: %w", p.ID, err)
	}
	return p, r, nil
}
