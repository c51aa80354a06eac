package rsit

import (
	"fmt"
	"strings"
)

// Type is an incident type of a class: its machine value (as in the
// taxonomy's machine-readable form), its name and what it covers.
type Type struct {
	Value       string `json:"value"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Class is one of the taxonomy's classes with its types.
type Class struct {
	Value       string `json:"value"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Types       []Type `json:"types"`
}

// Classes are the taxonomy's classes, in its order.
var Classes = []Class{
	{"abusive-content", "Abusive Content", "Unsolicited or harmful content.", []Type{
		{"spam", "Spam", "Unsolicited bulk e-mail: the recipient has not granted verifiable permission for the message, sent as part of a larger collection of messages of comparable content."},
		{"harmful-speech", "Harmful Speech", "Discreditation or discrimination of somebody, e.g. cyber stalking, racism or threats against one or more individuals."},
		{"violence", "(Child) Sexual Exploitation/Sexual/Violent Content", "Child sexual exploitation material, glorification of violence, etc."},
	}},
	{"malicious-code", "Malicious Code", "Software intentionally included or inserted in a system for a harmful purpose.", []Type{
		{"infected-system", "Infected System", "A system infected with malware, e.g. a PC, smartphone or server infected with a rootkit."},
		{"c2-server", "C2 Server", "A command-and-control server contacted by malware on infected systems."},
		{"malware-distribution", "Malware Distribution", "A URI used for malware distribution, e.g. a download URL in fake invoice spam."},
		{"malware-configuration", "Malware Configuration", "A URI hosting a malware configuration file, e.g. webinjects for a banking trojan."},
	}},
	{"information-gathering", "Information Gathering", "Gathering information on systems, services, accounts or people.", []Type{
		{"scanner", "Scanning", "Requests sent to a system to discover weaknesses: port scanning, DNS querying, SMTP probing, etc."},
		{"sniffing", "Sniffing", "Observing and recording network traffic (wiretapping)."},
		{"social-engineering", "Social Engineering", "Gathering information from a human being in a non-technical way (lies, tricks, bribes, threats)."},
	}},
	{"intrusion-attempts", "Intrusion Attempts", "Attempts to compromise a system or disrupt a service.", []Type{
		{"ids-alert", "Exploitation of Known Vulnerabilities", "An attempt to compromise a system or disrupt a service by exploiting a vulnerability with a standard identifier such as a CVE."},
		{"brute-force", "Login Attempts", "Multiple login attempts: guessing or cracking passwords, brute force."},
		{"exploit", "New Attack Signature", "An attack using an unknown exploit."},
	}},
	{"intrusions", "Intrusions", "A successful compromise of a system or application (service), remotely or by unauthorised local access; being part of a botnet included.", []Type{
		{"privileged-account-compromise", "Privileged Account Compromise", "Compromise of a system where the attacker gained administrative privileges."},
		{"unprivileged-account-compromise", "Unprivileged Account Compromise", "Compromise of a system using an unprivileged (user or service) account."},
		{"application-compromise", "Application Compromise", "Compromise of an application by exploiting (un)known software vulnerabilities, e.g. SQL injection."},
		{"system-compromise", "System Compromise", "Compromise of a system, e.g. unauthorised logins or commands, also through a vulnerability."},
		{"burglary", "Burglary", "Physical intrusion, e.g. into a corporate building or a data center."},
	}},
	{"availability", "Availability", "Services or systems made unavailable: by attack, local action, failure or disaster.", []Type{
		{"dos", "Denial of Service", "A denial-of-service attack, e.g. crafted requests that crash or slow down a web application."},
		{"ddos", "Distributed Denial of Service", "A distributed denial-of-service attack, e.g. a SYN flood or UDP-based reflection or amplification."},
		{"misconfiguration", "Misconfiguration", "Software misconfiguration resulting in service availability issues."},
		{"sabotage", "Sabotage", "Physical sabotage, e.g. cutting wires or malicious arson."},
		{"outage", "Outage", "An outage caused e.g. by air-conditioning failure or natural disaster."},
	}},
	{"information-content-security", "Information Content Security", "The confidentiality or integrity of information harmed.", []Type{
		{"unauthorised-information-access", "Unauthorised Access to Information", "Unauthorised access to information, e.g. with stolen credentials, by intercepting traffic or to physical documents."},
		{"unauthorised-information-modification", "Unauthorised Modification of Information", "Unauthorised modification of information, e.g. with stolen credentials, or ransomware encrypting data."},
		{"data-loss", "Data Loss", "Loss of data, e.g. by hard disk failure or physical theft."},
		{"data-leak", "Leak of Confidential Information", "Leaked confidential information, e.g. credentials or personal data."},
	}},
	{"fraud", "Fraud", "Deception for gain.", []Type{
		{"unauthorized-use-of-resources", "Unauthorised Use of Resources", "Using resources for unauthorised purposes, including profit-making ventures."},
		{"copyright", "Copyright", "Offering or installing copies of unlicensed commercial software or other copyright-protected material."},
		{"masquerade", "Masquerade", "One entity illegitimately impersonating another in order to benefit from it."},
		{"phishing", "Phishing", "Masquerading as another entity to persuade the user to reveal private credentials."},
	}},
	{"vulnerable", "Vulnerable", "Weaknesses that can be abused: open resolvers, exposed services, outdated systems.", []Type{
		{"weak-crypto", "Weak Cryptography", "Publicly accessible services offering weak cryptography, e.g. web servers open to POODLE or FREAK."},
		{"ddos-amplifier", "DDoS Amplifier", "Publicly accessible services that can be abused for DDoS reflection or amplification, e.g. open DNS resolvers."},
		{"potentially-unwanted-accessible", "Potentially Unwanted Accessible Services", "Potentially unwanted publicly accessible services, e.g. Telnet, RDP or VNC."},
		{"information-disclosure", "Information Disclosure", "Publicly accessible services potentially disclosing sensitive information, e.g. SNMP or Redis."},
		{"vulnerable-system", "Vulnerable System", "A system vulnerable to certain attacks, e.g. misconfigured proxy settings or an outdated operating system."},
	}},
	{"other", "Other", "Incidents that fit no other class; if their number grows, the classification needs revising.", []Type{
		{"other", "Other", "An incident that fits no other type."},
		{"undetermined", "Undetermined", "An incident whose type is not determined yet."},
	}},
	{"test", "Test", "Meant for testing.", []Type{
		{"test", "Test", "Meant for testing."},
	}},
}

// Find answers the class and type of the given values; a type may be
// omitted (""), a class never.
func Find(class, typ string) (Class, Type, bool) {
	for _, c := range Classes {
		if c.Value != class {
			continue
		}
		if typ == "" {
			return c, Type{}, true
		}
		for _, t := range c.Types {
			if t.Value == typ {
				return c, t, true
			}
		}
		return c, Type{}, false
	}
	return Class{}, Type{}, false
}

// Check says what is wrong with a classification, or nil: the class must
// be one of Classes and the type, when given, one of that class's types.
// The message names the choices, for the form or the API's field error.
func Check(class, typ string) error {
	c, _, ok := Find(class, typ)
	switch {
	case ok:
		return nil
	case c.Value == "":
		values := make([]string, len(Classes))
		for i, c := range Classes {
			values[i] = c.Value
		}
		return fmt.Errorf("the class must be one of %s", strings.Join(values, ", "))
	default:
		values := make([]string, len(c.Types))
		for i, t := range c.Types {
			values[i] = t.Value
		}
		return fmt.Errorf("the type of %s must be one of %s", c.Value, strings.Join(values, ", "))
	}
}

// Label is the classification as people read it: "Intrusions / System
// Compromise", or the values themselves when they are not the taxonomy's.
func Label(class, typ string) string {
	c, t, ok := Find(class, typ)
	switch {
	case !ok:
		return strings.TrimSuffix(class+" / "+typ, " / ")
	case t.Value == "":
		return c.Name
	default:
		return c.Name + " / " + t.Name
	}
}
