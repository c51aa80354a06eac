package stix_test

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/certhub/certhub/internal/intel/actors"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/stix"
)

// TestATTACKActors: MITRE ATT&CK for ICS, as published, read as a source
// would keep it and made into claims: every group, campaign and piece of
// software not revoked or deprecated is one, Sandworm Team with its
// aliases, the techniques it uses by ATT&CK id and its software, the 2016
// Ukraine attack attributed to it; no two groups merge on a shared alias
// (ATT&CK has none).
func TestATTACKActors(t *testing.T) {
	f, err := os.Open("testdata/attack/ics-attack.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var objs []actors.Object
	err = stix.Parse(f, func(observable.Record) error { return nil }, func(observable.Rejection) {}, func(o observable.Object) error {
		if slices.Contains(actors.Types, o.Type) {
			objs = append(objs, actors.Object{ID: o.ID, Type: o.Type, TLP: "CLEAR", Version: o.Version, Collection: 1, Body: o.Body})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	claims := actors.Extract(objs)
	fams := map[string]int{}
	byName := map[string]actors.Claim{}
	var ms []actors.Member
	for i, c := range claims {
		fams[c.Family]++
		byName[c.Name] = c
		ms = append(ms, actors.Member{Num: int64(i), Family: c.Family, Keys: c.Keys})
	}
	// Oldsmar, the eighth campaign, is deprecated.
	if fmt.Sprint(fams) != "map[actor:14 campaign:7 software:23]" {
		t.Errorf("claims by family: %v", fams)
	}
	sw := byName["Sandworm Team"]
	if !slices.Contains(sw.Aliases, "APT44") || !slices.Contains(sw.Aliases, "Voodoo Bear") || slices.Contains(sw.Aliases, "Sandworm Team") {
		t.Errorf("Sandworm's aliases: %v", sw.Aliases)
	}
	if fmt.Sprint(sw.Techniques) != "[T0807 T0819 T0884]" {
		t.Errorf("Sandworm's techniques: %v", sw.Techniques)
	}
	for _, s := range []string{"Industroyer", "NotPetya", "KillDisk", "2016 Ukraine Electric Power Attack"} {
		if !slices.Contains(sw.Related, s) {
			t.Errorf("Sandworm's related lack %s: %v", s, sw.Related)
		}
	}
	if c := byName["2016 Ukraine Electric Power Attack"]; c.Family != actors.FamilyCampaign || !slices.Contains(c.Related, "Sandworm Team") || len(c.Techniques) == 0 {
		t.Errorf("the 2016 attack: %+v", c)
	}
	n := 0
	m := actors.Merge(ms, func() string { n++; return fmt.Sprint(n) })
	if n != len(claims) || len(m.Into) != 0 {
		t.Errorf("%d claims became %d profiles", len(claims), n)
	}
}
