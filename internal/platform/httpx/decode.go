package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/errs"
)

// DefaultMaxBody bounds JSON request bodies unless a handler says otherwise.
const DefaultMaxBody = 1 << 20

// DecodeJSON reads r's body into dst strictly: the media type must be JSON
// (415), the body at most maxBytes (413), well-formed (400), a single value,
// with no unknown fields and every value of the right type (422, naming the
// field).
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any, maxBytes int64) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBody
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &StatusError{Status: http.StatusUnsupportedMediaType, Detail: "send the body as application/json"}
		}
	} else {
		return &StatusError{Status: http.StatusUnsupportedMediaType, Detail: "set Content-Type: application/json"}
	}
	// Read whole (it is bounded) to refuse text that is not UTF-8: the
	// decoder would quietly turn it into U+FFFD, and store what no one sent.
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(maxBytes)
		}
		return &StatusError{Status: http.StatusBadRequest, Detail: "the body could not be read"}
	}
	if n := InvalidUTF8(string(b)); n >= 0 {
		return &StatusError{Status: http.StatusBadRequest, Detail: fmt.Sprintf("the body is not valid UTF-8 (at byte %d)", n)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, maxBytes)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(maxBytes)
		}
		return &StatusError{Status: http.StatusBadRequest, Detail: "the body must hold a single JSON value"}
	}
	return nil
}

// InvalidUTF8 is the offset of the first byte of s that is not UTF-8, or
// -1 when all of it is.
func InvalidUTF8(s string) int {
	if utf8.ValidString(s) {
		return -1
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return i
			}
		}
	}
	return -1
}

func tooLarge(max int64) error {
	return &StatusError{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("the body is larger than %d bytes", max)}
}

func decodeError(err error, max int64) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return tooLarge(max)
	case errors.As(err, &syn):
		return &StatusError{Status: http.StatusBadRequest, Detail: fmt.Sprintf("the body is not valid JSON (at byte %d)", syn.Offset)}
	case errors.Is(err, io.EOF):
		return &StatusError{Status: http.StatusBadRequest, Detail: "the body is empty; send a JSON object"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &StatusError{Status: http.StatusBadRequest, Detail: "the body ends in the middle of a JSON value"}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return &StatusError{Status: http.StatusBadRequest, Detail: fmt.Sprintf("the body must be a JSON %s", expected(typ))}
		}
		return &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
			Fields: []errs.FieldError{{Field: field, Message: fmt.Sprintf("must be %s, not %s", expected(typ), typ.Value)}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
			Fields: []errs.FieldError{{Field: name, Message: "is not a known field"}}}
	}
	var fe *errs.Error
	if errors.As(err, &fe) {
		return fe
	}
	return &StatusError{Status: http.StatusBadRequest, Detail: "the body could not be read as JSON: " + err.Error()}
}

func expected(typ *json.UnmarshalTypeError) string {
	switch typ.Type.Kind().String() {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number"
	case "float32", "float64":
		return "a number"
	}
	return "a " + typ.Type.String()
}

// CheckQuery refuses a request whose query string no handler can take as
// text: a parameter that is not valid UTF-8 or holds a NUL (PostgreSQL
// stores no NUL in text, so it would fail deep in a query instead).
func CheckQuery(r *http.Request) error {
	for k, vs := range r.URL.Query() {
		for _, s := range append([]string{k}, vs...) {
			if InvalidUTF8(s) >= 0 || strings.IndexByte(s, 0) >= 0 {
				return &StatusError{Status: http.StatusBadRequest, Detail: fmt.Sprintf("the query parameter %q is not text (invalid UTF-8 or a NUL)", strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "?"))}
			}
		}
	}
	return nil
}
