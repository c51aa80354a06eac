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
// names only vdp_* tables. The root is the cases and vendors: its Service
// runs cases (cases.go, case_view.go, case_changes.go, participants.go,
// vulns.go — vulnerabilities and vendors' statements —, threads.go, cve.go,
// handoff.go, reminders.go, stats.go) under the access rule of policy.go,
// and holds the parts below, wiring them:
//
//   - reports is the intake and triage of reports (web, API, console and
//     e-mail; attachments, the follow link, routing, duplicates, triage,
//     acceptance into a case, which it asks of the root through its Cases
//     interface), with the reports' access rule; Service.Reports();
//   - model is the records (plain types), store their SQL;
//   - config is the program's policies and a report's SLA clock;
//   - outbound writes the mail (reporters, organisations, encrypted to
//     their keys); inbound reads a message to the reporting address (the
//     tracking ID of a reply, a new report's title and text);
//   - cvepool is the pool of CVE IDs reserved with the CNA (vdp_cve_pool);
//   - cverec builds CVE JSON 5 records from plain values;
//   - cwe is the CWE shortlist and the one spelling of a CWE ID;
//   - files stages, stores and serves attached files;
//   - routing is the routing rules (which CERT a report goes to) and
//     their SQL; reports names the CERTs and guards who sets them;
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
