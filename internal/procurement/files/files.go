// Package files reads an evaluation's documents from a multipart form
// and serves them back as downloads: the one way in and out for the API
// and the console alike.
package files

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/procurement"
)

// ReadForm reads a document from a multipart form: the fields kind
// and requirement, and the file in the field file (at most procurement.MaxFileSize).
func ReadForm(w http.ResponseWriter, r *http.Request) (procurement.FileInput, error) {
	r.Body = http.MaxBytesReader(w, r.Body, procurement.MaxFileSize+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return procurement.FileInput{}, &httpx.StatusError{Status: http.StatusUnsupportedMediaType,
			Detail: "send the document as multipart/form-data: the fields kind (and requirement), then the file in a field named file"}
	}
	var in procurement.FileInput
	seen := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return procurement.FileInput{}, readErr(err)
		}
		switch part.FormName() {
		case "kind", "requirement":
			b, err := io.ReadAll(io.LimitReader(part, 1024))
			if err != nil {
				return procurement.FileInput{}, readErr(err)
			}
			if part.FormName() == "kind" {
				in.Kind = strings.TrimSpace(string(b))
			} else {
				in.Requirement = strings.TrimSpace(string(b))
			}
		case "file":
			in.Name, seen = part.FileName(), true
			if in.Data, err = io.ReadAll(io.LimitReader(part, procurement.MaxFileSize+1)); err != nil {
				return procurement.FileInput{}, readErr(err)
			}
			if len(in.Data) > procurement.MaxFileSize {
				return procurement.FileInput{}, &httpx.StatusError{Status: http.StatusRequestEntityTooLarge,
					Detail: fmt.Sprintf("a document may be at most %d MB", procurement.MaxFileSize>>20)}
			}
		}
		part.Close()
	}
	if !seen {
		return procurement.FileInput{}, errs.InvalidField("file", "no file was sent")
	}
	return in, nil
}

func readErr(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("a document may be at most %d MB", procurement.MaxFileSize>>20)}
	}
	return &httpx.StatusError{Status: http.StatusBadRequest, Detail: "the multipart body could not be read"}
}

// Serve writes a document as a download, never rendered in the page.
func Serve(w http.ResponseWriter, f procurement.File, data []byte) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, strings.NewReplacer(`"`, "_", "\\", "_", "\r", "", "\n", "").Replace(f.Name)))
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}
