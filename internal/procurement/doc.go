// Package procurement is the center's procurement security testing: the
// accredited labs that evaluate products for the constituents' buyers and
// the categories each may evaluate (this package so far), then criteria
// catalogues, evaluations with SBOMs and the public approved-products list
// (issue 16, in progress). Labs are directory organisations of kind lab,
// reached through the Orgs interface declared here; its SQL names only
// procurement_* tables. Who may read and change what is policy.go's.
package procurement
