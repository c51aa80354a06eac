// Package vdp is the center's vulnerability disclosure program: reports from
// the public, constituents and partner CERTs (web form, API, e-mail), the
// triage route (validity, duplicates, SSVC, CVSS, CWE, routing to the
// responsible CERT), cases with their vulnerabilities, participants, vendor
// statements, publication dates and embargo, discussions with visibility,
// the timeline, reminders, and CVE records.
//
// The anchors are ISO/IEC 29147 and 30111 and CERT/CC's VINCE and Vultron:
// report states (received → valid/invalid → accepted/declined → closed),
// embargo states (none, proposed, active, revise, exited) and case facts
// (vendor aware, fix ready, fix deployed, public aware, exploit public,
// attacks observed).
//
// The package reaches other domains only through the interfaces it
// declares (Orgs, People, AdvisoryDrafter), wired in internal/app; its SQL
// names only vdp_* tables. Its files go by job: reports.go (intake),
// triage.go, follow.go (the reporter's follow link), cases.go,
// case_view.go, case_changes.go, participants.go, vulns.go (vulnerabilities
// and vendors' statements), threads.go, and the pages per screen
// (pages_public.go, pages_reports.go, pages_cases.go, pages_settings.go).
package vdp
