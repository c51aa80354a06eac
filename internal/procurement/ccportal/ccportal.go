package ccportal

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/errs"
)

// Limits of a file.
const (
	MaxBytes = 32 << 20
	MaxRows  = 200_000
)

// Certified is one certified product, its maintenance rows merged.
type Certified struct {
	// ID is stable across imports: the scheme and a digest of the
	// product's name, manufacturer and certification date.
	ID                 string
	Category           string // the portal's category
	Name               string
	Manufacturer       string
	Scheme             string // the certifying scheme's country code: DE, FR, US…
	AssuranceLevel     string
	ProtectionProfiles string
	Certified          time.Time
	Archived           *time.Time // the end of its listing (the certificate's archival date)
	ReportURL          string
	TargetURL          string
	// Maintenances are the assurance-maintenance updates, oldest first.
	Maintenances []Maintenance
}

// Maintenance is one assurance-maintenance update of a certified product.
type Maintenance struct {
	Date  time.Time
	Title string
}

// the columns read, by header name (case and spacing ignored).
var columns = map[string]string{
	"category": "category", "name": "name", "manufacturer": "manufacturer", "scheme": "scheme",
	"assurance level": "assurance", "protection profile(s)": "pp", "certification date": "certified",
	"archived date": "archived", "certification report url": "report", "security target url": "target",
	"maintenance date": "mdate", "maintenance title": "mtitle",
}

var required = []string{"category", "name", "manufacturer", "scheme", "certified"}

func invalid(format string, args ...any) error { return errs.InvalidField("file", format, args...) }

// Parse reads the CSV. A row that cannot be read (a bad date, a missing
// name) refuses the file, naming the line: an import is all or nothing.
func Parse(r io.Reader) ([]Certified, error) {
	cr := csv.NewReader(&limited{r: r, left: MaxBytes})
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		if !isCSV(err) {
			return nil, err
		}
		return nil, invalid("is not a CSV file with a header line")
	}
	at := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.Join(strings.Fields(strings.TrimPrefix(h, "\ufeff")), " "))
		if key, ok := columns[h]; ok {
			at[key] = i
		}
	}
	var missing []string
	for _, k := range required {
		if _, ok := at[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, invalid("is not the Common Criteria portal's list: the header lacks %s", strings.Join(missing, ", "))
	}
	byID := map[string]int{}
	var out []Certified
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			err = nil
		}
		if err != nil {
			if !isCSV(err) {
				return nil, err
			}
			return nil, invalid("line %d cannot be read as CSV", line)
		}
		if line-1 > MaxRows {
			return nil, invalid("has more than %d rows", MaxRows)
		}
		get := func(k string) string {
			i, ok := at[k]
			if !ok || i >= len(rec) {
				return ""
			}
			return clean(rec[i])
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		c := Certified{Category: get("category"), Name: get("name"), Manufacturer: get("manufacturer"), Scheme: strings.ToUpper(get("scheme")),
			AssuranceLevel: get("assurance"), ProtectionProfiles: get("pp"), ReportURL: url(get("report")), TargetURL: url(get("target"))}
		if c.Name == "" || c.Manufacturer == "" || c.Category == "" || c.Scheme == "" {
			return nil, invalid("line %d lacks the product's name, manufacturer, category or scheme", line)
		}
		if c.Certified, err = date(get("certified")); err != nil || c.Certified.IsZero() {
			return nil, invalid("line %d: the certification date %q is not MM/DD/YYYY", line, get("certified"))
		}
		if s := get("archived"); s != "" {
			d, err := date(s)
			if err != nil {
				return nil, invalid("line %d: the archived date %q is not MM/DD/YYYY", line, s)
			}
			c.Archived = &d
		}
		var m *Maintenance
		if s := get("mdate"); s != "" {
			d, err := date(s)
			if err != nil {
				return nil, invalid("line %d: the maintenance date %q is not MM/DD/YYYY", line, s)
			}
			m = &Maintenance{Date: d, Title: get("mtitle")}
		}
		sum := sha256.Sum256([]byte(strings.ToLower(c.Name) + "\x00" + strings.ToLower(c.Manufacturer) + "\x00" + c.Certified.Format(time.DateOnly)))
		c.ID = "CC-" + c.Scheme + "-" + c.Certified.Format("2006") + "-" + hex.EncodeToString(sum[:5])
		i, seen := byID[c.ID]
		if !seen {
			i = len(out)
			byID[c.ID] = i
			out = append(out, c)
		}
		if m != nil && !slices.ContainsFunc(out[i].Maintenances, func(x Maintenance) bool { return x == *m }) {
			out[i].Maintenances = append(out[i].Maintenances, *m)
		}
	}
	for i := range out {
		slices.SortFunc(out[i].Maintenances, func(a, b Maintenance) int { return a.Date.Compare(b.Date) })
	}
	return out, nil
}

// clean unescapes HTML entities, drops control characters and trims.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\ufffd")
	}
	s = html.UnescapeString(s)
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// date reads MM/DD/YYYY (the portal's), and YYYY-MM-DD as some exports
// have it.
func date(s string) (time.Time, error) {
	for _, layout := range []string{"01/02/2006", "1/2/2006", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}

// url keeps a link only when it is an http(s) address.
func url(s string) string {
	if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
		return s
	}
	return ""
}

// ErrTooLarge is the error of a file of more than MaxBytes.
var ErrTooLarge = errs.InvalidField("file", "is larger than %d MB", MaxBytes>>20)

// isCSV reports whether err is the file's fault as CSV (not the reader's).
func isCSV(err error) bool {
	var pe *csv.ParseError
	return errors.As(err, &pe) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// limited reads at most left bytes, then fails with ErrTooLarge.
type limited struct {
	r    io.Reader
	left int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left <= 0 { // at the limit: is there more?
		var one [1]byte
		for {
			n, err := l.r.Read(one[:])
			if n > 0 {
				return 0, ErrTooLarge
			}
			if err != nil {
				return 0, err
			}
		}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
