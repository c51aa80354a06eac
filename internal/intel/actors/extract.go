package actors

import (
	"cmp"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// Families a profile belongs to: claims merge only within one.
const (
	FamilyActor    = "actor"    // threat-actor, intrusion-set
	FamilyCampaign = "campaign" // campaign
	FamilySoftware = "software" // malware, tool
)

// Families lists them in the order pages show them.
var Families = []string{FamilyActor, FamilyCampaign, FamilySoftware}

// familyOf is the family of each STIX type a profile is made from.
var familyOf = map[string]string{
	"threat-actor": FamilyActor, "intrusion-set": FamilyActor, "campaign": FamilyCampaign,
	"malware": FamilySoftware, "tool": FamilySoftware,
}

// Types are the STIX types Extract reads: the profiles' own and those
// their relationships point at.
var Types = []string{"threat-actor", "intrusion-set", "campaign", "malware", "tool",
	"relationship", "attack-pattern", "identity", "location"}

// Object is one kept STIX object (its newest version) of a source.
type Object struct {
	ID, Type, TLP, Version string
	Collection             int64
	Body                   json.RawMessage
}

// Claim is what one source states of one actor, campaign or piece of
// software.
type Claim struct {
	StixID, StixType, Family, Name string
	Aliases                        []string
	Keys                           []string // normalised names: what claims merge on
	Description                    string
	Motivations                    []string
	Sectors                        []string // targeted, in the directory's vocabulary where it maps
	Countries                      []string // targeted
	Origin                         string
	Techniques                     []string // ATT&CK ids (T1566.001), else attack-pattern names
	Related                        []string // software used, actors attributed, campaigns
	FirstSeen, LastSeen            int64    // Unix seconds; 0: not stated
	TLP, Version                   string
	Collection                     int64
	// Indicators are the STIX ids of the indicators a relationship says
	// indicate it.
	Indicators []string
	// MISPTag is the tag of the MISP galaxy cluster the object was made
	// from: the attributes of events carrying it are its indicators.
	MISPTag string
}

// sdo is what Extract reads of any object.
type sdo struct {
	Type                 string      `json:"type"`
	ID                   string      `json:"id"`
	Name                 string      `json:"name"`
	Aliases              []string    `json:"aliases"`
	MitreAliases         []string    `json:"x_mitre_aliases"`
	Description          string      `json:"description"`
	FirstSeen            string      `json:"first_seen"`
	LastSeen             string      `json:"last_seen"`
	PrimaryMotivation    string      `json:"primary_motivation"`
	SecondaryMotivations []string    `json:"secondary_motivations"`
	Goals                []string    `json:"goals"`
	Objective            string      `json:"objective"`
	Revoked              bool        `json:"revoked"`
	Deprecated           bool        `json:"x_mitre_deprecated"`
	Sectors              []string    `json:"sectors"`
	Country              string      `json:"country"`
	RelationshipType     string      `json:"relationship_type"`
	SourceRef            string      `json:"source_ref"`
	TargetRef            string      `json:"target_ref"`
	ExternalReferences   []extRef    `json:"external_references"`
	Galaxy               *GalaxyMeta `json:"x_misp_galaxy"`
}

type extRef struct {
	SourceName string `json:"source_name"`
	ExternalID string `json:"external_id"`
}

// GalaxyMeta is what a MISP galaxy cluster says beyond its name and
// description, kept on the STIX object made from it as x_misp_galaxy.
type GalaxyMeta struct {
	Galaxy          string   `json:"galaxy"` // the galaxy's type: threat-actor, mitre-intrusion-set, …
	Tag             string   `json:"tag"`
	Country         []string `json:"country,omitempty"`
	TargetCategory  []string `json:"cfr-target-category,omitempty"`
	SuspectedVictim []string `json:"cfr-suspected-victims,omitempty"`
	IncidentType    []string `json:"cfr-type-of-incident,omitempty"`
	Motive          []string `json:"motive,omitempty"`
	TargetedSector  []string `json:"targeted-sector,omitempty"`
}

// parsed is an object as read, with what it was stored as.
type parsed struct {
	sdo
	obj Object
}

// Extract reads the claims a source's objects make. Revoked and
// deprecated objects (ATT&CK keeps both) make none. A relationship adds
// to a claim only when it and the object at its other end are in the
// claim's collection and marked no more restrictively than the claim:
// what a reader of the claim sees of it, the reader may read.
func Extract(objs []Object) []Claim {
	byID := make(map[string]*parsed, len(objs))
	var order []*parsed
	for _, o := range objs {
		p := &parsed{obj: o}
		if json.Unmarshal(o.Body, &p.sdo) != nil || p.ID == "" {
			continue
		}
		byID[p.ID] = p
		order = append(order, p)
	}
	claims := map[string]*Claim{}
	var out []*Claim
	for _, p := range order {
		s, o := &p.sdo, p.obj
		fam, ok := familyOf[s.Type]
		if !ok || s.Revoked || s.Deprecated || strings.TrimSpace(s.Name) == "" {
			continue
		}
		c := &Claim{StixID: s.ID, StixType: s.Type, Family: fam, Name: clean(s.Name, 200), TLP: o.TLP, Version: o.Version,
			Collection: o.Collection, Description: observable.Truncate(strings.TrimSpace(s.Description), 4000),
			FirstSeen: unix(s.FirstSeen), LastSeen: unix(s.LastSeen)}
		for _, a := range append(slices.Clone(s.Aliases), s.MitreAliases...) {
			c.addAlias(a)
		}
		c.addList(&c.Motivations, s.PrimaryMotivation)
		for _, m := range s.SecondaryMotivations {
			c.addList(&c.Motivations, m)
		}
		for _, g := range s.Goals {
			c.addList(&c.Motivations, g)
		}
		c.addList(&c.Motivations, s.Objective)
		if g := s.Galaxy; g != nil {
			c.MISPTag = clean(g.Tag, 300)
			for _, m := range append(slices.Clone(g.Motive), g.IncidentType...) {
				c.addList(&c.Motivations, m)
			}
			for _, t := range append(slices.Clone(g.TargetCategory), g.TargetedSector...) {
				c.addSector(t)
			}
			for _, v := range g.SuspectedVictim {
				c.addList(&c.Countries, v)
			}
			if len(g.Country) > 0 {
				c.Origin = clean(g.Country[0], 100)
			}
		}
		claims[s.ID] = c
		out = append(out, c)
	}
	// within: x may add to c.
	within := func(x *parsed, c *Claim) bool {
		return x != nil && x.obj.Collection == c.Collection && !tlp.Label(x.obj.TLP).MoreRestrictive(tlp.Label(c.TLP))
	}
	// Relationships add to the claims at either end.
	for _, r := range order {
		if r.Type != "relationship" || r.Revoked || r.Deprecated {
			continue
		}
		src, tgt := claims[r.SourceRef], claims[r.TargetRef]
		other := byID[r.TargetRef]
		if src != nil && (!within(r, src) || !within(other, src)) {
			src = nil
		}
		switch r.RelationshipType {
		case "indicates":
			if tgt != nil && within(r, tgt) && strings.HasPrefix(r.SourceRef, "indicator--") && !slices.Contains(tgt.Indicators, r.SourceRef) {
				tgt.Indicators = append(tgt.Indicators, r.SourceRef)
			}
		case "uses":
			if src == nil {
				continue
			}
			switch other.Type {
			case "attack-pattern":
				if !other.Revoked && !other.Deprecated {
					src.addList(&src.Techniques, techniqueID(&other.sdo))
				}
			case "malware", "tool":
				src.addList(&src.Related, other.Name)
			}
		case "targets":
			if src == nil {
				continue
			}
			switch other.Type {
			case "identity":
				for _, sec := range other.Sectors {
					src.addSector(sec)
				}
			case "location":
				src.addList(&src.Countries, strings.ToUpper(cmp.Or(other.Country, other.Name)))
			}
		case "attributed-to":
			// Each side learns the other's name only if it may read it.
			if src != nil && tgt != nil {
				src.addList(&src.Related, tgt.Name)
			}
			if s, t := claims[r.SourceRef], claims[r.TargetRef]; s != nil && t != nil && within(r, t) && within(byID[r.SourceRef], t) {
				t.addList(&t.Related, s.Name)
			}
		case "located-at", "originates-from":
			if src != nil && other.Type == "location" && src.Origin == "" {
				src.Origin = clean(strings.ToUpper(cmp.Or(other.Country, other.Name)), 100)
			}
		}
	}
	res := make([]Claim, 0, len(out))
	for _, c := range out {
		c.Keys = Keys(append([]string{c.Name}, c.Aliases...))
		if len(c.Keys) == 0 {
			continue
		}
		slices.Sort(c.Techniques)
		res = append(res, *c)
	}
	return res
}

// techniqueID is an attack-pattern's ATT&CK id, else its name.
func techniqueID(ap *sdo) string {
	for _, r := range ap.ExternalReferences {
		if r.SourceName == "mitre-attack" && r.ExternalID != "" {
			return r.ExternalID
		}
	}
	return ap.Name
}

func (c *Claim) addAlias(a string) {
	a = clean(a, 200)
	if a == "" || strings.EqualFold(a, c.Name) || len(c.Aliases) >= 100 {
		return
	}
	for _, x := range c.Aliases {
		if strings.EqualFold(x, a) {
			return
		}
	}
	c.Aliases = append(c.Aliases, a)
}

func (c *Claim) addList(list *[]string, v string) {
	v = clean(v, 200)
	if v == "" || len(*list) >= 200 || slices.Contains(*list, v) {
		return
	}
	*list = append(*list, v)
}

// addSector adds a targeted sector in the directory's vocabulary where it
// maps, else as given (lower case, words joined by hyphens).
func (c *Claim) addSector(v string) {
	k := strings.ToLower(strings.TrimSpace(v))
	if m, ok := sectorMap[k]; ok {
		k = m
	} else {
		k = strings.Join(strings.FieldsFunc(k, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), "-")
	}
	c.addList(&c.Sectors, k)
}

// sectorMap maps STIX's industry-sector-ov and MISP's target categories
// to the directory's sectors.
var sectorMap = map[string]string{
	"financial-services": "banking", "financial": "banking", "finance": "banking", "banking": "banking", "insurance": "banking",
	"financial sector": "banking", "energy": "energy", "utilities": "energy", "oil and gas": "energy", "nuclear": "energy",
	"healthcare": "health", "health": "health", "pharmaceuticals": "health", "medical": "health",
	"telecommunications": "telecom", "telecom": "telecom", "communications": "telecom",
	"government": "government", "government-national": "government", "government-regional": "government",
	"government-local": "government", "government-public-services": "government", "government, administration": "government",
	"military": "defence", "defense": "defence", "defence": "defence", "defense industry": "defence",
	"transportation": "transport", "aviation": "transport", "transport": "transport", "water": "water",
	"education": "education", "academia": "education", "technology": "ict", "information technology": "ict",
	"it": "ict", "ict": "ict", "manufacturing": "manufacturing", "media": "media", "entertainment": "media",
}

// clean trims s, folds its white space and bounds it.
func clean(s string, n int) string {
	return observable.Truncate(strings.Join(strings.Fields(s), " "), n)
}

// unix reads an RFC 3339 timestamp; 0 when there is none or it is bad.
func unix(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 1980 {
		return 0
	}
	return t.Unix()
}

// Key normalises a name for merging and search: lower case, letters and
// digits only ("APT 28", "apt-28" and "APT28" are one); "" for names too
// short or too generic to merge on.
func Key(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	k := b.String()
	if len([]rune(k)) < 3 || generic[k] {
		return ""
	}
	return k
}

// generic are names too vague to merge two profiles on.
var generic = map[string]bool{"unknown": true, "none": true, "other": true, "unnamed": true, "apt": true, "malware": true,
	"tool": true, "ransomware": true, "backdoor": true, "trojan": true, "botnet": true}

// Keys are the distinct keys of names, sorted.
func Keys(names []string) []string {
	var out []string
	for _, n := range names {
		if k := Key(n); k != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// attackID is an ATT&CK technique id: T1566, T1566.001.
var attackID = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)

// AttackURL is the page of an ATT&CK technique on attack.mitre.org; ""
// for what is not a technique id.
func AttackURL(id string) string {
	if !attackID.MatchString(id) {
		return ""
	}
	return "https://attack.mitre.org/techniques/" + strings.Replace(id, ".", "/", 1) + "/"
}
