package directory

import (
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/notify"
)

// Kind is what an organisation is.
type Kind string

// Topic is announced (db.Tx.Announce) whenever an organisation is saved or
// deleted: other domains' copies of the directory are dropped on every node.
const Topic = "directory"

const (
	KindCoordinationCenter Kind = "coordination_center"
	KindNationalCERT       Kind = "national_cert"
	KindSectoralCERT       Kind = "sectoral_cert"
	KindProvincialCERT     Kind = "provincial_cert"
	KindGovernmentCERT     Kind = "government_cert"
	KindCIICERT            Kind = "cii_cert"
	KindInternationalCERT  Kind = "international_cert"
	KindConstituent        Kind = "constituent"
	KindVendor             Kind = "vendor"
	KindLab                Kind = "lab"
	KindMinistry           Kind = "ministry"
)

// Kinds lists every kind, CERTs first.
var Kinds = []Kind{KindCoordinationCenter, KindNationalCERT, KindSectoralCERT, KindProvincialCERT, KindGovernmentCERT,
	KindCIICERT, KindInternationalCERT, KindMinistry, KindConstituent, KindVendor, KindLab}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// IsCERT reports whether k is a CERT (including the coordination center):
// an organisation that handles incidents for others.
func (k Kind) IsCERT() bool {
	switch k {
	case KindCoordinationCenter, KindNationalCERT, KindSectoralCERT, KindProvincialCERT, KindGovernmentCERT,
		KindCIICERT, KindInternationalCERT:
		return true
	}
	return false
}

// communityKinds are the organisations every signed-in user may look up: the
// CERTs and ministries form the community's own directory.
func (k Kind) community() bool { return k.IsCERT() || k == KindMinistry }

// Sectors is the sector vocabulary.
var Sectors = []string{"banking", "telecom", "energy", "health", "government", "transport", "water", "education",
	"defence", "ict", "manufacturing", "media", "other"}

// ContactRoles is the vocabulary of contact roles.
var ContactRoles = []string{"24x7", "incident", "general", "security", "vulnerability", "abuse", "management"}

// Contact is a way to reach an organisation.
type Contact struct {
	Role          string `json:"role"`
	Name          string `json:"name,omitempty"`
	Email         string `json:"email,omitempty"`
	Phone         string `json:"phone,omitempty"`
	Available24x7 bool   `json:"available_24x7"`
}

// Constituency is what an organisation answers for on the internet.
type Constituency struct {
	CIDRs   []string `json:"cidrs"`
	ASNs    []int64  `json:"asns"`
	Domains []string `json:"domains"` // A-labels (IDNA), lower-case
}

// RFC2350 is a CSIRT's self-description in the sections of RFC 2350.
type RFC2350 struct {
	DocumentDate    string `json:"document_date,omitempty"`    // 1.1 date of last update
	Distribution    string `json:"distribution,omitempty"`     // 1.2/1.3 distribution list, where found
	Address         string `json:"address,omitempty"`          // 2.2
	TimeZone        string `json:"time_zone,omitempty"`        // 2.3
	Telephone       string `json:"telephone,omitempty"`        // 2.4
	OtherTelecom    string `json:"other_telecom,omitempty"`    // 2.6
	Email           string `json:"email,omitempty"`            // 2.7
	TeamMembers     string `json:"team_members,omitempty"`     // 2.9
	OtherInfo       string `json:"other_info,omitempty"`       // 2.10
	Hours           string `json:"hours,omitempty"`            // 2.11 points of customer contact, hours
	Mission         string `json:"mission,omitempty"`          // 3.1
	Constituency    string `json:"constituency,omitempty"`     // 3.2
	Sponsorship     string `json:"sponsorship,omitempty"`      // 3.3
	Authority       string `json:"authority,omitempty"`        // 3.4
	IncidentTypes   string `json:"incident_types,omitempty"`   // 4.1
	Cooperation     string `json:"cooperation,omitempty"`      // 4.2
	Communication   string `json:"communication,omitempty"`    // 4.3 communication and authentication
	IncidentService string `json:"incident_service,omitempty"` // 5.1 incident response
	ProactiveWork   string `json:"proactive_work,omitempty"`   // 5.2 proactive activities
	ReportingForms  string `json:"reporting_forms,omitempty"`  // 6
	Disclaimers     string `json:"disclaimers,omitempty"`      // 7
}

// Empty reports whether no section is filled in.
func (r RFC2350) Empty() bool { return r == RFC2350{} }

// rfc2350Keys lists the sections' JSON names in the order of RFC 2350.
var rfc2350Keys = []string{"document_date", "distribution", "address", "time_zone", "telephone", "other_telecom", "email",
	"team_members", "other_info", "hours", "mission", "constituency", "sponsorship", "authority", "incident_types",
	"cooperation", "communication", "incident_service", "proactive_work", "reporting_forms", "disclaimers"}

// sections maps each section's JSON name to its field, for forms and checks.
func (r *RFC2350) sections() map[string]*string {
	return map[string]*string{
		"document_date": &r.DocumentDate, "distribution": &r.Distribution, "address": &r.Address,
		"time_zone": &r.TimeZone, "telephone": &r.Telephone, "other_telecom": &r.OtherTelecom, "email": &r.Email,
		"team_members": &r.TeamMembers, "other_info": &r.OtherInfo, "hours": &r.Hours, "mission": &r.Mission,
		"constituency": &r.Constituency, "sponsorship": &r.Sponsorship, "authority": &r.Authority,
		"incident_types": &r.IncidentTypes, "cooperation": &r.Cooperation, "communication": &r.Communication,
		"incident_service": &r.IncidentService, "proactive_work": &r.ProactiveWork,
		"reporting_forms": &r.ReportingForms, "disclaimers": &r.Disclaimers,
	}
}

// Org is an organisation of the directory. The JSON field names are fixed by
// the API conventions.
type Org struct {
	ID             string       `json:"id"`
	Name           string       `json:"name"`
	ShortName      string       `json:"short_name"`
	Kind           Kind         `json:"kind"`
	ParentID       *string      `json:"parent_id"`
	Sector         string       `json:"sector"`
	Country        string       `json:"country"`
	CII            bool         `json:"cii"`
	Website        string       `json:"website"`
	Description    string       `json:"description"`
	Listed         bool         `json:"listed"`
	Contacts       []Contact    `json:"contacts"`
	PGPKey         string       `json:"pgp_key"`
	PGPFingerprint string       `json:"pgp_fingerprint"`
	PGPExpiresAt   *time.Time   `json:"pgp_expires_at,omitempty"`
	RFC2350        RFC2350      `json:"rfc2350"`
	Constituency   Constituency `json:"constituency"`
	// Packages are the package URLs (purl) a vendor publishes under, each a
	// whole package or a namespace (see NormalizePackage).
	Packages  []string  `json:"packages"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Parent returns the parent ID or "".
func (o Org) Parent() string {
	if o.ParentID == nil {
		return ""
	}
	return *o.ParentID
}

// OrgInput creates or changes an organisation. On create, nil fields take
// their defaults; on update, nil fields stay as they are.
type OrgInput struct {
	Name         *string       `json:"name"`
	ShortName    *string       `json:"short_name"`
	Kind         *Kind         `json:"kind"`
	ParentID     *string       `json:"parent_id"` // "" clears the parent
	Sector       *string       `json:"sector"`
	Country      *string       `json:"country"`
	CII          *bool         `json:"cii"`
	Website      *string       `json:"website"`
	Description  *string       `json:"description"`
	Listed       *bool         `json:"listed"`
	Contacts     *[]Contact    `json:"contacts"`
	PGPKey       *string       `json:"pgp_key"`
	RFC2350      *RFC2350      `json:"rfc2350"`
	Constituency *Constituency `json:"constituency"`
	Packages     *[]string     `json:"packages"`
}

// Summary is an organisation as lists and the hierarchy show it.
type Summary struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	ShortName string  `json:"short_name"`
	Kind      Kind    `json:"kind"`
	ParentID  *string `json:"parent_id"`
	Sector    string  `json:"sector"`
	Country   string  `json:"country"`
	CII       bool    `json:"cii"`
}

// Overlap is a network of one organisation that overlaps another's.
type Overlap struct {
	CIDR      string `json:"cidr"`
	OtherCIDR string `json:"other_cidr,omitempty"` // empty when the viewer may not see the other organisation
	OrgID     string `json:"org_id,omitempty"`     // empty when the viewer may not see the other organisation
	OrgName   string `json:"org_name"`
}

// Filter narrows a list of organisations.
type Filter struct {
	Query    string // name, short name, a domain or host name, or a package URL
	Kind     Kind
	Sector   string
	ParentID string
	CII      *bool
	Cursor   string
	Limit    int
}

// Addresses are where the organisation is told of what needs its
// attention (an alert, an incident): its contacts' valid addresses, each
// once, the 24×7 desk first, then its incident and security contacts.
func (o Org) Addresses() []string {
	cs := slices.Clone(o.Contacts)
	slices.SortStableFunc(cs, func(a, b Contact) int {
		rank := func(c Contact) int {
			switch {
			case c.Role == "24x7" || c.Available24x7:
				return 0
			case c.Role == "incident" || c.Role == "security":
				return 1
			}
			return 2
		}
		return rank(a) - rank(b)
	})
	var out []string
	for _, c := range cs {
		addr := strings.ToLower(strings.TrimSpace(c.Email))
		if addr != "" && notify.ValidAddress(addr) && !slices.Contains(out, addr) {
			out = append(out, addr)
		}
	}
	return out
}
