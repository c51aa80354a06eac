// Package digest sends threat intelligence's digests: each constituent is
// told by e-mail what was routed to it since the last one, aggregated into
// one message per organisation (as IntelMQ's mail generator does) rather
// than one per indicator. The message goes to the organisation's contacts,
// encrypted to its OpenPGP key when it has one; without a key,
// TLP:AMBER+STRICT indicators are counted but not listed (they stay in the
// portal and the organisation's TAXII collection).
//
// The Sender is the hourly job (intel.digests): it reads intel_routes and
// honours each organisation's schedule (intel_digest_settings, one of
// intel.DigestSchedules, set through the root's Service, which holds the
// rule on who may change it). The message itself is intel/routing's.
package digest
