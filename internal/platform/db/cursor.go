package db

import (
	"time"

	"github.com/certhub/certhub/internal/platform/errs"
)

// TimeCursor is the cursor of the page after a row sorted by a time and
// then its ID.
func TimeCursor(t time.Time, id string) string {
	return EncodeCursor(t.UTC().Format(time.RFC3339Nano), id)
}

// TimeAfter reads a cursor made by TimeCursor: the time and ID of the
// last row of the page before (nil and "" for the first page; a field
// error for a cursor this server did not make).
func TimeAfter(cursor string) (*time.Time, string, error) {
	parts, err := DecodeCursor(cursor, 2)
	if err != nil || parts == nil {
		return nil, "", err
	}
	t, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil {
		return nil, "", errs.InvalidField("cursor", "is not a cursor this server issued")
	}
	return &t, parts[1], nil
}

// Keyset is the condition of the page after cursor (made by TimeCursor)
// in a list ordered by timeCol then idCol, newest first when desc: ""
// for the first page.
func Keyset(a *Args, cursor, timeCol, idCol string, desc bool) (string, error) {
	at, id, err := TimeAfter(cursor)
	if err != nil || at == nil {
		return "", err
	}
	op := ">"
	if desc {
		op = "<"
	}
	t := a.Add(*at)
	return "(" + timeCol + " " + op + " " + t + " OR (" + timeCol + " = " + t + " AND " + idCol + " " + op + " " + a.Add(id) + "))", nil
}
