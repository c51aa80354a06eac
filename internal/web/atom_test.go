package web_test

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/web"
)

// TestAtomFeed: a feed marshals as an Atom document (its namespace, an XML
// header, entries with their links and categories) that reads back whole,
// with text escaped.
func TestAtomFeed(t *testing.T) {
	f := web.AtomFeed{ID: "https://cert.example/feed", Title: "Changes <&>", Updated: "2026-12-06T10:00:00Z",
		Links: []web.AtomLink{{Rel: "self", Href: "https://cert.example/feed", Type: "application/atom+xml"}},
		Entries: []web.AtomEntry{{ID: "urn:x:1", Title: "Gate 7: revoked", Updated: "2026-12-06T10:00:00Z",
			Summary: "a < b", Category: []web.AtomCategory{{Term: "revoked"}}}}}
	b, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.HasPrefix(s, "<?xml") || !strings.Contains(s, `xmlns="http://www.w3.org/2005/Atom"`) || !strings.Contains(s, "Changes &lt;&amp;&gt;") ||
		strings.Contains(s, "<published>") {
		t.Errorf("feed:\n%s", s)
	}
	var back web.AtomFeed
	if err := xml.Unmarshal(b, &back); err != nil || back.Title != f.Title || len(back.Entries) != 1 || back.Entries[0].Summary != "a < b" ||
		back.Entries[0].Category[0].Term != "revoked" {
		t.Errorf("read back: %+v %v", back, err)
	}
}
