// Package coordination is the hub's daily work between organisations:
// alerts that must be acknowledged, per recipient organisation (this
// slice), then incident reports with deadline clocks (deadline computes
// them) and threads between organisations.
//
// An alert asks the audience of a publication of the advisory package
// (reached through Publications, wired in app) to acknowledge it: the
// audience resolves against the directory (Orgs) to recipient
// organisations, each delivered, read when a member opens it, and
// acknowledged with an outcome; silence stays "no answer". Who may read
// which answer is policy.go's. Its SQL names only coordination_* tables.
package coordination
