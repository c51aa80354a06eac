package misp

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/observable/observabletest"
)

// FuzzParseMISP: a MISP event's records are canonical, its event-wide
// marking is carried, and what cannot be read says where.
func FuzzParseMISP(f *testing.F) {
	observabletest.AddFiles(f, "testdata/misp/mispevent_testfiles/*.json", 16<<10)
	f.Add([]byte(`{"Event": {"info": "phishing", "uuid": "5f0e7f5c-1a2b-4c3d-8e9f-000000000001", "Attribute": [
	  {"type": "ip-dst|port", "value": "198.51.100.7|443", "to_ids": true, "timestamp": "1700000000", "Tag": [{"name": "tlp:red"}]},
	  {"type": "domain|ip", "value": "evil.example|198.51.100.8", "to_ids": false},
	  {"type": "filename|sha256", "value": "a.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	  {"type": "url", "value": "hxxp://evil[.]example/x", "deleted": true},
	  {"type": "ip-src", "value": "not-an-ip!"}, {"type": "AS", "value": 64500}, {"type": "vulnerability", "value": "CVE-2024-3094"}],
	 "Object": [{"name": "domain-ip", "Attribute": [{"type": "domain", "value": "c2.evil.example"}], "Tag": [{"name": "tlp:amber+strict"}]}],
	 "Tag": [{"name": "tlp:green"}, {"name": "type:OSINT"}]}}`))
	f.Add([]byte(`{"Event": {"date": "2026-11-21", "timestamp": "1700000000", "Galaxy": [{"type": "threat-actor", "GalaxyCluster": [
	  {"uuid": "7cdff317-a673-4474-84ec-4f1754947823", "value": "Sofacy", "tag_name": "misp-galaxy:threat-actor=\"Sofacy\"",
	   "meta": {"synonyms": ["APT 28"], "country": "RU", "refs": ["https://example.org/"]}}]}, {"type": "malpedia", "GalaxyCluster": [{"uuid": "x", "value": 3}]}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c observabletest.Collected
		var kept []observable.Object
		err := Parse(bytes.NewReader(data), c.Sink, c.Reject, func(o observable.Object) error { kept = append(kept, o); return nil })
		for _, o := range kept {
			// A galaxy cluster is kept as a STIX object of its kind,
			// named by its UUID, as valid JSON.
			if !strings.HasPrefix(o.ID, o.Type+"--") || !IsUUID(strings.TrimPrefix(o.ID, o.Type+"--")) || !json.Valid(o.Body) {
				t.Fatalf("kept %+v", o)
			}
		}
		if err != nil && !strings.HasPrefix(err.Error(), "intel: MISP") {
			t.Fatalf("an error that does not say it is the event's: %v", err)
		}
		for _, r := range c.Recs {
			observabletest.CheckCanonical(t, r.Observable, false)
			if r.TLP != "" && !slices.Contains([]string{"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"}, r.TLP) {
				t.Fatalf("record %+v marked %q", r.Observable, r.TLP)
			}
		}
		for _, r := range c.Rej {
			if r.Message == "" {
				t.Fatalf("rejection %+v", r)
			}
		}
	})
}

// FuzzReadMISPManifest: a feed's manifest lists only events whose names
// are UUIDs (no other name becomes a file to fetch), oldest first, and
// never more than it holds.
func FuzzReadMISPManifest(f *testing.F) {
	f.Add([]byte(`{"5f0e7f5c-1a2b-4c3d-8e9f-000000000001": {"timestamp": "1700000000", "info": "x"},
	  "5F0E7F5C-1A2B-4C3D-8E9F-000000000002": {"timestamp": 1600000000}, "../../etc/passwd": {"timestamp": 1},
	  "5f0e7f5c-1a2b-4c3d-8e9f-000000000003": {}}`))
	f.Add([]byte(`{"5f0e7f5c-1a2b-4c3d-8e9f-000000000001": {"timestamp": "x"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		events, listed, err := ReadManifest(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(events) > listed {
			t.Fatalf("%d events of %d entries", len(events), listed)
		}
		for i, e := range events {
			if !IsUUID(e.UUID) || strings.ContainsAny(e.UUID, "/.\\") {
				t.Fatalf("event %q would be fetched", e.UUID)
			}
			if i > 0 && e.Timestamp < events[i-1].Timestamp {
				t.Fatalf("events out of order: %v", events)
			}
		}
	})
}
