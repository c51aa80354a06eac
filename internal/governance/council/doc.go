// Package council is the CERT Council: its members (organisations and
// their representatives, with terms and roles: chair, secretary, member,
// observer), its meetings (agenda items with their papers, attendance and
// apologies, minutes drafted and approved, then sent to the members, and
// a public summary when the council decides), an iCalendar invitation per
// meeting, the decisions register (CD-YYYY-NNN, kind, text, the vote, the
// records it rests on) and action items tracked to done, with reminders
// and an overdue list.
//
// It is governance's first job, a package of its own by the layout's rule
// for large domains: model.go (types and their checks), store.go (SQL
// over governance_* tables), service.go and the files beside it (the
// rules), policy.go (the access rule), api.go, pages.go and templates/.
// What it needs of other domains it declares as Orgs, People and Records,
// wired in app.
package council
