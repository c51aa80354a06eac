package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/platform/settings"
)

// Password is every demo user's password.
const Password = "certhub-demo-2026"

const loadedKey = "demo.loaded"

type orgSpec struct {
	key, name, short string
	kind             directory.Kind
	parent           string
	sector           string
	cii, listed      bool
	cidrs            []string
	asns             []int64
	domains          []string
	packages         []string
	email, phone     string
	pgp              bool
	description      string
}

// The directory. Parents come before their children.
var orgs = []orgSpec{
	{key: "cc", name: "CERT Coordination Center", short: "CC", kind: directory.KindCoordinationCenter, sector: "government", listed: true,
		domains: []string{"cc.example"}, email: "coordination@cc.example", phone: "+92 51 9100100", pgp: true,
		description: "Coordinates the national CERT community: directory, vulnerability disclosure, advisories and shared threat intelligence."},
	{key: "ncert", name: "National CERT", short: "nCERT", kind: directory.KindNationalCERT, parent: "cc", sector: "government", listed: true,
		cidrs: []string{"192.0.2.0/28"}, asns: []int64{64496}, domains: []string{"ncert.example"}, email: "incident@ncert.example", phone: "+92 51 9100200", pgp: true,
		description: "The national computer emergency response team."},
	{key: "bankcert", name: "Banking Sector CERT", short: "BankCERT", kind: directory.KindSectoralCERT, parent: "ncert", sector: "banking", listed: true,
		domains: []string{"bank-cert.example"}, email: "soc@bank-cert.example", phone: "+92 21 3200300", pgp: true},
	{key: "telcocert", name: "Telecom Sector CERT", short: "TelcoCERT", kind: directory.KindSectoralCERT, parent: "ncert", sector: "telecom", listed: true,
		domains: []string{"telco-cert.example"}, email: "soc@telco-cert.example", phone: "+92 51 9100400", pgp: true},
	{key: "powercert", name: "Power Sector CERT", short: "PowerCERT", kind: directory.KindSectoralCERT, parent: "ncert", sector: "energy", listed: true,
		domains: []string{"power-cert.example"}, email: "soc@power-cert.example", phone: "+92 42 3500500", pgp: true},
	{key: "healthcert", name: "Health Sector CERT", short: "HealthCERT", kind: directory.KindSectoralCERT, parent: "ncert", sector: "health", listed: true,
		domains: []string{"health-cert.example"}, email: "soc@health-cert.example", phone: "+92 51 9100600", pgp: true},
	{key: "govcert", name: "Government CERT", short: "GovCERT", kind: directory.KindGovernmentCERT, parent: "ncert", sector: "government", listed: true,
		domains: []string{"gov-cert.example"}, email: "soc@gov-cert.example", phone: "+92 51 9100700", pgp: true},
	{key: "punjabcert", name: "Provincial CERT Punjab", short: "PunjabCERT", kind: directory.KindProvincialCERT, parent: "ncert", sector: "government", listed: true,
		domains: []string{"punjab-cert.example"}, email: "soc@punjab-cert.example", phone: "+92 42 3500800", pgp: true},
	{key: "sindhcert", name: "Provincial CERT Sindh", short: "SindhCERT", kind: directory.KindProvincialCERT, parent: "ncert", sector: "government", listed: true,
		domains: []string{"sindh-cert.example"}, email: "soc@sindh-cert.example", phone: "+92 21 3200900", pgp: true},
	{key: "partner", name: "Examplia National CSIRT", short: "EX-CSIRT", kind: directory.KindInternationalCERT, sector: "government", listed: true,
		domains: []string{"csirt.examplia.example"}, email: "cert@csirt.examplia.example", phone: "+94 11 2000100", pgp: true,
		description: "Partner CSIRT of a neighbouring country; exchanges intelligence and coordinates cross-border cases."},
	{key: "ministry", name: "Ministry of IT and Telecommunication", short: "MoITT", kind: directory.KindMinistry, sector: "government",
		domains: []string{"moitt.example"}, email: "cyber@moitt.example", phone: "+92 51 9100999"},
	// Constituents.
	{key: "firstbank", name: "First Example Bank", kind: directory.KindConstituent, parent: "bankcert", sector: "banking", cii: true,
		cidrs: []string{"198.51.100.0/27", "2001:db8:100::/48"}, asns: []int64{64497}, domains: []string{"firstbank.example"}, email: "soc@firstbank.example", phone: "+92 21 3211000"},
	{key: "crescent", name: "Crescent Microfinance", kind: directory.KindConstituent, parent: "bankcert", sector: "banking",
		cidrs: []string{"198.51.100.32/28", "2001:db8:101::/48"}, domains: []string{"crescent-mf.example"}, email: "it-security@crescent-mf.example", phone: "+92 21 3211100"},
	{key: "exchange", name: "National Stock Exchange", kind: directory.KindConstituent, parent: "bankcert", sector: "banking", cii: true,
		cidrs: []string{"198.51.100.64/27", "2001:db8:102::/48"}, asns: []int64{64498}, domains: []string{"nse.example"}, email: "ciso@nse.example", phone: "+92 21 3211200"},
	{key: "karakoram", name: "Karakoram Telecom", kind: directory.KindConstituent, parent: "telcocert", sector: "telecom", cii: true,
		cidrs: []string{"203.0.113.0/26", "2001:db8:200::/40"}, asns: []int64{64499, 64500}, domains: []string{"karakoram-telecom.example"}, email: "noc@karakoram-telecom.example", phone: "+92 51 9111000"},
	{key: "ravi", name: "Ravi Mobile", kind: directory.KindConstituent, parent: "telcocert", sector: "telecom",
		cidrs: []string{"203.0.113.64/26", "2001:db8:300::/40"}, asns: []int64{64501}, domains: []string{"ravi-mobile.example"}, email: "security@ravi-mobile.example", phone: "+92 51 9111100"},
	{key: "centralpower", name: "Central Power Distribution Company", kind: directory.KindConstituent, parent: "powercert", sector: "energy", cii: true,
		cidrs: []string{"198.51.100.128/27", "2001:db8:400::/48"}, asns: []int64{64502}, domains: []string{"cpdc.example"}, email: "scada-sec@cpdc.example", phone: "+92 42 3511000"},
	{key: "northgrid", name: "Northern Grid Transmission", kind: directory.KindConstituent, parent: "powercert", sector: "energy", cii: true,
		cidrs: []string{"198.51.100.160/27"}, domains: []string{"northgrid.example"}, email: "soc@northgrid.example", phone: "+92 42 3511100"},
	{key: "cityhospital", name: "City General Hospital", kind: directory.KindConstituent, parent: "healthcert", sector: "health",
		cidrs: []string{"198.51.100.192/28"}, domains: []string{"cityhospital.example"}, email: "it@cityhospital.example", phone: "+92 51 9112000"},
	{key: "healthfund", name: "National Health Insurance Fund", kind: directory.KindConstituent, parent: "healthcert", sector: "health",
		cidrs: []string{"198.51.100.208/28"}, domains: []string{"nhif.example"}, email: "security@nhif.example", phone: "+92 51 9112100"},
	{key: "revenue", name: "Federal Revenue Board", kind: directory.KindConstituent, parent: "govcert", sector: "government", cii: true,
		cidrs: []string{"203.0.113.128/27", "2001:db8:500::/48"}, asns: []int64{64503}, domains: []string{"revenue.example"}, email: "soc@revenue.example", phone: "+92 51 9113000"},
	{key: "punjabit", name: "Punjab Information Technology Board", kind: directory.KindConstituent, parent: "punjabcert", sector: "government",
		cidrs: []string{"203.0.113.160/27"}, domains: []string{"pitb.example"}, email: "security@pitb.example", phone: "+92 42 3513000"},
	{key: "sindhwater", name: "Sindh Water Board", kind: directory.KindConstituent, parent: "sindhcert", sector: "water", cii: true,
		cidrs: []string{"203.0.113.192/27"}, domains: []string{"sindhwater.example"}, email: "it@sindhwater.example", phone: "+92 21 3213000"},
	// Vendors and the lab.
	{key: "examplesoft", name: "Examplesoft Ltd", kind: directory.KindVendor, sector: "ict",
		domains: []string{"examplesoft.example"}, packages: []string{"pkg:npm/@examplesoft", "pkg:maven/com.examplesoft", "pkg:github/examplesoft"}, email: "psirt@examplesoft.example", phone: "+92 42 3520000", pgp: true},
	{key: "netforge", name: "NetForge Systems", kind: directory.KindVendor, sector: "ict",
		domains: []string{"netforge.example"}, packages: []string{"pkg:golang/netforge.example", "pkg:deb/netforge"}, email: "security@netforge.example", phone: "+1 202 5550100", pgp: true},
	{key: "lab", name: "National Cyber Security Testing Lab", short: "NCSTL", kind: directory.KindLab, parent: "cc", sector: "ict",
		domains: []string{"ncstl.example"}, email: "evaluations@ncstl.example", phone: "+92 51 9114000"},
}

type userSpec struct {
	email, name string
	platform    auth.PlatformRole
	org         string
	role        auth.Role
}

var users = []userSpec{
	{"coordinator@cc.example", "Sana Coordinator", auth.PlatformCoordinator, "cc", auth.RoleAdmin},
	{"duty@cc.example", "Bilal Duty Officer", auth.PlatformCoordinator, "cc", auth.RoleAnalyst},
	{"analyst@ncert.example", "Ayesha Analyst", "", "ncert", auth.RoleAnalyst},
	{"lead@bank-cert.example", "Hamza BankCERT Lead", "", "bankcert", auth.RoleAdmin},
	{"analyst@bank-cert.example", "Fatima BankCERT Analyst", "", "bankcert", auth.RoleAnalyst},
	{"lead@telco-cert.example", "Omar TelcoCERT Lead", "", "telcocert", auth.RoleAdmin},
	{"lead@power-cert.example", "Zainab PowerCERT Lead", "", "powercert", auth.RoleAdmin},
	{"lead@health-cert.example", "Imran HealthCERT Lead", "", "healthcert", auth.RoleAdmin},
	{"lead@gov-cert.example", "Hira GovCERT Lead", "", "govcert", auth.RoleAdmin},
	{"lead@punjab-cert.example", "Ali PunjabCERT Lead", "", "punjabcert", auth.RoleAdmin},
	{"lead@sindh-cert.example", "Maryam SindhCERT Lead", "", "sindhcert", auth.RoleAdmin},
	{"liaison@csirt.examplia.example", "Kamal Partner Liaison", "", "partner", auth.RoleAnalyst},
	{"cyber@moitt.example", "Nadia Ministry Liaison", "", "ministry", auth.RoleViewer},
	{"ciso@firstbank.example", "Usman First Bank CISO", "", "firstbank", auth.RoleAdmin},
	{"soc@firstbank.example", "Sara First Bank SOC", "", "firstbank", auth.RoleMember},
	{"security@crescent-mf.example", "Asad Crescent Security", "", "crescent", auth.RoleAdmin},
	{"ciso@nse.example", "Rabia Exchange CISO", "", "exchange", auth.RoleAdmin},
	{"noc@karakoram-telecom.example", "Faisal Karakoram NOC", "", "karakoram", auth.RoleAdmin},
	{"security@ravi-mobile.example", "Sadia Ravi Security", "", "ravi", auth.RoleAdmin},
	{"scada@cpdc.example", "Tariq CPDC SCADA Security", "", "centralpower", auth.RoleAdmin},
	{"soc@northgrid.example", "Mehwish Northgrid SOC", "", "northgrid", auth.RoleAdmin},
	{"it@cityhospital.example", "Kashif Hospital IT", "", "cityhospital", auth.RoleAdmin},
	{"security@nhif.example", "Amna NHIF Security", "", "healthfund", auth.RoleAdmin},
	{"soc@revenue.example", "Junaid Revenue SOC", "", "revenue", auth.RoleAdmin},
	{"security@pitb.example", "Saba PITB Security", "", "punjabit", auth.RoleAdmin},
	{"it@sindhwater.example", "Waqas Water Board IT", "", "sindhwater", auth.RoleAdmin},
	{"psirt@examplesoft.example", "Erin Examplesoft PSIRT", "", "examplesoft", auth.RoleAdmin},
	{"security@netforge.example", "Noah NetForge Security", "", "netforge", auth.RoleAdmin},
	{"evaluator@ncstl.example", "Iqra Lab Evaluator", "", "lab", auth.RoleAnalyst},
}

// UserEmails lists the demo accounts, for the start-up message.
func UserEmails() []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.email
	}
	return out
}

// Load adds the dataset unless it was loaded before.
func Load(ctx context.Context, c *app.Core) error {
	_, loaded, err := settings.Get(ctx, c.DB, loadedKey)
	if loaded {
		return nil
	}
	if err != nil {
		return err
	}
	sys := auth.System("demo dataset")
	ctx = auth.WithIdentity(ctx, sys)
	now := c.Now()
	// Keys and profiles are dated the first of the year: the same on every
	// demo instance loaded this year, whatever its clock's hour.
	issued := time.Date(now.UTC().Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	ids := map[string]string{}
	for _, o := range orgs {
		in := directory.OrgInput{Name: &o.name, Kind: &o.kind, Sector: ptr(o.sector), Country: ptr("PK"), CII: &o.cii, Listed: &o.listed,
			Description: ptr(o.description), Website: ptr("https://www." + o.domains[0] + "/")}
		if o.kind == directory.KindInternationalCERT {
			in.Country = ptr("LK")
		}
		if o.key == "netforge" {
			in.Country = ptr("US")
		}
		if o.short != "" {
			in.ShortName = ptr(o.short)
		}
		if o.parent != "" {
			in.ParentID = ptr(ids[o.parent])
		}
		contacts := []directory.Contact{{Role: "24x7", Name: "Duty desk", Email: o.email, Phone: o.phone, Available24x7: o.kind.IsCERT()}}
		if o.kind == directory.KindVendor {
			contacts[0].Role = "vulnerability"
		}
		in.Contacts = &contacts
		in.Constituency = &directory.Constituency{CIDRs: o.cidrs, ASNs: o.asns, Domains: o.domains}
		if o.packages != nil {
			in.Packages = &o.packages
		}
		if o.pgp {
			// The same key wherever the demo is loaded (two linked demo
			// instances agree on each CERT's key, as real ones would).
			pub, err := pgp.DemoKey(o.name, o.email, 3*365*24*time.Hour, issued, o.email)
			if err != nil {
				return err
			}
			in.PGPKey = &pub
		}
		if o.key == "ncert" {
			in.RFC2350 = &nationalProfile
		} else if o.kind.IsCERT() {
			in.RFC2350 = &directory.RFC2350{DocumentDate: issued.Format("2006-01-02"), Email: o.email, Telephone: o.phone,
				TimeZone: "Asia/Karachi", Hours: "24/7 for incidents affecting the constituency; office hours Monday to Friday 09:00–17:00 PKT.",
				Mission: "To help the organisations of the " + o.sector + " sector prevent, detect and recover from cyber incidents."}
		}
		org, err := c.Directory.Create(ctx, sys, in)
		if err != nil {
			return fmt.Errorf("demo org %s: %w", o.name, err)
		}
		ids[o.key] = org.ID
	}
	for _, u := range users {
		created, err := c.Auth.CreateUser(ctx, auth.NewUser{Email: u.email, Name: u.name, PlatformRole: u.platform, Password: Password, TimeZone: "Asia/Karachi"})
		if err != nil {
			return fmt.Errorf("demo user %s: %w", u.email, err)
		}
		if _, _, err := c.Directory.AddMember(ctx, sys, ids[u.org], directory.NewMember{Email: created.Email, Role: u.role}); err != nil {
			return fmt.Errorf("demo membership %s: %w", u.email, err)
		}
	}
	if err := loadVDP(ctx, c, ids); err != nil {
		return err
	}
	if err := loadAdvisories(ctx, c, ids); err != nil {
		return err
	}
	if err := loadIntel(ctx, c, ids); err != nil {
		return err
	}
	if err := loadProcurement(ctx, c, ids); err != nil {
		return err
	}
	if err := loadCoordination(ctx, c, ids); err != nil {
		return err
	}
	if err := loadIncidents(ctx, c); err != nil {
		return err
	}
	if err := loadThreads(ctx, c, ids); err != nil {
		return err
	}
	if err := loadTraining(ctx, c); err != nil {
		return err
	}
	if err := loadCouncil(ctx, c, ids); err != nil {
		return err
	}
	if err := loadAssessments(ctx, c, ids); err != nil {
		return err
	}
	if err := loadReporting(ctx, c, ids); err != nil {
		return err
	}
	if err := loadMaturity(ctx, c, ids); err != nil {
		return err
	}
	if err := loadHygiene(ctx, c, ids); err != nil {
		return err
	}
	if err := loadTelemetry(ctx, c, ids); err != nil {
		return err
	}
	if err := loadActors(ctx, c, ids); err != nil {
		return err
	}
	return c.DB.Write(ctx, func(tx *db.Tx) error { return settings.Put(ctx, tx, loadedKey, now.Format(time.RFC3339), now) })
}

func ptr[T any](v T) *T { return &v }

var nationalProfile = directory.RFC2350{
	DocumentDate:    "2026-11-01",
	Distribution:    "The current version is published on the National CERT website and in the certhub directory. Changes are announced to the sectoral CERTs' mailing list.",
	Address:         "National CERT, Constitution Avenue, Islamabad (example address)",
	TimeZone:        "Asia/Karachi",
	Telephone:       "+92 51 9100200 (24/7)",
	OtherTelecom:    "Secure messaging through the certhub platform for registered CERTs.",
	Email:           "incident@ncert.example",
	TeamMembers:     "The head of the National CERT, a deputy, and incident handlers and analysts on a 24/7 rota.",
	OtherInfo:       "The National CERT is a member of the regional CSIRT community and works with the CERTs of other countries.",
	Hours:           "Incidents are accepted 24 hours a day, 7 days a week, by telephone and e-mail. Office hours are Monday to Friday 09:00–17:00 PKT.",
	Mission:         "To protect the country's cyberspace by coordinating incident response, vulnerability disclosure and information sharing among the national, sectoral and provincial CERTs and their constituents.",
	Constituency:    "Government institutions, operators of critical information infrastructure, and organisations in the country without a sectoral CERT.",
	Sponsorship:     "The National CERT is established under the national cyber-security rules and funded by the federal government.",
	Authority:       "The National CERT acts under the national cyber-security rules. It advises its constituents and may require operators of critical information infrastructure to report incidents.",
	IncidentTypes:   "All types of computer security incidents affecting the constituency. Incidents are prioritised by severity, the criticality of the affected infrastructure, and the number of organisations affected.",
	Cooperation:     "The National CERT shares information under the Traffic Light Protocol 2.0. TLP:RED and TLP:AMBER information is never passed on beyond its recipients without the source's consent.",
	Communication:   "E-mail protected with OpenPGP (see the key in the directory), the certhub platform, and telephone for urgent matters.",
	IncidentService: "Triage, coordination and resolution support: analysing incidents, coordinating with affected organisations, ISPs and other CERTs, and advising on containment and recovery.",
	ProactiveWork:   "Advisories and alerts, vulnerability disclosure coordination, threat-intelligence sharing, security testing of products for procurement, and training.",
	ReportingForms:  "Report incidents through the certhub portal or by e-mail to incident@ncert.example. Vulnerabilities can be reported without an account on the public report page.",
	Disclaimers:     "While every precaution is taken in preparing information, the National CERT assumes no responsibility for errors or omissions, or for damages resulting from the use of the information.",
}
