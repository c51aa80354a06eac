// Package training is the center's capacity building: courses (topic,
// level, audience, duration, materials, prerequisites, pass mark), their
// sessions (dates, place or online, seats, trainers), enrolment by
// constituents' staff with approval by their organisation, a waiting list
// that moves up when a seat frees, attendance and results, and a
// certificate of completion signed with the center's OpenPGP key that
// anyone may verify at /certificates/{code} (and offline, with the key).
// Capacity figures count the people trained per organisation and sector,
// by topic and level, against what an organisation's role requires.
//
// It is in the shape of directory: the model and its checks (model.go),
// the SQL (store.go), the rules (service.go, enrol.go), the access rule
// (policy.go), the certificate (certificate.go), the JSON API (api.go)
// and the pages (pages.go, templates/). What it needs of the directory it
// declares as Orgs, wired in app.
package training
