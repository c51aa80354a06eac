package web

import (
	"errors"
	"net/http"

	"github.com/certhub/certhub/internal/platform/httpx"
)

// MaxFormBody bounds url-encoded form posts.
const MaxFormBody = 1 << 20

// ParseForm reads an url-encoded form post of at most MaxFormBody bytes.
func ParseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBody)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "the form is larger than 1 MB"}
		}
		return &httpx.StatusError{Status: http.StatusBadRequest, Detail: "the form could not be read"}
	}
	return nil
}
