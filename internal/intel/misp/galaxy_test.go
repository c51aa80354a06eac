package misp

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/observable/observabletest"
)

// TestGalaxyClusters: an event's threat-actor and tool clusters become
// STIX objects of their kind, marked with the event's TLP, versioned by
// its date, with the synonyms as aliases and the cluster's tag and
// targets in x_misp_galaxy, named by a UUID of their kind and name (the
// same in every event); a sector galaxy's clusters become none, and a
// cluster repeated under another UUID is one object.
func TestGalaxyClusters(t *testing.T) {
	in := `{"Event": {"uuid": "5f0e7f5c-1a2b-4c3d-8e9f-000000000001", "date": "2026-11-21", "Tag": [{"name": "tlp:amber"}],
	  "Attribute": [{"type": "ip-dst", "value": "198.51.100.7"}],
	  "Galaxy": [
	   {"type": "threat-actor", "GalaxyCluster": [{"uuid": "7CDFF317-A673-4474-84EC-4F1754947823", "value": "Sofacy", "type": "threat-actor",
	     "tag_name": "misp-galaxy:threat-actor=\"Sofacy\"", "description": "Russian group",
	     "meta": {"synonyms": ["APT 28", "Fancy Bear"], "country": "RU", "cfr-target-category": ["Government", "Military"], "refs": ["https://example.org/a", "javascript:x"]}},
	    {"uuid": "not-a-uuid", "value": "sofacy", "type": "threat-actor"}]},
	   {"type": "tool", "GalaxyCluster": [{"uuid": "2f1a5a26-5c1b-4b0e-9f3d-1a2b3c4d5e6f", "value": "Mimikatz", "type": "tool"}]},
	   {"type": "sector", "GalaxyCluster": [{"uuid": "3f1a5a26-5c1b-4b0e-9f3d-1a2b3c4d5e6f", "value": "Finance", "type": "sector"}]}]}}`
	var c observabletest.Collected
	var objs []observable.Object
	if err := Parse(strings.NewReader(in), c.Sink, c.Reject, func(o observable.Object) error { objs = append(objs, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(c.Recs) != 1 || len(objs) != 2 {
		t.Fatalf("records %v, objects %v", c.Recs, objs)
	}
	ta := objs[0]
	if ta.ID != "threat-actor--"+uuid.NewSHA1(galaxyNamespace, []byte("threat-actor\x00sofacy")).String() || ta.Type != "threat-actor" || ta.TLP != "AMBER" || ta.Version != "2026-11-21T00:00:00.000000Z" {
		t.Errorf("the actor: %+v", ta)
	}
	var body struct {
		Name     string   `json:"name"`
		Aliases  []string `json:"aliases"`
		Markings []string `json:"object_marking_refs"`
		Created  string   `json:"created"`
		Galaxy   struct {
			Tag     string   `json:"tag"`
			Country []string `json:"country"`
			Target  []string `json:"cfr-target-category"`
		} `json:"x_misp_galaxy"`
		Refs []map[string]string `json:"external_references"`
	}
	if err := json.Unmarshal(ta.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Name != "Sofacy" || strings.Join(body.Aliases, ",") != "APT 28,Fancy Bear" || len(body.Markings) != 1 || body.Created != "2026-11-21T00:00:00.000Z" ||
		body.Galaxy.Tag != `misp-galaxy:threat-actor="Sofacy"` || strings.Join(body.Galaxy.Country, ",") != "RU" ||
		strings.Join(body.Galaxy.Target, ",") != "Government,Military" || len(body.Refs) != 1 {
		t.Errorf("the actor's body: %s", ta.Body)
	}
	if objs[1].Type != "tool" || !strings.Contains(string(objs[1].Body), `"name":"Mimikatz"`) {
		t.Errorf("the tool: %+v", objs[1])
	}
	// Each source's clusters are its own objects; an event without a
	// date makes none (STIX objects need created and modified).
	first := func(src, in string) string {
		var id string
		_ = ParseFor(strings.NewReader(in), src, c.Sink, c.Reject, func(o observable.Object) error {
			if id == "" {
				id = o.ID
			}
			return nil
		})
		return id
	}
	if a, b := first("source-a", in), first("source-b", in); a == b || a != first("source-a", in) || !strings.HasPrefix(a, "threat-actor--") {
		t.Errorf("ids for two sources: %s %s", a, b)
	}
	if id := first("", strings.Replace(in, `"date": "2026-11-21",`, "", 1)); id != "" {
		t.Errorf("an event without a date made %s", id)
	}
}
