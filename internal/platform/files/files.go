package files

import (
	"bytes"
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

	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// MaxSize is the largest file taken, in bytes.
const MaxSize = 10 << 20

// types are the sniffed types accepted: text, PDF, images, archives, captures.
var types = []string{"text/plain", "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
	"application/zip", "application/x-gzip", "application/vnd.tcpdump.pcap"}

// Store is the folder the files are kept in, each at SHA[:2]/SHA.
type Store struct{ dir string }

// NewStore keeps files in dataDir/attachments.
func NewStore(dataDir string) *Store { return &Store{dir: filepath.Join(dataDir, "attachments")} }

// Staged is a file already on disk, checked and named by its SHA-256.
type Staged struct {
	Filename, ContentType, SHA256 string
	Size                          int64
}

// Stage streams a file into the store: into a temporary file first, its
// type sniffed and its size bounded, then renamed to its SHA-256 (a file
// already there is the same file). An error leaves nothing behind; a file
// whose metadata is never recorded is a harmless orphan named by its
// content.
func (s *Store) Stage(filename string, body io.Reader) (Staged, error) {
	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return Staged{}, fmt.Errorf("files: stage: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, "upload-*")
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
	if err := tmp.Close(); err != nil {
		return Staged{}, fmt.Errorf("files: stage: %w", err)
	}
	final := s.path(sum)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return Staged{}, fmt.Errorf("files: stage: %w", err)
	}
	if _, err := os.Stat(final); errors.Is(err, os.ErrNotExist) {
		if err := os.Rename(tmp.Name(), final); err != nil {
			return Staged{}, fmt.Errorf("files: stage: %w", err)
		}
	}
	return Staged{Filename: CleanFilename(filename), ContentType: ct, SHA256: sum, Size: written}, nil
}

// Open opens the stored file of a SHA-256 (hex, as Stage named it).
func (s *Store) Open(sum string) (*os.File, error) {
	if len(sum) < 2 {
		return nil, fmt.Errorf("vdp: attachments: no file is named %q", sum)
	}
	return os.Open(s.path(sum))
}

func (s *Store) path(sum string) string { return filepath.Join(s.dir, sum[:2], sum) }

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
