// Package auth is who is who: users and their passwords (argon2id), TOTP,
// browser sessions kept in the database, API tokens (shown once, stored
// hashed, scoped, expiring), one-time e-mailed links, memberships of
// organisations with a role in each, and the request identity every handler
// and service asks "may I?" of.
//
// auth knows organisations only as IDs. Rules that depend on what an
// organisation is (its kind, its place in the hierarchy) belong to the
// directory; auth offers the mechanisms and the identity.
package auth
