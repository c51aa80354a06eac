// Package pages serves the disclosure program's HTML: the public report
// form and follow link (public.go), and in the console the report queue
// and triage (reports.go), cases and their threads (cases.go), and the
// dashboard and settings (settings.go). Its templates (templates/) are
// embedded and parsed once at start-up.
//
// Handlers only read the form, call vdp.Service and render; they hold no
// rule and run no SQL.
package pages
