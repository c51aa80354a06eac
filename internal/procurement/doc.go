// Package procurement is the center's procurement security testing: the
// accredited labs that evaluate products for the constituents' buyers,
// the criteria catalogues, the evaluations with their SBOM checks, and
// the public approved-products list that the watch puts under review when
// the news names an entry. Labs are directory organisations of kind lab,
// reached through the Orgs interface declared here; the news and the
// hardening guidelines through News and Guidelines. Its SQL names only
// procurement_* tables; who may read and change what is policy.go's.
//
// The HTTP layers are sub-packages (api, pages, files), as are the
// parsers of outside input (sbom, osv, ccportal).
package procurement
