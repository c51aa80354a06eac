package intel

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Streaming readers of the simple formats: plain lists, CSV with a column
// mapping, and Shadowserver's report CSVs. Each reads its input once, line by
// line, with memory bounded by the longest line, and hands every indicator
// to a sink as it goes; nothing is collected, so a 1 GB file costs what one
// line costs.

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

// maxLine bounds a line of a plain list or a CSV record.
const maxLine = 1 << 20

// ParseText reads a plain list: one indicator per line, defanged or not;
// blank lines and lines starting with "#" or ";" are skipped, and a line's
// indicator is its first field (what follows a space, tab, comma or
// semicolon is a comment).
func ParseText(r io.Reader, sink Sink, reject Reject) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' || s[0] == ';' {
			continue
		}
		if i := strings.IndexAny(s, " \t,;"); i >= 0 {
			// "evil[.]example (dot)" style defangs contain spaces only in
			// " dot "; keep those whole.
			if !strings.Contains(s, " dot ") && !strings.Contains(s, " DOT ") {
				s = s[:i]
			}
		}
		o, err := Normalize(s)
		if err != nil {
			reject(Rejection{Line: line, Message: reason(err)})
			continue
		}
		if err := sink(Record{Observable: o, Line: line}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("intel: line %d is longer than %d bytes", line+1, maxLine)
		}
		return fmt.Errorf("intel: read line %d: %w", line+1, err)
	}
	return nil
}

func reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Value + ": " + e.Reason
	}
	return err.Error()
}

// CSVMapping says what the columns of a CSV input hold. Columns are named
// by the header (the first record).
type CSVMapping struct {
	// Columns maps a column to the type of its values; the type "" means
	// "recognise each value".
	Columns map[string]Type `json:"columns"`
	// Time names the column with the time of the observation.
	Time string `json:"time,omitempty"`
	// Tags are columns whose non-empty values become tags ("column:value").
	Tags []string `json:"tags,omitempty"`
	// Comma is the separator (default ",").
	Comma rune `json:"comma,omitempty"`
	// Fixed are tags every record gets ("shadowserver:scan_adb").
	Fixed []string `json:"fixed,omitempty"`
}

type column struct {
	index int
	typ   Type
}

// ParseCSV reads a CSV input with a header, one record per line, and hands
// every indicator in the mapped columns to sink. A record whose mapped
// values are all invalid is rejected with the reasons; empty cells are
// nothing to say.
func ParseCSV(r io.Reader, m CSVMapping, sink Sink, reject Reject) error {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	if m.Comma != 0 {
		cr.Comma = m.Comma
	}
	header, err := cr.Read()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("intel: CSV header: %w", err)
	}
	index := map[string]int{}
	for i, h := range header {
		index[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var cols []column
	for name, t := range m.Columns {
		i, ok := index[strings.ToLower(name)]
		if !ok {
			return fmt.Errorf("intel: the CSV has no column %q (it has %s)", name, strings.Join(header, ", "))
		}
		if t != "" && !t.Valid() {
			return fmt.Errorf("intel: column %q: unknown type %q", name, t)
		}
		cols = append(cols, column{index: i, typ: t})
	}
	if len(cols) == 0 {
		return errors.New("intel: the mapping names no column of indicators")
	}
	timeCol := -1
	if m.Time != "" {
		i, ok := index[strings.ToLower(m.Time)]
		if !ok {
			return fmt.Errorf("intel: the CSV has no time column %q", m.Time)
		}
		timeCol = i
	}
	type tagCol struct {
		name  string
		index int
	}
	var tagCols []tagCol
	for _, name := range m.Tags {
		if i, ok := index[strings.ToLower(name)]; ok {
			tagCols = append(tagCols, tagCol{strings.ToLower(name), i})
		}
	}
	line := 1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				reject(Rejection{Line: line, Message: pe.Err.Error()})
				continue
			}
			return fmt.Errorf("intel: CSV record %d: %w", line, err)
		}
		var at time.Time
		if timeCol >= 0 && timeCol < len(rec) && rec[timeCol] != "" {
			if at, err = parseTime(rec[timeCol]); err != nil {
				reject(Rejection{Line: line, Message: err.Error()})
				continue
			}
		}
		var tags []string
		if len(tagCols) > 0 || len(m.Fixed) > 0 {
			tags = append(make([]string, 0, len(m.Fixed)+len(tagCols)), m.Fixed...)
			for _, tc := range tagCols {
				if tc.index < len(rec) && rec[tc.index] != "" {
					tags = append(tags, tc.name+":"+rec[tc.index])
				}
			}
		}
		found, problems := 0, []string(nil)
		for _, c := range cols {
			if c.index >= len(rec) || strings.TrimSpace(rec[c.index]) == "" {
				continue
			}
			var o Observable
			if c.typ == "" {
				o, err = Normalize(rec[c.index])
			} else {
				o, err = NormalizeAs(c.typ, rec[c.index])
			}
			if err != nil {
				problems = append(problems, header[c.index]+": "+reason(err))
				continue
			}
			found++
			if err := sink(Record{Observable: o, Line: line, Time: at, Tags: tags}); err != nil {
				return err
			}
		}
		if found == 0 && problems != nil {
			reject(Rejection{Line: line, Message: strings.Join(problems, "; ")})
		}
	}
}

// parseTime reads the time formats feeds use: RFC 3339, "2006-01-02
// 15:04:05" (UTC, as Shadowserver writes), a date, or Unix seconds.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("time %q: use RFC 3339, 2006-01-02 15:04:05 (UTC) or Unix seconds", s)
}

// Shadowserver's columns that are indicators, by name; the reported
// devices' host names (reverse DNS) are context, not indicators.
var shadowserverColumns = map[string]Type{
	"ip": "", "src_ip": "", "dst_ip": "", "url": URL, "http_url": URL, "sha256": SHA256, "md5": MD5, "sha1": SHA1,
	"http_host": Domain, "query": Domain, "cc_ip": "", "cc_url": URL,
}

// shadowserverTags are the columns kept as tags.
var shadowserverTags = []string{"tag", "protocol", "port", "src_port", "dst_port", "infection", "family", "asn", "src_asn", "application",
	"device_vendor", "device_type", "type"}

// ShadowserverMapping is the mapping of a Shadowserver report CSV, from its
// header: the report's type (from its file name, e.g. "scan_adb") is a tag
// of every record.
func ShadowserverMapping(header []string, report string) CSVMapping {
	m := CSVMapping{Columns: map[string]Type{}, Tags: shadowserverTags}
	for _, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if t, ok := shadowserverColumns[h]; ok {
			m.Columns[h] = t
		}
		if h == "timestamp" {
			m.Time = h
		}
	}
	if report != "" {
		m.Fixed = []string{"shadowserver:" + report}
	}
	return m
}
