package ingest

import (
	"bufio"
	"bytes"
	"cmp"
	"io"

	"github.com/certhub/certhub/internal/intel/csvfeed"
	"github.com/certhub/certhub/internal/intel/misp"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/plainlist"
	"github.com/certhub/certhub/internal/intel/stix"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Format is an input format.
type Format string

// The formats an input may be read as; Auto recognises it.
const (
	Auto         Format = "auto"
	Text         Format = "text"
	CSV          Format = "csv"
	Shadowserver Format = "shadowserver"
	STIX         Format = "stix"
	MISP         Format = "misp"
)

// Formats lists every format, Auto first.
var Formats = []Format{Auto, Text, CSV, Shadowserver, STIX, MISP}

// Detect settles the format (and a CSV's mapping) from the format asked
// for (empty: Auto), the mapping given, a Shadowserver report's type and
// the first bytes of the input, which br keeps for the reading.
func Detect(br *bufio.Reader, format Format, mapping *csvfeed.Mapping, report string) (Format, *csvfeed.Mapping, error) {
	format = cmp.Or(format, Auto)
	head, _ := br.Peek(64 << 10)
	firstLine := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		firstLine = head[:i]
	}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(head, []byte("\ufeff")))
	if format == Auto {
		switch {
		case len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '['):
			if bytes.Contains(head, []byte(`"spec_version"`)) || bytes.Contains(head, []byte(`"type": "bundle"`)) || bytes.Contains(head, []byte(`"type":"bundle"`)) {
				format = STIX
			} else {
				format = MISP
			}
		case bytes.ContainsAny(firstLine, ",;\t") && csvfeed.LooksLikeHeader(firstLine):
			format = CSV
		default:
			format = Text
		}
	}
	switch format {
	case Text, STIX, MISP:
		return format, nil, nil
	case CSV, Shadowserver:
		m, report, err := csvfeed.MappingFor(firstLine, mapping, report, format == Shadowserver)
		if err != nil {
			return "", nil, err
		}
		if report {
			return Shadowserver, m, nil
		}
		return CSV, m, nil
	}
	return "", nil, errs.Invalid("unknown format %q: auto, text, csv, shadowserver, stix or misp", format)
}

// Read hands the input, in a format Detect settled (with its mapping), to
// that format's reader, for the source named source. keep receives the
// STIX objects kept as received (and those made of MISP galaxy clusters).
func Read(r io.Reader, format Format, mapping *csvfeed.Mapping, source string, sink observable.Sink, reject observable.Reject, keep func(observable.Object) error) error {
	switch format {
	case Text:
		return plainlist.Parse(r, sink, reject)
	case CSV, Shadowserver:
		return csvfeed.Parse(r, *mapping, sink, reject)
	case STIX:
		return stix.Parse(r, sink, reject, keep)
	case MISP:
		return misp.ParseFor(r, source, sink, reject, keep)
	}
	return errs.Invalid("unknown format %q", format)
}
