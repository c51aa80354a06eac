// Package hygiene watches the cyber hygiene of every constituent: the
// DNS, mail, web and exposure checks of internal/hygiene/probe run on a
// schedule (River jobs on their own queue, so a global cap holds, each
// run paced by a per-organisation rate limiter) over every domain and
// address range the directory gives an organisation; checks that touch
// the organisation's own hosts run only with the scanning permission it
// granted (who, when, which categories). Results are kept per run; a
// failed check opens a finding that closes itself at the next run that
// sees it pass; findings at or above a severity reach the organisation
// and its CERT in an hourly digest, not one mail each. Every run has a
// score (documented in docs/hygiene.md), rolled up by sector and month.
//
// Its SQL names hygiene_permissions, hygiene_orgs, hygiene_runs,
// hygiene_results, hygiene_findings and hygiene_months only.
package hygiene
