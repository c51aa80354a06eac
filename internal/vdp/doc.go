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
// names only vdp_* tables. The records are vdp/model (plain types) and
// their SQL vdp/store; the root holds the Service — its files go by job:
// reports.go (intake), triage.go, follow.go (the reporter's follow link), mail.go (reports and replies by
// e-mail), attachments.go, cases.go, case_view.go, case_changes.go,
// participants.go, vulns.go (vulnerabilities and vendors' statements),
// threads.go (who reads and writes a discussion, who is told), cve.go
// (CVE IDs and records), routing.go (routing a report, the SLA clock),
// reminders.go, stats.go (who sees which figures). The jobs that need no
// access rule are sub-packages that do not import the root; they are given
// plain values (or a decided viewer), and some run their own SQL over
// vdp's tables:
//
//   - cvepool is the pool of CVE IDs reserved with the CNA (vdp_cve_pool);
//   - cverec builds CVE JSON 5 records from plain values;
//   - cwe is the CWE shortlist and the one spelling of a CWE ID;
//   - files stages, stores and serves attached files;
//   - inbound reads a message to the reporting address (the tracking ID
//     of a reply, a new report's title and text);
//   - routing is the routing rules (which CERT a report goes to) and
//     their SQL; the root names the CERTs and guards who sets them;
//   - similar scores how alike two reports are (duplicate suggestions);
//   - timeline is a case's timeline entries and each user's read marks
//     (vdp_events, vdp_reads); the root filters the entries by viewer;
//   - threads is a case's discussions and their posts (types, checks and
//     SQL over vdp_threads and vdp_posts); the root applies the access
//     rule and tells the readers;
//   - stats works out the dashboard's figures in SQL over vdp's tables.
//
// The handlers are sub-packages over the Service: api (JSON) and pages
// (HTML, with its templates). The end-to-end tests (e2e_*_test.go) start
// the real server through internal/apptest.
package vdp
