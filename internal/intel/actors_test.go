package intel

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/actors"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

// TestActorProfiles: runs rebuild their source's claims and re-merge the
// profiles, on both engines. A STIX intrusion set aliased "Monsoon
// Serpent" and a MISP cluster of that name are one profile; when the
// bundle's next version drops the alias, the two split and the profile
// with the STIX claim keeps its id; a MISP event's attributes are the
// cluster's indicators.
func TestActorProfiles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		ctx := context.Background()
		stixSrc, err := s.EnsureSource(ctx, sys, "stix", "GREEN", nil)
		if err != nil {
			t.Fatal(err)
		}
		mispSrc, err := s.EnsureSource(ctx, sys, "misp", "GREEN", nil)
		if err != nil {
			t.Fatal(err)
		}
		set := func(mod string, aliases string) string {
			return `{"type": "bundle", "objects": [{"type": "intrusion-set", "spec_version": "2.1", "id": "intrusion-set--4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8",
				"created": "2026-01-01T00:00:00Z", "modified": "` + mod + `", "name": "Indus Viper", "aliases": [` + aliases + `]}]}`
		}
		if _, err := s.Ingest(ctx, sys, stixSrc, strings.NewReader(set("2026-01-01T00:00:00Z", `"Monsoon Serpent"`)), IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		event := `{"Event": {"uuid": "6a1f3c2e-9b7d-4e5f-8a1b-2c3d4e5f6a7b", "date": "2026-11-21",
			"Tag": [{"name": "misp-galaxy:threat-actor=\"Monsoon Serpent\""}],
			"Attribute": [{"type": "ip-dst", "value": "198.51.100.10"}, {"type": "domain", "value": "evil-updates.example"}],
			"Galaxy": [{"type": "threat-actor", "GalaxyCluster": [{"uuid": "0c6b8e3a-7d1f-4b2a-9e5c-3f4a5b6c7d8e", "value": "Monsoon Serpent",
			 "tag_name": "misp-galaxy:threat-actor=\"Monsoon Serpent\"", "meta": {"cfr-target-category": ["Financial"]}}]}]}}`
		res, err := s.Ingest(ctx, sys, mispSrc, strings.NewReader(event), IngestOptions{})
		if err != nil || res.Objects != 1 {
			t.Fatalf("the MISP event: %+v %v", res, err)
		}
		list, err := s.ActorProfiles(ctx, sys, actors.Filter{})
		if err != nil || len(list.Items) != 1 || len(list.Items[0].Sources) != 2 || list.Items[0].Indicators != 2 ||
			fmt.Sprint(list.Items[0].Sectors) != "[banking]" {
			t.Fatalf("merged: %+v %v", list, err)
		}
		id := list.Items[0].ID
		if _, err := s.Ingest(ctx, sys, stixSrc, strings.NewReader(set("2026-02-01T00:00:00Z", "")), IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		list, err = s.ActorProfiles(ctx, sys, actors.Filter{})
		if err != nil || len(list.Items) != 2 {
			t.Fatalf("split: %+v %v", list, err)
		}
		for _, p := range list.Items {
			if (p.Name == "Indus Viper") != (p.ID == id) {
				t.Errorf("after the split %s is %s (the merged profile was %s)", p.Name, p.ID, id)
			}
		}
		// The source gone, its claims go with it; the profile left
		// without claims is no longer listed.
		if _, err := d.Exec(ctx, `DELETE FROM intel_sources WHERE id = $1`, mispSrc.ID); err != nil {
			t.Fatal(err)
		}
		if list, err = s.ActorProfiles(ctx, sys, actors.Filter{}); err != nil || len(list.Items) != 1 || list.Items[0].ID != id {
			t.Fatalf("without the MISP source: %+v %v", list, err)
		}
	})
}

// TestActorProfilesPerReader: a merge resting on a claim a reader may not
// read is undone for that reader. Two GREEN claims, UNC1234 and APT99, are
// one stored profile only because an AMBER claim names both; the staff
// read one profile, a community member two, neither naming the AMBER
// claim, each with the GREEN indicators only (the AMBER indicator tied to
// UNC1234 is neither counted nor dated for the member).
func TestActorProfilesPerReader(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgsForAccess(t, d)
		s := newService(t, d)
		ctx := context.Background()
		load := func(name, label, body string) {
			t.Helper()
			src, err := s.EnsureSource(ctx, sys, name, label, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Ingest(ctx, sys, src, strings.NewReader(body), IngestOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		set := func(id, name, aliases, extra string) string {
			return `{"type": "intrusion-set", "spec_version": "2.1", "id": "intrusion-set--` + id + `", "created": "2026-01-01T00:00:00Z",
				"modified": "2026-01-01T00:00:00Z", "name": "` + name + `", "aliases": [` + aliases + `]` + extra + `}`
		}
		load("green one", "GREEN", `{"type": "bundle", "objects": [`+set("00000000-0000-4000-8000-000000000001", "UNC1234", "", "")+`,
			{"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000009", "created": "2026-01-01T00:00:00Z",
			 "modified": "2026-01-01T00:00:00Z", "pattern": "[ipv4-addr:value = '203.0.113.9']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
			 "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]},
			{"type": "relationship", "spec_version": "2.1", "id": "relationship--00000000-0000-4000-8000-000000000008", "created": "2026-01-01T00:00:00Z",
			 "modified": "2026-01-01T00:00:00Z", "relationship_type": "indicates", "source_ref": "indicator--00000000-0000-4000-8000-000000000009",
			 "target_ref": "intrusion-set--00000000-0000-4000-8000-000000000001"}]}`)
		load("green two", "GREEN", `{"type": "bundle", "objects": [`+set("00000000-0000-4000-8000-000000000002", "APT99", "", "")+`]}`)
		load("amber", "AMBER", `{"type": "bundle", "objects": [`+set("00000000-0000-4000-8000-000000000003", "Bridge", `"UNC1234", "APT99"`, "")+`]}`)
		all, err := s.ActorProfiles(ctx, sys, actors.Filter{})
		if err != nil || len(all.Items) != 1 || len(all.Items[0].Sources) != 3 || all.Items[0].Indicators != 1 {
			t.Fatalf("the staff: %+v %v", all, err)
		}
		bank := member("bank", auth.RoleViewer)
		mine, err := s.ActorProfiles(ctx, bank, actors.Filter{})
		if err != nil || len(mine.Items) != 2 {
			t.Fatalf("the member: %+v %v", mine, err)
		}
		for _, p := range mine.Items {
			if len(p.Aliases) != 0 || len(p.Sources) != 1 || p.Indicators != 0 || p.LastSeen != nil {
				t.Errorf("the member's %s: %+v", p.Name, p)
			}
			got, err := s.ActorProfile(ctx, bank, p.ID)
			if err != nil || got.Name != p.Name || len(got.Names) != 1 || len(got.Observables) != 0 {
				t.Errorf("the member's profile %s: %+v %v", p.ID, got, err)
			}
		}
		if _, err := s.ActorProfile(ctx, bank, all.Items[0].ID+"~999999"); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("a part that is not: %v", err)
		}
	})
}

// BenchmarkActorRefresh: rebuilding the claims of an ATT&CK-sized source
// (200 groups, 700 pieces of software, 50 campaigns, 600 techniques,
// 15,000 relationships, 2,000 indicators tied to groups) and re-merging
// every profile; then listing the profiles.
func BenchmarkActorRefresh(b *testing.B) {
	s := newService(b, dbtest.Open(b, db.SQLite))
	ctx := context.Background()
	src, err := s.EnsureSource(ctx, sys, "attack", "GREEN", nil)
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString(`{"type": "bundle", "objects": [`)
	id := func(typ string, i int) string { return fmt.Sprintf("%s--%08x-0000-4000-8000-000000000000", typ, i) }
	obj := func(format string, args ...any) { fmt.Fprintf(&sb, format+",\n", args...) }
	const groups, software, campaigns, techniques, rels, indicators = 200, 700, 50, 600, 15000, 2000
	for i := range groups {
		obj(`{"type": "intrusion-set", "id": %q, "created": "2020-01-01T00:00:00Z", "name": "Group %d", "aliases": ["G%04d", "Alias %d"], "description": "A group."}`,
			id("intrusion-set", i), i, i, i)
	}
	for i := range software {
		obj(`{"type": "malware", "id": %q, "created": "2020-01-01T00:00:00Z", "name": "Malware %d", "is_family": true, "x_mitre_aliases": ["M%04d"]}`, id("malware", i), i, i)
	}
	for i := range campaigns {
		obj(`{"type": "campaign", "id": %q, "created": "2020-01-01T00:00:00Z", "name": "Campaign %d"}`, id("campaign", i), i)
	}
	for i := range techniques {
		obj(`{"type": "attack-pattern", "id": %q, "created": "2020-01-01T00:00:00Z", "name": "Technique %d", "external_references": [{"source_name": "mitre-attack", "external_id": "T%04d"}]}`,
			id("attack-pattern", i), i, 1000+i)
	}
	for i := range indicators {
		obj(`{"type": "indicator", "id": %q, "created": "2020-01-01T00:00:00Z", "pattern": "[ipv4-addr:value = '10.%d.%d.%d']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"}`,
			id("indicator", i), i>>16&255, i>>8&255, i&255)
		obj(`{"type": "relationship", "id": %q, "created": "2020-01-01T00:00:00Z", "relationship_type": "indicates", "source_ref": %q, "target_ref": %q}`,
			id("relationship", rels+i), id("indicator", i), id("intrusion-set", i%groups))
	}
	for i := range rels {
		target := id("attack-pattern", i%techniques)
		if i%3 == 0 {
			target = id("malware", i%software)
		}
		obj(`{"type": "relationship", "id": %q, "created": "2020-01-01T00:00:00Z", "relationship_type": "uses", "source_ref": %q, "target_ref": %q}`,
			id("relationship", i), id("intrusion-set", i%groups), target)
	}
	body := strings.TrimSuffix(sb.String(), ",\n") + "]}"
	if _, err := s.Ingest(ctx, sys, src, strings.NewReader(body), IngestOptions{}); err != nil {
		b.Fatal(err)
	}
	b.Run("refresh", func(b *testing.B) {
		for b.Loop() {
			if err := s.actors.Refresh(ctx, src.num); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			l, err := s.ActorProfiles(ctx, sys, actors.Filter{Query: "group 1", Limit: 50})
			if err != nil || l.Total == 0 {
				b.Fatal(l.Total, err)
			}
		}
	})
	b.Run("profile", func(b *testing.B) {
		l, _ := s.ActorProfiles(ctx, sys, actors.Filter{Query: "G0007"})
		for b.Loop() {
			if _, err := s.ActorProfile(ctx, sys, l.Items[0].ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
