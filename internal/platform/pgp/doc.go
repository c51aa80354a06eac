// Package pgp reads and checks OpenPGP keys with ProtonMail's go-crypto:
// what a key is (fingerprint, user IDs, expiry), whether it can receive
// encrypted mail, and that it is public. Later it signs and encrypts for the
// domains; it never decides who gets what.
package pgp
