package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/demo"
	"github.com/certhub/certhub/internal/federation"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
)

// The access matrix: every read path of the server — each GET route of
// the API, the console, the website, TAXII and the CSAF provider — read
// by each kind of user of the demo, and whether it is allowed or denied.
// A route without a row fails the test, so a new read path cannot ship
// without someone deciding who reads it.
//
// The roles, in the order of each row's want:
//
//	a  anonymous visitor
//	r  a reporter, who holds only the follow link of their report
//	v  a vendor's PSIRT (Examplesoft, a participant of the disclosed case)
//	l  an accredited lab's evaluator (the lab of the demo's evaluations)
//	c  a constituent's CISO (First Example Bank, under BankCERT)
//	s  a sectoral CERT's analyst (BankCERT)
//	o  the center's coordinator
//	d  the platform's administrator
//	t  a TAXII client: the partner CERT's liaison's read-only token
//
// want holds one letter a role: Y allowed (2xx, or a redirect that is not
// to the sign-in page), - denied (401, 403, 404, or sent to sign in).
var matrixRoles = []struct{ key, name, email string }{
	{"a", "anonymous", ""},
	{"r", "reporter", ""},
	{"v", "vendor", "psirt@examplesoft.example"},
	{"l", "lab", "evaluator@ncstl.example"},
	{"c", "constituent", "ciso@firstbank.example"},
	{"s", "sectoral CERT analyst", "analyst@bank-cert.example"},
	{"o", "coordinator", "coordinator@cc.example"},
	{"d", "admin", "admin@localhost"},
	{"t", "TAXII client", "liaison@csirt.examplia.example"},
}

// matrixRow is one read: the route it reaches, the path (with {names}
// of the demo's objects filled in) and who may read it.
type matrixRow struct {
	route, path, want string
}

// The common wants.
const (
	everyone = "YYYYYYYYY"
	signedIn = "--YYYYYYY" // every account (a token reads the pages its holder may)
	certs    = "-----YYYY" // members of a CERT
	staff    = "------YY-" // the center's coordinators and administrators
	admins   = "-------Y-" // the platform's administrators
	nobody   = "---------"
)

var matrixRows = []matrixRow{
	// The website, the well-known files and the feeds.
	{"GET /{$}", "/", everyone},
	{"GET /about", "/about", everyone},
	{"GET /advisories", "/advisories", everyone},
	{"GET /advisories/{id}", "/advisories/{adv_clear}", everyone},
	{"GET /advisories/{id}", "/advisories/{adv_amber}", "----YYYY-"}, // for BankCERT: its members and its constituents
	{"GET /advisories/{id}", "/advisories/{adv_red}", staff},         // named to BankCERT's lead only
	{"GET /certs", "/certs", everyone},
	{"GET /certs/{id}", "/certs/{bankcert}", everyone},
	{"GET /certs/{id}/rfc2350.txt", "/certs/{bankcert}/rfc2350.txt", everyone},
	{"GET /feeds/{name}", "/feeds/all.atom", everyone},
	{"GET /report", "/report", everyone},
	{"GET /report/follow", "/report/follow?key={follow}", "-Y-------"},
	{"GET /report/pgp-key.asc", "/report/pgp-key.asc", everyone},
	{"GET /subscribe", "/subscribe", everyone},
	{"GET /subscribe/cancel", "/subscribe/cancel", everyone},
	{"GET /subscribe/confirm", "/subscribe/confirm", everyone},
	{"GET /.well-known/security.txt", "/.well-known/security.txt", everyone},
	{"GET /.well-known/csaf/{$}", "/.well-known/csaf/", everyone},
	{"GET /.well-known/csaf/provider-metadata.json", "/.well-known/csaf/provider-metadata.json", everyone},
	{"GET /.well-known/csaf/service.json", "/.well-known/csaf/service.json", everyone},
	{"GET /.well-known/csaf/openpgp/{file}", "/.well-known/csaf/openpgp/{key_file}", everyone},
	{"GET /.well-known/csaf/{tlp}/{$}", "/.well-known/csaf/white/", everyone},
	{"GET /.well-known/csaf/{tlp}/{$}", "/.well-known/csaf/amber/", signedIn},
	{"GET /.well-known/csaf/{tlp}/{file}", "/.well-known/csaf/white/index.txt", everyone},
	{"GET /.well-known/csaf/{tlp}/{year}/{$}", "/.well-known/csaf/white/{year}/", everyone},
	{"GET /.well-known/csaf/{tlp}/{year}/{file}", "/.well-known/csaf/white/{year}/{csaf_file}", everyone},
	{"GET /static/", "/static/app.css", everyone},
	{"GET /healthz", "/healthz", everyone},
	{"GET /readyz", "/readyz", everyone},
	{"GET /metrics", "/metrics", everyone}, // the tests come from loopback, the monitoring network
	{"GET /login", "/login", everyone},
	{"GET /login/forgot", "/login/forgot", everyone},
	{"GET /login/totp", "/login/totp", nobody}, // only between the password and the code

	// The account.
	{"GET /account", "/account", signedIn},
	{"GET /account/password", "/account/password", nobody}, // only with the link e-mailed to set it
	{"GET /account/totp", "/account/totp", signedIn},
	{"GET /account/totp/qr.png", "/account/totp/qr.png", signedIn}, // the caller's own enrolment

	// The console.
	{"GET /console", "/console", signedIn},
	{"GET /console/orgs", "/console/orgs", signedIn},
	{"GET /console/orgs/export", "/console/orgs/export?format=csv", signedIn},
	{"GET /console/orgs/new", "/console/orgs/new", staff},                          // a CERT's admins register from its own page
	{"GET /console/orgs/{id}", "/console/orgs/{firstbank}", "----YYYY-"},           // its own, its CERT's and the center's
	{"GET /console/orgs/{id}", "/console/orgs/{karakoram}", staff},                 // another sector's constituent
	{"GET /console/orgs/{id}", "/console/orgs/{bankcert}", signedIn},               // CERTs are the community's
	{"GET /console/orgs/{id}/edit", "/console/orgs/{firstbank}/edit", "----Y-YY-"}, // admins of it and above it
	{"GET /console/orgs/{id}/key.asc", "/console/orgs/{bankcert}/key.asc", signedIn},
	{"GET /console/orgs/{id}/rfc2350.txt", "/console/orgs/{bankcert}/rfc2350.txt", signedIn},
	{"GET /console/orgs/{id}/webhooks", "/console/orgs/{firstbank}/webhooks", "----Y-YY-"},
	{"GET /console/users", "/console/users", staff},
	{"GET /console/users/new", "/console/users/new", admins},
	{"GET /console/users/{id}", "/console/users/{firstbank_soc}", staff},
	{"GET /console/audit", "/console/audit", staff},
	{"GET /console/jobs", "/console/jobs", staff},
	{"GET /console/jobs/{id}", "/console/jobs/{job}", staff},
	{"GET /console/vdp", "/console/vdp", certs}, // a CERT's own figures, the center's all
	{"GET /console/vdp/settings", "/console/vdp/settings", staff},
	{"GET /console/reports", "/console/reports", signedIn}, // each sees the reports it may
	{"GET /console/reports/new", "/console/reports/new", signedIn},
	{"GET /console/reports/{id}", "/console/reports/{report_bank}", "-----YYY-"}, // routed to BankCERT
	{"GET /console/reports/{id}", "/console/reports/{report_cc}", staff},
	{"GET /console/reports/{id}/attachments/{attachment_id}", "/console/reports/{report_bank}/attachments/{attachment}", "-----YYY-"},
	{"GET /console/cases", "/console/cases", signedIn},
	{"GET /console/cases/{id}", "/console/cases/{case_disclosed}", signedIn},                                                // disclosed: TLP:CLEAR
	{"GET /console/cases/{id}", "/console/cases/{case_embargo}", staff},                                                     // under embargo: its participants
	{"GET /console/cases/{id}/threads/{thread_id}", "/console/cases/{case_disclosed}/threads/{vendor_thread}", "--Y---YY-"}, // the vendor's own
	{"GET /console/cases/{id}/vulnerabilities/{vuln_id}/cve-record.json", "/console/cases/{case_embargo}/vulnerabilities/{vuln_cve}/cve-record.json", staff},
	{"GET /console/advisories", "/console/advisories", staff},
	{"GET /console/advisories/new", "/console/advisories/new", staff},
	{"GET /console/advisories/{id}", "/console/advisories/{adv_clear_id}", staff},
	{"GET /console/advisories/{id}/edit", "/console/advisories/{adv_clear_id}/edit", staff},
	{"GET /console/advisories/{id}/csaf.json", "/console/advisories/{adv_clear_id}/csaf.json", staff},
	{"GET /console/intel", "/console/intel", signedIn},
	{"GET /console/intel/asn", "/console/intel/asn", signedIn},
	{"GET /console/intel/observables", "/console/intel/observables", signedIn},
	{"GET /console/intel/actors", "/console/intel/actors", signedIn},
	{"GET /console/intel/actors/{id}", "/console/intel/actors/{actor_viper}", signedIn},          // a GREEN MISP cluster names it: the community
	{"GET /console/intel/actors/{id}", "/console/intel/actors/{actor_campaign}", "------YYY"},    // AMBER STIX only: the partner and the center
	{"GET /console/intel/observables/{id}", "/console/intel/observables/{obs_bank}", signedIn},   // reported GREEN: the community
	{"GET /console/intel/observables/{id}", "/console/intel/observables/{obs_red}", "------YYY"}, // RED: the staff and the liaison named
	{"GET /console/intel/runs/{id}", "/console/intel/runs/{run_partner}", "------YYY"},           // the staff and the source's owner
	{"GET /console/intel/sources/new", "/console/intel/sources/new", staff},
	{"GET /console/intel/sources/{id}", "/console/intel/sources/{src_partner}", "------YYY"},
	{"GET /console/intel/warninglists", "/console/intel/warninglists", signedIn},
	{"GET /console/intel/warninglists/{id}", "/console/intel/warninglists/private-networks", signedIn},

	// The API.
	{"GET /api/v1/openapi.json", "/api/v1/openapi.json", everyone},
	{"GET /api/v1/me", "/api/v1/me", signedIn},
	{"GET /api/v1/me/tokens", "/api/v1/me/tokens", signedIn},
	{"GET /api/v1/users", "/api/v1/users", staff},
	{"GET /api/v1/users/{id}", "/api/v1/users/{firstbank_soc}", staff},
	{"GET /api/v1/audit", "/api/v1/audit", staff},
	{"GET /api/v1/audit/verify", "/api/v1/audit/verify", staff},
	{"GET /api/v1/jobs", "/api/v1/jobs", staff},
	{"GET /api/v1/jobs/{id}", "/api/v1/jobs/{job}", staff},
	{"GET /api/v1/orgs", "/api/v1/orgs", signedIn},
	{"GET /api/v1/orgs/export", "/api/v1/orgs/export", signedIn},
	{"GET /api/v1/orgs/{id}", "/api/v1/orgs/{firstbank}", "----YYYY-"},
	{"GET /api/v1/orgs/{id}", "/api/v1/orgs/{karakoram}", staff},
	{"GET /api/v1/orgs/{id}", "/api/v1/orgs/{bankcert}", signedIn},
	{"GET /api/v1/orgs/{id}/members", "/api/v1/orgs/{firstbank}/members", "----Y-YY-"},
	{"GET /api/v1/orgs/{id}/overlaps", "/api/v1/orgs/{firstbank}/overlaps", "----YYYY-"},
	{"GET /api/v1/orgs/{id}/webhooks", "/api/v1/orgs/{firstbank}/webhooks", "----Y-YY-"},
	{"GET /api/v1/public/pgp-key", "/api/v1/public/pgp-key", everyone},
	{"GET /api/v1/public/reports/follow", "/api/v1/public/reports/follow?key={follow}", "-Y-------"},
	{"GET /api/v1/reports", "/api/v1/reports", signedIn},
	{"GET /api/v1/reports/{id}", "/api/v1/reports/{report_bank}", "-----YYY-"},
	{"GET /api/v1/reports/{id}", "/api/v1/reports/{report_cc}", staff},
	{"GET /api/v1/reports/{id}/attachments/{attachment_id}", "/api/v1/reports/{report_bank}/attachments/{attachment}", "-----YYY-"},
	{"GET /api/v1/reports/{id}/duplicates", "/api/v1/reports/{report_bank}/duplicates", "-----YYY-"},
	{"GET /api/v1/cases", "/api/v1/cases", signedIn},
	{"GET /api/v1/cases/{id}", "/api/v1/cases/{case_disclosed}", signedIn},
	{"GET /api/v1/cases/{id}", "/api/v1/cases/{case_embargo}", staff},
	{"GET /api/v1/cases/{id}/handoff", "/api/v1/cases/{case_disclosed}/handoff", staff},
	{"GET /api/v1/cases/{id}/threads/{thread_id}", "/api/v1/cases/{case_disclosed}/threads/{vendor_thread}", "--Y---YY-"},
	{"GET /api/v1/cases/{id}/vulnerabilities/{vuln_id}/cve-record", "/api/v1/cases/{case_embargo}/vulnerabilities/{vuln_cve}/cve-record", staff},
	{"GET /api/v1/vdp/rules", "/api/v1/vdp/rules", staff},
	{"GET /api/v1/vdp/settings", "/api/v1/vdp/settings", staff},
	{"GET /api/v1/vdp/stats", "/api/v1/vdp/stats", certs},
	{"GET /api/v1/advisories", "/api/v1/advisories", signedIn}, // published revisions, as on the website
	{"GET /api/v1/advisories/{id}", "/api/v1/advisories/{adv_clear_id}", signedIn},
	{"GET /api/v1/advisories/{id}", "/api/v1/advisories/{adv_amber}", "----YYYY-"},
	{"GET /api/v1/advisories/{id}", "/api/v1/advisories/{adv_red}", staff},
	{"GET /api/v1/advisories/{id}", "/api/v1/advisories/{adv_draft_id}", staff}, // a draft is the console's
	{"GET /api/v1/advisories/{id}/csaf", "/api/v1/advisories/{adv_clear_id}/csaf", signedIn},
	{"GET /api/v1/advisories/{id}/csaf", "/api/v1/advisories/{adv_red}/csaf", staff},
	{"GET /api/v1/intel/asn-table", "/api/v1/intel/asn-table", signedIn},
	{"GET /api/v1/intel/collections", "/api/v1/intel/collections", signedIn},
	{"GET /api/v1/intel/collections/{id}/export", "/api/v1/intel/collections/community/export", signedIn},
	{"GET /api/v1/intel/collections/{id}/export", "/api/v1/intel/collections/org-{firstbank}/export", "----YYYY-"},
	{"GET /api/v1/intel/collections/{id}/misp/{file}", "/api/v1/intel/collections/community/misp/manifest.json", signedIn},
	{"GET /api/v1/intel/digests/{org_id}", "/api/v1/intel/digests/{firstbank}", "----YYYY-"},
	{"GET /api/v1/intel/observables", "/api/v1/intel/observables", signedIn},
	{"GET /api/v1/intel/actors", "/api/v1/intel/actors", signedIn},
	{"GET /api/v1/intel/actors/{id}", "/api/v1/intel/actors/{actor_viper}", signedIn},
	{"GET /api/v1/intel/actors/{id}", "/api/v1/intel/actors/{actor_campaign}", "------YYY"},
	{"GET /api/v1/intel/observables/{id}", "/api/v1/intel/observables/{obs_bank}", signedIn},
	{"GET /api/v1/intel/observables/{id}", "/api/v1/intel/observables/{obs_red}", "------YYY"},
	{"GET /api/v1/intel/runs", "/api/v1/intel/runs", signedIn},
	{"GET /api/v1/intel/runs/{id}", "/api/v1/intel/runs/{run_partner}", "------YYY"},
	{"GET /api/v1/intel/sources", "/api/v1/intel/sources", signedIn},
	{"GET /api/v1/intel/sources/{id}", "/api/v1/intel/sources/{src_partner}", "------YYY"},
	{"GET /api/v1/intel/sources/{id}/runs", "/api/v1/intel/sources/{src_partner}/runs", "------YYY"},
	{"GET /api/v1/labs", "/api/v1/labs", everyone},
	{"GET /api/v1/labs/{id}", "/api/v1/labs/{lab}", everyone},
	{"GET /api/v1/labs/{id}/scorecard", "/api/v1/labs/{lab}/scorecard", "---Y--YY-"}, // staff and the lab
	{"GET /api/v1/catalogues", "/api/v1/catalogues", everyone},
	{"GET /console/procurement", "/console/procurement", signedIn},
	{"GET /console/procurement/labs/{id}", "/console/procurement/labs/{lab}", signedIn},
	{"GET /console/procurement/catalogues/{category}", "/console/procurement/catalogues/firewall", signedIn},
	{"GET /console/procurement/evaluations", "/console/procurement/evaluations", signedIn},
	{"GET /console/alerts", "/console/alerts", signedIn},
	{"GET /console/alerts/new", "/console/alerts/new", staff},
	{"GET /console/alerts/{id}", "/console/alerts/{alert}", "----YYYY-"},
	{"GET /alerts/ack", "/alerts/ack?key=not-one-the-center-sent", "---------"},         // the key is only in the mail to each recipient
	{"GET /console/incidents", "/console/incidents", signedIn},                          // each the incidents it is a party to
	{"GET /console/incidents/new", "/console/incidents/new", "--YYYYYYY"},               // members above viewer report for their organisation
	{"GET /console/incidents/figures", "/console/incidents/figures", signedIn},          // figures over what each may read
	{"GET /console/incidents/{id}", "/console/incidents/{incident_bank}", "----YYYY-"},  // the reporter, its CERT, the center
	{"GET /console/incidents/{id}", "/console/incidents/{incident_telco}", "------YY-"}, // another sector's: not BankCERT's
	{"GET /console/incidents/{id}/attachments/{file}", "/console/incidents/{incident_bank}/attachments/{incident_file}", "----YYYY-"},
	{"GET /console/threads/{id}/attachments/{file}", "/console/threads/{thread}/attachments/{thread_file}", "-----Y---"},
	{"GET /console/threads", "/console/threads", signedIn},                  // each its organisations' threads
	{"GET /console/threads/new", "/console/threads/new", "--YYYYY-Y"},       // members above viewer open threads (not the admin, of no organisation)
	{"GET /console/threads/{id}", "/console/threads/{thread}", "-----Y---"}, // BankCERT's with TelcoCERT and nCERT: not the center's
	{"GET /report-incident", "/report-incident", everyone},                  // the public form
	{"GET /console/training", "/console/training", signedIn},
	{"GET /console/training/courses", "/console/training/courses", signedIn},
	{"GET /console/training/courses/new", "/console/training/courses/new", staff},
	{"GET /console/training/courses/{id}", "/console/training/courses/{course}", signedIn},
	{"GET /console/training/sessions/new", "/console/training/sessions/new", staff},
	{"GET /console/training/sessions/{id}", "/console/training/sessions/{session}", signedIn}, // the enrolments on it as each may read them
	{"GET /console/training/capacity", "/console/training/capacity", signedIn},                // over the organisations each may see
	{"GET /certificates", "/certificates", everyone},
	{"GET /certificates/{code}", "/certificates/{certificate}", everyone}, // what is printed on it, to anyone with the code
	{"GET /certificates/{code}/certificate.pdf", "/certificates/{certificate}/certificate.pdf", everyone},
	{"GET /certificates/{code}/certificate.txt.asc", "/certificates/{certificate}/certificate.txt.asc", everyone},
	{"GET /api/v1/courses", "/api/v1/courses", signedIn},
	{"GET /api/v1/courses/{id}", "/api/v1/courses/{course}", signedIn},
	{"GET /api/v1/sessions", "/api/v1/sessions", signedIn},
	{"GET /api/v1/sessions/{id}", "/api/v1/sessions/{session}", signedIn},
	{"GET /api/v1/enrolments", "/api/v1/enrolments", signedIn},                          // each those it may read
	{"GET /api/v1/enrolments/{id}", "/api/v1/enrolments/{enrolment_bank}", "----YYYY-"}, // the bank, its CERT, the center
	{"GET /api/v1/enrolments/{id}", "/api/v1/enrolments/{enrolment_power}", staff},      // another sector's constituent
	{"GET /api/v1/certificates/{code}", "/api/v1/certificates/{certificate}", everyone},
	{"GET /api/v1/training/capacity", "/api/v1/training/capacity", signedIn},
	{"GET /console/periodic-reports", "/console/periodic-reports", signedIn}, // each the reports of its CERTs (none, for most)
	{"GET /console/periodic-reports/rollup", "/console/periodic-reports/rollup", staff},
	{"GET /console/periodic-reports/schedules", "/console/periodic-reports/schedules", signedIn},
	{"GET /console/periodic-reports/{id}", "/console/periodic-reports/{periodic_bank}", "-----YYY-"}, // BankCERT's: its members and the center
	{"GET /api/v1/periodic-report-schedules", "/api/v1/periodic-report-schedules", signedIn},
	{"GET /api/v1/periodic-reports", "/api/v1/periodic-reports", signedIn},
	{"GET /api/v1/periodic-reports/rollup", "/api/v1/periodic-reports/rollup", staff},
	{"GET /api/v1/periodic-reports/{id}", "/api/v1/periodic-reports/{periodic_bank}", "-----YYY-"},
	{"GET /console/assessments", "/console/assessments", signedIn},            // each the assessments it reads (none, for most)
	{"GET /console/assessments/new", "/console/assessments/new", "-----YYY-"}, // a CERT's analysts with constituents, the center
	{"GET /console/assessments/baselines", "/console/assessments/baselines", signedIn},
	{"GET /console/assessments/baselines/{baseline}", "/console/assessments/baselines/national-policy", signedIn},
	{"GET /console/assessments/maturity", "/console/assessments/maturity", signedIn},      // over what each reads
	{"GET /console/assessments/{id}", "/console/assessments/{assess_bank}", "----YYYY-"},  // First Bank's: the bank, BankCERT (the assessor), the center
	{"GET /console/assessments/{id}", "/console/assessments/{assess_telco}", "---Y--YY-"}, // Karakoram's, assessed by the lab: the lab, the center
	{"GET /api/v1/baselines", "/api/v1/baselines", signedIn},
	{"GET /api/v1/baselines/{baseline}", "/api/v1/baselines/national-policy", signedIn},
	{"GET /api/v1/baselines/{baseline}/versions", "/api/v1/baselines/national-policy/versions", signedIn},
	{"GET /console/hygiene", "/console/hygiene", signedIn}, // over what each reads
	{"GET /console/hygiene/findings", "/console/hygiene/findings", signedIn},
	{"GET /console/hygiene/organisations/{id}", "/console/hygiene/organisations/{firstbank}", "----YYYY-"}, // the bank, BankCERT, the center
	{"GET /console/hygiene/organisations/{id}", "/console/hygiene/organisations/{karakoram}", staff},       // TelcoCERT's constituent
	{"GET /console/hygiene/runs/{id}", "/console/hygiene/runs/{hygiene_bank}", "----YYYY-"},
	{"GET /api/v1/hygiene/catalogue", "/api/v1/hygiene/catalogue", signedIn},
	{"GET /api/v1/hygiene/rollup", "/api/v1/hygiene/rollup", signedIn},
	{"GET /api/v1/hygiene/findings", "/api/v1/hygiene/findings", signedIn},
	{"GET /api/v1/hygiene/organisations/{id}", "/api/v1/hygiene/organisations/{firstbank}", "----YYYY-"},
	{"GET /api/v1/hygiene/organisations/{id}", "/api/v1/hygiene/organisations/{karakoram}", staff},
	{"GET /api/v1/hygiene/runs/{id}", "/api/v1/hygiene/runs/{hygiene_bank}", "----YYYY-"},
	{"GET /console/telemetry", "/console/telemetry", signedIn},                                          // over what each reads
	{"GET /console/telemetry/gateways/{id}", "/console/telemetry/gateways/{gateway_bank}", "----YYYY-"}, // the bank, BankCERT, the center
	{"GET /console/telemetry/gateways/{id}", "/console/telemetry/gateways/{gateway_telco}", staff},
	{"GET /console/telemetry/anomalies/{id}", "/console/telemetry/anomalies/{anomaly_bank}", "----YYYY-"},
	{"GET /api/v1/telemetry/gateways", "/api/v1/telemetry/gateways", signedIn},
	{"GET /api/v1/telemetry/gateways/{id}", "/api/v1/telemetry/gateways/{gateway_bank}", "----YYYY-"},
	{"GET /api/v1/telemetry/gateways/{id}", "/api/v1/telemetry/gateways/{gateway_telco}", staff},
	{"GET /api/v1/telemetry/gateways/{id}/series", "/api/v1/telemetry/gateways/{gateway_bank}/series", "----YYYY-"},
	{"GET /api/v1/telemetry/anomalies", "/api/v1/telemetry/anomalies", signedIn},
	{"GET /api/v1/telemetry/anomalies/{id}", "/api/v1/telemetry/anomalies/{anomaly_bank}", "----YYYY-"},
	{"GET /console/situation", "/console/situation", signedIn}, // the picture of what each reads
	{"GET /console/situation/board", "/console/situation/board", signedIn},
	{"GET /api/v1/situation", "/api/v1/situation", signedIn},
	{"GET /api/v1/assessments", "/api/v1/assessments", signedIn},
	{"GET /api/v1/assessments/due", "/api/v1/assessments/due", signedIn},
	{"GET /api/v1/assessments/maturity", "/api/v1/assessments/maturity?baseline=national-policy", signedIn},
	{"GET /api/v1/assessments/{id}", "/api/v1/assessments/{assess_bank}", "----YYYY-"},
	{"GET /api/v1/assessments/{id}", "/api/v1/assessments/{assess_telco}", "---Y--YY-"},
	{"GET /console/maturity", "/console/maturity", signedIn}, // each what it reads (none, for most)
	{"GET /console/maturity/history", "/console/maturity/history", signedIn},
	{"GET /console/maturity/{id}", "/console/maturity/{maturity_bank}", "-----YYY-"}, // BankCERT's: its members, the National CERT, the center
	{"GET /api/v1/maturity/model", "/api/v1/maturity/model", signedIn},
	{"GET /api/v1/maturity", "/api/v1/maturity", signedIn},
	{"GET /api/v1/maturity/history", "/api/v1/maturity/history?org_id={bankcert}", signedIn}, // an empty history to those who read none of it
	{"GET /api/v1/maturity/{id}", "/api/v1/maturity/{maturity_bank}", "-----YYY-"},
	{"GET /console/council", "/console/council", signedIn},              // the council's members its meetings, others their organisations' actions
	{"GET /console/council/members", "/console/council/members", staff}, // the council's members (none of the matrix's but staff)
	{"GET /console/council/meetings/new", "/console/council/meetings/new", staff},
	{"GET /console/council/meetings/{id}", "/console/council/meetings/{meeting_held}", staff},
	{"GET /console/council/meetings/{id}/invite.ics", "/console/council/meetings/{meeting_held}/invite.ics", staff},
	{"GET /console/council/decisions", "/console/council/decisions", staff},
	{"GET /console/council/meetings/{id}/papers/{paper}", "/console/council/meetings/{meeting_held}/papers/{paper}", staff},
	{"GET /console/council/actions", "/console/council/actions", signedIn}, // each its organisations' (all, for the council)
	{"GET /council", "/council", everyone},                                 // the published summaries
	{"GET /api/v1/council/members", "/api/v1/council/members", staff},
	{"GET /api/v1/council/meetings", "/api/v1/council/meetings", staff},
	{"GET /api/v1/council/meetings/{id}", "/api/v1/council/meetings/{meeting_held}", staff},
	{"GET /api/v1/council/meetings/{id}/invite.ics", "/api/v1/council/meetings/{meeting_held}/invite.ics", staff},
	{"GET /api/v1/council/decisions", "/api/v1/council/decisions", staff},
	{"GET /api/v1/council/meetings/{id}/papers/{paper}", "/api/v1/council/meetings/{meeting_held}/papers/{paper}", staff},
	{"GET /api/v1/council/actions", "/api/v1/council/actions", signedIn},
	{"GET /api/v1/public/council/summaries", "/api/v1/public/council/summaries", everyone},
	{"GET /console/federation", "/console/federation", staff}, // links with other instances: the center's staff
	{"GET /console/federation/{id}", "/console/federation/{link}", staff},
	{"GET /api/v1/federation/links", "/api/v1/federation/links", staff},
	{"GET /api/v1/federation/links/{id}", "/api/v1/federation/links/{link}", staff},
	{"GET /api/v1/federation/csaf-providers", "/api/v1/federation/csaf-providers", staff},
	{"GET /api/v1/federation/directory", "/api/v1/federation/directory", nobody}, // a linked instance's account only
	{"GET /api/v1/federation/csaf-providers/{id}", "/api/v1/federation/csaf-providers/{csaf_provider}", staff},
	{"GET /.well-known/csaf-aggregator/aggregator.json", "/.well-known/csaf-aggregator/aggregator.json", nobody}, // public once a provider was read; none here
	{"GET /.well-known/csaf-aggregator/{slug}/{file...}", "/.well-known/csaf-aggregator/{csaf_slug}/provider-metadata.json", nobody},
	{"GET /console/training/exercises", "/console/training/exercises", signedIn}, // each those its organisations take part in
	{"GET /console/training/exercises/new", "/console/training/exercises/new", staff},
	{"GET /console/training/exercises/{id}", "/console/training/exercises/{exercise_bank}", "----YYYY-"}, // the bank and BankCERT take part
	{"GET /console/training/exercises/{id}", "/console/training/exercises/{exercise_telco}", staff},
	{"GET /api/v1/exercises", "/api/v1/exercises", signedIn},
	{"GET /api/v1/exercises/{id}", "/api/v1/exercises/{exercise_bank}", "----YYYY-"},
	{"GET /api/v1/exercises/{id}", "/api/v1/exercises/{exercise_telco}", staff},
	{"GET /report-incident/follow", "/report-incident/follow?key={incident_follow}", "-Y-------"},  // only the citizen holds the key
	{"GET /console/procurement/evaluations/new", "/console/procurement/evaluations/new", signedIn}, // the demo's accounts are all above viewer
	{"GET /console/procurement/evaluations/{id}", "/console/procurement/evaluations/{eval_approved}", "--YY--YY-"},
	{"GET /console/procurement/evaluations/{id}", "/console/procurement/evaluations/{eval_bank}", "---YY-YY-"},
	{"GET /console/procurement/evaluations/{id}/files/{file}", "/console/procurement/evaluations/{eval_approved}/files/{eval_report}", "---Y--YY-"},
	{"GET /console/procurement/products/{id}", "/console/procurement/products/{product}", staff},
	{"GET /approved-products", "/approved-products", everyone},
	{"GET /approved-products/feed.atom", "/approved-products/feed.atom", everyone},
	{"GET /approved-products/{id}", "/approved-products/{product}", everyone},
	{"GET /api/v1/catalogues/{category}", "/api/v1/catalogues/firewall", everyone},
	{"GET /api/v1/catalogues/{category}/versions", "/api/v1/catalogues/firewall/versions", everyone},
	{"GET /api/v1/evaluations", "/api/v1/evaluations", signedIn},
	{"GET /api/v1/evaluations/{id}", "/api/v1/evaluations/{eval_approved}", "--YY--YY-"},  // the vendor's, tested by the lab
	{"GET /api/v1/evaluations/{id}", "/api/v1/evaluations/{eval_requested}", "--Y---YY-"}, // no lab assigned yet
	{"GET /api/v1/evaluations/{id}", "/api/v1/evaluations/{eval_bank}", "---YY-YY-"},      // requested by the bank
	{"GET /api/v1/evaluations/{id}/sbom-check", "/api/v1/evaluations/{eval_approved}/sbom-check", "---Y--YY-"},
	{"GET /api/v1/evaluations/{id}/files/{file}", "/api/v1/evaluations/{eval_approved}/files/{eval_report}", "---Y--YY-"},
	{"GET /api/v1/approved-products", "/api/v1/approved-products", everyone},
	{"GET /api/v1/approved-products/export", "/api/v1/approved-products/export", everyone},
	{"GET /api/v1/approved-products/{id}", "/api/v1/approved-products/{product}", everyone},
	{"GET /api/v1/approved-products/{id}/in-use", "/api/v1/approved-products/{product}/in-use", signedIn}, // each its own
	{"GET /api/v1/intel/warninglists", "/api/v1/intel/warninglists", signedIn},
	{"GET /api/v1/intel/warninglists/{id}", "/api/v1/intel/warninglists/private-networks", signedIn},
	{"GET /api/v1/alerts", "/api/v1/alerts", signedIn}, // each the alerts it sees
	{"GET /api/v1/incidents", "/api/v1/incidents", signedIn},
	{"GET /api/v1/incidents/figures", "/api/v1/incidents/figures", signedIn},
	{"GET /api/v1/incidents/{id}", "/api/v1/incidents/{incident_bank}", "----YYYY-"},
	{"GET /api/v1/incidents/{id}", "/api/v1/incidents/{incident_telco}", "------YY-"},
	{"GET /api/v1/incident-regimes", "/api/v1/incident-regimes", signedIn},
	{"GET /api/v1/incidents/{id}/attachments/{file}", "/api/v1/incidents/{incident_bank}/attachments/{incident_file}", "----YYYY-"},
	{"GET /api/v1/threads/{id}/attachments/{file}", "/api/v1/threads/{thread}/attachments/{thread_file}", "-----Y---"},
	{"GET /api/v1/threads", "/api/v1/threads", signedIn},
	{"GET /api/v1/threads/{id}", "/api/v1/threads/{thread}", "-----Y---"},
	{"GET /api/v1/public/incidents/follow", "/api/v1/public/incidents/follow?key={incident_follow}", "-Y-------"},
	{"GET /api/v1/alerts/{id}", "/api/v1/alerts/{alert}", "----YYYY-"}, // BankCERT's and its banks'
	{"GET /api/v1/advisories/{id}/acknowledgements", "/api/v1/advisories/{alert_adv}/acknowledgements", "----YYYY-"},

	// TAXII 2.1.
	{"GET /taxii2/{$}", "/taxii2/", signedIn},
	{"GET /taxii2/api/{$}", "/taxii2/api/", signedIn},
	{"GET /taxii2/api/collections/{$}", "/taxii2/api/collections/", signedIn},
	{"GET /taxii2/api/collections/{cid}/{$}", "/taxii2/api/collections/community/", signedIn},
	{"GET /taxii2/api/collections/{cid}/{$}", "/taxii2/api/collections/org-{firstbank}/", "----YYYY-"},
	{"GET /taxii2/api/collections/{cid}/{$}", "/taxii2/api/collections/center/", staff},
	{"GET /taxii2/api/collections/{cid}/manifest/{$}", "/taxii2/api/collections/community/manifest/", signedIn},
	{"GET /taxii2/api/collections/{cid}/objects/{$}", "/taxii2/api/collections/community/objects/", signedIn},
	{"GET /taxii2/api/collections/{cid}/objects/{oid}/{$}", "/taxii2/api/collections/community/objects/{stix_clear}/", signedIn},
	{"GET /taxii2/api/collections/{cid}/objects/{oid}/versions/{$}", "/taxii2/api/collections/community/objects/{stix_clear}/versions/", signedIn},
	{"GET /taxii2/api/status/{id}/{$}", "/taxii2/api/status/{taxii_status}/", staff}, // the coordinator's own POST
}

// TestAccessMatrix reads every row as every role on the demo, on both
// engines, and fails on any answer the row does not expect, on a row whose
// path does not reach its route, and on a GET route no row covers.
func TestAccessMatrix(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) { accessMatrix(t, engine) })
	}
}

func accessMatrix(t *testing.T, engine db.Engine) {
	s := apptest.Start(t, apptest.Options{Engine: engine, Demo: true})
	ids := matrixObjects(t, s)

	covered := map[string]bool{}
	for _, r := range matrixRows {
		covered[r.route] = true
	}
	var missing []string
	for _, rt := range s.Router.Routes() {
		if rt.Method == "GET" && !covered["GET "+rt.Path] {
			missing = append(missing, "GET "+rt.Path)
		}
	}
	if len(missing) > 0 {
		t.Errorf("read paths without a row in the access matrix (say who may read them):\n  %s", strings.Join(missing, "\n  "))
	}

	type caller struct {
		role  string
		token string
		web   *apptest.Client
		basic string // the TAXII client's e-mail: HTTP Basic with its token
	}
	callers := make([]caller, len(matrixRoles))
	for i, r := range matrixRoles {
		callers[i].role = r.name
		if r.email == "" {
			continue
		}
		scopes := []auth.Scope{auth.ScopeRead, auth.ScopeWrite}
		switch r.key {
		case "d":
			scopes = append(scopes, auth.ScopeAdmin)
		case "t":
			scopes = []auth.Scope{auth.ScopeRead}
			callers[i].basic = r.email
		}
		if r.key != "t" {
			callers[i].web = s.Client()
			callers[i].web.Login(r.email, map[bool]string{true: apptest.AdminPassword, false: demo.Password}[r.email == "admin@localhost"])
		}
		callers[i].token = s.Token(r.email, scopes...)
	}

	observed := map[string]string{}
	for _, row := range matrixRows {
		if len(row.want) != len(matrixRoles) {
			t.Fatalf("%s: want %q has %d letters, not one a role", row.path, row.want, len(row.want))
		}
		var got strings.Builder
		for i, c := range callers {
			path := fill(t, row.path, ids, matrixRoles[i].key == "r")
			req, err := http.NewRequest("GET", s.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if pattern := s.Router.Pattern(req); pattern != row.route {
				t.Fatalf("%s reaches %q, not %q", path, pattern, row.route)
			}
			api := strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/taxii2/") || strings.HasPrefix(path, "/.well-known/csaf/")
			if strings.HasPrefix(path, "/taxii2/") {
				req.Header.Set("Accept", "application/taxii+json;version=2.1")
			}
			client := http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			switch {
			case c.basic != "" && strings.HasPrefix(path, "/taxii2/"):
				req.SetBasicAuth(c.basic, c.token)
			case c.token != "" && (api || c.web == nil):
				req.Header.Set("Authorization", "Bearer "+c.token)
			case c.web != nil:
				client = *c.web.HTTP
			}
			res := s.Do(&client, req)
			letter := "?"
			switch loc := res.Header.Get("Location"); {
			case res.Status >= 200 && res.Status < 300, res.Status >= 300 && res.Status < 400 && !strings.HasPrefix(loc, "/login"):
				letter = "Y"
			case res.Status == 401, res.Status == 403, res.Status == 404, res.Status >= 300 && res.Status < 400:
				letter = "-"
			default:
				t.Errorf("%s as %s: %d, neither allowed nor denied\n%s", path, c.role, res.Status, res.Body)
			}
			got.WriteString(letter)
			if letter != "?" && letter != string(row.want[i]) {
				verb := map[string]string{"Y": "reads", "-": "is refused"}[letter]
				t.Errorf("%s %s %s (%d); the matrix says %q", c.role, verb, path, res.Status, row.want[i])
			}
		}
		observed[row.path] = got.String()
	}
	if os.Getenv("CERTHUB_MATRIX_PRINT") != "" {
		keys := make([]string, 0, len(observed))
		for k := range observed {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Printf("%s  %s\n", observed[k], k)
		}
	}
}

// fill puts the demo's objects into a row's path; the follow link's key
// is the reporter's only, others hold a wrong one.
func fill(t *testing.T, path string, ids map[string]string, reporter bool) string {
	t.Helper()
	for {
		start := strings.Index(path, "{")
		if start < 0 {
			return path
		}
		end := strings.Index(path[start:], "}") + start
		name := path[start+1 : end]
		v, ok := ids[name]
		if (name == "follow" || name == "incident_follow") && !reporter {
			v, ok = "not-the-key", true
		}
		if !ok {
			t.Fatalf("the matrix names {%s}, which matrixObjects does not find", name)
		}
		path = path[:start] + v + path[end+1:]
	}
}

// matrixObjects finds (or makes) the demo's objects the rows read.
func matrixObjects(t *testing.T, s *apptest.Server) map[string]string {
	t.Helper()
	ctx := context.Background()
	ids := map[string]string{}
	one := func(name, q string, args ...any) {
		t.Helper()
		var v string
		if err := s.DB.QueryRow(ctx, q, args...).Scan(&v); err != nil {
			t.Fatalf("matrix object %s: %v", name, err)
		}
		ids[name] = v
	}
	one("firstbank", `SELECT id FROM orgs WHERE name = 'First Example Bank'`)
	one("karakoram", `SELECT id FROM orgs WHERE name = 'Karakoram Telecom'`)
	one("bankcert", `SELECT id FROM orgs WHERE name = 'Banking Sector CERT'`)
	one("lab", `SELECT id FROM orgs WHERE name = 'National Cyber Security Testing Lab'`)
	one("firstbank_soc", `SELECT id FROM users WHERE email = 'soc@firstbank.example'`)
	one("adv_clear", `SELECT tracking_id FROM advisories WHERE pub_tlp = 'CLEAR' AND kind = 'advisory' ORDER BY tracking_id LIMIT 1`)
	one("adv_clear_id", `SELECT id FROM advisories WHERE tracking_id = $1`, ids["adv_clear"])
	one("adv_amber", `SELECT tracking_id FROM advisories WHERE pub_tlp = 'AMBER' AND kind = 'alert'`)
	one("adv_red", `SELECT tracking_id FROM advisories WHERE pub_tlp = 'RED'`)
	one("adv_draft_id", `SELECT id FROM advisories WHERE published_version = 0 ORDER BY tracking_id LIMIT 1`)
	one("year", `SELECT SUBSTR(tracking_id, 7, 4) FROM advisories WHERE tracking_id = $1`, ids["adv_clear"])
	one("case_disclosed", `SELECT id FROM vdp_cases WHERE status = 'disclosed'`)
	one("case_embargo", `SELECT id FROM vdp_cases WHERE status = 'coordinating'`)
	one("vendor_thread", `SELECT t.id FROM vdp_threads t JOIN orgs o ON o.id = t.vendor_org_id WHERE t.case_id = $1 AND o.name = 'Examplesoft Ltd'`, ids["case_disclosed"])
	one("vuln_cve", `SELECT id FROM vdp_vulns WHERE case_id = $1 AND cve_id IS NOT NULL`, ids["case_embargo"])
	one("report_cc", `SELECT r.id FROM vdp_reports r JOIN orgs o ON o.id = r.assigned_org_id WHERE o.kind = 'coordination_center' ORDER BY r.tracking_id LIMIT 1`)
	one("job", `SELECT CAST(id AS TEXT) FROM river_job ORDER BY id LIMIT 1`)
	one("obs_bank", `SELECT CAST(id AS TEXT) FROM intel_observables WHERE value = '198.51.100.10'`)
	one("obs_red", `SELECT CAST(id AS TEXT) FROM intel_observables WHERE value = '192.0.2.245'`)
	one("actor_viper", `SELECT actor_id FROM intel_actor_claims WHERE name = 'Indus Viper'`)
	one("actor_campaign", `SELECT actor_id FROM intel_actor_claims WHERE name = 'Operation Monsoon Ledger'`)
	one("src_partner", `SELECT id FROM intel_sources WHERE name = 'Examplia CSIRT liaison'`)
	one("run_partner", `SELECT r.id FROM intel_runs r JOIN intel_sources s ON s.num = r.source_num WHERE s.name = 'Examplia CSIRT liaison'`)
	one("eval_approved", `SELECT id FROM procurement_evaluations WHERE product = 'Edge Firewall' AND version = '9.2'`)
	one("eval_requested", `SELECT id FROM procurement_evaluations WHERE product = 'Edge Firewall' AND version = '10.0'`)
	one("eval_bank", `SELECT id FROM procurement_evaluations WHERE product = 'SecureGate VPN'`)
	one("eval_report", `SELECT id FROM procurement_evaluation_files WHERE evaluation_id = $1 AND kind = 'report'`, ids["eval_approved"])
	one("product", `SELECT id FROM procurement_products WHERE product = 'Edge Firewall'`)
	one("alert", `SELECT id FROM coordination_alerts ORDER BY created_at LIMIT 1`)
	one("alert_adv", `SELECT advisory_id FROM coordination_alerts WHERE id = $1`, ids["alert"])
	one("incident_bank", `SELECT id FROM coordination_incidents WHERE title LIKE 'Phishing campaign imitating%'`)
	one("incident_telco", `SELECT id FROM coordination_incidents WHERE title LIKE 'Volumetric DDoS%'`)
	one("thread", `SELECT id FROM coordination_threads WHERE title LIKE 'Web shell%'`)
	one("incident_file", `SELECT id FROM coordination_incident_files WHERE incident_id = $1`, ids["incident_bank"])
	one("thread_file", `SELECT id FROM coordination_thread_files WHERE thread_id = $1`, ids["thread"])
	one("course", `SELECT id FROM training_courses WHERE title = 'Incident handling foundations'`)
	one("session", `SELECT s.id FROM training_sessions s WHERE s.course_id = $1 AND s.online`, ids["course"])
	one("enrolment_bank", `SELECT e.id FROM training_enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = 'soc@firstbank.example' AND e.status = 'completed'`)
	one("enrolment_power", `SELECT e.id FROM training_enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = 'scada@cpdc.example'`)
	one("exercise_bank", `SELECT id FROM training_exercises WHERE title = 'Ransomware in the banking sector'`)
	one("exercise_telco", `SELECT id FROM training_exercises WHERE title = 'DDoS on the mobile core'`)
	one("periodic_bank", `SELECT r.id FROM governance_reports r JOIN orgs o ON o.id = r.org_id WHERE o.name = 'Banking Sector CERT' ORDER BY r.period LIMIT 1`)
	one("assess_bank", `SELECT a.id FROM governance_assessments a JOIN orgs o ON o.id = a.org_id WHERE o.name = 'First Example Bank'`)
	one("assess_telco", `SELECT a.id FROM governance_assessments a JOIN orgs o ON o.id = a.org_id WHERE o.name = 'Karakoram Telecom'`)
	one("hygiene_bank", `SELECT r.id FROM hygiene_runs r JOIN orgs o ON o.id = r.org_id WHERE o.name = 'First Example Bank' ORDER BY r.created_at DESC LIMIT 1`)
	one("gateway_bank", `SELECT g.id FROM telemetry_gateways g JOIN orgs o ON o.id = g.org_id WHERE o.name = 'First Example Bank'`)
	one("gateway_telco", `SELECT g.id FROM telemetry_gateways g JOIN orgs o ON o.id = g.org_id WHERE o.name = 'Karakoram Telecom'`)
	one("anomaly_bank", `SELECT id FROM telemetry_anomalies WHERE kind = 'known_indicator'`)
	one("maturity_bank", `SELECT m.id FROM governance_maturity m JOIN orgs o ON o.id = m.org_id WHERE o.name = 'Banking Sector CERT' AND m.kind = 'self' ORDER BY m.created_at LIMIT 1`)
	one("meeting_held", `SELECT id FROM governance_meetings WHERE minutes_status = 'approved'`)
	one("paper", `SELECT id FROM governance_papers WHERE meeting_id = $1`, ids["meeting_held"])
	one("certificate", `SELECT code FROM training_certificates WHERE enrolment_id = $1`, ids["enrolment_bank"])
	ids["key_file"] = s.CenterKey.Fingerprint + ".asc"
	link, err := s.Federation.Create(ctx, s.Identity("admin@localhost"), federation.NewLink{PeerOrgID: ids["bankcert"], PeerURL: "https://certhub.bank-cert.example"})
	if err != nil {
		t.Fatal(err)
	}
	ids["link"] = link.ID
	provider, err := s.Federation.AddProvider(ctx, s.Identity("admin@localhost"), federation.NewProvider{URL: "https://vendor.example/.well-known/csaf/provider-metadata.json"})
	if err != nil {
		t.Fatal(err)
	}
	ids["csaf_provider"], ids["csaf_slug"] = provider.ID, provider.Slug
	ids["csaf_file"] = strings.ToLower(ids["adv_clear"]) + ".json"

	// The reporter's report, routed to BankCERT, with a file attached.
	res := s.API("POST", "/api/v1/public/reports", "", map[string]any{"title": "Matrix report", "description": "Read by the matrix.", "vendor": "Examplesoft"})
	if res.Status != http.StatusCreated {
		t.Fatalf("report: %d %s", res.Status, res.Body)
	}
	receipt := res.JSON(t)
	ids["report_bank"] = receipt["id"].(string)
	follow, err := url.Parse(receipt["follow_url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	ids["follow"] = url.QueryEscape(follow.Query().Get("key"))
	if _, err := s.VDP.Reports().Route(ctx, s.Identity("coordinator@cc.example"), ids["report_bank"], ids["bankcert"]); err != nil {
		t.Fatal(err)
	}
	att, err := s.VDP.Reports().AttachByKey(ctx, follow.Query().Get("key"), "poc.txt", strings.NewReader("proof of concept"), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ids["attachment"] = att.ID

	// A citizen's incident report, for its follow link.
	res = s.API("POST", "/api/v1/public/incidents", "", map[string]any{"title": "Matrix incident", "reporter_email": "citizen@mail.example"})
	if res.Status != http.StatusCreated {
		t.Fatalf("incident report: %d %s", res.Status, res.Body)
	}
	incidentFollow, err := url.Parse(res.JSON(t)["follow_url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	ids["incident_follow"] = url.QueryEscape(incidentFollow.Query().Get("key"))

	// A TAXII POST of the coordinator's, for its status.
	coord := s.Token("coordinator@cc.example")
	req, err := http.NewRequest("POST", s.URL+"/taxii2/api/collections/community/objects/", strings.NewReader(`{"objects": []}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
	req.SetBasicAuth("coordinator@cc.example", coord)
	post := s.Do(http.DefaultClient, req)
	if post.Status != http.StatusAccepted {
		t.Fatalf("TAXII POST: %d %s", post.Status, post.Body)
	}
	ids["taxii_status"] = post.JSON(t)["id"].(string)

	// An indicator of the community's the whole community reads (GREEN).
	for _, o := range s.IntelObjects(coord, "community") {
		refs, _ := o["object_marking_refs"].([]any)
		for _, m := range refs {
			if m == "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb" && ids["stix_clear"] == "" {
				ids["stix_clear"] = o["id"].(string)
			}
		}
	}
	if ids["stix_clear"] == "" {
		t.Fatal("the demo's community collection has no GREEN object")
	}
	return ids
}
