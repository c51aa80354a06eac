// Package deadline keeps the clocks of incident reports as configuration,
// as NC3-LU's NIS2 notification platform does: a regime is a list of
// steps, each to be done by the reporter or the CERT within a delay (hours
// or calendar months) of an event (detection, awareness, the report, or
// the previous step being done). NIS2 article 23 and the CSIRT's first
// response are built in; staff define others in JSON (ParseRegime,
// fuzzed).
//
// It computes, and stores nothing: given what is known of an incident and
// the time, each step's due time and state (pending, running, overdue,
// met, late) and what falls due next. Whoever stores incidents stores
// their facts and which steps were done when.
package deadline
