package misp

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/observable/observabletest"
)

// TestMISPOfficialEvents reads PyMISP's test events.
func TestMISPOfficialEvents(t *testing.T) {
	f, err := os.Open("testdata/misp/mispevent_testfiles/existing_event.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var c observabletest.Collected
	if err := Parse(f, c.Sink, c.Reject, nil); err != nil {
		t.Fatal(err)
	}
	// 37 SHA-1, 19 domains and 12 addresses; text, file names and the link are context.
	counts := map[observable.Type]int{}
	for _, r := range c.Recs {
		counts[r.Observable.Type]++
		if r.TLP != "CLEAR" {
			t.Fatalf("the event's tlp:white does not mark %v (%q)", r.Observable, r.TLP)
		}
	}
	if counts[observable.SHA1] != 37 || counts[observable.Domain] != 19 || counts[observable.IPv4] != 12 || len(c.Rej) != 0 {
		t.Fatalf("counts %v, rejections %v", counts, c.Rej)
	}
	if !slices.Contains(c.Recs[0].Tags, `misp-galaxy:threat-actor="Sofacy"`) {
		t.Fatalf("event tags not carried: %v", c.Recs[0].Tags)
	}
	files, _ := filepath.Glob("testdata/misp/mispevent_testfiles/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var c observabletest.Collected
		if err := Parse(strings.NewReader(string(b)), c.Sink, c.Reject, nil); err != nil {
			t.Errorf("%s: %v", filepath.Base(name), err)
		}
	}
}

func TestMISPEvent(t *testing.T) {
	in := `{"Event": {"info": "phishing", "Attribute": [
	  {"type": "ip-dst|port", "value": "198.51.100.7|443", "to_ids": true, "timestamp": "1700000000", "Tag": [{"name": "tlp:red"}]},
	  {"type": "domain|ip", "value": "evil.example|198.51.100.8", "to_ids": false},
	  {"type": "filename|sha256", "value": "a.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	  {"type": "url", "value": "hxxp://evil[.]example/x", "deleted": true},
	  {"type": "ip-src", "value": "not-an-ip!"},
	  {"type": "domain|ip", "value": "only-one-part.example"},
	  {"type": "comment", "value": "context"}],
	 "Object": [{"name": "domain-ip", "Attribute": [{"type": "domain", "value": "c2.evil.example"}], "Tag": [{"name": "tlp:amber+strict"}]}],
	 "Tag": [{"name": "tlp:green"}, {"name": "type:OSINT"}]}}`
	var c observabletest.Collected
	if err := Parse(strings.NewReader(in), c.Sink, c.Reject, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"ipv4 198.51.100.7", "domain evil.example", "ipv4 198.51.100.8",
		"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "domain c2.evil.example"}
	if !slices.Equal(c.Values(), want) {
		t.Fatalf("values %v", c.Values())
	}
	tlps := []string{}
	for _, r := range c.Recs {
		tlps = append(tlps, r.TLP)
	}
	if !slices.Equal(tlps, []string{"RED", "GREEN", "GREEN", "GREEN", "AMBER+STRICT"}) {
		t.Fatalf("markings %v", tlps)
	}
	if c.Recs[0].Time.Unix() != 1700000000 || !slices.Contains(c.Recs[1].Tags, "to_ids:false") || !slices.Contains(c.Recs[1].Tags, "type:OSINT") {
		t.Fatalf("records %+v", c.Recs[:2])
	}
	if len(c.Rej) != 2 || !strings.Contains(c.Rej[1].Message, "parts") {
		t.Fatalf("rejections %+v", c.Rej)
	}
	if err := Parse(strings.NewReader(`{"Event": {"Attribute": [{"type": "ip-dst",`), c.Sink, c.Reject, nil); err == nil {
		t.Fatal("a truncated event was read")
	}
}

// A JSON object holding no Event, Attribute or Object is not a MISP event:
// refused, not read as an event of nothing.
func TestMISPRefusesOtherObjects(t *testing.T) {
	for _, in := range []string{`{"title": "x", "description": 12345}`, `{"objects": []}`} {
		err := Parse(strings.NewReader(in), func(observable.Record) error { return nil }, func(observable.Rejection) {}, nil)
		if err == nil || !strings.Contains(err.Error(), "not a MISP event") {
			t.Errorf("%s: %v", in, err)
		}
	}
	for _, in := range []string{`{"Attribute": []}`, `{}`, `{"info": "an event of nothing yet"}`} {
		if err := Parse(strings.NewReader(in), func(observable.Record) error { return nil }, func(observable.Rejection) {}, nil); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
}
