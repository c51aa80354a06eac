package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/intel"
	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/platform/auth"
)

// loadIntel gives the threat-intelligence side something to show: a
// partner's GREEN feed and the center's AMBER sensors, both reporting
// addresses and names in demo constituents' networks (so each has routes
// in its own collection), a STIX bundle with its own marking, and a MISP
// event (correlation on the observable's page). An AS table for the
// documentation ranges comes first, so addresses show their AS and one is
// routed by its AS alone.
func loadIntel(ctx context.Context, c *app.Core, ids map[string]string) error {
	sys := auth.System("demo dataset")
	if _, err := c.Intel.ASNTable().Load(ctx, sys, "demo-pfx2as.txt", strings.NewReader(demoASNTable)); err != nil {
		return fmt.Errorf("demo AS table: %w", err)
	}
	feeds := []struct {
		name, label, owner, format, body string
		readers                          []string // named recipients of its TLP:RED
	}{
		{"Examplia CSIRT feed", "GREEN", "partner", "text", strings.Join([]string{
			"# C2 and phishing seen by our partners this week",
			"198.51.100.10",                      // First Example Bank
			"203.0.113.20",                       // Karakoram Telecom
			"mail.crescent-mf[.]example",         // Crescent Microfinance
			"hxxp://update.cpdc[.]example/p.bin", // Central Power
			"192.0.2.200",
			"203.0.113.230", // no one registered the network: Karakoram Telecom's AS64500 announces it
			"evil-updates[.]example",
		}, "\n"), nil},
		// TLP:RED from the partner: for its liaison and the center's
		// staff, not for the partner's other members.
		{"Examplia CSIRT liaison", "RED", "partner", "text", "# a source inside the botnet's operator\n192.0.2.245\n",
			[]string{"liaison@csirt.examplia.example"}},
		{"Center sensors", "AMBER", "", "csv", "first_seen,indicator,family\n" +
			"2026-11-20 03:12:00,198.51.100.40,mirai\n" + // Crescent Microfinance
			"2026-11-21 11:40:00,198.51.100.130,qakbot\n" + // Central Power
			"2026-11-22 08:05:00,203.0.113.140,cobaltstrike\n" + // Federal Revenue
			"2026-11-22 09:00:00,44d88612fea8a8f36de82e1278abb02f,eicar\n", nil},
		{"Examplia CSIRT STIX", "AMBER", "partner", "stix", `{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
			{"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
			 "created": "2026-11-21T10:00:00.000Z", "modified": "2026-11-21T10:00:00.000Z", "name": "Mobile core scanner",
			 "indicator_types": ["malicious-activity"], "pattern": "[ipv4-addr:value = '203.0.113.70']", "pattern_type": "stix",
			 "valid_from": "2026-11-21T10:00:00Z", "object_marking_refs": ["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"]}]}`, nil},
		// A MISP event naming the bank's address with what was seen with
		// it: the observable's page shows the event and the others.
		// Its analysts attached the actor they believe is behind it, a
		// MISP galaxy cluster naming the group the STIX bundle calls
		// Indus Viper by another name (loadActors).
		{"Examplia CSIRT MISP", "GREEN", "partner", "misp", `{"Event": {"uuid": "6a1f3c2e-9b7d-4e5f-8a1b-2c3d4e5f6a7b",
			"info": "Banking trojan campaign, November 2026", "date": "2026-11-21",
			"Tag": [{"name": "tlp:green"}, {"name": "misp-galaxy:threat-actor=\"Monsoon Serpent\""}],
			"Galaxy": [{"type": "threat-actor", "name": "Threat Actor", "GalaxyCluster": [{"uuid": "0c6b8e3a-7d1f-4b2a-9e5c-3f4a5b6c7d8e",
			 "type": "threat-actor", "value": "Monsoon Serpent", "tag_name": "misp-galaxy:threat-actor=\"Monsoon Serpent\"",
			 "description": "A financially motivated group running phishing and banking-trojan waves against banks of the region since 2025.",
			 "meta": {"synonyms": ["Indus Viper", "TA-Ledger"], "cfr-target-category": ["Financial", "Government"],
			  "cfr-suspected-victims": ["Pakistan", "Examplia"], "cfr-type-of-incident": ["Fraud"], "motive": ["financial gain"]}}]}],
			"Attribute": [
			 {"type": "ip-dst", "category": "Network activity", "to_ids": true, "value": "198.51.100.10"},
			 {"type": "domain", "category": "Network activity", "to_ids": true, "value": "evil-updates.example"},
			 {"type": "sha256", "category": "Payload delivery", "to_ids": true, "value": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]}}`, nil},
	}
	for _, f := range feeds {
		var owner *string
		if f.owner != "" {
			owner = ptr(ids[f.owner])
		}
		src, err := c.Intel.EnsureSource(ctx, sys, f.name, f.label, owner)
		if err != nil {
			return fmt.Errorf("demo intel source %s: %w", f.name, err)
		}
		if _, err := c.Intel.Ingest(ctx, sys, src, strings.NewReader(f.body), intel.IngestOptions{Format: ingest.Format(f.format)}); err != nil {
			return fmt.Errorf("demo intel %s: %w", f.name, err)
		}
		if f.readers != nil {
			if _, err := c.Intel.UpdateSource(ctx, sys, src.ID, intel.SourceInput{RecipientUsers: &f.readers}); err != nil {
				return fmt.Errorf("demo intel %s: %w", f.name, err)
			}
		}
	}
	return nil
}

// demoASNTable is a RouteViews-style pfx2as dump of the demo's networks:
// the constituents' own ASes announce their networks, and Karakoram
// Telecom's second AS a block no constituent registered.
const demoASNTable = `# prefix	length	origin AS
198.51.100.0	27	64497
198.51.100.64	27	64498
198.51.100.128	27	64502
203.0.113.0	26	64499
203.0.113.64	26	64501
203.0.113.128	27	64503
203.0.113.224	27	64500
2001:db8:100::	48	64497
2001:db8:200::	40	64499
`
