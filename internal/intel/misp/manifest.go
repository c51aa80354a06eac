package misp

import (
	"cmp"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// uuidPattern is the name of a feed's event: a UUID, nothing that could
// name another file.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsUUID reports whether s is a UUID, as the events of a feed are named.
func IsUUID(s string) bool { return uuidPattern.MatchString(s) }

// flexInt reads a number MISP writes as a number or as a string.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	*f = flexInt(n)
	return err
}

// maxManifest bounds a MISP feed's manifest (hundreds of thousands of events).
const maxManifest = 256 << 20

// FeedEvent is an event a MISP feed's manifest lists.
type FeedEvent struct {
	UUID      string
	Timestamp int64 // Unix seconds; 0 when the manifest says none
}

// ReadManifest reads a MISP feed's manifest.json: the events whose keys
// are UUIDs (another key names no file to read), oldest first, and how
// many entries it lists.
func ReadManifest(r io.Reader) ([]FeedEvent, int, error) {
	var manifest map[string]struct {
		Timestamp flexInt `json:"timestamp"`
	}
	if err := json.NewDecoder(io.LimitReader(r, maxManifest)).Decode(&manifest); err != nil {
		return nil, 0, err
	}
	var out []FeedEvent
	for id, e := range manifest {
		if IsUUID(id) {
			out = append(out, FeedEvent{id, int64(e.Timestamp)})
		}
	}
	slices.SortFunc(out, func(a, b FeedEvent) int {
		return cmp.Or(cmp.Compare(a.Timestamp, b.Timestamp), strings.Compare(a.UUID, b.UUID))
	})
	return out, len(manifest), nil
}
