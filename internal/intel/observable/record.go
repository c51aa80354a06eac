package observable

import (
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"
)

// Record is one indicator read from an input.
type Record struct {
	Observable Observable
	Line       int       // where it was read (1-based; for CSV the record number including the header)
	Time       time.Time // when it was observed, if the input says; zero otherwise
	Tags       []string  // what the input says about it: "port:5555", "family:mirai", …
	TLP        string    // the input's own marking of it, if any (a STIX object's); else the ingest's
	FromObject bool      // read from a STIX object that is kept as it came
	Event      *EventRef // the event it was reported in (a MISP event's attributes), if any
}

// EventRef names the event a record came from; the records of one event
// share one.
type EventRef struct {
	UUID, Info, Date string
}

// Rejection is a line or value that could not be read, and why.
type Rejection struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
	// ID names a STIX object that was refused (not kept) as a whole.
	ID string `json:"id,omitempty"`
}

// Sink receives records; an error stops the reading and is returned.
type Sink func(Record) error

// Reject receives rejections; the reading goes on.
type Reject func(Rejection)

// Reason is what a rejection says of err: the value and why, for a value
// Normalize refused.
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Value + ": " + e.Reason
	}
	return err.Error()
}

// Object is a STIX object as received, with what storing it needs.
type Object struct {
	ID          string
	Type        string
	Version     string // modified, else created, as VersionString; "" for objects without either (SCOs)
	SpecVersion string
	TLP         string // its most restrictive TLP marking, if any
	Body        json.RawMessage
	Line        int
}

// VersionString is the one form versions and TAXII's timestamps take:
// UTC, microseconds, so they sort as text.
func VersionString(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// Truncate cuts s to at most n bytes, at a rune boundary, and marks the
// cut: how free text read from an input is bounded before it is kept.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
