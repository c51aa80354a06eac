package files_test

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/procurement"
	"github.com/certhub/certhub/internal/procurement/files"
)

// form builds a multipart request of the fields, then a file when name
// is not empty, streamed from data.
func form(t *testing.T, fields map[string]string, name string, data io.Reader) *http.Request {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for k, v := range fields {
			_ = mw.WriteField(k, v)
		}
		if name != "" {
			w, _ := mw.CreateFormFile("file", name)
			if _, err := io.Copy(w, data); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	r := httptest.NewRequest("POST", "/api/v1/evaluations/e1/files", pr)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func status(err error) int {
	var se *httpx.StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

func TestReadForm(t *testing.T) {
	in, err := files.ReadForm(httptest.NewRecorder(), form(t, map[string]string{"kind": " evidence ", "requirement": "FW-01"}, "log.txt", strings.NewReader("dropped")))
	if err != nil || in.Kind != "evidence" || in.Requirement != "FW-01" || in.Name != "log.txt" || string(in.Data) != "dropped" {
		t.Fatalf("read: %+v %v", in, err)
	}
	if _, err := files.ReadForm(httptest.NewRecorder(), form(t, map[string]string{"kind": "evidence"}, "", nil)); errs.KindOf(err) != errs.KindInvalid {
		t.Errorf("no file: %v", err)
	}
	plain := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
	plain.Header.Set("Content-Type", "application/json")
	if _, err := files.ReadForm(httptest.NewRecorder(), plain); status(err) != http.StatusUnsupportedMediaType {
		t.Errorf("not multipart: %v", err)
	}
	big := io.LimitReader(zeros{}, procurement.MaxFileSize+1)
	if _, err := files.ReadForm(httptest.NewRecorder(), form(t, map[string]string{"kind": "evidence"}, "big.bin", big)); status(err) != http.StatusRequestEntityTooLarge {
		t.Errorf("a file over the limit: %v", err)
	}
	cut := form(t, nil, "x.txt", strings.NewReader("x"))
	cut.Body = io.NopCloser(io.LimitReader(cut.Body, 20)) // the body ends mid-part
	if _, err := files.ReadForm(httptest.NewRecorder(), cut); status(err) != http.StatusBadRequest {
		t.Errorf("a cut body: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// Serve sends a download the browser will not render, whatever its name.
func TestServe(t *testing.T) {
	w := httptest.NewRecorder()
	files.Serve(w, procurement.File{Name: "a\"b\r\n.html"}, []byte("<script>x</script>"))
	h := w.Header()
	if h.Get("Content-Disposition") != `attachment; filename="a_b.html"` || h.Get("Content-Type") != "application/octet-stream" ||
		h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") ||
		h.Get("Content-Length") != "18" || !bytes.Equal(w.Body.Bytes(), []byte("<script>x</script>")) {
		t.Errorf("headers %v body %q", h, w.Body)
	}
}
