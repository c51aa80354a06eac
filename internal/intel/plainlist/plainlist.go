package plainlist

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/certhub/certhub/internal/intel/observable"
)

// maxLine bounds a line of a plain list.
const maxLine = 1 << 20

// Parse reads a plain list: one indicator per line, defanged or not;
// blank lines and lines starting with "#" or ";" are skipped, and a line's
// indicator is its first field (what follows a space, tab, comma or
// semicolon is a comment).
func Parse(r io.Reader, sink observable.Sink, reject observable.Reject) error {
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
		o, err := observable.Normalize(s)
		if err != nil {
			reject(observable.Rejection{Line: line, Message: observable.Reason(err)})
			continue
		}
		if err := sink(observable.Record{Observable: o, Line: line}); err != nil {
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
