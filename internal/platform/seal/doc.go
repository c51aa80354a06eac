// Package seal encrypts small secrets at rest (TOTP seeds, webhook secrets)
// with the server key, so a copy of the database alone does not reveal them.
// The key is 32 random bytes from CERTHUB_SECRET_KEY (hex or base64) or, on a
// single node, a key file created in the data directory on first start.
package seal
