package httpx

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/platform/errs"
)

// StatusError is an HTTP-level failure that has no domain meaning: a body
// that is not JSON, too large, of the wrong media type.
type StatusError struct {
	Status int
	Detail string
	Fields []errs.FieldError
}

func (e *StatusError) Error() string { return e.Detail }

// Status maps an error to the HTTP status, title and detail a client sees.
// This is the one place where error kinds become status codes; internal
// errors keep their message out of the response.
func Status(err error) (status int, title, detail string) {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status, http.StatusText(se.Status), se.Detail
	}
	e := errs.As(err)
	if e == nil {
		return http.StatusInternalServerError, "Internal Server Error", "something went wrong on our side; the error was logged"
	}
	switch e.Kind {
	case errs.KindInvalid:
		return http.StatusUnprocessableEntity, "Unprocessable Content", e.Message
	case errs.KindNotFound:
		return http.StatusNotFound, "Not Found", e.Message
	case errs.KindConflict:
		return http.StatusConflict, "Conflict", e.Message
	case errs.KindForbidden:
		return http.StatusForbidden, "Forbidden", e.Message
	case errs.KindUnauthenticated:
		return http.StatusUnauthorized, "Unauthorized", e.Message
	case errs.KindRateLimited:
		return http.StatusTooManyRequests, "Too Many Requests", e.Message
	}
	return http.StatusInternalServerError, "Internal Server Error", "something went wrong on our side; the error was logged"
}

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Errors    []errs.FieldError `json:"errors,omitempty"`
}

// ProblemTypeBase prefixes problem type URIs. They are URNs: stable names a
// client can switch on, not pages to fetch.
const ProblemTypeBase = "urn:certhub:problem:"

var problemTypes = map[int]string{
	400: "malformed-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
	406: "not-acceptable", 409: "conflict", 413: "body-too-large", 415: "unsupported-media-type",
	422: "invalid-input", 429: "rate-limited", 500: "internal",
}

// WriteProblem answers err as application/problem+json. Internal errors are
// logged with the request ID; their messages never reach the client.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	status, title, detail := Status(err)
	p := Problem{Type: ProblemTypeBase + problemTypes[status], Title: title, Status: status, Detail: detail,
		Instance: r.URL.Path, RequestID: RequestID(r.Context())}
	if p.Type == ProblemTypeBase {
		p.Type = "about:blank"
	}
	var se *StatusError
	if e := errs.As(err); e != nil {
		p.Errors = e.Fields
		if e.Kind == errs.KindRateLimited && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
	} else if errors.As(err, &se) {
		p.Errors = se.Fields
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="certhub"`)
	}
	LogError(r, status, err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// LogError logs err when it is the server's fault.
func LogError(r *http.Request, status int, err error) {
	if status >= 500 {
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path,
			"request_id", RequestID(r.Context()), "err", err)
	}
}

// WriteJSON answers v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		// A value JSON cannot hold (NaN, a channel) is the server's fault:
		// answer so, not an empty 200.
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = fmt.Fprintf(w, `{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"the answer could not be written"}`+"\n")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// List is the envelope of every list response.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// WriteList answers a page of items; next is empty on the last page.
func WriteList[T any](w http.ResponseWriter, items []T, next string) {
	if items == nil {
		items = []T{}
	}
	WriteJSON(w, http.StatusOK, List[T]{Items: items, NextCursor: next})
}

// HandlerFunc is an API handler that returns its failure instead of writing it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// API adapts h: a returned error becomes a problem+json response.
func API(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			WriteProblem(w, r, err)
		}
	})
}

// WantsJSON reports whether a client asks for JSON rather than a page: a
// body sent as JSON, or an Accept header that names JSON before HTML. A
// browser's Accept names text/html first, so pages stay the default.
func WantsJSON(r *http.Request) bool {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return true
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		switch {
		case mt == "text/html":
			return false
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			return true
		}
	}
	return false
}

// Negotiate serves one URL to both browsers and API clients: jsonH when
// WantsJSON, page otherwise.
func Negotiate(jsonH, page http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept, Content-Type")
		if WantsJSON(r) {
			jsonH.ServeHTTP(w, r)
			return
		}
		page.ServeHTTP(w, r)
	})
}

// ServeBytes writes a finished body with a content-derived ETag (weak when
// the body is a rendering that may differ in bytes but not in meaning) and
// the given Cache-Control, and answers a matching If-None-Match with 304
// and a HEAD request without the body. The caller sets Content-Type.
func ServeBytes(w http.ResponseWriter, r *http.Request, body []byte, cacheControl string, weak bool) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	if weak {
		etag = "W/" + etag
	}
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl)
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
