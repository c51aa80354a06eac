package files

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
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// MaxSize is the largest file taken, in bytes.
const MaxSize = 10 << 20

// types are the sniffed types accepted: text, PDF, images, archives, captures.
var types = []string{"text/plain", "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
	"application/zip", "application/x-gzip", "application/vnd.tcpdump.pcap"}

// Store keeps files in the database, each named by its SHA-256, so that
// every node of a cluster reads what any node took. A file is streamed
// through a temporary file of this node's while it is checked and hashed,
// then written in chunks in one short transaction; it is read back a chunk
// at a time. Files stored on disk by earlier versions (the data
// directory's attachments/, at SHA[:2]/SHA) are still read, and Import
// moves them into the database.
type Store struct {
	db      *db.DB
	legacy  string   // the old attachments folder
	tmp     string   // where uploads are spooled ("": the system's)
	objects *Objects // where new files' bytes go instead of the database (nil: the database)
}

// UseObjects keeps the bytes of the files stored from now on in o (files
// already in the database stay there and are read from there).
func (s *Store) UseObjects(o *Objects) { s.objects = o }

// chunkSize is the most bytes one chunk row holds.
const chunkSize = 256 << 10

// NewStore keeps files in d; dataDir is this node's data directory, for
// its temporary files and the folder older versions kept files in.
func NewStore(d *db.DB, dataDir string) *Store {
	s := &Store{db: d}
	if dataDir != "" {
		s.legacy, s.tmp = filepath.Join(dataDir, "attachments"), filepath.Join(dataDir, "tmp")
	}
	return s
}

// Staged is a file stored, checked and named by its SHA-256.
type Staged struct {
	Filename, ContentType, SHA256 string
	Size                          int64
}

// Stage streams a file into the store: into a temporary file first, its
// type sniffed and its size bounded, then (unless the same content is
// stored already) into the database. It runs before the caller's own
// transaction, so a slow uploader holds no lock; a file whose record is
// never written is a harmless orphan named by its content.
func (s *Store) Stage(ctx context.Context, filename string, body io.Reader) (Staged, error) {
	if s.tmp != "" {
		if err := os.MkdirAll(s.tmp, 0o700); err != nil {
			return Staged{}, fmt.Errorf("files: stage: %w", err)
		}
	}
	tmp, err := os.CreateTemp(s.tmp, "upload-*")
	if err != nil {
		return Staged{}, fmt.Errorf("files: stage: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	head := make([]byte, 512)
	hn, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return Staged{}, uploadError(err)
	}
	head = head[:hn]
	written, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(io.MultiReader(bytes.NewReader(head), body), MaxSize+1))
	if err != nil {
		return Staged{}, uploadError(err)
	}
	if written > MaxSize {
		return Staged{}, &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "a file may be at most 10 MB",
			Fields: []errs.FieldError{{Field: "file", Message: "is larger than 10 MB"}}}
	}
	if written == 0 {
		return Staged{}, fileErr("is empty")
	}
	ct := Sniff(head)
	ok := false
	for _, t := range types {
		ok = ok || ct == t
	}
	if !ok {
		return Staged{}, fileErr("files of type %s are not accepted; send text, PDF, images, zip, gzip or packet captures", ct)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return Staged{}, fmt.Errorf("files: stage: %w", err)
	}
	if err := s.put(ctx, sum, ct, written, tmp); err != nil {
		return Staged{}, err
	}
	return Staged{Filename: CleanFilename(filename), ContentType: ct, SHA256: sum, Size: written}, nil
}

// put stores size bytes of r as the file sum, unless it is stored already
// (by this node or another, even at the same moment: the row is taken
// first, and a second writer waits for the first and then finds it).
func (s *Store) put(ctx context.Context, sum, contentType string, size int64, r io.Reader) error {
	if s.objects != nil {
		return s.putObject(ctx, sum, contentType, size, r)
	}
	n := int((size + chunkSize - 1) / chunkSize)
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		added, err := tx.Exec(ctx, `INSERT INTO file_blobs (sha256, size, content_type, chunks, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (sha256) DO NOTHING`, sum, size, contentType, n, time.Now().UTC())
		if err != nil || added == 0 {
			return err
		}
		buf := make([]byte, chunkSize)
		for i := range n {
			k, err := io.ReadFull(r, buf)
			if err != nil && !(errors.Is(err, io.ErrUnexpectedEOF) && i == n-1) {
				return err
			}
			if _, err := tx.ExecRepeated(ctx, `INSERT INTO file_chunks (sha256, seq, data) VALUES ($1, $2, $3)`, sum, i, buf[:k]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("files: store %s: %w", sum, err)
	}
	return nil
}

// putObject uploads the file to the bucket, then records its row: a row
// that says s3 names an object that is whole.
func (s *Store) putObject(ctx context.Context, sum, contentType string, size int64, r io.Reader) error {
	var have int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM file_blobs WHERE sha256 = $1`, sum).Scan(&have); err != nil {
		return fmt.Errorf("files: store %s: %w", sum, err)
	}
	if have > 0 {
		return nil
	}
	if err := s.objects.put(ctx, sum, contentType, size, r); err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO file_blobs (sha256, size, content_type, chunks, location, created_at) VALUES ($1, $2, $3, 0, 's3', $4)
		ON CONFLICT (sha256) DO NOTHING`, sum, size, contentType, time.Now().UTC()); err != nil {
		return fmt.Errorf("files: store %s: %w", sum, err)
	}
	return nil
}

// ErrNotFound is a file the store does not hold.
var ErrNotFound = errors.New("files: no such file")

// Open opens the stored file of a SHA-256 (hex, as Stage named it),
// reading it a chunk at a time as it is read.
func (s *Store) Open(ctx context.Context, sum string) (io.ReadCloser, error) {
	if !validSum(sum) {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, sum)
	}
	var n int
	var location string
	err := s.db.QueryRow(ctx, `SELECT chunks, location FROM file_blobs WHERE sha256 = $1`, sum).Scan(&n, &location)
	if errors.Is(err, db.ErrNoRows) {
		if s.legacy != "" {
			if f, err := os.Open(s.legacyPath(sum)); err == nil {
				return f, nil
			}
		}
		return nil, fmt.Errorf("%w: %s", ErrNotFound, sum)
	}
	if err != nil {
		return nil, fmt.Errorf("files: open %s: %w", sum, err)
	}
	if location == "s3" {
		if s.objects == nil {
			return nil, fmt.Errorf("files: %s is in S3 object storage, which this node is not configured with (--files-s3)", sum)
		}
		return s.objects.open(ctx, sum)
	}
	return ChunkReader(ctx, s.db, `SELECT data FROM file_chunks WHERE sha256 = $1 AND seq = $2`, sum, n), nil
}

// Missing answers those of sums the store does not hold.
func (s *Store) Missing(ctx context.Context, sums []string) ([]string, error) {
	have := map[string]bool{}
	for batch := range slices.Chunk(sums, 500) {
		var a db.Args
		in := db.In(&a, batch)
		rows, err := s.db.Query(ctx, `SELECT sha256 FROM file_blobs WHERE sha256 IN (`+in+`)`, a...)
		if err != nil {
			return nil, fmt.Errorf("files: %w", err)
		}
		for rows.Next() {
			var sum string
			if err := rows.Scan(&sum); err != nil {
				rows.Close()
				return nil, fmt.Errorf("files: %w", err)
			}
			have[sum] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("files: %w", err)
		}
	}
	var out []string
	for _, sum := range sums {
		if !have[sum] {
			out = append(out, sum)
		}
	}
	return out, nil
}

// Count answers how many files the store holds.
func (s *Store) Count(ctx context.Context) (int, error) {
	inDB, inObjects, err := s.Counts(ctx)
	return inDB + inObjects, err
}

// Counts answers how many files have their bytes in the database and how
// many in object storage (which the database's backups do not hold).
func (s *Store) Counts(ctx context.Context) (inDB, inObjects int, err error) {
	if err := s.db.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN location = 's3' THEN 0 ELSE 1 END), 0),
		COALESCE(SUM(CASE WHEN location = 's3' THEN 1 ELSE 0 END), 0) FROM file_blobs`).Scan(&inDB, &inObjects); err != nil {
		return 0, 0, fmt.Errorf("files: %w", err)
	}
	return inDB, inObjects, nil
}

// Import moves the files older versions stored under the data directory
// into the database: each is checked against its name and stored (once;
// running it again finds them there). The files on disk are left for the
// operator to remove. It answers how many it stored.
func (s *Store) Import(ctx context.Context) (int, error) {
	if s.legacy == "" {
		return 0, nil
	}
	paths, err := filepath.Glob(filepath.Join(s.legacy, "??", "*"))
	if err != nil {
		return 0, err
	}
	var sums []string
	for _, p := range paths {
		if sum := filepath.Base(p); validSum(sum) && filepath.Base(filepath.Dir(p)) == sum[:2] {
			sums = append(sums, sum)
		}
	}
	missing, err := s.Missing(ctx, sums)
	if err != nil {
		return 0, err
	}
	stored := 0
	for _, sum := range missing {
		if err := s.importOne(ctx, sum); err != nil {
			return stored, err
		}
		stored++
	}
	return stored, nil
}

func (s *Store) importOne(ctx context.Context, sum string) error {
	f, err := os.Open(s.legacyPath(sum))
	if err != nil {
		return fmt.Errorf("files: import: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	head := make([]byte, 512)
	hn, _ := io.ReadFull(f, head)
	size, err := io.Copy(h, io.MultiReader(bytes.NewReader(head[:hn]), f))
	if err != nil {
		return fmt.Errorf("files: import %s: %w", sum, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != sum {
		return fmt.Errorf("files: import: %s does not hold the content its name says", s.legacyPath(sum))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("files: import %s: %w", sum, err)
	}
	return s.put(ctx, sum, Sniff(head[:hn]), size, f)
}

func (s *Store) legacyPath(sum string) string { return filepath.Join(s.legacy, sum[:2], sum) }

func validSum(sum string) bool {
	if len(sum) != 64 {
		return false
	}
	_, err := hex.DecodeString(sum)
	return err == nil && strings.ToLower(sum) == sum
}

// ChunkReader reads bytes kept in n numbered rows, one row at a time as
// it is read: query selects one row's bytes by $1, the owner's key, and
// $2, the row's number from 0. Files are kept so, and other domains' big
// inputs too (intel's pushed loads).
func ChunkReader(ctx context.Context, q db.Querier, query string, key any, n int) io.ReadCloser {
	return &chunkReader{ctx: ctx, q: q, query: query, key: key, chunks: n}
}

type chunkReader struct {
	ctx    context.Context
	q      db.Querier
	query  string
	key    any
	chunks int
	next   int
	buf    []byte
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.next >= r.chunks {
			return 0, io.EOF
		}
		if err := r.q.QueryRow(r.ctx, r.query, r.key, r.next).Scan(&r.buf); err != nil {
			return 0, fmt.Errorf("files: %v, chunk %d: %w", r.key, r.next, err)
		}
		r.next++
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *chunkReader) Close() error { return nil }

// Sniff decides a file's type from its first bytes, never from its name or
// what the uploader claimed. Packet captures are recognised by their magic.
func Sniff(head []byte) string {
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

// CleanFilename is a sender's file name made safe to store and to send
// back in a Content-Disposition: its last element only, no control
// characters, quotes or slashes, at most 200 characters.
func CleanFilename(name string) string {
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

// fileErr is an invalid input, said of the form's field "file".
func fileErr(format string, args ...any) error {
	var f errs.Fields
	f.Add("file", format, args...)
	return f.Err()
}

// FromForm reads one file from a multipart form field "file", bounding
// the request's body to what a file of MaxSize needs.
func FromForm(w http.ResponseWriter, r *http.Request) (string, io.ReadCloser, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxSize+(1<<20))
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, &httpx.StatusError{Status: http.StatusUnsupportedMediaType, Detail: "send the file as multipart/form-data in a field named file"}
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return "", nil, fileErr("no file was sent")
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

// Serve writes a file as a download: never rendered by the browser,
// whatever it contains. It closes f.
func Serve(w http.ResponseWriter, filename string, f io.ReadCloser) error {
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, strings.ReplaceAll(filename, `"`, "_")))
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	_, err := io.Copy(w, f)
	return err
}
