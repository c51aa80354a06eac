// Package account is the people side of certhub: signing in and out (with
// TOTP), one's own profile, password, second factor and API tokens, and the
// platform administrators' management of users. The mechanisms are in
// platform/auth; this package holds the rules of who may do what to an
// account, and its pages and API.
package account
