// Package mailin receives e-mail: an SMTP listener that accepts messages for
// a fixed set of addresses (never a relay) and hands each one, parsed into
// its text and attachments and decrypted when it arrived OpenPGP-encrypted
// (RFC 3156 PGP/MIME or an inline armoured block), to a delivery function.
package mailin
