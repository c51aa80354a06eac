// Package reporting is the periodic reporting of the government and
// sectoral CERTs to the National CERT: a schedule per reporting CERT
// (monthly or quarterly, due so many days after the period), each
// period's report assembled from the platform's own records (incidents
// and their deadlines, vulnerability reports and cases, alerts delivered
// and acknowledged, intelligence shared and routed, people trained) with
// narrative sections, submitted, returned or accepted; and the National
// CERT's roll-up: every CERT's figures side by side and over time, with
// who has not reported.
//
// It is governance's second job, a package of its own: model.go (types,
// periods), store.go (SQL over governance_report* tables), service.go
// (the rules), rollup.go, policy.go (the access rule), api.go, pages.go
// and templates/. The records it counts it asks of Records, implemented
// in app over each domain's own count.
package reporting
