package directory

import (
	"fmt"
	"strconv"
	"strings"
)

// RFC2350Text renders an organisation's profile as the plain-text document
// RFC 2350 (appendix D) lays out, with the sections it has filled in.
func RFC2350Text(o Org) string {
	r := o.RFC2350
	var b strings.Builder
	title := "Description of " + o.Name + " according to RFC 2350"
	fmt.Fprintf(&b, "%s\n%s\n\n", title, strings.Repeat("=", len([]rune(title))))
	section := func(num, name string) { fmt.Fprintf(&b, "%s. %s\n\n", num, name) }
	item := func(num, name, text string) {
		if strings.TrimSpace(text) == "" {
			return
		}
		fmt.Fprintf(&b, "%s %s\n\n", num, name)
		for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
			fmt.Fprintf(&b, "   %s\n", strings.TrimRight(line, " \r"))
		}
		b.WriteString("\n")
	}
	section("1", "Document Information")
	item("1.1", "Date of Last Update", r.DocumentDate)
	item("1.2", "Distribution List for Notifications", r.Distribution)
	section("2", "Contact Information")
	name := o.Name
	if o.ShortName != "" {
		name += " (" + o.ShortName + ")"
	}
	item("2.1", "Name of the Team", name)
	item("2.2", "Address", r.Address)
	item("2.3", "Time Zone", r.TimeZone)
	item("2.4", "Telephone Number", r.Telephone)
	item("2.6", "Other Telecommunication", r.OtherTelecom)
	email := r.Email
	if email == "" {
		for _, c := range o.Contacts {
			if c.Email != "" && (c.Role == "incident" || c.Role == "24x7") {
				email = c.Email
				break
			}
		}
	}
	item("2.7", "Electronic Mail Address", email)
	if o.PGPFingerprint != "" {
		item("2.8", "Public Keys and Encryption Information", "OpenPGP key fingerprint: "+o.PGPFingerprint)
	}
	item("2.9", "Team Members", r.TeamMembers)
	item("2.10", "Other Information", r.OtherInfo)
	item("2.11", "Points of Customer Contact", r.Hours)
	section("3", "Charter")
	item("3.1", "Mission Statement", r.Mission)
	cons := r.Constituency
	if cons == "" && (len(o.Constituency.CIDRs)+len(o.Constituency.ASNs)+len(o.Constituency.Domains)) > 0 {
		var parts []string
		for _, a := range o.Constituency.ASNs {
			parts = append(parts, "AS"+strconv.FormatInt(a, 10))
		}
		parts = append(parts, o.Constituency.CIDRs...)
		parts = append(parts, o.Constituency.Domains...)
		cons = strings.Join(parts, ", ")
	}
	item("3.2", "Constituency", cons)
	item("3.3", "Sponsorship and/or Affiliation", r.Sponsorship)
	item("3.4", "Authority", r.Authority)
	section("4", "Policies")
	item("4.1", "Types of Incidents and Level of Support", r.IncidentTypes)
	item("4.2", "Co-operation, Interaction and Disclosure of Information", r.Cooperation)
	item("4.3", "Communication and Authentication", r.Communication)
	section("5", "Services")
	item("5.1", "Incident Response", r.IncidentService)
	item("5.2", "Proactive Activities", r.ProactiveWork)
	section("6", "Incident Reporting Forms")
	item("6", "Forms", r.ReportingForms)
	section("7", "Disclaimers")
	item("7", "Disclaimer", r.Disclaimers)
	return b.String()
}
