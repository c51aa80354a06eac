// Package demo loads the demonstration dataset: a coordination center, the
// national, sectoral, government and provincial CERTs, an international
// partner, a ministry, constituents with networks, ASNs and domains, two
// vendors, an accredited lab, and people in each; and the disclosure
// program's reports and cases in several states. Every address, network and
// AS number comes from the ranges reserved for documentation (RFC 5737,
// RFC 3849, RFC 5398, RFC 2606), so the demo can never point at anyone real.
// Loading is idempotent: the second run does nothing.
package demo
