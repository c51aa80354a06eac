package csvfeed

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Mapping says what the columns of a CSV input hold. Columns are named
// by the header (the first record).
type Mapping struct {
	// Columns maps a column to the type of its values; the type "" means
	// "recognise each value".
	Columns map[string]observable.Type `json:"columns"`
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
	typ   observable.Type
}

// Parse reads a CSV input with a header, one record per line, and hands
// every indicator in the mapped columns to sink. A record whose mapped
// values are all invalid is rejected with the reasons; empty cells are
// nothing to say.
func Parse(r io.Reader, m Mapping, sink observable.Sink, reject observable.Reject) error {
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
				reject(observable.Rejection{Line: line, Message: pe.Err.Error()})
				continue
			}
			return fmt.Errorf("intel: CSV record %d: %w", line, err)
		}
		var at time.Time
		if timeCol >= 0 && timeCol < len(rec) && rec[timeCol] != "" {
			if at, err = ParseTime(rec[timeCol]); err != nil {
				reject(observable.Rejection{Line: line, Message: err.Error()})
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
			var o observable.Observable
			if c.typ == "" {
				o, err = observable.Normalize(rec[c.index])
			} else {
				o, err = observable.NormalizeAs(c.typ, rec[c.index])
			}
			if err != nil {
				problems = append(problems, header[c.index]+": "+observable.Reason(err))
				continue
			}
			found++
			if err := sink(observable.Record{Observable: o, Line: line, Time: at, Tags: tags}); err != nil {
				return err
			}
		}
		if found == 0 && problems != nil {
			reject(observable.Rejection{Line: line, Message: strings.Join(problems, "; ")})
		}
	}
}

// ParseTime reads the time formats feeds use: RFC 3339, "2006-01-02
// 15:04:05" (UTC, as Shadowserver writes), a date, or Unix seconds.
func ParseTime(s string) (time.Time, error) {
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
var shadowserverColumns = map[string]observable.Type{
	"ip": "", "src_ip": "", "dst_ip": "", "url": observable.URL, "http_url": observable.URL, "sha256": observable.SHA256, "md5": observable.MD5, "sha1": observable.SHA1,
	"http_host": observable.Domain, "query": observable.Domain, "cc_ip": "", "cc_url": observable.URL,
}

// shadowserverTags are the columns kept as tags.
var shadowserverTags = []string{"tag", "protocol", "port", "src_port", "dst_port", "infection", "family", "asn", "src_asn", "application",
	"device_vendor", "device_type", "type"}

// Shadowserver is the mapping of a Shadowserver report CSV, from its
// header: the report's type (from its file name, e.g. "scan_adb") is a tag
// of every record.
func Shadowserver(header []string, report string) Mapping {
	m := Mapping{Columns: map[string]observable.Type{}, Tags: shadowserverTags}
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

// LooksLikeHeader reports whether a first line holds names, not
// indicators: the header of a CSV.
func LooksLikeHeader(line []byte) bool {
	rec, err := csv.NewReader(bytes.NewReader(line)).Read()
	if err != nil || len(rec) < 2 {
		return false
	}
	for _, f := range rec {
		if _, err := observable.Normalize(f); err == nil {
			return false
		}
	}
	return true
}

// Guess maps the columns whose names say what they hold (nil: none
// does).
func Guess(header []string) *Mapping {
	known := map[string]observable.Type{"indicator": "", "value": "", "ioc": "", "observable": "", "ip": "", "ip_address": "", "src_ip": "",
		"dst_ip": "", "domain": observable.Domain, "hostname": observable.Domain, "host": "", "fqdn": observable.Domain, "url": observable.URL, "email": observable.Email,
		"md5": observable.MD5, "sha1": observable.SHA1, "sha256": observable.SHA256, "sha512": observable.SHA512, "asn": observable.ASN, "cve": observable.CVE, "cidr": observable.CIDR, "network": observable.CIDR}
	m := &Mapping{Columns: map[string]observable.Type{}}
	for _, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if t, ok := known[name]; ok {
			m.Columns[name] = t
		}
		switch name {
		case "timestamp", "time", "first_seen", "last_seen", "date", "seen":
			if m.Time == "" {
				m.Time = name
			}
		case "tag", "tags", "type", "category", "family", "malware", "threat", "comment", "description", "port", "protocol":
			m.Tags = append(m.Tags, name)
		}
	}
	if len(m.Columns) == 0 {
		return nil
	}
	return m
}

// MappingFor settles the mapping of a CSV from its header line: the one
// given, else Shadowserver's when the header is a report's (or
// shadowserver says it is one), else one guessed from the column names.
// It answers whether the input is read as a Shadowserver report; a header
// that cannot be used is the client's mistake (errs.Invalid).
func MappingFor(headerLine []byte, given *Mapping, report string, shadowserver bool) (*Mapping, bool, error) {
	header, err := csv.NewReader(bytes.NewReader(headerLine)).Read()
	if err != nil {
		return nil, false, errs.Invalid("the CSV's header cannot be read: %v", err)
	}
	if given != nil {
		m := *given
		return &m, false, nil
	}
	sm := Shadowserver(header, report)
	if shadowserver || (sm.Time != "" && len(sm.Columns) > 0) {
		if len(sm.Columns) == 0 {
			return nil, false, errs.Invalid("the report has no column of indicators (ip, url, sha256, http_host, …)")
		}
		return &sm, true, nil
	}
	m := Guess(header)
	if m == nil {
		return nil, false, errs.Invalid("no column of the CSV holds indicators by its name (indicator, value, ioc, ip, domain, url, sha256, …): give a column mapping")
	}
	return m, false, nil
}
