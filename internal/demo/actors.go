package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/coordination/incident"
	"github.com/certhub/certhub/internal/intel"
	"github.com/certhub/certhub/internal/intel/actors"
	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/platform/auth"
)

// loadActors gives the actor profiles something to show: the partner's
// STIX bundle on Indus Viper (an intrusion set with its aliases, the
// techniques and malware it uses, the sector and country it targets, a
// campaign attributed to it, and the C2 indicator the bank's gateway
// talked to), which merges with the MISP cluster naming the same group
// Monsoon Serpent; BankCERT's analyst attributes the phishing incident to
// it, and a public alert names it. Dates are relative to now, so the group
// stays active.
func loadActors(ctx context.Context, c *app.Core, ids map[string]string) error {
	sys := auth.System("demo dataset")
	now := c.Cfg.Now().UTC()
	ts := func(days int) string { return now.AddDate(0, 0, -days).Format("2006-01-02T15:04:05.000Z") }
	src, err := c.Intel.EnsureSource(ctx, sys, "Examplia CSIRT STIX", "AMBER", ptr(ids["partner"]))
	if err != nil {
		return fmt.Errorf("demo actors: %w", err)
	}
	amber := `"object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]`
	green := `"object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]`
	r := strings.NewReplacer("{created}", ts(400), "{mod}", ts(3), "{first}", ts(600), "{last}", ts(4), "{c2}", ts(20),
		"{camp1}", ts(60), "{camp2}", ts(10), "{AMBER}", amber, "{GREEN}", green)
	bundle := r.Replace(`{"type": "bundle", "id": "bundle--0f8e6d4c-2b1a-4c3d-9e8f-7a6b5c4d3e2f", "objects": [
	{"type": "intrusion-set", "spec_version": "2.1", "id": "intrusion-set--4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8", "created": "{created}", "modified": "{mod}",
	 "name": "Indus Viper", "aliases": ["APT-C-99", "Monsoon Serpent"], "first_seen": "{first}", "last_seen": "{last}",
	 "description": "Intrusion set behind credential-phishing and banking-trojan waves against the region's banks and payment providers. It registers look-alike domains hours before each wave, delivers ViperLoader by e-mail attachment and talks to its C2 over HTTPS.",
	 "primary_motivation": "personal-gain", "goals": ["steal online-banking credentials and one-time codes"], "resource_level": "organization", {AMBER}},
	{"type": "malware", "spec_version": "2.1", "id": "malware--9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "created": "{created}", "modified": "{created}",
	 "name": "ViperLoader", "is_family": true, "malware_types": ["trojan", "downloader"], {GREEN}},
	{"type": "campaign", "spec_version": "2.1", "id": "campaign--1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "created": "{camp1}", "modified": "{camp2}",
	 "name": "Operation Monsoon Ledger", "first_seen": "{camp1}", "last_seen": "{camp2}", "objective": "harvest customers' credentials through fake State Bank notices", {AMBER}},
	{"type": "attack-pattern", "spec_version": "2.1", "id": "attack-pattern--7e33a43e-e34b-40ec-89da-36c9bb2cacd5", "created": "{created}", "modified": "{created}",
	 "name": "Spearphishing Attachment", "external_references": [{"source_name": "mitre-attack", "external_id": "T1566.001"}]},
	{"type": "attack-pattern", "spec_version": "2.1", "id": "attack-pattern--df8b2a25-8bdf-4856-aca0-9b5f57c5ba6e", "created": "{created}", "modified": "{created}",
	 "name": "Web Protocols", "external_references": [{"source_name": "mitre-attack", "external_id": "T1071.001"}]},
	{"type": "attack-pattern", "spec_version": "2.1", "id": "attack-pattern--b6075259-dba3-44e9-87c7-e954f37ec0d5", "created": "{created}", "modified": "{created}",
	 "name": "Acquire Infrastructure: Domains", "external_references": [{"source_name": "mitre-attack", "external_id": "T1583.001"}]},
	{"type": "identity", "spec_version": "2.1", "id": "identity--c1b2a3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5e", "created": "{created}", "modified": "{created}",
	 "name": "Financial services", "identity_class": "class", "sectors": ["financial-services"]},
	{"type": "location", "spec_version": "2.1", "id": "location--d2c3b4a5-f6e7-4b8a-9c0d-1e2f3a4b5c6f", "created": "{created}", "modified": "{created}",
	 "name": "Pakistan", "country": "PK"},
	{"type": "indicator", "spec_version": "2.1", "id": "indicator--3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "created": "{c2}", "modified": "{c2}",
	 "name": "Indus Viper C2", "indicator_types": ["malicious-activity"], "pattern": "[ipv4-addr:value = '192.0.2.200']", "pattern_type": "stix",
	 "valid_from": "{c2}", {AMBER}},
	{"type": "relationship", "spec_version": "2.1", "id": "relationship--01a2b3c4-d5e6-4f7a-8b9c-0d1e2f3a4b5c", "created": "{created}", "modified": "{created}",
	 "relationship_type": "uses", "source_ref": "intrusion-set--4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8", "target_ref": "attack-pattern--7e33a43e-e34b-40ec-89da-36c9bb2cacd5"},
	{"type": "relationship", "spec_version": "2.1", "id": "relationship--02a2b3c4-d5e6-4f7a-8b9c-0d1e2f3a4b5c", "created": "{created}", "modified": "{created}",
	 "relationship_type": "uses", "source_ref": "intrusion-set--4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8", "target_ref": "attack-pattern--df8b2a25-8bdf-4856-aca0-9b5f57c5ba6e"},
	{"type": "relationship", "spec_version": "2.1", "id": "relationship--03a2b3c4-d5e6-4f7a-8b9c-0d1e2f3a4b5c", "created": "{created}", "modified": "{created}",
	 "relationship_type": "uses", "source_ref": "intrusion-set--4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8", "target_ref": "attack-pattern--b6075259-dba3-44e9-87c7-e954f37ec0d5"},
	{"type": "relationship", "spec_version": "2.1", "id": "relationship--04a2b3c4-d5e6-4f7a-8b9c-0d1e2f3a4b5c", "created": "{created}", "modified": "{created}",
	 "relationship_type": "uses", "source_ref": "intrusion-set--4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8", "target_ref": "malware--9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"},
	{"type": "relationship", "spec_version": "2.1", "id": "relationship--05a2b3c4-d5e6-4f7a-8b9c-0d1e2f3a4b5c", "created": "{created}", "modified": "{created}",
	 "relationship_type": "targets", "source_ref": "intrusion-set--4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8", "target_ref": "identity--c1b2a3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5e"},
	{"type": "relationship", "spec_version": "2.1", "id": "relationship--06a2b3c4-d5e6-4f7a-8b9c-0d1e2f3a4b5c", "created": "{created}", "modified": "{created}",
	 "relationship_type": "targets", "source_ref": "intrusion-set--4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8", "target_ref": "location--d2c3b4a5-f6e7-4b8a-9c0d-1e2f3a4b5c6f"},
	{"type": "relationship", "spec_version": "2.1", "id": "relationship--07a2b3c4-d5e6-4f7a-8b9c-0d1e2f3a4b5c", "created": "{c2}", "modified": "{c2}",
	 "relationship_type": "indicates", "source_ref": "indicator--3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "target_ref": "intrusion-set--4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8"},
	{"type": "relationship", "spec_version": "2.1", "id": "relationship--08a2b3c4-d5e6-4f7a-8b9c-0d1e2f3a4b5c", "created": "{camp1}", "modified": "{camp1}",
	 "relationship_type": "attributed-to", "source_ref": "campaign--1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "target_ref": "intrusion-set--4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8"}]}`)
	if _, err := c.Intel.Ingest(ctx, sys, src, strings.NewReader(bundle), intel.IngestOptions{Format: ingest.STIX}); err != nil {
		return fmt.Errorf("demo actors: %w", err)
	}
	list, err := c.Intel.ActorProfiles(ctx, sys, actors.Filter{Query: "Indus Viper", Family: actors.FamilyActor})
	if err != nil || len(list.Items) != 1 {
		return fmt.Errorf("demo actors: Indus Viper is %d profiles: %v", len(list.Items), err)
	}
	incs, _, err := c.Incidents.List(ctx, sys, incident.Filter{}, 100, "")
	if err != nil {
		return err
	}
	analyst, err := c.Auth.UserByEmail(ctx, "analyst@bank-cert.example")
	if err != nil {
		return err
	}
	who, err := c.Auth.Identity(ctx, analyst.ID)
	if err != nil {
		return err
	}
	for _, x := range incs {
		if x.Title == "Phishing campaign imitating the bank's login page" {
			if _, err := c.Intel.Attribute(ctx, who, list.Items[0].ID, actors.AttributionInput{Kind: "incident", Ref: x.Number,
				Note: "Same look-alike domain pattern and ViperLoader sample as the partner's report"}); err != nil {
				return fmt.Errorf("demo actors: attribute: %w", err)
			}
		}
	}
	return nil
}
