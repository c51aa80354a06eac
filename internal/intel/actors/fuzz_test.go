package actors

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// FuzzExtract: whatever objects a source kept (each a JSON value of a
// line of the input), the claims made of them have a family, a name and
// merge keys, bounded lists, and only indicator ids as indicators.
func FuzzExtract(f *testing.F) {
	f.Add([]byte(`{"type":"intrusion-set","id":"intrusion-set--1","name":"APT28","aliases":["Fancy Bear","APT 28",""],"first_seen":"2004-01-01T00:00:00Z"}
{"type":"attack-pattern","id":"attack-pattern--1","name":"Phishing","external_references":[{"source_name":"mitre-attack","external_id":"T1566"}]}
{"type":"relationship","id":"relationship--1","relationship_type":"uses","source_ref":"intrusion-set--1","target_ref":"attack-pattern--1"}
{"type":"relationship","id":"relationship--2","relationship_type":"indicates","source_ref":"indicator--1","target_ref":"intrusion-set--1"}
{"type":"relationship","id":"relationship--3","relationship_type":"indicates","source_ref":"malware--1","target_ref":"intrusion-set--1"}`))
	f.Add([]byte(`{"type":"threat-actor","id":"threat-actor--1","name":"Monsoon Serpent","x_misp_galaxy":{"tag":"t","cfr-target-category":["Financial"],"country":["PK"]}}
{"type":"campaign","id":"campaign--1","name":"Op","first_seen":"not a time"}
{"type":"relationship","id":"relationship--4","relationship_type":"attributed-to","source_ref":"campaign--1","target_ref":"threat-actor--1"}`))
	f.Add([]byte(`{"type":"malware","id":"malware--1","name":"   ","aliases":null}
{"type":"tool","id":"tool--1","name":"x","x_mitre_aliases":[1,2]}
{"type":"location","id":"location--1"}
[1,2,3]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var objs []Object
		for _, line := range bytes.Split(data, []byte("\n")) {
			if json.Valid(line) {
				objs = append(objs, Object{Type: "?", TLP: "GREEN", Body: line})
			}
		}
		for _, c := range Extract(objs) {
			if !slices.Contains(Families, c.Family) || c.Name == "" || len(c.Keys) == 0 || len(c.Aliases) > 100 || len(c.Description) > 4100 {
				t.Fatalf("claim %+v", c)
			}
			for _, ind := range c.Indicators {
				if len(ind) < len("indicator--") || ind[:len("indicator--")] != "indicator--" {
					t.Fatalf("indicator %q", ind)
				}
			}
		}
	})
}
