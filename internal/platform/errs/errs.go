package errs

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kind classifies an error for the edges (HTTP status, CLI exit message).
type Kind int

const (
	// KindInternal is the zero value: anything not classified is internal and
	// its message never reaches a client.
	KindInternal Kind = iota
	KindInvalid
	KindNotFound
	KindConflict
	KindForbidden
	KindUnauthenticated
	KindRateLimited
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not found"
	case KindConflict:
		return "conflict"
	case KindForbidden:
		return "forbidden"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindRateLimited:
		return "rate limited"
	default:
		return "internal"
	}
}

// FieldError names one invalid input field with a message a user can act on.
// Field uses JSON paths as the API shows them, e.g. "constituency.cidrs[0]".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a classified error with a message that is safe to show to the caller.
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	// RetryAfter is set on KindRateLimited errors, in seconds.
	RetryAfter int
	// Err is the underlying cause, kept for logs and errors.Is; never shown.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf reports the kind of err, KindInternal when it carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// As returns the classified error inside err, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// NotFound says the named thing does not exist (or must not be admitted to exist).
func NotFound(format string, args ...any) error {
	return &Error{Kind: KindNotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflict says the change clashes with the current state (duplicate, stale).
func Conflict(format string, args ...any) error {
	return &Error{Kind: KindConflict, Message: fmt.Sprintf(format, args...)}
}

// Forbidden says the caller is known but may not do this.
func Forbidden(format string, args ...any) error {
	return &Error{Kind: KindForbidden, Message: fmt.Sprintf(format, args...)}
}

// Unauthenticated says the caller must sign in (or the credentials are bad).
func Unauthenticated(format string, args ...any) error {
	return &Error{Kind: KindUnauthenticated, Message: fmt.Sprintf(format, args...)}
}

// RateLimited says the caller must wait retryAfter seconds.
func RateLimited(retryAfter int, format string, args ...any) error {
	return &Error{Kind: KindRateLimited, Message: fmt.Sprintf(format, args...), RetryAfter: retryAfter}
}

// Invalid says the input is wrong as a whole (no single field to blame).
func Invalid(format string, args ...any) error {
	return &Error{Kind: KindInvalid, Message: fmt.Sprintf(format, args...)}
}

// InvalidField says the input is wrong in one field: the message is
// shown beside it.
func InvalidField(field, format string, args ...any) error {
	return &Error{Kind: KindInvalid, Message: "the input is not valid", Fields: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// Fields collects field errors during validation. The zero value is ready to use.
type Fields []FieldError

// Add records a problem with one field.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Text checks a text field: present when required, at most max
// characters, valid UTF-8 without NUL (PostgreSQL stores none).
func (f *Fields) Text(field, s string, required bool, max int) {
	switch {
	case required && s == "":
		f.Add(field, "required")
	case utf8.RuneCountInString(s) > max:
		f.Add(field, "at most %d characters", max)
	case strings.ContainsRune(s, 0) || !utf8.ValidString(s):
		f.Add(field, "text only")
	}
}

// Has reports whether field already has an error.
func (f Fields) Has(field string) bool {
	for _, e := range f {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Err returns an invalid-input error listing the fields, or nil when there are none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Message: "the input is not valid", Fields: []FieldError(f)}
}

// HasField reports whether err is an invalid-input error with a problem
// with field: what a test of a refusal asks.
func HasField(err error, field string) bool {
	e := As(err)
	return e != nil && Fields(e.Fields).Has(field)
}

// Message returns the first message recorded for field, for showing beside a form input.
func (f Fields) Message(field string) string {
	for _, e := range f {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}
