package web

import (
	"errors"
	"net/http"
	"net/url"

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
	if err := CheckUTF8(r.Form); err != nil {
		return err
	}
	return nil
}

// CheckUTF8 refuses a form any of whose names or values is not UTF-8
// (what a browser sends is): such text would be stored, or shown, as
// something no one typed.
func CheckUTF8(f url.Values) error {
	for k, vs := range f {
		if httpx.InvalidUTF8(k) >= 0 {
			return &httpx.StatusError{Status: http.StatusBadRequest, Detail: "the form is not valid UTF-8"}
		}
		for _, v := range vs {
			if httpx.InvalidUTF8(v) >= 0 {
				return &httpx.StatusError{Status: http.StatusBadRequest, Detail: "the form's " + Label(k) + " is not valid UTF-8"}
			}
		}
	}
	return nil
}
