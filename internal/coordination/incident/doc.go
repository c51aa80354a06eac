// Package incident is the hub's incident reports: what constituents report
// through the portal, the API and e-mail and citizens through the public
// form, classified by the reference incident classification (internal/rsit),
// routed to the responsible CERT, handled there (status, assignee, tasks,
// notes with their visibility, links, closure), handed over between CERTs
// explicitly, and timed by the deadline regimes that apply to it
// (internal/coordination/deadline).
//
// It is coordination's second job beside alerts, a package of its own by
// the layout's rule for large domains: the model and its checks
// (model.go), the SQL (store.go), the rules (service.go and the files
// beside it), the access rule (policy.go), the JSON API (api.go) and the
// pages (pages.go, templates/). What it needs of the directory, the
// routing rules and threat intelligence it declares as small interfaces
// (Orgs, Routes, Indicators), wired in app.
package incident
