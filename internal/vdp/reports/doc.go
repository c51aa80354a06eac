// Package reports is the disclosure program's intake and triage: reports
// from the web form, the API, the console and e-mail (with attachments and
// the reporter's follow link), routing to the responsible CERT by rules,
// duplicate suggestions, triage (validity, SSVC, CVSS, CWE, sectors),
// messages with the reporter, and acceptance into a case — which the cases
// open through the Cases interface this package declares. Who may see and
// triage a report is policy.go's.
package reports
