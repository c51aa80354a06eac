package misp

import (
	"cmp"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// MISP galaxies: an event's "Galaxy" list names the clusters (threat
// actors, intrusion sets, tools, malware, …) its analysts attached to it.
// Each cluster of an actor, campaign or piece of software becomes the STIX
// 2.1 object of its kind, so it is
// stored and shared over TAXII as any object is and intel's actor profiles
// read it as the source's claim; what the cluster says beyond a name, its
// synonyms and a description (countries, targets, motives) travels in the
// custom property x_misp_galaxy, with the cluster's tag, which ties the
// event's attributes to it.
//
// The object's id is a name-based UUID (version 5) of the source, the
// kind and the name, not the cluster's own UUID: MISP's older exports give
// every cluster of a galaxy the galaxy's UUID, the same cluster reaches
// certhub in many events, which must all name one object, and two sources
// sharing a collection each keep their own claim of it.

type galaxy struct {
	Type     string    `json:"type"`
	Clusters []cluster `json:"GalaxyCluster"`
}

type cluster struct {
	UUID        string                     `json:"uuid"`
	Type        string                     `json:"type"`
	Value       string                     `json:"value"`
	TagName     string                     `json:"tag_name"`
	Description string                     `json:"description"`
	Meta        map[string]json.RawMessage `json:"meta"`
}

// galaxyType is the STIX type of a galaxy's clusters ("" for galaxies of
// other things: sectors, countries, attack patterns…).
func galaxyType(g string) string {
	g = strings.ToLower(g)
	switch {
	case strings.Contains(g, "intrusion-set"), g == "microsoft-activity-group":
		return "intrusion-set"
	case strings.Contains(g, "threat-actor"):
		return "threat-actor"
	case strings.Contains(g, "campaign"):
		return "campaign"
	case g == "tool" || strings.HasSuffix(g, "-tool"):
		return "tool"
	case strings.Contains(g, "malware"), g == "malpedia", g == "ransomware", g == "rat", g == "botnet", g == "backdoor",
		g == "banker", g == "stealer", g == "android", g == "exploit-kit", g == "cryptominers":
		return "malware"
	}
	return ""
}

// metaList reads a meta value that is a string or a list of strings.
func metaList(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil && one != "" {
		return []string{one}
	}
	return nil
}

// clusterObjects are the STIX objects of an event's clusters, marked with
// the event's TLP, versioned by the event's date (else its timestamp) so a
// cluster repeated in a day's events is one version; n is where the event
// was read.
func clusterObjects(galaxies []galaxy, source string, label tlp.Label, date, stamp string, n int) []observable.Object {
	at := time.Time{}
	if t, err := time.Parse(time.DateOnly, strings.TrimSpace(date)); err == nil {
		at = t
	} else if sec, err := strconv.ParseInt(stamp, 10, 64); err == nil && sec > 0 {
		at = time.Unix(sec, 0).UTC()
	}
	if at.IsZero() {
		return nil // STIX requires created and modified: an event without a date makes no object
	}
	var out []observable.Object
	seen := map[string]bool{}
	for _, g := range galaxies {
		for _, c := range g.Clusters {
			typ := galaxyType(c.Type)
			if typ == "" {
				typ = galaxyType(g.Type)
			}
			name := strings.TrimSpace(c.Value)
			if typ == "" || name == "" {
				continue
			}
			seed := typ + "\x00" + strings.ToLower(name)
			if source != "" {
				seed = source + "\x00" + seed
			}
			id := typ + "--" + uuid.NewSHA1(galaxyNamespace, []byte(seed)).String()
			if seen[id] {
				continue
			}
			seen[id] = true
			obj := map[string]any{"type": typ, "spec_version": "2.1", "id": id, "name": observable.Truncate(name, 200)}
			v := at.Format("2006-01-02T15:04:05.000Z")
			obj["created"], obj["modified"] = v, v
			if d := strings.TrimSpace(c.Description); d != "" {
				obj["description"] = observable.Truncate(d, 4000)
			}
			var aliases []string
			for _, s := range metaList(c.Meta["synonyms"]) {
				if s = strings.TrimSpace(s); s != "" && len(aliases) < 100 {
					aliases = append(aliases, observable.Truncate(s, 200))
				}
			}
			if len(aliases) > 0 {
				obj["aliases"] = aliases
			}
			if typ == "malware" {
				obj["is_family"] = true
			}
			if label != "" {
				if m := tlp.STIXMarking(label); m != "" {
					obj["object_marking_refs"] = []string{m}
				}
			}
			meta := map[string]any{"galaxy": cmp.Or(c.Type, g.Type), "tag": observable.Truncate(c.TagName, 300)}
			if u := strings.ToLower(c.UUID); IsUUID(u) {
				meta["cluster_uuid"] = u
			}
			for _, k := range []string{"country", "cfr-target-category", "cfr-suspected-victims", "cfr-type-of-incident", "motive", "targeted-sector"} {
				if l := metaList(c.Meta[k]); len(l) > 0 {
					if len(l) > 100 {
						l = l[:100]
					}
					meta[k] = l
				}
			}
			obj["x_misp_galaxy"] = meta
			if refs := metaList(c.Meta["refs"]); len(refs) > 0 {
				var ext []map[string]string
				for _, r := range refs {
					if strings.HasPrefix(r, "https://") || strings.HasPrefix(r, "http://") {
						ext = append(ext, map[string]string{"source_name": "misp-galaxy", "url": observable.Truncate(r, 1000)})
					}
					if len(ext) == 20 {
						break
					}
				}
				if len(ext) > 0 {
					obj["external_references"] = ext
				}
			}
			body, err := json.Marshal(obj)
			if err != nil {
				continue
			}
			out = append(out, observable.Object{ID: id, Type: typ, Version: observable.VersionString(at), SpecVersion: "2.1", TLP: string(label), Body: body, Line: n})
		}
	}
	return out
}

// galaxyNamespace is the namespace of the ids of the objects made from
// galaxy clusters.
var galaxyNamespace = uuid.MustParse("5c2f6e1a-8b0d-4f3e-9a7c-6d1e2b3f4a5c")
