package vdp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// Attachment limits.
const (
	MaxAttachment  = 10 << 20
	maxAttachments = 10
)

// attachmentTypes are the sniffed types accepted: text, PDF, images, archives, captures.
var attachmentTypes = []string{"text/plain", "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
	"application/zip", "application/x-gzip", "application/vnd.tcpdump.pcap"}

// sniff decides a file's type from its first bytes, never from its name or
// what the uploader claimed. Packet captures are recognised by their magic.
func sniff(head []byte) string {
	if len(head) >= 4 {
		switch string(head[:4]) {
		case "\xd4\xc3\xb2\xa1", "\xa1\xb2\xc3\xd4", "\x4d\x3c\xb2\xa1", "\xa1\xb2\x3c\x4d", "\x0a\x0d\x0d\x0a":
			return "application/vnd.tcpdump.pcap"
		}
	}
	ct := http.DetectContentType(head)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return ct
}

func cleanFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == '/' {
			return '_'
		}
		return r
	}, name)
	if len([]rune(name)) > 200 {
		name = string([]rune(name)[:200])
	}
	if name == "" || name == "." || name == ".." {
		name = "attachment"
	}
	return name
}

// staged is an uploaded file already on disk, checked and named by its
// SHA-256, before any transaction begins: a slow uploader holds no lock.
type staged struct {
	filename, contentType, sum string
	size                       int64
}

// stage streams a file into DataDir/attachments: into a temporary file
// first, its type sniffed and its size bounded, then renamed to its
// SHA-256 (a file already there is the same file). An error leaves
// nothing behind; a file whose metadata is never recorded is a harmless
// orphan named by its content.
func (s *Service) stage(filename string, body io.Reader) (staged, error) {
	dir := filepath.Join(s.dataDir, "attachments")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return staged{}, fmt.Errorf("vdp: attachments: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return staged{}, fmt.Errorf("vdp: attachments: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	head := make([]byte, 512)
	hn, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return staged{}, uploadError(err)
	}
	head = head[:hn]
	written, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(io.MultiReader(bytes.NewReader(head), body), MaxAttachment+1))
	if err != nil {
		return staged{}, uploadError(err)
	}
	if written > MaxAttachment {
		return staged{}, &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "a file may be at most 10 MB",
			Fields: []errs.FieldError{{Field: "file", Message: "is larger than 10 MB"}}}
	}
	if written == 0 {
		return staged{}, fieldErr("file", "is empty")
	}
	ct := sniff(head)
	ok := false
	for _, t := range attachmentTypes {
		ok = ok || ct == t
	}
	if !ok {
		return staged{}, fieldErr("file", "files of type %s are not accepted; send text, PDF, images, zip, gzip or packet captures", ct)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := tmp.Close(); err != nil {
		return staged{}, fmt.Errorf("vdp: attachments: %w", err)
	}
	final := filepath.Join(dir, sum[:2], sum)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return staged{}, fmt.Errorf("vdp: attachments: %w", err)
	}
	if _, err := os.Stat(final); errors.Is(err, os.ErrNotExist) {
		if err := os.Rename(tmp.Name(), final); err != nil {
			return staged{}, fmt.Errorf("vdp: attachments: %w", err)
		}
	}
	return staged{filename: cleanFilename(filename), contentType: ct, sum: sum, size: written}, nil
}

// uploadError is a body that broke off while it was read: the client's
// doing (413 when it passed the request's bound), never the server's.
func uploadError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "the upload is larger than the server takes",
			Fields: []errs.FieldError{{Field: "file", Message: "is larger than 10 MB"}}}
	}
	return &httpx.StatusError{Status: http.StatusBadRequest, Detail: "the upload broke off before the file was complete"}
}

// record adds a staged file to a report: a few rows in the caller's short
// transaction.
func (s *Service) record(ctx context.Context, tx *db.Tx, r Report, f staged, by string) (Attachment, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM vdp_attachments WHERE report_id = $1`, r.ID).Scan(&n); err != nil {
		return Attachment{}, err
	}
	if n >= maxAttachments {
		return Attachment{}, fieldErr("file", "a report takes at most %d files", maxAttachments)
	}
	a := Attachment{ID: db.NewID(), ReportID: r.ID, Filename: f.filename, ContentType: f.contentType, Size: f.size, SHA256: f.sum, CreatedAt: s.now()}
	if _, err := tx.Exec(ctx, `INSERT INTO vdp_attachments (id, report_id, filename, content_type, size, sha256, uploaded_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.ID, r.ID, a.Filename, a.ContentType, a.Size, a.SHA256, by, a.CreatedAt); err != nil {
		return Attachment{}, fmt.Errorf("vdp: attachments: %w", err)
	}
	return a, audit.Record(ctx, tx, a.CreatedAt, audit.Event{Action: "report.attach", ObjectType: "report", ObjectID: r.ID,
		OrgID: deref(r.AssignedOrgID), Summary: fmt.Sprintf("%s: attached %s (%s, %d bytes)", r.TrackingID, a.Filename, a.ContentType, a.Size)})
}

// Attach adds a file to a report (its triagers and its submitting organisation).
func (s *Service) Attach(ctx context.Context, id *auth.Identity, reportID, filename string, body io.Reader) (Attachment, error) {
	// Who may attach is checked before the body is read, and again in the
	// transaction that records it.
	if _, err := s.Get(ctx, id, reportID); err != nil {
		return Attachment{}, err
	}
	f, err := s.stage(filename, body)
	if err != nil {
		return Attachment{}, err
	}
	var a Attachment
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		r, err := getReport(ctx, tx, "id = $1", reportID)
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
func (s *Service) AttachByKey(ctx context.Context, key, filename string, body io.Reader, ip string) (Attachment, error) {
	// The link is checked (and rate limited) before the body is read.
	linked, err := s.byKey(ctx, s.db, key, ip)
	if err != nil {
		return Attachment{}, err
	}
	f, err := s.stage(filename, body)
	if err != nil {
		return Attachment{}, err
	}
	var a Attachment
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		r, err := getReport(ctx, tx, "id = $1", linked.ID)
		if err != nil {
			return err
		}
		a, err = s.record(audit.WithActor(ctx, audit.Actor{Email: "reporter", IP: ip}), tx, r, f, "reporter")
		return err
	})
	return a, err
}

// Attachments lists a report's files.
func (s *Service) Attachments(ctx context.Context, id *auth.Identity, reportID string) ([]Attachment, error) {
	if _, err := s.Get(ctx, id, reportID); err != nil {
		return nil, err
	}
	return s.listAttachments(ctx, s.db, reportID)
}

func (s *Service) listAttachments(ctx context.Context, q db.Querier, reportID string) ([]Attachment, error) {
	rows, err := q.Query(ctx, `SELECT id, report_id, filename, content_type, size, sha256, created_at FROM vdp_attachments
		WHERE report_id = $1 ORDER BY created_at, id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("vdp: attachments: %w", err)
	}
	defer rows.Close()
	out := []Attachment{}
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.ReportID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// OpenAttachment returns a report's file for those who may see the report.
func (s *Service) OpenAttachment(ctx context.Context, id *auth.Identity, reportID, attachmentID string) (Attachment, io.ReadCloser, error) {
	atts, err := s.Attachments(ctx, id, reportID)
	if err != nil {
		return Attachment{}, nil, err
	}
	for _, a := range atts {
		if a.ID == attachmentID {
			f, err := os.Open(filepath.Join(s.dataDir, "attachments", a.SHA256[:2], a.SHA256))
			if err != nil {
				return a, nil, fmt.Errorf("vdp: attachment %s: %w", a.ID, err)
			}
			return a, f, nil
		}
	}
	return Attachment{}, nil, errs.NotFound("attachment not found")
}

// ServeAttachment writes a file as a download: never rendered by the
// browser, whatever it contains.
func ServeAttachment(w http.ResponseWriter, a Attachment, f io.ReadCloser) error {
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, strings.ReplaceAll(a.Filename, `"`, "_")))
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	_, err := io.Copy(w, f)
	return err
}

// upload reads one file from a multipart form field "file".
func upload(w http.ResponseWriter, r *http.Request) (string, io.ReadCloser, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxAttachment+(1<<20))
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, &httpx.StatusError{Status: http.StatusUnsupportedMediaType, Detail: "send the file as multipart/form-data in a field named file"}
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return "", nil, fieldErr("file", "no file was sent")
		}
		if err != nil {
			return "", nil, &httpx.StatusError{Status: http.StatusBadRequest, Detail: "the multipart body could not be read"}
		}
		if part.FormName() == "file" {
			return part.FileName(), part, nil
		}
		part.Close()
	}
}

func (a *API) attach(w http.ResponseWriter, r *http.Request) error {
	name, body, err := upload(w, r)
	if err != nil {
		return err
	}
	defer body.Close()
	att, err := a.svc.Attach(r.Context(), who(r), r.PathValue("id"), name, body)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, att)
	return nil
}

func (a *API) publicAttach(w http.ResponseWriter, r *http.Request) error {
	name, body, err := upload(w, r)
	if err != nil {
		return err
	}
	defer body.Close()
	att, err := a.svc.AttachByKey(r.Context(), r.URL.Query().Get("key"), name, body, httpx.ClientIP(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, att)
	return nil
}

func (a *API) download(w http.ResponseWriter, r *http.Request) error {
	att, f, err := a.svc.OpenAttachment(r.Context(), who(r), r.PathValue("id"), r.PathValue("attachment_id"))
	if err != nil {
		return err
	}
	return ServeAttachment(w, att, f)
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
