package misp

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/observable/observabletest"
)

// TestFeedReadsBack: an observable of every type written as the feed
// writes it reads back, as MISP's attribute, to the same observable; an
// event's UUID carries its day.
func TestFeedReadsBack(t *testing.T) {
	values := map[observable.Type]string{observable.IPv4: "198.51.100.7", observable.IPv6: "2001:db8::7",
		observable.CIDR: "198.51.100.0/24", observable.Domain: "evil.example", observable.URL: "http://evil.example/x",
		observable.Email: "soc@evil.example", observable.MD5: strings.Repeat("a", 32), observable.SHA1: strings.Repeat("b", 40),
		observable.SHA256: strings.Repeat("c", 64), observable.SHA512: strings.Repeat("d", 128), observable.ASN: "AS64500",
		observable.CVE: "CVE-2024-3094"}
	for _, typ := range observable.Types {
		mtype, category, ok := AttributeType(typ)
		if !ok || category == "" {
			t.Fatalf("%s: no MISP type", typ)
		}
		event, _ := json.Marshal(map[string]any{"Event": map[string]any{"uuid": EventUUID("community", 20000), "info": "x",
			"Attribute": []map[string]any{{"type": mtype, "value": values[typ]}}}})
		var c observabletest.Collected
		if err := Parse(strings.NewReader(string(event)), c.Sink, c.Reject, nil); err != nil || len(c.Rej) > 0 {
			t.Fatalf("%s as %s: %v %v", typ, mtype, err, c.Rej)
		}
		if got := c.Values(); len(got) != 1 || got[0] != string(typ)+" "+must(observable.NormalizeAs(typ, values[typ])).Value {
			t.Errorf("%s as %s read back as %v", typ, mtype, got)
		}
	}
	u := EventUUID("community", 20000)
	if day, err := strconv.ParseInt(u[:8], 16, 64); err != nil || day != 20000 || !IsUUID(u) || u == EventUUID("center", 20000) {
		t.Errorf("event UUID %s", u)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
