package web

import "encoding/xml"

// Atom (RFC 4287) feeds, as the website serves them.

// AtomFeed is a feed.
type AtomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []AtomLink  `xml:"link"`
	Author  AtomPerson  `xml:"author"`
	Entries []AtomEntry `xml:"entry"`
}

// AtomLink is a link of a feed or an entry.
type AtomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

// AtomPerson is a feed's author.
type AtomPerson struct {
	Name string `xml:"name"`
}

// AtomEntry is an entry of a feed.
type AtomEntry struct {
	ID        string         `xml:"id"`
	Title     string         `xml:"title"`
	Updated   string         `xml:"updated"`
	Published string         `xml:"published,omitempty"`
	Links     []AtomLink     `xml:"link"`
	Summary   string         `xml:"summary"`
	Category  []AtomCategory `xml:"category"`
}

// AtomCategory is an entry's category.
type AtomCategory struct {
	Term string `xml:"term,attr"`
}

// Marshal answers the feed as an XML document.
func (f AtomFeed) Marshal() ([]byte, error) {
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}
