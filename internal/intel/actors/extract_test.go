package actors

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

func obj(body string) Object {
	var head struct{ ID, Type string }
	_ = json.Unmarshal([]byte(body), &head)
	return Object{ID: head.ID, Type: head.Type, TLP: "GREEN", Collection: 1, Body: json.RawMessage(body)}
}

// TestExtract: the claims of an ATT&CK-shaped bundle — aliases from
// aliases and x_mitre_aliases, techniques by ATT&CK id through "uses",
// targeted sectors mapped to the directory's and countries through
// "targets", indicators through "indicates", campaigns and actors tied by
// "attributed-to"; revoked and deprecated objects make none.
func TestExtract(t *testing.T) {
	claims := Extract([]Object{
		obj(`{"type":"intrusion-set","id":"intrusion-set--1","name":"APT28","aliases":["APT28","Fancy Bear","Sofacy"],"first_seen":"2004-01-01T00:00:00Z",
			"primary_motivation":"organizational-gain","external_references":[{"source_name":"mitre-attack","external_id":"G0007"}]}`),
		obj(`{"type":"malware","id":"malware--1","name":"X-Agent","x_mitre_aliases":["CHOPSTICK"],"is_family":true}`),
		obj(`{"type":"intrusion-set","id":"intrusion-set--2","name":"Old group","revoked":true}`),
		obj(`{"type":"tool","id":"tool--1","name":"Deprecated tool","x_mitre_deprecated":true}`),
		obj(`{"type":"campaign","id":"campaign--1","name":"Operation Pawn Storm"}`),
		obj(`{"type":"attack-pattern","id":"attack-pattern--1","name":"Spearphishing Link","external_references":[{"source_name":"mitre-attack","external_id":"T1566.002"}]}`),
		obj(`{"type":"attack-pattern","id":"attack-pattern--2","name":"Revoked technique","revoked":true}`),
		obj(`{"type":"identity","id":"identity--1","name":"Governments","identity_class":"class","sectors":["government-national","defense","aerospace"]}`),
		obj(`{"type":"location","id":"location--1","country":"ua"}`),
		obj(`{"type":"relationship","id":"relationship--1","relationship_type":"uses","source_ref":"intrusion-set--1","target_ref":"attack-pattern--1"}`),
		obj(`{"type":"relationship","id":"relationship--2","relationship_type":"uses","source_ref":"intrusion-set--1","target_ref":"attack-pattern--2"}`),
		obj(`{"type":"relationship","id":"relationship--3","relationship_type":"uses","source_ref":"intrusion-set--1","target_ref":"malware--1"}`),
		obj(`{"type":"relationship","id":"relationship--4","relationship_type":"targets","source_ref":"intrusion-set--1","target_ref":"identity--1"}`),
		obj(`{"type":"relationship","id":"relationship--5","relationship_type":"targets","source_ref":"intrusion-set--1","target_ref":"location--1"}`),
		obj(`{"type":"relationship","id":"relationship--6","relationship_type":"indicates","source_ref":"indicator--9","target_ref":"intrusion-set--1"}`),
		obj(`{"type":"relationship","id":"relationship--7","relationship_type":"attributed-to","source_ref":"campaign--1","target_ref":"intrusion-set--1"}`),
		obj(`{"type":"relationship","id":"relationship--8","relationship_type":"uses","source_ref":"intrusion-set--1","target_ref":"attack-pattern--1","revoked":true}`),
	})
	byName := map[string]Claim{}
	for _, c := range claims {
		byName[c.Name] = c
	}
	if len(claims) != 3 {
		t.Fatalf("claims: %+v", claims)
	}
	a := byName["APT28"]
	want := Claim{StixID: "intrusion-set--1", StixType: "intrusion-set", Family: FamilyActor, Name: "APT28", Aliases: []string{"Fancy Bear", "Sofacy"},
		Keys: []string{"apt28", "fancybear", "sofacy"}, Motivations: []string{"organizational-gain"}, Sectors: []string{"government", "defence", "aerospace"},
		Countries: []string{"UA"}, Techniques: []string{"T1566.002"}, Related: []string{"X-Agent", "Operation Pawn Storm"}, FirstSeen: 1072915200,
		TLP: "GREEN", Collection: 1, Indicators: []string{"indicator--9"}}
	if fmt.Sprintf("%+v", a) != fmt.Sprintf("%+v", want) {
		t.Errorf("APT28:\n got %+v\nwant %+v", a, want)
	}
	if m := byName["X-Agent"]; m.Family != FamilySoftware || !slices.Equal(m.Aliases, []string{"CHOPSTICK"}) {
		t.Errorf("X-Agent: %+v", m)
	}
	if c := byName["Operation Pawn Storm"]; c.Family != FamilyCampaign || !slices.Equal(c.Related, []string{"APT28"}) {
		t.Errorf("the campaign: %+v", c)
	}
}

// TestKey: names that differ in case, spaces and punctuation are one;
// names too short or too generic merge nothing.
func TestKey(t *testing.T) {
	for in, want := range map[string]string{"APT 28": "apt28", "apt-28": "apt28", "Fancy Bear": "fancybear", "Lazarus Group": "lazarusgroup",
		"TA": "", "Unknown": "", "ransomware": "", "Équipe Été": "équipeété"} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
	if got := AttackURL("T1566.001"); got != "https://attack.mitre.org/techniques/T1566/001/" {
		t.Errorf("AttackURL: %q", got)
	}
	if got := AttackURL("javascript:alert(1)"); got != "" {
		t.Errorf("AttackURL of a non-id: %q", got)
	}
}

// TestMerge: claims sharing a key within a family become one profile
// (transitively), families never merge, a profile keeps its id when
// sources come and go, a merge reports the id merged away and a split
// leaves the old id with the larger part.
func TestMerge(t *testing.T) {
	n := 0
	newID := func() string { n++; return fmt.Sprintf("new%d", n) }
	m := Merge([]Member{
		{Num: 1, Family: FamilyActor, Keys: []string{"apt28", "fancybear"}},
		{Num: 2, Family: FamilyActor, Keys: []string{"sofacy", "fancybear"}},
		{Num: 3, Family: FamilyActor, Keys: []string{"sofacy"}},
		{Num: 4, Family: FamilySoftware, Keys: []string{"apt28"}},
		{Num: 5, Family: FamilyActor, Keys: []string{"lazarus"}},
	}, newID)
	if m.Assign[1] != m.Assign[2] || m.Assign[2] != m.Assign[3] || m.Assign[4] == m.Assign[1] || m.Assign[5] == m.Assign[1] {
		t.Fatalf("first merge: %v", m.Assign)
	}
	bear := m.Assign[1]
	// A fourth source joins Lazarus and APT28 through an alias of each:
	// one profile, APT28's id kept (more claims), Lazarus's merged away.
	m2 := Merge([]Member{
		{Num: 1, ActorID: bear, Family: FamilyActor, Keys: []string{"apt28", "fancybear"}},
		{Num: 2, ActorID: bear, Family: FamilyActor, Keys: []string{"sofacy", "fancybear"}},
		{Num: 3, ActorID: bear, Family: FamilyActor, Keys: []string{"sofacy"}},
		{Num: 5, ActorID: m.Assign[5], Family: FamilyActor, Keys: []string{"lazarus"}},
		{Num: 6, Family: FamilyActor, Keys: []string{"lazarus", "apt28"}},
	}, newID)
	if m2.Assign[6] != bear || m2.Assign[5] != bear || m2.Into[m.Assign[5]] != bear {
		t.Fatalf("second merge: %v into %v", m2.Assign, m2.Into)
	}
	// Claim 6 goes: Lazarus splits off again under a new id, APT28 keeps
	// its own, nothing is reported merged away.
	m3 := Merge([]Member{
		{Num: 1, ActorID: bear, Family: FamilyActor, Keys: []string{"apt28", "fancybear"}},
		{Num: 2, ActorID: bear, Family: FamilyActor, Keys: []string{"sofacy", "fancybear"}},
		{Num: 5, ActorID: bear, Family: FamilyActor, Keys: []string{"lazarus"}},
	}, newID)
	if m3.Assign[1] != bear || m3.Assign[5] == bear || len(m3.Into) != 0 {
		t.Fatalf("split: %v into %v", m3.Assign, m3.Into)
	}
}

// TestExtractMarkings: a claim keeps its own object's marking and
// collection even after an object that cannot be read; a relationship or
// an object at its other end marked more restrictively than a claim (or
// in another collection) adds nothing to it.
func TestExtractMarkings(t *testing.T) {
	mark := func(o Object, label string, col int64) Object { o.TLP, o.Collection = label, col; return o }
	claims := Extract([]Object{
		mark(obj(`{"type":"intrusion-set","id":"intrusion-set--0","name":"Broken","goals":"not a list"}`), "CLEAR", 1),
		mark(obj(`{"type":"intrusion-set","id":"intrusion-set--1","name":"Amber Group"}`), "AMBER", 1),
		mark(obj(`{"type":"intrusion-set","id":"intrusion-set--2","name":"Green Group"}`), "GREEN", 1),
		mark(obj(`{"type":"campaign","id":"campaign--1","name":"Secret Operation"}`), "AMBER", 1),
		mark(obj(`{"type":"attack-pattern","id":"attack-pattern--1","name":"x","external_references":[{"source_name":"mitre-attack","external_id":"T1000"}]}`), "RED", 1),
		mark(obj(`{"type":"attack-pattern","id":"attack-pattern--2","name":"y","external_references":[{"source_name":"mitre-attack","external_id":"T2000"}]}`), "GREEN", 2),
		mark(obj(`{"type":"relationship","id":"relationship--1","relationship_type":"attributed-to","source_ref":"campaign--1","target_ref":"intrusion-set--2"}`), "AMBER", 1),
		mark(obj(`{"type":"relationship","id":"relationship--2","relationship_type":"uses","source_ref":"intrusion-set--2","target_ref":"attack-pattern--1"}`), "GREEN", 1),
		mark(obj(`{"type":"relationship","id":"relationship--3","relationship_type":"uses","source_ref":"intrusion-set--2","target_ref":"attack-pattern--2"}`), "GREEN", 1),
		mark(obj(`{"type":"relationship","id":"relationship--4","relationship_type":"indicates","source_ref":"indicator--1","target_ref":"intrusion-set--2"}`), "AMBER", 1),
		mark(obj(`{"type":"relationship","id":"relationship--5","relationship_type":"indicates","source_ref":"indicator--2","target_ref":"intrusion-set--1"}`), "GREEN", 1),
	})
	by := map[string]Claim{}
	for _, c := range claims {
		by[c.Name] = c
	}
	if len(claims) != 3 || by["Amber Group"].TLP != "AMBER" || by["Green Group"].TLP != "GREEN" || by["Secret Operation"].TLP != "AMBER" {
		t.Fatalf("claims and their markings: %+v", claims)
	}
	g := by["Green Group"]
	if len(g.Related) != 0 || len(g.Techniques) != 0 || len(g.Indicators) != 0 {
		t.Errorf("the GREEN claim learnt from AMBER, RED or another collection: %+v", g)
	}
	if c := by["Secret Operation"]; fmt.Sprint(c.Related) != "[Green Group]" {
		t.Errorf("the AMBER campaign does not name the GREEN group it is attributed to: %+v", c)
	}
	if a := by["Amber Group"]; fmt.Sprint(a.Indicators) != "[indicator--2]" {
		t.Errorf("a GREEN indicates relationship to an AMBER claim: %+v", a)
	}
}
